"""Quarters: ``'2026Q3'`` to dates and back, and which quarter a review covers.

A quarter is written ``YYYYQn``. Nothing here reads the wall clock except
:func:`as_of` without a quarter, which means today.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from .errors import CsiError

_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


def parse_quarter(text: str) -> tuple[int, int]:
    """``'2026Q3'`` → ``(2026, 3)``; raise CsiError with the expected form otherwise."""
    m = _QUARTER.match(str(text).strip())
    if not m:
        msg = f"{text!r} is not a quarter; write it as YYYYQn, e.g. 2026Q3"
        raise CsiError(msg)
    return int(m.group(1)), int(m.group(2))


def quarter_of(day: date) -> str:
    """The quarter a date falls in, as ``'2026Q3'``."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(quarter: str) -> date:
    """The first day of a quarter."""
    year, q = parse_quarter(quarter)
    return date(year, 3 * q - 2, 1)


def quarter_end(quarter: str) -> date:
    """The last day of a quarter."""
    year, q = parse_quarter(quarter)
    month = q * 3
    return date(year, month, 30 if month in (6, 9) else 31)


def shift_quarter(quarter: str, by: int) -> str:
    """The quarter ``by`` quarters after (or, negative, before) ``quarter``."""
    year, q = parse_quarter(quarter)
    n = year * 4 + (q - 1) + by
    return f"{n // 4}Q{n % 4 + 1}"


def as_of(quarter: str | None) -> date:
    """The day a view is computed for: a quarter's last day, or today."""
    return quarter_end(quarter) if quarter else date.today()


def quarters_with_data(measurements: Iterable, events: Iterable = ()) -> list[str]:
    """Quarters with at least one KPI measurement or workshop event (an activity opened,
    locked or revealed, an idea merged, the register edited …), oldest first."""
    return sorted({quarter_of(m.date) for m in measurements} | {quarter_of(e.at.date()) for e in events})


def resolve_quarter(quarter: str, measurements: Iterable, events: Iterable = ()) -> str:
    """The quarter to review: ``quarter`` normalised, or the latest with measurements or
    workshop activity (so the review right after a workshop covers that workshop).

    Parameters
    ----------
    quarter
        ``YYYYQn`` (``2026 q3`` is read too); empty: the latest quarter with data.
    measurements
        The workshop's KPI measurements (anything with a ``date``).
    events
        The workshop's audit events (anything with an ``at`` datetime).

    Raises
    ------
    CsiError
        A malformed quarter, a quarter without measurements or events (the message lists
        the quarters with measurements), or no data at all.
    """
    measurements = list(measurements)
    with_data = quarters_with_data(measurements, events)
    if not str(quarter or "").strip():
        if not with_data:
            msg = ("This workshop has no workshop activity and no KPI measurements yet; add some with: "
                   "csikit measure PATH --file kpis.csv (or run the workshop first)")
            raise CsiError(msg)
        return with_data[-1]
    year, q = parse_quarter(quarter)
    quarter = f"{year}Q{q}"
    if quarter not in with_data:
        known = ", ".join(quarters_with_data(measurements)) or "none"
        msg = (f"{quarter} has no KPI measurements and no workshop activity to review; "
               f"quarters with measurements: {known}")
        raise CsiError(msg)
    return quarter
