"""The phone's view of a ranking (ipywidgets; no pandas)."""

from __future__ import annotations

import ipywidgets as W

from ..widgets.common import button, guarded, plain, shared
from .phone import ActivityView


class RankingView(ActivityView):
    """Order the items with up and down buttons, then save."""

    def __init__(self, app, status):
        super().__init__(app, status)
        mine = self._mine()
        position = {item: v for (item, _), (v, _) in mine.items()}
        self.order = sorted((i.id for i in self.items), key=lambda i: position.get(i, 10**6))
        self.texts = {i.id: i.text for i in self.items}
        self.rows = W.VBox()
        self.save_button = button("Save my ranking", self.save, style="primary", width="100%")
        self.children = [W.Label("Most important first. Every move is saved."), self.rows, self.save_button]
        self._draw()

    def _draw(self) -> None:
        rows = []
        for pos, item in enumerate(self.order, start=1):
            rows.append(W.HBox([
                plain(f"{pos}. {self.texts[item]}", flex="1 1 60%"),
                button("↑", lambda i=item: self.move(i, -1), width="44px", fixed=True),
                button("↓", lambda i=item: self.move(i, 1), width="44px", fixed=True),
            ], layout=shared(W.Layout, width="100%", align_items="center")).add_class("csikit-item"))
        self.rows.children = rows

    def move(self, item: str, delta: int) -> None:
        """Move ``item`` up (−1) or down (+1)."""
        i = self.order.index(item)
        j = min(max(i + delta, 0), len(self.order) - 1)
        self.order[i], self.order[j] = self.order[j], self.order[i]
        self._draw()
        if i != j:
            self.save()  # a ranking moved and never saved would be lost at the lock

    @guarded
    def save(self) -> None:
        self._respond({item: pos for pos, item in enumerate(self.order, start=1)})
        self.status.show("Ranking saved.", "ok")
