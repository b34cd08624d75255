"""A quarter's review data: which quarter, and a snapshot of the store taken once.

"As of a quarter" means: measurements dated on or before the quarter's last day;
workshop activities decided (locked or revealed) and facilitator events logged within
the quarter. Nothing here reads the wall clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

from .errors import CsiError
from .measurements import parse_quarter, quarter_end, quarter_of
from .model import (
    Activity,
    ActivityKind,
    ActivityState,
    Event,
    Idea,
    Initiative,
    Item,
    Measurement,
    Response,
    Workshop,
)

DECIDED = ("locked", "revealed")


# --- quarters ---------------------------------------------------------------------------------


def quarter_start(quarter: str) -> date:
    year, q = parse_quarter(quarter)
    return date(year, 3 * q - 2, 1)


def shift_quarter(quarter: str, by: int) -> str:
    """The quarter ``by`` quarters after (or, negative, before) ``quarter``."""
    year, q = parse_quarter(quarter)
    n = year * 4 + (q - 1) + by
    return f"{n // 4}Q{n % 4 + 1}"


def quarters_with_data(measurements, events=()) -> list[str]:
    """Quarters with at least one KPI measurement or workshop event (an activity opened,
    locked or revealed, an idea merged, the register edited …), oldest first."""
    return sorted({quarter_of(m.date) for m in measurements} | {quarter_of(e.at.date()) for e in events})


def resolve_quarter(quarter: str, measurements, events=()) -> str:
    """The quarter to review: ``quarter`` normalised, or the latest with measurements or
    workshop activity (so the review right after a workshop covers that workshop).

    A quarter named explicitly must hold measurements or facilitator events.
    """
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


# --- the snapshot -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityRecord:
    """One agenda activity with its items, answers and when it was last decided."""

    activity: Activity
    state: ActivityState
    items: tuple[Item, ...]
    responses: tuple[Response, ...]
    ideas: tuple[Idea, ...]
    answered: int
    joined: int
    decided_at: datetime | None


@dataclass(frozen=True)
class ReviewData:
    """Everything a review reads, taken from the store once."""

    workshop: Workshop
    quarter: str
    measurements: tuple[Measurement, ...]
    initiatives: tuple[Initiative, ...]
    events: tuple[Event, ...]
    activities: tuple[ActivityRecord, ...]
    store: str = ""

    @property
    def start(self) -> date:
        return quarter_start(self.quarter)

    @property
    def end(self) -> date:
        return quarter_end(self.quarter)

    @property
    def previous(self) -> str:
        return shift_quarter(self.quarter, -1)

    def within(self, day: date) -> bool:
        return self.start <= day <= self.end

    def _repr_html_(self) -> str:
        import html

        from .reportview import NO_MATH

        ws = self.workshop
        return (f"<p class='{NO_MATH}'><b>{html.escape(ws.organisation)}</b> · {html.escape(ws.title)} (code {ws.code})<br>"
                f"Quarter <b>{self.quarter}</b>: {self.start:%d %b %Y} – {self.end:%d %b %Y}; "
                f"compared with {self.previous}. Store: {html.escape(self.store)}</p>")


def load_review(workshop: str = "", quarter: str = "", store_url: str = "") -> ReviewData:
    """Read a workshop's data for a quarter's review.

    Parameters
    ----------
    workshop
        Workshop folder or file; empty: ``$CSIKIT_WORKSHOP_PATH``, else the bundled demo.
    quarter
        ``YYYYQn``; empty: the latest quarter with KPI measurements or workshop activity.
    store_url
        Empty: ``$CSIKIT_STORE``, else the SQLite file beside the workshop file.
    """
    from .serve import demo_source
    from .store import Store, default_store_url
    from .workshop_file import load_workshop, workshop_path

    path = workshop or os.environ.get("CSIKIT_WORKSHOP_PATH") or str(demo_source())
    ws = load_workshop(path)
    store = Store(store_url or os.environ.get("CSIKIT_STORE") or default_store_url(workshop_path(path).parent))
    try:
        store.sync_workshop(ws)
        code = ws.code
        measurements = tuple(store.measurements(code))
        events = tuple(store.events(code))
        quarter = resolve_quarter(quarter, measurements, events)
        states = store.states(code)
        records = []
        for a in ws.agenda:
            status = store.status(code, a.id)
            answered, joined = store.participation(code, a.id)
            decided = [e.at for e in events if e.activity == a.id and e.action in DECIDED]
            records.append(ActivityRecord(
                a, states[a.id], status.items, tuple(store.responses(code, a.id)),
                tuple(store.ideas(code, a.id)) if a.kind is ActivityKind.IDEAS else (),
                answered, joined, max(decided) if decided else None))
        return ReviewData(ws, quarter, measurements, tuple(store.initiatives(code)), events, tuple(records), store.shown)
    finally:
        store.close()
