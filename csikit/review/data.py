"""A quarter's review data: a snapshot of the store taken once.

"As of a quarter" means: measurements dated on or before the quarter's last day;
workshop activities decided (locked or revealed) and facilitator events logged within
the quarter. Nothing here reads the wall clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

from ..kinds import kind_of
from ..model import (
    Activity,
    ActivityState,
    Event,
    Idea,
    Initiative,
    Item,
    Measurement,
    Response,
    Workshop,
)
from ..quarters import (
    quarter_end,
    quarter_start,
    quarters_with_data,
    resolve_quarter,
    shift_quarter,
)

DECIDED = ("locked", "revealed")


@dataclass(frozen=True)
class ActivityRecord:
    """One agenda activity with its items, answers and when it was last decided.

    ``withheld``: the activity is anonymous and fewer than the workshop's ``min_group``
    answered (``rules.too_few``), so its answers are left out of the snapshot (every
    section then shows nothing that could tell who answered what) and the kinds' review
    rows say why (:func:`csikit.kinds.base.withheld`).
    """

    activity: Activity
    state: ActivityState
    items: tuple[Item, ...]
    responses: tuple[Response, ...]
    ideas: tuple[Idea, ...]
    answered: int
    joined: int
    decided_at: datetime | None
    withheld: bool = False


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

        from .display import NO_MATH

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
    from ..paths import demo_source
    from ..rules import too_few
    from ..store import Store, default_store_url
    from ..workshop_file import load_workshop, workshop_path

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
            withheld = a.anonymous and answered > 0 and too_few(ws, answered)
            responses = () if withheld else tuple(store.responses(code, a.id))
            ideas = tuple(store.ideas(code, a.id)) if kind_of(a.kind).collects_ideas and not withheld else ()
            records.append(ActivityRecord(a, states[a.id], status.items, responses, ideas, answered, joined,
                                          max(decided) if decided else None, withheld))
        return ReviewData(ws, quarter, measurements, tuple(store.initiatives(code)), events, tuple(records), store.shown)
    finally:
        store.close()


def quarters_in_store(store, code: str) -> list[str]:
    """Quarters with KPI measurements or workshop activity in the store, oldest first."""
    return quarters_with_data(store.measurements(code), store.events(code))
