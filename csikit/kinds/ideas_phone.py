"""The phone's view of an ideas activity (ipywidgets; no pandas)."""

from __future__ import annotations

import ipywidgets as W

from ..widgets.common import button, guarded
from .phone import ActivityView


class IdeasView(ActivityView):
    """A text box to send ideas, and one's own ideas, editable until the lock."""

    def __init__(self, app, status):
        super().__init__(app, status)
        self.text = W.Textarea(placeholder="Type one idea", layout=W.Layout(width="100%", height="80px"))
        self.send = button("Send idea", lambda: self.submit(self.text.value), style="primary", width="100%")
        self.mine = W.VBox()
        self.children = [self.text, self.send, W.HTML("<b>Your ideas</b>"), self.mine]
        self._list()

    def _list(self) -> None:
        rows = []
        for idea in self.app.store.ideas(self.app.code, self.activity.id, participant=self.pid):
            box = W.Textarea(value=idea.text, layout=W.Layout(width="100%", height="60px"))
            save = button("Save", lambda i=idea.id, b=box: self.edit(i, b.value), width="48%")
            drop = button("Withdraw", lambda i=idea.id: self.withdraw(i), width="48%")
            rows.append(W.VBox([box, W.HBox([save, drop])], layout=W.Layout(width="100%")))
        self.mine.children = rows or [W.Label("None yet.")]

    @guarded
    def submit(self, text: str) -> None:
        """Send one idea."""
        self.app.store.add_idea(self.app.code, self.pid, self.activity.id, text)
        self.text.value = ""
        self.status.show("Idea sent.", "ok")
        self._list()

    @guarded
    def edit(self, idea: int, text: str) -> None:
        self.app.store.edit_idea(self.app.code, self.pid, self.activity.id, idea, text)
        self.status.show("Idea saved.", "ok")
        self._list()

    @guarded
    def withdraw(self, idea: int) -> None:
        self.app.store.edit_idea(self.app.code, self.pid, self.activity.id, idea, None)
        self.status.show("Idea withdrawn.", "ok")
        self._list()
