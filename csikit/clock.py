"""The one clock of csikit: what time it is now, in UTC (how the store keeps every time).

Everything that asks the wall clock for a timestamp to store or for "today" in a view
(the store's writes, the quarter in progress, a worksheet's "today") calls
:func:`utcnow` through this module, so a test moves time for all of them at once::

    monkeypatch.setattr(csikit.clock, "utcnow", lambda: datetime(2026, 3, 2, 9, 0))
"""

from __future__ import annotations

from datetime import date, datetime, timezone


def utcnow() -> datetime:
    """UTC now, naive (how every time is stored)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC (the day of :func:`utcnow`)."""
    return utcnow().date()
