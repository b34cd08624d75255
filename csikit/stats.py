"""The statistics every screen shares: quartiles of ordinal answers, low agreement, and
the interval of a proportion.

Phones, the console, the presenter, the worksheets and the review all show these
figures, so each rule has one home here. Pure Python (``math`` and ``statistics``):
a phone's light tally uses it in a process that never loads numpy or pandas.

**Quartiles: linear interpolation (Hyndman & Fan type 7).** The p-quantile of n sorted
answers sits at position (n − 1)·p, between the two answers around it, weighted by the
distance. It is numpy's and pandas' default and what R's ``quantile`` and a spreadsheet's
``QUARTILE.INC`` give, so an analyst who re-checks a figure in an exported sheet gets
the same number. It does not collapse at small n: two answers 1 and 5 have the middle
half 2–4 (a quarter and three quarters of the way from one to the other), where the
"midpoint" rule used before put every quartile at 3 and hid the disagreement. It never
leaves the answers' range, where type 6 ("weibull") makes the middle half of 1 and 5 the
whole scale 1–5 and of 3, 3, 5 the span 3–5, calling a room that mostly agrees split.
The median is the usual one under every rule.

**Low agreement**: the middle half of the answers spans at least half the scale
(IQR ≥ (hi − lo) / 2: 2 points on 1–5). With the rule above two answers are flagged
when they sit at the two ends of the scale (1 and 5).

**Proportions: the Wilson score interval.** k of n people chose something; the interval
inverts the score test, so it is honest at the edges: 0 of 12 gives 0–24 %, not the 0–0
a bootstrap or the Wald interval gives (no resample of twelve "no"s can say "yes"), and
it stays inside 0–100 %. Its coverage is close to the nominal level even for small n
(Brown, Cai & DasGupta 2001, who recommend it for n < 40).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from statistics import NormalDist

__all__ = ["count_interval", "low_agreement", "quantile", "quartiles", "wilson"]

#: The level of every interval csikit shows.
LEVEL = 0.95


def quantile(values: Iterable[float], p: float) -> float:
    """The ``p``-quantile of ``values`` by linear interpolation (type 7, numpy's ``"linear"``).

    Raises ``ValueError`` for no values or ``p`` outside 0–1.
    """
    v = sorted(values)
    if not v:
        raise ValueError("the quantile of no values is undefined")
    if not 0 <= p <= 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    h = (len(v) - 1) * p
    i = math.floor(h)
    if i + 1 >= len(v):
        return float(v[-1])
    a, b, t = v[i], v[i + 1], h - i
    # numpy's lerp: from the nearer end, so a quantile between two equal answers is that answer
    return float(b - (b - a) * (1 - t)) if t >= 0.5 else float(a + (b - a) * t)


def quartiles(values: Iterable[float]) -> tuple[float, float, float]:
    """(Q1, median, Q3) by :func:`quantile`; ``(nan, nan, nan)`` for no values."""
    v = sorted(values)
    if not v:
        return (math.nan,) * 3
    return (quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75))


def low_agreement(q1: float, q3: float, lo: float, hi: float) -> bool:
    """Whether the middle half of the answers (``q1``–``q3``) spans at least half the scale
    ``lo``–``hi``: the room does not agree on the median. ``False`` when there are no answers (NaN)."""
    return bool(q3 - q1 >= (hi - lo) / 2)


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``k`` of ``n`` (without continuity
    correction), as two proportions in 0–1. Raises ``ValueError`` unless 0 ≤ k ≤ n and n > 0."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")
    z = _z(level)
    z2 = z * z
    centre = (k + z2 / 2) / (n + z2)
    half = z / (n + z2) * math.sqrt(k * (n - k) / n + z2 / 4)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def count_interval(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """:func:`wilson` as counts out of ``n`` (0 of 12 voters: 0–2.9 voters); ``(0, 0)`` when n is 0."""
    if n == 0 and k == 0:
        return (0.0, 0.0)
    low, high = wilson(k, n, level)
    return (low * n, high * n)
