"""The phone's view of a poll: one button per option (ipywidgets; no pandas)."""

from __future__ import annotations

import ipywidgets as W

from ..widgets.common import button, guarded
from .phone import ActivityView

#: What marks a chosen option besides its colour.
CHOSEN = "✓ "


class PollView(ActivityView):
    """A button per option: a tap chooses it (one choice) or ticks and unticks it (several)."""

    def __init__(self, app, status):
        super().__init__(app, status)
        self.limit = self.activity.choose or 1
        self.chosen = self._stored()
        self.texts = {i.id: i.text for i in self.items}
        self.buttons = {i.id: button(i.text, lambda i=i.id: self.pick(i), width="100%", fixed=True) for i in self.items}
        hint = "Choose one." if self.limit == 1 else f"Choose up to {self.limit}; tap again to untick."
        self.children = [W.Label(hint), *self.buttons.values()]
        self._draw()

    def _stored(self) -> set[str]:
        return {item for (item, _), (value, _) in self._mine().items() if value}

    def _draw(self) -> None:
        for item, b in self.buttons.items():
            on = item in self.chosen
            b.button_style = "primary" if on else ""
            b.description = f"{CHOSEN if on else ''}{self.texts[item]}"

    @guarded
    def pick(self, item: str) -> None:
        """Choose ``item`` (a one-choice poll), or tick or untick it (several choices)."""
        chosen = {item} if self.limit == 1 else self.chosen ^ {item}
        merged = self._respond({i: 1 for i in chosen})
        self.chosen = {i for (i, _), v in merged.items() if v}
        self._draw()
        self.status.show("Saved.", "ok")

    def follow(self) -> None:
        """Show the choice the store holds (another tab of this person may have changed it)."""
        stored = self._stored()
        if stored != self.chosen:
            self.chosen = stored
            self._draw()
