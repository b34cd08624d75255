"""Light result summaries in pure Python, for screens that must not load pandas.

The participant app shows revealed results with these; the facilitator's richer
analysis (intervals, agreement) lives in :mod:`csikit.analysis`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Activity, ActivityKind, Item, Response


@dataclass(frozen=True)
class ResultLine:
    """One item's result on one criterion: the headline number and how many answered."""

    item: str
    text: str
    criterion: str
    value: float
    low: float
    high: float
    n: int


def quartiles(values: list[int]) -> tuple[float, float, float]:
    """(Q1, median, Q3), each the midpoint of the two nearest answers — numpy's "midpoint"
    method, so the participant's screen shows the same figures as the facilitator's."""
    v = sorted(values)
    if not v:
        return (0.0, 0.0, 0.0)

    def at(p: float) -> float:
        pos = (len(v) - 1) * p
        return (v[math.floor(pos)] + v[math.ceil(pos)]) / 2

    return (float(at(0.25)), float(at(0.5)), float(at(0.75)))


def summarise(activity: Activity, items: Iterable[Item], responses: Iterable[Response]) -> list[ResultLine]:
    """Headline results, best first for votes and rankings, agenda order otherwise.

    Dot votes: total dots. Ranking: Borda points (n − rank per voter). Ratings,
    maturity, fist of five: median with the interquartile range (ordinal data).
    """
    items = list(items)
    by: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in responses:
        by[(r.item, r.criterion)].append(r.value)
    texts = {i.id: i.text for i in items}
    lines: list[ResultLine] = []
    if activity.kind in (ActivityKind.DOT_VOTE, ActivityKind.RANKING):
        n_items = len(items)
        for item in items:
            vals = by.get((item.id, ""), [])
            score = sum(vals) if activity.kind is ActivityKind.DOT_VOTE else sum(n_items - v for v in vals)
            lines.append(ResultLine(item.id, item.text, "", float(score), float(score), float(score), len(vals)))
        return sorted(lines, key=lambda r: (-r.value, r.item))  # ties by item id, as analysis.tally_dots and borda
    criteria = sorted({c for _, c in by}) or [""]
    for item in items:
        for criterion in criteria:
            vals = by.get((item.id, criterion), [])
            q1, med, q3 = quartiles(vals)
            lines.append(ResultLine(item.id, texts[item.id], criterion, med, q1, q3, len(vals)))
    return lines
