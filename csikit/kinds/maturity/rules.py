"""Maturity: each assessor gives each practice a level 0–5, today and/or as a target."""

from __future__ import annotations

from ...model import MaturityPhase, MaturityScale
from ..base import Kind


class Maturity(Kind):
    """Levels 0–5 per practice (the workshop's practices unless items are given); medians and gaps."""

    name = "maturity"
    answered_verb = "have assessed"
    closed_words = "Assessment closed."
    settings = ("phase",)
    assesses_maturity = True

    def check(self, a, c) -> None:
        if a.items and a.items_from:
            c.add("items", "give either items or items_from, not both")

    def items(self, a, workshop):
        if a.items or a.items_from:
            return super().items(a, workshop)
        return workshop.static_items("practices")

    def criteria(self, a, objectives=()):
        phase = a.phase or MaturityPhase.CURRENT
        return ("current", "target") if phase is MaturityPhase.BOTH else (phase.value,)

    def value_range(self, a):
        return (0, 5)

    def score_labels(self, a, scale=None):
        return tuple((scale or MaturityScale()).label(i) for i in range(6))


KIND = Maturity()
