"""The facilitator console's smaller pieces, kept out of ``facilitator.py``: its CSS, the
join panel (link, QR code, presenter link, who has joined) and the slot where duplicate
ideas are merged.

They sit in collapsed panels: on a laptop the agenda, the lifecycle buttons, participation
and results come first; the QR code is for the projector (the presenter view shows it).
"""

from __future__ import annotations

import io
import os

import ipywidgets as W

from ..kinds import kind_of
from ..lan import loopback_warning
from ..model import Participant, Workshop
from ..store import Store
from .common import esc

#: The console's own layout: a compact header, and an agenda that scrolls in its own box
#: so the lifecycle buttons and results stay in view on a laptop.
CONSOLE_CSS = """
<style>
.csikit-facilitator .widget-button { height: auto; min-height: 32px; white-space: normal; text-align: left; }
.csikit-facilitator .csikit-agenda { overflow-y: auto; max-height: calc(100vh - 160px); min-height: 200px;
  padding-right: 4px; flex-shrink: 0; }
.csikit-facilitator .csikit-agenda .widget-button { height: auto !important; min-height: 26px; margin: 1px 0;
  padding: 3px 6px; white-space: normal; line-height: 1.25; text-align: left; }
.csikit-facilitator .csikit-agenda > * { flex-shrink: 0; }  /* scroll, never squeeze the buttons */
.csikit-facilitator .csikit-agenda .widget-html-content { line-height: 1.3; }
.csikit-facilitator .csikit-heading h3 { margin: 0; font-size: 1.15em; }
.csikit-facilitator .csikit-panels .widget-button { text-align: center; }
.csikit-participation-rings svg { flex: none; }
/* a long word (a 500-character idea without spaces) wraps instead of widening a column */
.csikit-facilitator .widget-html, .csikit-facilitator .widget-html-content { min-width: 0; }
.csikit-facilitator .widget-html-content, .csikit-facilitator td, .csikit-facilitator th {
  overflow-wrap: anywhere; word-break: break-word; }
</style>
"""

#: Where the presenter view is when ``csikit serve`` does not say (``CSIKIT_PRESENTER_URL``):
#: this very page with ``view=presenter``; the token cookie this page set lets it in.
PRESENTER_LINK = "?view=presenter"


def presenter_link() -> str:
    """The presenter view's address as the console links to it."""
    return os.environ.get("CSIKIT_PRESENTER_URL", "") or PRESENTER_LINK


def qr_png(url: str, box_size: int = 10) -> bytes:
    """A QR code of ``url`` as PNG bytes, large enough to project."""
    import qrcode

    img = qrcode.make(url, box_size=box_size, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


class JoinPanel(W.VBox):
    """The presenter view's link, the participants' join link and QR code, and who has joined."""

    def __init__(self, join_url: str = "", presenter_url: str = ""):
        super().__init__()
        self.join_url, self.presenter_url = join_url, presenter_url or presenter_link()
        presenter = W.HTML(
            f"<div class='csikit-presenter-link' style='font-size:1.1em;margin:4px 0'>For the projector: "
            f"<a href='{esc(self.presenter_url)}' target='_blank' rel='noopener'>open the presenter view</a> "
            f"<span style='color:#555'>(it follows this console; no controls, nobody identified)</span></div>"
        )
        self.roster = W.HTML()
        if not join_url:
            hint = W.HTML("<i>Start the apps with <code>csikit serve</code> to get a join link and QR code.</i>")
            self.children = [presenter, hint, self.roster]
            return
        link = W.HTML(
            f"<div style='font-size:1.2em'>Join at <a href='{esc(join_url)}' target='_blank'>{esc(join_url)}</a></div>"
        )
        qr = W.Image(value=qr_png(join_url), format="png", layout=W.Layout(width="240px", height="240px"))
        warning = loopback_warning(join_url)
        alert = (
            [
                W.HTML(
                    f"<div class='csikit-loopback' role='alert' style='color:#a40000;font-weight:bold'>"
                    f"{esc(warning)}</div>"
                )
            ]
            if warning
            else []
        )
        self.children = [presenter, *alert, link, qr, self.roster]

    def show_roster(self, people: list[Participant]) -> None:
        names = ", ".join(esc(p.name) if p.name else f"anonymous #{p.id}" for p in people)
        self.roster.value = f"<div class='csikit-roster'><b>{len(people)} joined:</b> {names}</div>"


class MergeSlot(W.Accordion):
    """A collapsed "Merge duplicate ideas" panel, shown while an ideas activity is selected.

    It holds a :class:`csikit.widgets.merge_ideas.MergePanel` for that activity.
    """

    def __init__(self, store: Store, workshop: Workshop):
        super().__init__([W.HTML()], titles=("Merge duplicate ideas",), selected_index=None)
        self.add_class("csikit-merge-box")
        self.store, self.workshop = store, workshop
        self.view: W.Widget | None = None
        self.key = ""
        self.layout.display = "none"
        # a closed panel is not refreshed on the poll: opening it must show the ideas sent since
        self.observe(lambda _change: self.refresh(), "selected_index")

    def show(self, key: str) -> None:
        """Follow the selected activity: a fresh panel for a new ideas activity, hidden otherwise."""
        if not kind_of(self.workshop.activity(key).kind).collects_ideas:
            self.layout.display = "none"
            return
        self.layout.display = ""
        if key == self.key:
            return
        self.key = key
        from .merge_ideas import MergePanel

        old, self.view = self.view, MergePanel(self.store, self.workshop.code, key)
        self.children = [self.view]
        if old is not None:
            old.close()

    def refresh(self) -> None:
        """New ideas arrived: the panel lists them (and its suggestions) again."""
        if self.view is not None and self.layout.display != "none" and self.selected_index is not None:
            self.view.refresh()
