"""Rating: a score of 1–5 per item (Likert, or impact × effort, or per business objective)."""

from __future__ import annotations

from ...model import RatingScale
from ..base import Kind

LIKERT_LABELS = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")


IMPACT_LABELS = ("Very low", "Low", "Medium", "High", "Very high")


class Rating(Kind):
    """Likert scores per item, impact × effort pairs, or impact on each objective; medians."""

    name = "rating"
    answered_verb = "have rated"
    closed_words = "Rating closed."
    settings = ("scale", "labels", "per_objective")

    def check(self, a, c) -> None:
        super().check(a, c)
        if a.scale is None:
            c.add("scale", "rating activities need a scale: likert or impact_effort")
        if a.labels is not None and len(a.labels) != 5:
            c.add("labels", f"needs 5 labels (scores 1–5), got {len(a.labels)}")
        if a.per_objective and a.scale is RatingScale.IMPACT_EFFORT:
            c.add("per_objective", "applies to likert ratings only")

    def criteria(self, a, objectives=()):
        if a.scale is RatingScale.IMPACT_EFFORT:
            return ("impact", "effort")
        if a.per_objective:
            return tuple(o.id for o in objectives)
        return ("",)

    def value_range(self, a):
        return (1, 5)

    def score_labels(self, a, scale=None):
        if a.labels:
            return a.labels
        return IMPACT_LABELS if a.scale is RatingScale.IMPACT_EFFORT else LIKERT_LABELS


KIND = Rating()
