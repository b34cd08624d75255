"""A phone's screen in JupyterLab: the room's front-end modules hosted by anywidget.

``PhoneScreen(store, code, participant)`` shows what that person's phone shows now (the
screen dict of :func:`csikit.room.screens.screen_from_store`, the ``screen`` trait) with
the very modules the join page loads (``csikit/room/static/``), and handles what the
screen sends in Python, through the store and its rules: an analyst can preview a phone
screen and even answer on it (a dot, an idea, "I'm done"), as that person.

How the modules get here: anywidget takes one ES module string (``_esm``), while the shell
(``phone.js``) imports ``./ui.js`` and loads a kind's module on demand by name,
``import(kindUrl(name))``. The page lets the browser fetch ``kinds/<kind>.js`` next to
``phone.js`` (the room server answers it from the kind's folder, ``csikit/kinds/<kind>/phone.js``);
here :func:`bundle` inlines every file of ``static/`` and every kind's ``phone.js`` (under the
key ``kinds/<kind>.js``, its URL on the page: :mod:`csikit.room.kind_assets`) in a small loader
that turns each into a ``blob:`` URL, rewriting the relative specifiers (``"./…"``, ``"../…"``)
of each source to the blob URLs of the files they name, tells the shell where a kind's module
is (``useKindUrl``), and re-exports the shell. No build step: the sources are read as they are
committed.

This is the only module of csikit that imports anywidget; the room server never does.
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import cache
from pathlib import Path

import anywidget
import traitlets as T

from ..errors import CsiError
from ..model import Participant
from .kind_assets import phone_modules
from .screens import screen_from_store

log = logging.getLogger("csikit.room")

STATIC = Path(__file__).with_name("static")

_LOADER = """// csikit.room.preview: the room's modules inlined for anywidget
// (csikit/room/static/*.js; csikit/kinds/<kind>/phone.js as kinds/<kind>.js).
const SOURCES = %s;
const urls = new Map();
function resolve(from, spec) {
  const parts = from.split("/").slice(0, -1);
  for (const part of spec.split("/")) {
    if (part === "." || part === "") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}
function urlOf(path) {
  if (urls.has(path)) return urls.get(path);
  const source = SOURCES[path];
  if (source === undefined) throw new Error(`csikit preview: no module ${path}`);
  const code = source.replace(/(\\bfrom\\s*|\\bimport\\s*\\(\\s*)(["'])(\\.\\.?\\/[^"']+)\\2/g,
    (match, lead, quote, spec) => {
      const target = resolve(path, spec);
      return target in SOURCES ? `${lead}${quote}${urlOf(target)}${quote}` : match;  // e.g. in a comment
    });
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  urls.set(path, url);
  return url;
}
const shell = await import(urlOf("phone.js"));
shell.useKindUrl((name) => (`kinds/${name}.js` in SOURCES ? urlOf(`kinds/${name}.js`) : null));
export default shell.default;
"""


@cache
def bundle() -> str:
    """``_esm``: the loader with every module of ``static/`` (``phone.js``, ``ui.js``) and each
    kind's ``csikit/kinds/<kind>/phone.js`` as ``kinds/<kind>.js`` (where the page finds it)."""
    sources = {
        p.relative_to(STATIC).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(STATIC.rglob("*.js"))
        if p.name != "room.js"
    }  # room.js is the page's host
    sources |= {f"kinds/{name}.js": path.read_text(encoding="utf-8") for name, path in phone_modules().items()}
    # "</script>" never matters in a module string, but keep the JSON safe to embed anywhere
    return _LOADER % json.dumps(sources, ensure_ascii=False).replace("</", "<\\/")


#: In a notebook the screen is drawn in a phone-sized frame (the page's own box is room.css's).
FRAME_CSS = """
.csikit-phone { max-width: 400px; margin: 4px 0; padding: 8px 12px 16px; border: 1px solid #bbb; border-radius: 14px;
  background: #fff; color: #222; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
"""


@cache
def stylesheet() -> str:
    """``_css``: the phone's own rules (all under ``.csikit-phone``) and the frame."""
    return (STATIC / "phone.css").read_text(encoding="utf-8") + FRAME_CSS


class PhoneScreen(anywidget.AnyWidget):
    """One person's phone screen, live in a notebook.

    Parameters
    ----------
    store, code
        The store and the workshop's join code.
    participant
        Whose screen: a :class:`~csikit.model.Participant`, a participant id, a rejoin token,
        or ``None`` (the join screen; joining from it adds a participant to the store).
    follow
        Redraw by itself when the room changes (the store's room signal, or a read every few
        seconds without one). Off by default: call :meth:`refresh`.
    """

    _esm = T.Unicode(bundle()).tag(sync=True)
    _css = T.Unicode(stylesheet()).tag(sync=True)
    screen = T.Dict(help="The phone's whole screen (docs/ROOM-PROTOCOL.md)").tag(sync=True)

    def __init__(
        self,
        store,
        code: str,
        participant: Participant | int | str | None = None,
        *,
        follow: bool = False,
        interval: float = 1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.store, self.code = store, code
        self.participant = self._who(participant)
        self.acks: list[dict] = []  # what the screen was told, newest last (tests and curious analysts)
        self._task = None
        self.on_msg(self._on_msg)
        self.refresh()
        if follow:
            self.follow(interval)

    def _who(self, participant) -> Participant | None:
        if participant is None or isinstance(participant, Participant):
            return participant
        if isinstance(participant, str):
            return self.store.rejoin(self.code, participant)
        found = [p for p in self.store.participants(self.code) if p.id == int(participant)]
        if not found:
            raise CsiError(f"No participant {participant} in workshop {self.code}.")
        return found[0]

    def refresh(self) -> dict:
        """Read this person's screen from the store now."""
        self.screen = screen_from_store(self.store, self.code, self.participant)
        return self.screen

    # --- what the screen sends -----------------------------------------------------------

    def _on_msg(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        try:
            self.handle(content)
        except Exception:  # noqa: BLE001 - a message from the browser must never break the kernel
            log.exception("csikit preview: the screen's %r message failed", content.get("type"))

    def handle(self, msg: dict) -> dict | None:
        """Act on one message from the screen (the room's protocol) as the room server would:
        through the store and its rules. Answers an ``ack`` (when the message has a ``seq``)
        and a fresh screen; returns the ack."""
        kind, seq = msg.get("type"), msg.get("seq")
        ok, error = True, ""
        try:
            self._apply(kind, msg)
        except CsiError as exc:
            ok, error = False, str(exc)
        except (KeyError, TypeError, ValueError):
            ok, error = False, "That message is not one this screen understands."
        ack = {"type": "ack", "seq": seq, "ok": ok, "error": error}
        self.acks.append(ack)
        if seq is not None:
            self.send(ack)
        self.refresh()
        return ack

    def _apply(self, kind, msg: dict) -> None:
        store, code = self.store, self.code
        if kind in ("hello", "ping"):
            return
        if kind == "join":
            self.participant = store.join(code, msg.get("name") or "")
            self.send(
                {
                    "type": "joined",
                    "token": self.participant.token,
                    "participant": self.participant.id,
                    "name": self.participant.name,
                }
            )
            return
        if self.participant is None:
            raise CsiError("Join first.")
        pid, activity = self.participant.id, str(msg["activity"])
        if kind == "answer":
            store.respond(
                code,
                pid,
                activity,
                _values(msg["values"]),
                msg.get("comments") or None,
                delta=bool(msg.get("delta", False)),
            )
        elif kind == "idea":
            store.add_idea(code, pid, activity, msg["text"])
        elif kind == "edit":
            store.edit_idea(code, pid, activity, int(msg["idea"]), msg["text"])
        elif kind == "withdraw":
            store.edit_idea(code, pid, activity, int(msg["idea"]), None)
        elif kind == "done":
            store.mark_done(code, pid, activity, done=bool(msg.get("done", True)))
        else:
            raise CsiError("Unknown message type.")

    # --- following the room ------------------------------------------------------------

    def follow(self, interval: float = 1.0) -> None:
        """Redraw when the room changes (checked every ``interval`` s; one ``os.stat`` with SQLite)."""
        if self._task is not None:
            return

        async def loop() -> None:
            seen = self.store.signal()
            while True:
                await asyncio.sleep(interval)
                now = self.store.signal()
                if now is None or now != seen:
                    seen = now
                    self.refresh()

        self._task = asyncio.get_event_loop().create_task(loop())

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        super().close()


def _values(raw) -> dict:
    """``{item: value}`` or ``{item: {criterion: value}}`` as the store takes them."""
    out: dict = {}
    for item, value in dict(raw).items():
        if isinstance(value, dict):
            for criterion, v in value.items():
                out[(str(item), str(criterion))] = int(v)
        else:
            out[str(item)] = int(value)
    return out
