"""Small pieces both apps use: escaping, a status line, guarded callbacks, polling.

Light on purpose: the participant app imports this, so no pandas or matplotlib.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import time
from collections.abc import Callable

import ipywidgets as W

from ..errors import CsiError

log = logging.getLogger("csikit.widgets")

#: Polling stops after this long so a forgotten tab cannot keep a kernel busy forever.
MAX_POLL_SECONDS = 8 * 3600


def esc(text: object) -> str:
    """Text a person typed, made safe for an HTML widget."""
    return html.escape(str(text), quote=True)


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
        self.value = f'<div class="csikit-status-{kind}"{role} style="color:{colour};font-size:1.05em">{icon}{esc(message)}</div>'

    def clear(self) -> None:
        self.message, self.kind, self.value = "", "", ""


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
            self.status.show("Something went wrong; your earlier answers are safe. Reload the page if this repeats.", "error")
        return False

    return wrapper


def start_polling(tick: Callable[[], None], interval: float = 1.0) -> asyncio.Task | None:
    """Call ``tick`` every ``interval`` seconds in the kernel's event loop.

    Returns the task (keep a reference, or it may be collected); None when no loop runs
    (plain Python, tests): then call ``tick`` yourself.
    """
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return None
    if not loop.is_running():
        return None
    started = time.monotonic()

    async def run() -> None:
        while time.monotonic() - started < MAX_POLL_SECONDS:
            await asyncio.sleep(interval)
            try:
                tick()
            except Exception:  # noqa: BLE001 - a failed tick must not end the loop
                log.exception("csikit: polling failed")

    return loop.create_task(run())


def button(description: str, on_click: Callable[[], object], *, style: str = "", icon: str = "", width: str = "") -> W.Button:
    """A button that calls ``on_click()`` (the widget's own method, which tests call too)."""
    b = W.Button(description=description, button_style=style, icon=icon, layout=W.Layout(width=width) if width else W.Layout())
    b.on_click(lambda _b: on_click())
    return b


PHONE_CSS = """
<style>
.csikit-app { max-width: 640px; box-sizing: border-box; }
.csikit-app .widget-label, .csikit-app .widget-html-content { white-space: normal; overflow-wrap: anywhere; }
.csikit-app .widget-label { height: auto; min-height: var(--jp-widgets-inline-height); line-height: 1.35; padding: 4px 0; }
.csikit-app .widget-vbox > .jupyter-widgets { margin-left: 0; margin-right: 0; max-width: 100%; }
.csikit-app .widget-text, .csikit-app .widget-textarea, .csikit-app .widget-dropdown { width: 100% !important; max-width: 100%; }
.csikit-app .widget-dropdown > select { max-width: 100%; }
.csikit-app .widget-inline-hbox, .csikit-app .widget-hbox { flex-wrap: wrap; max-width: 100%; }
.csikit-app .widget-button { height: auto; min-height: 36px; white-space: normal; }
.csikit-item { border-bottom: 1px solid #ddd; padding: 6px 0; width: 100%; }
.csikit-app .widget-html-content { line-height: 1.4; }
.csikit-facilitator .widget-button { height: auto; min-height: 32px; white-space: normal; text-align: left; }
</style>
"""
