"""One phone is one person: the browser remembers the participant, and says when it lost the kernel.

``PhoneLink`` is a small anywidget: its ES module, ``identity.js``, travels inline in the
widget state, and Voila loads anywidget's front-end (``AnyModel``/``AnyView``) from the
labextension the anywidget package installs. Its Python side is a plain ``DOMWidget`` that
speaks anywidget's protocol (``_esm``, ``_anywidget_id``, the front-end's version range):
importing anywidget itself (and psygnal) cost every participant kernel ≈ 1.1 MB, which
took it past 1.25 × a bare ipywidgets kernel (benchmarks/kernel_memory.py).
tests/test_identity.py checks that the protocol still matches the installed anywidget.

- the browser keeps the participant token in ``localStorage`` under the workshop code and
  sends it to the kernel when the page opens (``hello``); the kernel checks it with the
  store like any other input (``Store.rejoin``) — an unknown or forged token only brings
  the normal join screen;
- the browser pings every ``ping_s`` seconds and the kernel answers; with no answer for
  ``lost_after_s`` it shows "Connection lost — tap to reconnect". The kernel never sends
  anything by itself, so a closed tab's kernel falls idle and the culler can end it;
- on ``pagehide`` the browser asks the server to shut its kernel down (Voila's own unload
  beacon is refused for want of an ``_xsrf`` cookie; see identity.js).

Light on purpose (the participant kernel imports it): ipywidgets only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import ipywidgets as W
import traitlets as T

log = logging.getLogger("csikit.widgets")

#: A browser that sends this many tokens the store refuses is guessing: later ones are ignored.
MAX_REFUSED_TOKENS = 5
#: Longest token the browser may hand over (store tokens are 16 characters).
MAX_TOKEN_CHARS = 64


def anywidget_range() -> str:
    """The front-end version range anywidget's Python side announces (as its ``_version.py``)."""
    try:
        v = version("anywidget")
    except PackageNotFoundError:
        return "*"  # no front-end to find: the join form shows after a few seconds anyway
    major, minor, rest = (v.split(".", 2) + ["", ""])[:3]
    return v if ("a" in rest or "b" in rest) else f"~{major}.{minor}.*"


_RANGE = anywidget_range()


class PhoneLink(W.DOMWidget):
    """The browser's memory of who this participant is, and its heartbeat to the kernel.

    Parameters
    ----------
    code
        The workshop code (the ``localStorage`` key).
    on_token
        Called with the token the browser remembered (``""``: it remembers none). Returns
        True when the token was accepted; on False the browser forgets it.
    """

    _model_name = T.Unicode("AnyModel").tag(sync=True)
    _model_module = T.Unicode("anywidget").tag(sync=True)
    _model_module_version = T.Unicode(_RANGE).tag(sync=True)
    _view_name = T.Unicode("AnyView").tag(sync=True)
    _view_module = T.Unicode("anywidget").tag(sync=True)
    _view_module_version = T.Unicode(_RANGE).tag(sync=True)
    _esm = T.Unicode(Path(__file__).with_name("identity.js").read_text(encoding="utf-8")).tag(sync=True)
    _anywidget_id = T.Unicode("csikit.widgets.identity.PhoneLink").tag(sync=True)
    code = T.Unicode("", help="The workshop code: the browser stores the token under it.").tag(sync=True)
    token = T.Unicode("", help="The participant token the browser should remember (kernel → browser).").tag(sync=True)
    ping_s = T.Float(3.0, help="Seconds between the browser's pings.").tag(sync=True)
    lost_after_s = T.Float(10.0, help="Seconds without an answer before the 'connection lost' banner.").tag(sync=True)
    checked = T.Bool(False, help="The browser said which token it remembers (or none).")

    def __init__(self, code: str, on_token: Callable[[str], bool], **kwargs):
        super().__init__(code=code, **kwargs)
        self._on_token = on_token
        self.refused = 0
        self.pings = 0
        self.on_msg(self._on_message)

    def remember(self, token: str) -> None:
        """Have the browser keep ``token`` for this workshop."""
        self.token = token

    def hello(self, token: str) -> bool:
        """What the browser's ``hello`` does (tests call it): hand over the remembered token."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            token = ""
        if token and self.refused >= MAX_REFUSED_TOKENS:
            token = ""
        accepted = self._on_token(token)
        if token and not accepted:
            self.refused += 1
            self.send({"kind": "forget"})
        self.checked = True
        return accepted

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("kind")
        try:
            if kind == "ping":
                self.pings += 1
                n = content.get("n")
                self.send({"kind": "pong", "n": n if isinstance(n, int) and not isinstance(n, bool) else 0})
            elif kind == "hello":
                self.hello(content.get("token", ""))
        except Exception:  # noqa: BLE001 - a message from the browser must never break the kernel
            log.exception("csikit: the browser's %r message failed", kind)
