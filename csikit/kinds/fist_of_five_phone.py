"""The phone's view of a fist of five (ipywidgets; no pandas)."""

from __future__ import annotations

import ipywidgets as W

from ..errors import CsiError
from ..widgets.common import DescriptionStyle, button, esc, guarded, html, shared
from .phone import CHOOSE, UNANSWERED, ActivityView


class ConsentView(ActivityView):
    """Fist of five per proposal: 0–5 fingers; 0–2 asks for the objection."""

    def __init__(self, app, status):
        super().__init__(app, status)
        mine = self._mine()
        self.fingers: dict[str, W.Dropdown] = {}
        self.objections: dict[str, W.Textarea] = {}
        rows = []
        for item in self.items:
            value, comment = mine.get((item.id, ""), (UNANSWERED, ""))
            dd = W.Dropdown(options=[(CHOOSE, UNANSWERED)] + [(lab, i) for i, lab in enumerate(self.activity.score_labels())],
                            value=value, layout=shared(W.Layout, width="100%"), style=shared(DescriptionStyle))
            box = W.Textarea(value=comment, placeholder="What is your objection? What would make it a 3?",
                             layout=W.Layout(width="100%", height="70px", display="" if 0 <= value <= 2 else "none"))
            dd.observe(lambda ch, i=item.id: self._changed(i, ch["new"]), "value")
            send = button("Send", lambda i=item.id: self.send(i), style="primary", width="100%", fixed=True)
            self.fingers[item.id], self.objections[item.id] = dd, box
            rows.append(W.VBox([html(f"<b>{esc(item.text)}</b>"), dd, box, send], layout=shared(W.Layout, width="100%")).add_class("csikit-item"))
        self.children = rows

    def _changed(self, item: str, value) -> None:
        self.objections[item].layout.display = "" if 0 <= value <= 2 else "none"

    def choose(self, item: str, fingers: int, objection: str = "") -> bool:
        """Set the fingers (and objection) for ``item`` and send them."""
        self.fingers[item].value = fingers
        self.objections[item].value = objection
        return self.send(item)

    @guarded
    def send(self, item: str) -> None:
        value = self.fingers[item].value
        if value == UNANSWERED:
            raise CsiError("Choose how many fingers first.")
        objection = self.objections[item].value if value <= 2 else ""
        if value <= 2 and not objection.strip():
            self.status.show("Sent. Please also say what your objection is, so the group can address it.", "info")
        self._respond({item: value}, {item: objection})
        if value > 2 or objection.strip():
            self.status.show("Sent.", "ok")
