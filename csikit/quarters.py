"""Quarters: ``'2026Q3'`` to dates and back, which quarter a review covers, and the one
rule of what counts "as of" a quarter.

A quarter is written ``YYYYQn``.

**As of a quarter.** Answers, ideas, activity states, the register's states and fields,
KPI readings and audit events count for quarter Q only if they happened by the end of
Q — the end of its last day, in the store's UTC timestamps — or, for the quarter in
progress, by now (:func:`moment_of`). What "happened" means for each:

- an activity's state is the one the audit trail gives it at that moment (opened,
  locked, revealed, reset, restored); an activity not locked or revealed by then shows
  no results in a quarter's view;
- an answer counts if it was last changed by then, an idea if it was typed by then, a
  participant if they had joined; an answer changed after the moment is left out (the
  store keeps only its last value, so its value at the moment is not known), and ideas
  merged or separated after it are shown as they stood (``idea_merges``);
- the register is the latest version of each initiative recorded by then
  (``initiative_history``); before an initiative's first recorded version, one that came
  from the workshop file (or from a store older than the history) is inferred from its
  actual start and end dates, and one created in the store did not exist yet;
- a KPI reading counts if it is dated by then (its date, not when it was entered);
- an audit event counts if it was logged by then.

So a finished quarter's review is the same whenever it is re-run, and the quarter in
progress is computed as of today. Nothing here reads the wall clock except through
:mod:`csikit.clock` (``now`` left out), which tests move.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time

from . import clock
from .errors import CsiError

#: What ``--quarter`` takes besides ``YYYYQn``: the quarter in progress.
CURRENT = "current"

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


def quarter_close(quarter: str) -> datetime:
    """The last moment of a quarter: the end of its last day (UTC, naive like the store's times)."""
    return datetime.combine(quarter_end(quarter), time.max)


def moment_of(quarter: str | None, now: datetime | None = None) -> datetime:
    """The moment a view of ``quarter`` is computed for (UTC, naive).

    The end of the quarter's last day once it is over; now while it is in progress (and
    for a quarter still to come, or no quarter).
    """
    now = now or clock.utcnow()
    return min(quarter_close(quarter), now) if quarter else now


def in_progress(quarter: str, now: datetime | None = None) -> bool:
    """Whether ``quarter`` has not ended yet (today is in it, or it is still to come)."""
    return moment_of(quarter, now) < quarter_close(quarter)


def as_of(quarter: str | None, now: datetime | None = None) -> date:
    """The day a view is computed for: a finished quarter's last day, else today (UTC)."""
    return moment_of(quarter or None, now).date()


def quarter_label(quarter: str, now: datetime | None = None) -> str:
    """``'2026Q3'``, or for the quarter in progress ``'2026Q4, in progress, as of 5 Dec 2026'``."""
    if not in_progress(quarter, now):
        return quarter
    day = as_of(quarter, now)
    return f"{quarter}, in progress, as of {day.day} {day:%b %Y}"


def quarters_with_data(measurements: Iterable, events: Iterable = ()) -> list[str]:
    """Quarters with at least one KPI measurement or workshop event (an activity opened,
    locked or revealed, an idea merged, the register edited …), oldest first."""
    return sorted({quarter_of(m.date) for m in measurements} | {quarter_of(e.at.date()) for e in events})


def resolve_quarter(quarter: str, measurements: Iterable, events: Iterable = (), *, today: date | None = None) -> str:
    """The quarter to review: ``quarter`` normalised; ``current``, the quarter in progress;
    empty, the last finished quarter with data (a leadership pack reports a quarter that
    is over), or the quarter in progress when no finished quarter has any.

    Parameters
    ----------
    quarter
        ``YYYYQn`` (``2026 q3`` is read too), ``current``, or empty.
    measurements
        The workshop's KPI measurements (anything with a ``date``).
    events
        The workshop's audit events (anything with an ``at`` datetime).
    today
        Default: today (UTC, :func:`csikit.clock.today`).

    Raises
    ------
    CsiError
        A malformed quarter, a quarter without measurements or events (the message lists
        the quarters with measurements), or no data at all.
    """
    measurements = list(measurements)
    with_data = quarters_with_data(measurements, events)
    now = quarter_of(today or clock.today())
    text = str(quarter or "").strip()
    if not text:
        if not with_data:
            msg = (
                "This workshop has no workshop activity and no KPI measurements yet; add some with: "
                "csikit measure PATH --file kpis.csv (or run the workshop first)"
            )
            raise CsiError(msg)
        finished = [q for q in with_data if q < now]
        return finished[-1] if finished else with_data[-1]
    if text.lower() == CURRENT:
        quarter = now
    year, q = parse_quarter(quarter)
    quarter = f"{year}Q{q}"
    if quarter not in with_data:
        known = ", ".join(quarters_with_data(measurements)) or "none"
        msg = (
            f"{quarter} has no KPI measurements and no workshop activity to review; quarters with measurements: {known}"
        )
        raise CsiError(msg)
    return quarter
