"""Small pieces the facilitator's and the presenter's widgets share: escaping, a status
line, guarded callbacks, polling.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable

import ipywidgets as W
from ipywidgets.widgets.widget_string import HTMLStyle

from ..display import esc  # the one escaping (csikit.display); widgets import it from here
from ..errors import CsiError

log = logging.getLogger("csikit.widgets")

#: Polling stops after this long so a forgotten tab cannot keep a kernel busy forever.
MAX_POLL_SECONDS = 8 * 3600


def shared(cls: type[W.Widget], **traits) -> W.Widget:
    """One layout or style for every widget of this kernel that looks the same.

    ipywidgets 8 gives each widget its own ``Layout`` and style unless it is handed one,
    and each is a model the kernel sends through the server to the browser: a phone's
    dot vote of 8 items was 138 models, 52 of them identical layouts. Hand out only what
    nobody changes afterwards (a widget that hides itself needs its own layout).
    """
    key = (cls, tuple(sorted(traits.items())))
    model = _SHARED.get(key)
    if model is None or model.comm is None:  # never made, or closed with a page
        model = _SHARED[key] = cls(**traits)
    return model


_SHARED: dict[tuple, W.Widget] = {}


def html(value: str = "", **layout) -> W.HTML:
    """An HTML widget with a shared style and layout (see :func:`shared`)."""
    return W.HTML(value, style=shared(HTMLStyle), layout=shared(W.Layout, **layout))


def close_tree(widget: W.Widget, keep: W.Widget | None = None) -> None:
    """Close ``widget`` and every widget in its ``children``, except ``keep`` and what it holds.

    A screen that is no longer shown otherwise stays in the kernel (and in the browser)
    for the whole workshop. Shared layouts and styles are not children and stay open.
    """
    todo = [widget]
    while todo:
        w = todo.pop()
        if w is keep:
            continue
        todo.extend(getattr(w, "children", ()))
        w.close()


def plain(text: object, **layout) -> W.HTML:
    """Text a person typed, shown literally: escaped into an HTML widget.

    A ``Label`` is plain text too, but Voila typesets it with MathJax, so an idea like
    ``$\\href{…}{x}$`` would show as a formula instead of what was typed.
    """
    return html(f"<span class='csikit-text'>{esc(text)}</span>", **layout)


class StatusLine(W.HTML):
    """One line telling the person what just happened, in words, never a traceback."""

    def __init__(self, **kwargs):
        super().__init__(value="", **kwargs)
        self.add_class("csikit-status")
        self.message = ""
        self.kind = ""

    def show(self, message: str, kind: str = "info") -> None:
        self.message, self.kind = message, kind
        colour = {"error": "#b00020", "ok": "#1b5e20", "info": "#333"}[kind]
        icon = {"error": "⚠ ", "ok": "✓ ", "info": ""}[kind]
        role = ' role="alert"' if kind == "error" else ""
        self.value = (
            f'<div class="csikit-status-{kind}"{role} style="color:{colour};font-size:1.05em">'
            f"{icon}{esc(message)}</div>"
        )
        self.add_class("csikit-status-shown")

    def clear(self) -> None:
        self.message, self.kind, self.value = "", "", ""
        self.remove_class("csikit-status-shown")


def guarded(method: Callable) -> Callable:
    """Run a widget action; show a CsiError's message, log anything unexpected.

    Returns True when the action succeeded, so code and tests can tell.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            method(self, *args, **kwargs)
            return True
        except CsiError as exc:
            self.status.show(str(exc), "error")
        except Exception:  # noqa: BLE001 - Voila hides tracebacks; the person needs words
            log.exception("csikit: unexpected error in %s", method.__name__)
            self.status.show(
                "Something went wrong; your earlier answers are safe. Reload the page if this repeats.", "error"
            )
        return False

    return wrapper


def poll_once(tick: Callable[[], None], status: StatusLine | None = None) -> None:
    """One poll: a store that fails shows its message in ``status`` (never a traceback);
    anything unexpected is logged and summed up in words."""
    try:
        tick()
    except CsiError as exc:
        if status is not None:
            status.show(str(exc), "error")
    except Exception:  # noqa: BLE001 - a failed tick must not end the loop
        log.exception("csikit: polling failed")
        if status is not None:
            status.show("Updating this page failed; your answers are safe. Reload the page if this repeats.", "error")


#: How often a polling loop asks the Voila server whether its page is still open.
AWAY_CHECK_S = 5.0


def page_connected(timeout: float = 3.0) -> bool | None:
    """Whether this kernel's page still has its websocket open, asked of the Voila server
    that runs the kernel (``GET /api/kernels/<own id>`` → ``connections``).

    None when it cannot tell (not under Voila, or the server did not answer). The
    facilitator server needs its token: ``csikit serve`` hands it to that server's
    kernels as ``CSIKIT_VOILA_TOKEN`` (in the environment, never on a command line or in a log).
    """
    import json
    import os
    import urllib.request

    kernel, port = os.environ.get("VOILA_KERNEL_ID", ""), os.environ.get("VOILA_APP_PORT", "")
    if not kernel or not port:
        return None
    ip = os.environ.get("VOILA_APP_IP", "") or "127.0.0.1"
    if ip in ("0.0.0.0", "::"):
        ip = "127.0.0.1"
    base = os.environ.get("VOILA_SERVER_URL", "/") or "/"
    request = urllib.request.Request(f"http://{ip}:{port}{base.rstrip('/')}/api/kernels/{kernel}")
    token = os.environ.get("CSIKIT_VOILA_TOKEN", "")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - our own server
            return int(json.loads(resp.read()).get("connections", 1)) > 0
    except Exception:  # noqa: BLE001 - cannot tell: keep polling
        return None


def start_polling(
    tick: Callable[[], None], interval: float = 1.0, *, status: StatusLine | None = None, pause_when_away: bool = False
) -> asyncio.Task | None:
    """Call ``tick`` every ``interval`` seconds in the kernel's event loop.

    Returns the task (keep a reference, or it may be collected); None when no loop runs
    (plain Python, tests): then call ``tick`` yourself. Errors show in ``status``.
    With ``pause_when_away``, ticks pause while the page has no websocket open (a closed
    or reloaded tab), so the kernel falls idle and Voila's culler ends it; they resume
    if the page reconnects first.
    """
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return None
    if not loop.is_running():
        return None
    started = time.monotonic()

    async def run() -> None:
        away, next_check = False, time.monotonic() + AWAY_CHECK_S
        while time.monotonic() - started < MAX_POLL_SECONDS:
            await asyncio.sleep(interval)
            if pause_when_away and time.monotonic() >= next_check:
                next_check = time.monotonic() + AWAY_CHECK_S
                away = await loop.run_in_executor(None, page_connected) is False
            if not away:
                poll_once(tick, status)

    return loop.create_task(run())


def button(
    description: str,
    on_click: Callable[[], object],
    *,
    style: str = "",
    icon: str = "",
    width: str = "",
    fixed: bool = False,
) -> W.Button:
    """A button that calls ``on_click()`` (the widget's own method, which tests call too).

    ``fixed``: its layout never changes (it is never hidden), so it shares one (:func:`shared`).
    """
    layout = {"width": width} if width else {}
    b = W.Button(
        description=description,
        button_style=style,
        icon=icon,
        layout=shared(W.Layout, **layout) if fixed else W.Layout(**layout),
        style=shared(W.ButtonStyle) if fixed else W.ButtonStyle(),
    )
    b.on_click(lambda _b: on_click())
    return b
