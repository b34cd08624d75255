"""Ranking: each participant orders all the items; Borda points rank them for the group."""

from __future__ import annotations

from ...errors import InvalidResponse
from ..base import Kind, counted


class Ranking(Kind):
    """Places 1…n per participant; Borda points (n − place) summed over voters."""

    name = "ranking"
    answered_verb = "have ranked"
    closed_words = "Ranking closed."
    unit = "Borda point"
    lower_is_better = True
    paper_input = "place"

    def paper_hint(self, a) -> str:
        return "a place per item, 1 is first"

    def check(self, a, c) -> None:
        super().check(a, c)
        if a.items:
            c.need(len(a.items) >= 2, "items", "a ranking needs at least 2 items")

    def value_range(self, a):
        return (1, max(len(a.items), 1))

    def merge(self, a, criteria, item_keys, existing, new):
        """Every item gets exactly one place, from 1 to the number of items."""
        self.check_values(a, criteria, item_keys, new, hi=len(item_keys))
        merged = {**existing, **new}
        ranks = sorted(v for (_, c), v in merged.items())
        if {k for k, _ in merged} != set(item_keys) or ranks != list(range(1, len(item_keys) + 1)):
            raise InvalidResponse("Give every item exactly one place, from 1 to the number of items.")
        return merged

    def tally(self, a, items, responses):
        """Borda points per item, most first."""
        return counted(a, items, responses, lambda vals, n: sum(n - v for v in vals))

    def sample(self, a, items, criteria, rng, appeal):
        order = sorted(items, key=lambda i: -(appeal(i) + rng.gauss(0, 0.25)))
        return {(item, ""): pos for pos, item in enumerate(order, start=1)}, {}


KIND = Ranking()
