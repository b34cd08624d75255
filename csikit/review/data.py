"""A quarter's review data: a snapshot of the store taken once, as of the quarter.

The snapshot holds only what the store held at the quarter's end (now, for the quarter
in progress), by the one rule of :mod:`csikit.quarters`: readings dated by then, the
audit trail logged by then, each activity's state, answers and participation then, the
register as its history had it then (and at the previous quarter's end). So no section
can show the future, and a finished quarter's review is the same whenever it is run.
The wall clock is read once, through :mod:`csikit.clock`, for the quarter in progress.
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
    moment_of,
    quarter_close,
    quarter_end,
    quarter_label,
    quarter_start,
    quarters_with_data,
    resolve_quarter,
    shift_quarter,
)


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
    """Everything a review reads, taken from the store once, as of ``as_of``.

    ``as_of``: the moment the snapshot stands at (the end of the quarter's last day, UTC,
    or the time it was taken while the quarter is in progress; None: the quarter's end).
    ``initiatives`` is the register then; ``register_before`` the register at the end of
    the previous quarter (what "became overdue" compares with).
    """

    workshop: Workshop
    quarter: str
    measurements: tuple[Measurement, ...]
    initiatives: tuple[Initiative, ...]
    events: tuple[Event, ...]
    activities: tuple[ActivityRecord, ...]
    store: str = ""
    as_of: datetime | None = None
    register_before: tuple[Initiative, ...] | None = None

    @property
    def start(self) -> date:
        return quarter_start(self.quarter)

    @property
    def end(self) -> date:
        return quarter_end(self.quarter)

    @property
    def day(self) -> date:
        """The day every figure is computed for: the quarter's last day, or today while it is in progress."""
        return min(self.as_of.date(), self.end) if self.as_of else self.end

    @property
    def in_progress(self) -> bool:
        """Whether the quarter had not ended when the snapshot was taken."""
        return self.as_of is not None and self.as_of < quarter_close(self.quarter)

    @property
    def label(self) -> str:
        """``2026Q3``, or ``2026Q4, in progress, as of 5 Dec 2026``."""
        return quarter_label(self.quarter, self.as_of) if self.as_of else self.quarter

    @property
    def previous(self) -> str:
        return shift_quarter(self.quarter, -1)

    def within(self, day: date) -> bool:
        return self.start <= day <= self.end

    def _repr_html_(self) -> str:
        import html

        from ..display import NO_MATH

        ws = self.workshop
        return (
            f"<p class='{NO_MATH}'><b>{html.escape(ws.organisation)}</b> · {html.escape(ws.title)} (code {ws.code})<br>"
            f"Quarter <b>{html.escape(self.label)}</b>: {self.start:%d %b %Y} – {self.end:%d %b %Y}; "
            f"compared with {self.previous}.</p>"
        )  # the store's path: in the colophon


def load_review(workshop: str = "", quarter: str = "", store_url: str = "") -> ReviewData:
    """Read a workshop's data for a quarter's review, as of the quarter (see the module).

    Parameters
    ----------
    workshop
        Workshop folder or file; empty: ``$CSIKIT_WORKSHOP_PATH``, else the bundled demo.
    quarter
        ``YYYYQn`` or ``current``; empty: the last finished quarter with KPI measurements or
        workshop activity (:func:`csikit.quarters.resolve_quarter`).
    store_url
        Empty: ``$CSIKIT_STORE``, else the SQLite file beside the workshop file.
    """
    from ..paths import demo_source
    from ..session import store_url_for
    from ..store import Store
    from ..workshop_file import load_workshop, workshop_path

    path = workshop or os.environ.get("CSIKIT_WORKSHOP_PATH") or str(demo_source())
    ws = load_workshop(path)
    store = Store(store_url_for(workshop_path(path), store_url))
    try:
        store.sync_workshop(ws)
        quarter = resolve_quarter(quarter, store.measurements(ws.code), store.events(ws.code))
        return snapshot(ws, store, quarter)
    finally:
        store.close()


def snapshot(ws: Workshop, store, quarter: str) -> ReviewData:
    """The snapshot of ``ws`` in ``store`` as of ``quarter`` (``YYYYQn``, already resolved:
    a quarter without data gives a snapshot with nothing in it, as the organisation review
    needs for a department that did nothing that quarter). See :func:`load_review`."""
    from ..rules import withholds

    code = ws.code
    view = store.as_of(moment_of(quarter))
    events = tuple(view.events(code))
    states = view.states(code)
    records = []
    for a in ws.agenda:
        answered, joined = view.participation(code, a.id)
        withheld = withholds(ws, answered, anonymous=a.anonymous)
        responses = () if withheld else tuple(view.responses(code, a.id))
        ideas = tuple(view.ideas(code, a.id)) if kind_of(a.kind).collects_ideas and not withheld else ()
        records.append(
            ActivityRecord(
                a,
                states[a.id],
                view.status(code, a.id).items,
                responses,
                ideas,
                answered,
                joined,
                view.decided_at(code, a.id),
                withheld,
            )
        )
    before = view.as_of(quarter_close(shift_quarter(quarter, -1))).initiatives(code)
    return ReviewData(
        ws,
        quarter,
        tuple(view.measurements(code)),
        tuple(view.initiatives(code)),
        events,
        tuple(records),
        store.shown,
        view.moment,
        tuple(before),
    )


def quarters_in_store(store, code: str) -> list[str]:
    """Quarters with KPI measurements or workshop activity in the store, oldest first."""
    return quarters_with_data(store.measurements(code), store.events(code))
