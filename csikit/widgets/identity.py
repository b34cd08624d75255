"""One phone is one person: the browser remembers the participant, and says when it lost the kernel.

``PhoneLink`` is a small anywidget (its ES module, ``identity.js``, travels inline in the
widget state; Voila loads anywidget's own front-end from its installed labextension):

- the browser keeps the participant token in ``localStorage`` under the workshop code and
  sends it to the kernel when the page opens (``hello``); the kernel checks it with the
  store like any other input (``Store.rejoin``) — an unknown or forged token only brings
  the normal join screen;
- the browser pings every ``ping_s`` seconds and the kernel answers; with no answer for
  ``lost_after_s`` it shows "Connection lost — tap to reconnect". The kernel never sends
  anything by itself, so a closed tab's kernel falls idle and the culler can end it;
- on ``pagehide`` the browser asks the server to shut its kernel down (Voila's own unload
  beacon is refused for want of an ``_xsrf`` cookie; see identity.js).

Light on purpose (the participant kernel imports it): anywidget and ipywidgets only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets as T

log = logging.getLogger("csikit.widgets")

#: A browser that sends this many tokens the store refuses is guessing: later ones are ignored.
MAX_REFUSED_TOKENS = 5
#: Longest token the browser may hand over (store tokens are 16 characters).
MAX_TOKEN_CHARS = 64


class PhoneLink(anywidget.AnyWidget):
    """The browser's memory of who this participant is, and its heartbeat to the kernel.

    Parameters
    ----------
    code
        The workshop code (the ``localStorage`` key).
    on_token
        Called with the token the browser remembered (``""``: it remembers none). Returns
        True when the token was accepted; on False the browser forgets it.
    """

    _esm = (Path(__file__).with_name("identity.js")).read_text(encoding="utf-8")
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
