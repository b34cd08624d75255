"""The analysts' data API: one workshop and its store as tidy pandas frames and the apps' charts.

::

    import csikit

    w = csikit.open_workshop("workshops/demo")
    w.activities()                 # what there is to look at
    w.responses("s2-maturity")     # one row per answer
    w.kpi_progress("2026Q2")       # every KPI reading against baseline and target
    w.chart(5, "KPI trends")       # the picture the facilitator and the review show

Every frame comes from :mod:`csikit.analysis` and every picture from
:mod:`csikit.exhibits`, so a number here is the number on the projector and in the
quarterly review. Nothing here changes an answer, a register row or a reading.

Every method that takes a ``quarter`` reads the store as of that quarter — its end, or
now while it is in progress — by the one rule of :mod:`csikit.quarters`: answers, states,
the register, readings and events of then, nothing later (the quarterly review's numbers).

This module reads the frames; the apps' pictures (``exhibits``, ``chart``,
``facilitator_app``) come from :class:`csikit.workbook_exhibits.StepExhibits`, which
:class:`WorkshopData` inherits.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import analysis, exhibits
from .errors import CsiError
from .kinds import kind_of
from .model import Activity, MaturityPhase, Workshop
from .quarters import as_of, moment_of, parse_quarter, quarter_of, quarters_with_data
from .session import DEFAULT_WORKSHOP, existing_store, find_workshop, store_url_for
from .store import Store, default_store_url
from .workbook_exhibits import StepExhibits, as_step  # noqa: F401 - re-exported
from .workshop_file import load_workshop, workshop_path

ACTIVITY_COLUMNS = ["activity", "step", "kind", "title", "state", "answers", "participants"]
MEASUREMENT_COLUMNS = ["kpi", "name", "unit", "date", "quarter", "value", "source"]
EVENT_COLUMNS = ["at", "quarter", "action", "activity", "actor", "detail"]


def datetimes(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its date columns (``date``, ``*_date``, ``*_start``, ``*_end``, ``at``) as
    ``datetime64``: pandas sorts, filters and resamples those, not columns of ``datetime.date``."""
    out = frame.copy()
    for column in out.columns:
        name = str(column)
        kind = out[column].dtype
        textual = pd.api.types.is_object_dtype(kind) or pd.api.types.is_string_dtype(kind)
        if (name in ("date", "at") or name.endswith(("_date", "_start", "_end", "_at"))) and textual:
            out[column] = pd.to_datetime(out[column], errors="coerce")
    return out


