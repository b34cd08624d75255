"""Fist of five: consent per proposal, 0 (I object) to 5 fingers; 0–2 gives the objection."""

from __future__ import annotations

from ..base import Kind

FIST_LABELS = (
    "0 · Block: I object",
    "1 · Serious concerns",
    "2 · Some concerns",
    "3 · Can live with it",
    "4 · Good idea",
    "5 · Fully support",
)


#: Fingers at or below this ask for the objection.
OBJECTION = 2


OBJECTIONS = (
    "We do not have the people for this yet",
    "The KPI will not show the benefit",
    "Depends on a tool we have not bought",
    "Too big for one quarter: split it",
)


class FistOfFive(Kind):
    """Fingers per proposal: how many showed each count, and the objections (without names)."""

    name = "fist_of_five"
    answered_verb = "have shown their hand"
    closed_words = "Consent vote closed."

    def value_range(self, a):
        return (0, 5)

    def score_labels(self, a, scale=None):
        return FIST_LABELS

    def sample_comment(self, value, rng):
        return rng.choice(OBJECTIONS) if value <= OBJECTION else ""


KIND = FistOfFive()
