"""The phone's view of a dot vote (ipywidgets; no pandas)."""

from __future__ import annotations

import ipywidgets as W

from ..errors import CsiError
from ..widgets.common import LabelStyle, button, guarded, plain, shared
from .base import plural
from .phone import ActivityView


class DotVoteView(ActivityView):
    """Each item with − and + buttons; dots left shown; the store enforces budget and cap."""

    def __init__(self, app, status):
        super().__init__(app, status)
        self.dots = {item: v for (item, _), (v, _) in self._mine().items()}
        self.left = W.HTML()
        self.counts: dict[str, W.Label] = {}
        rows = []
        for item in self.items:
            self.counts[item.id] = W.Label(layout=shared(W.Layout, min_width="90px", justify_content="center"),
                                           style=shared(LabelStyle)).add_class("csikit-dots")
            controls = W.HBox(
                [
                    button("−", lambda i=item.id: self.remove(i), width="48px", fixed=True),
                    self.counts[item.id],
                    button("+", lambda i=item.id: self.add(i), width="48px", fixed=True),
                ],
                layout=shared(W.Layout, justify_content="flex-end", align_items="center", flex_flow="row nowrap"),
            )
            rows.append(W.VBox([plain(item.text), controls], layout=shared(W.Layout, width="100%")).add_class("csikit-item"))
        self.children = [self.left, *rows]
        self._draw()

    def _draw(self) -> None:
        budget = self.activity.budget or 0
        spent = sum(self.dots.values())
        cap = f" · at most {plural(self.activity.cap, 'dot')} on one item" if self.activity.cap else ""
        self.left.value = f"<b>{budget - spent} of {plural(budget, 'dot')} left</b>{cap}"
        for item, label in self.counts.items():
            n = self.dots.get(item, 0)
            label.value = f"{'●' * n}{' ' if n else ''}{n}"

    @guarded
    def add(self, item: str) -> None:
        """Put one more dot on ``item``."""
        self._change(item, 1)

    @guarded
    def remove(self, item: str) -> None:
        """Take one dot off ``item``."""
        if not self.dots.get(item):
            self.follow()  # this screen may be stale (another tab): take off what the store holds
            if not self.dots.get(item):
                return
        self._change(item, -1)

    def _change(self, item: str, change: int) -> None:
        # Relative, applied by the store to what it holds: another tab of the same person may
        # have changed the dots since this screen was drawn, and its dots must not be lost.
        try:
            merged = self.app.store.respond(self.app.code, self.pid, self.activity.id, {item: change}, delta=True)
        except CsiError:
            self.follow()  # show what the store holds next to the refusal
            raise
        self.dots = {i: v for (i, _), v in merged.items()}
        self.status.clear()
        self._draw()

    def follow(self) -> None:
        """Show the dots the store holds for this person (another tab may have changed them)."""
        dots = {item: v for (item, _), (v, _) in self._mine().items()}
        if dots != self.dots:
            self.dots = dots
            self._draw()