class WorkshopData(StepExhibits):
    """One workshop and its store, read as tidy pandas frames (see :func:`open_workshop`).

    Attributes
    ----------
    workshop : csikit.model.Workshop
        The workshop file as loaded (agenda, KPIs, practices, objectives).
    store : csikit.store.Store
        The store every frame is read from.
    path : pathlib.Path
        The workshop file.
    """

    def __init__(self, workshop: Workshop, store: Store, path: Path) -> None:
        self.workshop, self.store, self.path = workshop, store, path

    @property
    def code(self) -> str:
        """The workshop's join code (the store's key for it)."""
        return self.workshop.code

    def __repr__(self) -> str:
        return (
            f"<WorkshopData {self.code} “{self.workshop.title}”: {len(self.workshop.agenda)} activities, "
            f"{len(self.workshop.kpis)} KPIs; store {self.store.shown}>"
        )

    def __enter__(self) -> WorkshopData:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the store's connections (the object is unusable afterwards)."""
        self.store.close()

    def view(self, quarter: str | None = None):
        """The store as of ``quarter`` (a read-only :class:`~csikit.store.as_of.StoreAsOf`), or
        the store itself for None: what every method taking a quarter reads."""
        if not quarter:
            return self.store
        parse_quarter(quarter)  # a malformed quarter says how to write one
        return self.store.as_of(moment_of(quarter))

    # --- what there is -------------------------------------------------------------------

    def activity(self, activity: str) -> Activity:
        """The agenda entry with id ``activity``.

        Raises
        ------
        CsiError
            No such activity: the message lists the agenda's ids.
        """
        for a in self.workshop.agenda:
            if a.id == activity:
                return a
        known = ", ".join(a.id for a in self.workshop.agenda)
        msg = f"{activity!r} is not an activity of {self.code}; its activities are: {known} (see w.activities())"
        raise CsiError(msg)

    def activities(self, quarter: str | None = None) -> pd.DataFrame:
        """The agenda with each activity's state and how many answered (as of ``quarter``).

        Returns
        -------
        pandas.DataFrame
            One row per activity in agenda order: activity (id), step, kind, title,
            state (draft, open, locked, revealed), answers (responses or ideas) and
            participants (how many people answered).
        """
        store = self.view(quarter)
        states = store.states(self.code)
        rows = []
        for a in self.workshop.agenda:
            if kind_of(a.kind).collects_ideas:
                ideas = store.ideas(self.code, a.id)
                answers, people = len(ideas), len({i.participant for i in ideas})
            else:
                responses = store.responses(self.code, a.id)
                answers, people = len(responses), len({r.participant for r in responses})
            state = states.get(a.id)
            rows.append(
                {
                    "activity": a.id,
                    "step": int(a.step),
                    "kind": a.kind.value,
                    "title": a.title,
                    "state": state.value if state is not None else "",
                    "answers": answers,
                    "participants": people,
                }
            )
        return pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)

    # --- answers ---------------------------------------------------------------------------

    def responses(self, activity: str, quarter: str | None = None) -> pd.DataFrame:
        """Every answer to a voting, rating, ranking or maturity activity, one row each.

        Parameters
        ----------
        activity
            The activity's id, e.g. ``"s2-maturity"`` (``w.activities()`` lists them).
        quarter
            Only the answers given (last changed) by the quarter's end; None: all of them.

        Returns
        -------
        pandas.DataFrame
            Columns participant (a number, never a name), item, text (the item as shown),
            criterion (objective, ``current``/``target``, ``impact``/``effort``, or empty),
            value and comment.

        Raises
        ------
        CsiError
            Unknown activity, or an ideas activity (use :meth:`ideas`).
        """
        a = self.activity(activity)
        if kind_of(a.kind).collects_ideas:
            msg = f"{activity!r} collects ideas, not votes or ratings; read it with w.ideas({activity!r})"
            raise CsiError(msg)
        store = self.view(quarter)
        items = store.status(self.code, a.id).items
        return analysis.responses_frame(store.responses(self.code, a.id), items)

    def ideas(self, activity: str, quarter: str | None = None, *, merged: bool = False) -> pd.DataFrame:
        """The ideas people typed into an ideas activity, oldest first.

        Parameters
        ----------
        activity
            The activity's id, e.g. ``"s1-problems"``.
        quarter
            Only the ideas typed by the quarter's end, grouped as they were then.
        merged
            False (default): one row per idea the facilitator kept, with how many
            duplicates were merged into it (columns idea, text, duplicates).
            True: every idea as typed (columns idea, participant, text, merged_into).

        Raises
        ------
        CsiError
            Unknown activity, or an activity that does not collect ideas.
        """
        a = self.activity(activity)
        if not kind_of(a.kind).collects_ideas:
            msg = f"{activity!r} is a {a.kind.value} activity, not an ideas one; read it with w.responses({activity!r})"
            raise CsiError(msg)
        ideas = self.view(quarter).ideas(self.code, a.id)
        if not merged:
            return analysis.ideas_frame(ideas)
        rows = [
            {"idea": i.id, "participant": i.participant, "text": i.text, "merged_into": i.merged_into} for i in ideas
        ]
        frame = pd.DataFrame(rows, columns=["idea", "participant", "text", "merged_into"])
        frame["merged_into"] = frame["merged_into"].astype("Int64")
        return frame

    # --- the CSI register, KPIs and maturity ------------------------------------------------

    def register(self, quarter: str | None = None) -> pd.DataFrame:
        """The CSI register: one row per initiative (id, title, owner, state, kpi, dates …).

        Nested fields are flattened with ``_`` (``baseline_value``, ``target_date``);
        every date column is ``datetime64`` (empty: ``NaT``). ``quarter``: the register as
        it stood at the quarter's end (its history; :mod:`csikit.store.history`).
        """
        return datetimes(exhibits.register_frame(self.view(quarter), self.code))

    def measurements(self, quarter: str | None = None) -> pd.DataFrame:
        """Every KPI reading in the store (up to the end of ``quarter`` when given).

        Returns
        -------
        pandas.DataFrame
            Columns kpi, name, unit, date, quarter, value, source; oldest first.
        """
        names = {k.id: k for k in self.workshop.kpis}
        until = as_of(quarter) if quarter else None
        rows = [
            {
                "kpi": m.kpi,
                "name": names[m.kpi].name if m.kpi in names else "",
                "unit": names[m.kpi].unit if m.kpi in names else "",
                "date": m.date,
                "quarter": quarter_of(m.date),
                "value": m.value,
                "source": m.source,
            }
            for m in self.store.measurements(self.code)
            if until is None or m.date <= until
        ]
        frame = datetimes(pd.DataFrame(rows, columns=MEASUREMENT_COLUMNS))
        return frame.sort_values(["date", "kpi"], kind="stable").reset_index(drop=True)

    def kpi_progress(self, quarter: str | None = None, *, latest: bool = False) -> pd.DataFrame:
        """Every KPI reading against its baseline and target, as of the end of ``quarter``.

        Parameters
        ----------
        quarter
            ``"2026Q2"``: readings dated by that quarter's last day (by today while it is
            in progress); None: all readings.
        latest
            True: only each KPI's latest reading (what step 5's progress chart shows).

        Returns
        -------
        pandas.DataFrame
            Columns kpi, name, unit, direction, baseline, target, target_date, date,
            quarter, actual, progress (percent of the way from baseline to target; 100
            = met, negative = worse than baseline), met, change, improved.
        """
        until = as_of(quarter) if quarter else None
        readings = [m for m in self.store.measurements(self.code) if until is None or m.date <= until]
        progress = analysis.kpi_progress(self.workshop.kpis, readings)
        return datetimes(analysis.kpi_latest(progress) if latest else progress)

    def maturity(self, quarter: str | None = None) -> pd.DataFrame:
        """Current and target maturity per practice (medians of the maturity activities;
        ``quarter``: of those locked or revealed by its end, with the answers of then).

        Returns
        -------
        pandas.DataFrame
            Columns practice, text, current, current_q1, current_q3 (the middle half of
            the ratings), target, n (assessors), gap; biggest gap first. Empty (with
            these columns) when the agenda has no maturity activity.
        """
        gap = exhibits.maturity_gap_exhibit(self.view(quarter), self.code, decided=bool(quarter))
        if gap is None:
            return analysis.maturity_gaps([], [], ())
        return gap.frame

    def maturity_ratings(self, quarter: str | None = None) -> pd.DataFrame:
        """Every maturity rating (given by ``quarter``'s end), one row each: activity, phase,
        participant, practice, text, criterion, value."""
        frames = []
        for a in self.workshop.agenda:
            if kind_of(a.kind).assesses_maturity:
                frame = self.responses(a.id, quarter).rename(columns={"item": "practice"})
                frame.insert(0, "phase", (a.phase or MaturityPhase.CURRENT).value)
                frame.insert(0, "activity", a.id)
                frames.append(frame)
        columns = ["activity", "phase", "participant", "practice", "text", "criterion", "value", "comment"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def events(self, quarter: str | None = None) -> pd.DataFrame:
        """The facilitator's audit trail (opened, locked, revealed, reset …), oldest first.

        Parameters
        ----------
        quarter
            Only the events of that quarter when given.

        Returns
        -------
        pandas.DataFrame
            Columns at (UTC), quarter, action, activity, actor, detail.
        """
        rows = [
            {
                "at": e.at,
                "quarter": quarter_of(e.at.date()),
                "action": e.action,
                "activity": e.activity,
                "actor": e.actor,
                "detail": e.detail,
            }
            for e in self.store.events(self.code)
        ]
        frame = datetimes(pd.DataFrame(rows, columns=EVENT_COLUMNS))
        if quarter:
            year, q = parse_quarter(quarter)  # a malformed quarter says how to write one
            frame = frame[frame["quarter"] == f"{year}Q{q}"].reset_index(drop=True)
        return frame

    def quarters(self) -> list[str]:
        """Quarters with KPI readings or workshop activity, oldest first (what to pass as ``quarter``)."""
        return quarters_with_data(self.store.measurements(self.code), self.store.events(self.code))


def open_workshop(
    path: str | Path = DEFAULT_WORKSHOP, store: str | None = None, *, create: bool = False
) -> WorkshopData:
    """Open a workshop and its store for analysis.

    Parameters
    ----------
    path
        The workshop folder or file. A relative path is also looked up from the folders
        above the working folder (a notebook in ``notebooks/`` finds ``workshops/demo``).
    store
        Store URL (``sqlite:///file.sqlite`` or ``postgresql+psycopg://…``); default
        ``$CSIKIT_STORE``, else ``csikit.sqlite`` beside the workshop file.
    create
        Make ``store`` when it does not exist yet (to fill it, e.g. with
        :func:`csikit.simulate.simulate`). Without it a named SQLite store that does not
        exist is an error: a mistyped path is not an empty workshop.

    Returns
    -------
    WorkshopData
        Methods give tidy frames: ``activities``, ``responses``, ``ideas``, ``register``,
        ``measurements``, ``kpi_progress``, ``maturity``, ``events``; and the apps'
        pictures: ``exhibits``, ``chart``.

    Raises
    ------
    CsiError
        No such workshop, a workshop file with mistakes (each one named), or a ``store``
        (or ``$CSIKIT_STORE``) SQLite file that does not exist.
    """
    file = workshop_path(find_workshop(path, parameter="path")).resolve()
    ws = load_workshop(file)
    url = store_url_for(file, store)
    # a store named on purpose must exist (a typo is not an empty workshop); the default one
    # beside the workshop file is where csikit keeps it, made on first use
    if not create and url != default_store_url(file):
        url = existing_store(url, what=ws.code)
    st = Store(url)
    try:
        st.sync_workshop(ws)
    except BaseException:
        st.close()
        raise
    return WorkshopData(ws, st, file)


__all__ = ["WorkshopData", "open_workshop"]
