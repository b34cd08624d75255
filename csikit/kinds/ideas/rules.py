"""Ideas: participants send short texts; the facilitator merges duplicates."""

from __future__ import annotations

from ...errors import InvalidResponse
from ..base import Kind


class Ideas(Kind):
    """Short texts sent by participants; they become the items of later activities."""

    name = "ideas"
    answered_verb = "have sent ideas"
    closed_words = "Ideas closed."
    settings = ("max_ideas",)
    collects_ideas = True
    whole_answer = True

    def paper_hint(self, a) -> str:
        return "their idea, as written"

    def check(self, a, c) -> None:
        c.need(not a.items and not a.items_from, "items", "ideas activities collect items; they take none")
        if a.max_ideas is not None:
            c.need(1 <= a.max_ideas <= 50, "max_ideas", "must be between 1 and 50")

    def items(self, a, workshop):
        return ()

    def merge(self, a, criteria, item_keys, existing, new):
        raise InvalidResponse("This activity collects ideas, not votes.")

    def tally(self, a, items, responses):
        return []

    def sample(self, a, items, criteria, rng, appeal):
        return {}, {}  # ideas are texts: csikit.simulate sends them


KIND = Ideas()
