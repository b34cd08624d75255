"""Light result summaries in pure Python, for screens that must not load pandas.

The participant app shows revealed results with these; the facilitator's richer
analysis (intervals, agreement) lives in :mod:`csikit.analysis`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median

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
    """(Q1, median, Q3) by the median-of-halves rule; ordinal data needs no interpolation tricks."""
    v = sorted(values)
    if not v:
        return (0.0, 0.0, 0.0)
    half = len(v) // 2
    lower, upper = v[:half] or v, v[half + (len(v) % 2):] or v
    return (float(median(lower)), float(median(v)), float(median(upper)))


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
        return sorted(lines, key=lambda r: -r.value)
    criteria = sorted({c for _, c in by}) or [""]
    for item in items:
        for criterion in criteria:
            vals = by.get((item.id, criterion), [])
            q1, med, q3 = quartiles(vals)
            lines.append(ResultLine(item.id, texts[item.id], criterion, med, q1, q3, len(vals)))
    return lines
