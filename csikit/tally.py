"""Light result summaries in pure Python, for screens that must not load pandas.

The participant app shows revealed results with these; each activity kind computes
its own (:meth:`csikit.kinds.base.Kind.tally`); the facilitator's richer analysis
(intervals, agreement) lives in :mod:`csikit.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .kinds import kind_of
from .kinds.base import ResultLine, quartiles
from .model import Activity, Item, Response

__all__ = ["ResultLine", "quartiles", "summarise"]


def summarise(activity: Activity, items: Iterable[Item], responses: Iterable[Response]) -> list[ResultLine]:
    """Headline results, best first for votes, rankings and polls, agenda order otherwise.

    Dot votes: total dots. Ranking: Borda points (n − rank per voter). Poll: votes.
    Ratings, maturity, fist of five: median with the interquartile range (ordinal data).
    """
    return kind_of(activity.kind).tally(activity, items, responses)
