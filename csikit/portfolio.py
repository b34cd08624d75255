"""Several workshops of one organisation read together: the data API across departments.

::

    import csikit

    p = csikit.open_portfolio(["workshops/demo", "workshops/demo-infra"])
    p.departments()                      # who is in it: workshop, department, store
    p.register("2026Q3")                 # every initiative, with workshop and department columns
    p.kpi_progress("2026Q3", latest=True)
    p.shared_kpis("2026Q3")              # KPIs (same id) measured by several departments
    p.maturity_by_department("2026Q3")   # departments × practices, with the organisation's median
    p.recurring_problems("2026Q3")       # problems raised in several departments

Each workshop keeps its own folder, join code and store (or they share one). Every frame
is the one :func:`csikit.open_workshop` gives for each workshop, stacked, with ``workshop``
(the join code) and ``department`` as its first columns; every method that takes a
``quarter`` reads each store as of that quarter by the one rule of :mod:`csikit.quarters`
(through :class:`csikit.workbook.WorkshopData`).

Figures that pool departments keep each department's ``min_group``
(:func:`csikit.rules.withholds`): a department with fewer answers than its workshop asks for
is left out of the pooled figure and named, never silently averaged in. Those pooled
figures (maturity by department, recurring problems) live in :mod:`csikit.portfolio_pooled`
and are re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from .departments import (  # noqa: F401 - re-exported: the portfolio's vocabulary
    check_codes,
    department_labels,
    department_of,
    organisation_name,
    organisation_of,
    siblings,
)
from .errors import CsiError
from .kinds import kind_of
from .model import ActivityState, MaturityPhase, Step
from .portfolio_pooled import (  # noqa: F401 - re-exported: the pooled figures
    MATURITY_COLUMNS,
    ORGANISATION,
    RECURRING_COLUMNS,
    DepartmentRatings,
    _Said,
    maturity_by_department,
    maturity_note,
    recurring_problems,
)
from .rules import withholds
from .workbook import WorkshopData

# --- the portfolio ------------------------------------------------------------------------------


class PortfolioData:
    """Several workshops read together (see :func:`open_portfolio`).

    Attributes
    ----------
    members : tuple of csikit.workbook.WorkshopData
        One per workshop, in the order given.
    labels : tuple of str
        Each member's department (its code added where two share a name).
    organisation : str
        The organisation's name (every name joined when the workshops name several).
    """

    def __init__(self, members: Sequence[WorkshopData]) -> None:
        self.members = tuple(members)
        check_codes([m.workshop for m in self.members], [m.path for m in self.members])
        self.labels = tuple(department_labels([m.workshop for m in self.members]))
        self.organisation = organisation_name(m.workshop for m in self.members)

    def __repr__(self) -> str:
        parts = ", ".join(f"{label} ({m.code})" for label, m in zip(self.labels, self.members, strict=True))
        return f"<PortfolioData {self.organisation}: {parts}>"

    def __enter__(self) -> PortfolioData:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self):
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def close(self) -> None:
        """Release every store's connections."""
        for m in self.members:
            m.close()

    def workshop(self, which: str) -> WorkshopData:
        """One member by join code or department."""
        for label, m in zip(self.labels, self.members, strict=True):
            if which in (m.code, label):
                return m
        known = ", ".join(f"{label} ({m.code})" for label, m in zip(self.labels, self.members, strict=True))
        msg = f"{which!r} is not a workshop of this portfolio; its workshops: {known}"
        raise CsiError(msg)

    # --- stacked frames ------------------------------------------------------------------

    def _stack(self, frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
        out = []
        for label, m, frame in zip(self.labels, self.members, frames, strict=True):
            frame = frame.copy()
            frame.insert(0, "department", label)
            frame.insert(0, "workshop", m.code)
            out.append(frame)
        shown = [f for f in out if len(f)]
        return pd.concat(shown, ignore_index=True) if shown else out[0].iloc[0:0] if out else pd.DataFrame()

    def departments(self) -> pd.DataFrame:
        """One row per workshop: workshop (join code), department, organisation, title, path, store, min_group."""
        return pd.DataFrame(
            [
                {
                    "workshop": m.code,
                    "department": label,
                    "organisation": organisation_of(m.workshop),
                    "title": m.workshop.title,
                    "path": str(m.path.parent),
                    "store": m.store.shown,
                    "min_group": m.workshop.min_group,
                }
                for label, m in zip(self.labels, self.members, strict=True)
            ]
        )

    def activities(self, quarter: str | None = None) -> pd.DataFrame:
        """Every workshop's agenda with states and answers (:meth:`WorkshopData.activities`)."""
        return self._stack(m.activities(quarter) for m in self.members)

    def register(self, quarter: str | None = None) -> pd.DataFrame:
        """Every initiative of every workshop, as its register stood at ``quarter``'s end."""
        return self._stack(m.register(quarter) for m in self.members)

    def measurements(self, quarter: str | None = None) -> pd.DataFrame:
        """Every KPI reading (dated by ``quarter``'s end when given)."""
        return self._stack(m.measurements(quarter) for m in self.members)

    def kpi_progress(self, quarter: str | None = None, *, latest: bool = False) -> pd.DataFrame:
        """Every KPI reading against its workshop's baseline and target (``latest``: each KPI's last)."""
        return self._stack(m.kpi_progress(quarter, latest=latest) for m in self.members)

    def maturity(self, quarter: str | None = None) -> pd.DataFrame:
        """Each workshop's current and target maturity per practice (:meth:`WorkshopData.maturity`)."""
        return self._stack(m.maturity(quarter) for m in self.members)

    def maturity_ratings(self, quarter: str | None = None) -> pd.DataFrame:
        """Every maturity rating of every workshop (given by ``quarter``'s end)."""
        return self._stack(m.maturity_ratings(quarter) for m in self.members)

    def ideas(self, activity: str | None = None, quarter: str | None = None) -> pd.DataFrame:
        """The ideas of every workshop's ideas activities (or of those with id ``activity``):
        columns workshop, department, activity, step, then :meth:`WorkshopData.ideas`'s."""
        frames = []
        for m in self.members:
            parts = []
            for a in m.workshop.agenda:
                if kind_of(a.kind).collects_ideas and activity in (None, a.id):
                    frame = m.ideas(a.id, quarter)
                    frame.insert(0, "step", int(a.step))
                    frame.insert(0, "activity", a.id)
                    parts.append(frame)
            frames.append(
                pd.concat(parts, ignore_index=True)
                if parts
                else pd.DataFrame(columns=["activity", "step", "idea", "text", "duplicates"])
            )
        return self._stack(frames)

    def events(self, quarter: str | None = None) -> pd.DataFrame:
        """Every workshop's audit trail (of ``quarter`` when given)."""
        return self._stack(m.events(quarter) for m in self.members)

    def quarters(self) -> list[str]:
        """Quarters with KPI readings or workshop activity in any workshop, oldest first."""
        return sorted({q for m in self.members for q in m.quarters()})

    # --- across departments --------------------------------------------------------------

    def shared_kpis(self, quarter: str | None = None) -> pd.DataFrame:
        """Each department's latest reading of every KPI that more than one workshop measures
        (the same KPI id), as of ``quarter``'s end: :meth:`kpi_progress` with ``latest``, those rows only.
        A department with the KPI in its file but no reading yet has a row with no value."""
        owners: dict[str, list[str]] = {}
        for m in self.members:
            for k in m.workshop.kpis:
                owners.setdefault(k.id, []).append(m.code)
        shared = {k for k, codes in owners.items() if len(codes) > 1}
        latest = self.kpi_progress(quarter, latest=True)
        have = set(zip(latest["workshop"], latest["kpi"], strict=True)) if len(latest) else set()
        missing = [
            {
                "workshop": m.code,
                "department": label,
                "kpi": k.id,
                "name": k.name,
                "unit": k.unit,
                "direction": k.direction.value,
                "baseline": k.baseline.value,
                "target": k.target.value,
                "target_date": k.target.date,
            }
            for label, m in zip(self.labels, self.members, strict=True)
            for k in m.workshop.kpis
            if k.id in shared and (m.code, k.id) not in have
        ]
        frame = (
            pd.concat(
                [latest[latest["kpi"].isin(shared)], pd.DataFrame(missing, columns=latest.columns)], ignore_index=True
            )
            if missing
            else latest[latest["kpi"].isin(shared)]
        )
        order = {code: n for n, code in enumerate(m.code for m in self.members)}
        return frame.sort_values(
            ["kpi", "workshop"], key=lambda s: s.map(order) if s.name == "workshop" else s, kind="stable"
        ).reset_index(drop=True)

    def department_ratings(self, quarter: str | None = None) -> list[DepartmentRatings]:
        """Each department's latest current-maturity assessment (decided by ``quarter``'s end
        when given; else locked or revealed now), with its ``min_group`` decision."""
        out = []
        for label, m in zip(self.labels, self.members, strict=True):
            view = m.view(quarter)
            states = view.states(m.code)
            chosen, when = None, None
            for a in m.workshop.agenda:
                if not kind_of(a.kind).assesses_maturity or (a.phase or MaturityPhase.CURRENT) is MaturityPhase.TARGET:
                    continue
                if states.get(a.id) not in (ActivityState.LOCKED, ActivityState.REVEALED):
                    continue
                at = view.decided_at(m.code, a.id) if quarter else None
                if chosen is None or (at is not None and (when is None or at >= when)) or not quarter:
                    chosen, when = a, at
            if chosen is None:
                out.append(
                    DepartmentRatings(
                        label,
                        pd.DataFrame(columns=["participant", "practice", "text", "value"]),
                        0,
                        m.workshop.min_group,
                    )
                )
                continue
            ratings = m.responses(chosen.id, quarter).rename(columns={"item": "practice"})
            ratings = ratings[ratings["criterion"] == "current"]
            assessors = int(ratings["participant"].nunique())
            out.append(
                DepartmentRatings(
                    label, ratings, assessors, m.workshop.min_group, chosen.title, withholds(m.workshop, assessors)
                )
            )
        return out

    def maturity_by_department(self, quarter: str | None = None) -> pd.DataFrame:
        """Departments × practices: each department's median and middle half, and the
        organisation's over every assessor of the departments shown (see
        :func:`maturity_by_department`); a department with fewer assessors than its
        workshop's ``min_group`` has ``withheld`` rows and no numbers."""
        return maturity_by_department(self.department_ratings(quarter))

    def maturity_chart(self, quarter: str | None = None):
        """Departments × practices as a heatmap, with the organisation's median and middle half
        (:func:`csikit.org_charts.department_maturity_chart`)."""
        from .org_charts import department_maturity_chart

        return department_maturity_chart(self.maturity_by_department(quarter))

    def shared_kpi_chart(self, quarter: str | None = None):
        """The KPIs several departments share: a panel each, a line per department
        (:func:`csikit.org_charts.shared_kpi_chart`)."""
        from .org_charts import shared_kpi_chart

        shared = self.shared_kpis(quarter)
        progress = self.kpi_progress(quarter)
        return shared_kpi_chart(progress[progress["kpi"].isin(set(shared["kpi"]))], list(dict.fromkeys(shared["kpi"])))

    def recurring_problems(self, quarter: str | None = None, *, step: int | Step = Step.VISION) -> pd.DataFrame:
        """Problems (ideas of ``step``'s ideas activities, step 1 by default) that several
        workshops raised, grouped across workshops as the facilitator's duplicate
        suggestions group them (:func:`recurring_problems`). With ``quarter``: the ideas
        typed by its end in activities locked or revealed by then. Anonymous activities
        with fewer people than ``min_group`` are left out."""
        from .kinds.ideas.results import named_ideas

        named = []
        for label, m in zip(self.labels, self.members, strict=True):
            view = m.view(quarter)
            states = view.states(m.code)
            ideas = []
            for a in m.workshop.agenda:
                if not kind_of(a.kind).collects_ideas or int(a.step) != int(step):
                    continue
                if quarter and states.get(a.id) not in (ActivityState.LOCKED, ActivityState.REVEALED):
                    continue
                these = view.ideas(m.code, a.id)
                people = len({i.participant for i in these})
                if withholds(m.workshop, people, anonymous=a.anonymous):
                    continue
                ideas += these
            named.append((label, m.code, named_ideas(ideas)))
        return recurring_problems(named)


def for_worksheet(workshop: str = "", workshops: Sequence[str] = (), store_url: str = "") -> PortfolioData:
    """The portfolio a worksheet opens: ``workshops`` (default: ``workshop`` and the workshop
    folders beside it of the same organisation, :func:`siblings`), ``workshop`` reading
    ``store_url`` (default ``$CSIKIT_STORE``, as ``csikit lab`` sets it) and the others their own stores.

    ``workshop`` defaults to ``$CSIKIT_WORKSHOP_PATH``, else the bundled demo.
    """
    from .session import DEFAULT_WORKSHOP, find_workshop

    first = find_workshop(workshop or os.environ.get("CSIKIT_WORKSHOP_PATH") or DEFAULT_WORKSHOP)
    paths = [Path(find_workshop(p, parameter="workshops")) for p in workshops] or siblings(first)
    url = store_url or os.environ.get("CSIKIT_STORE") or None
    mine = Path(first).resolve()
    mine = mine.parent if mine.is_file() else mine
    stores = [url if (p.resolve().parent if p.resolve().is_file() else p.resolve()) == mine else None for p in paths]
    return open_portfolio(paths, stores)


def _store_for(store, n: int) -> list[str | None]:
    if store is None or isinstance(store, str):
        return [store] * n
    stores = list(store)
    if len(stores) != n:
        msg = f"{len(stores)} stores for {n} workshops: give one store for all, one per workshop, or none"
        raise CsiError(msg)
    return stores


def open_portfolio(
    paths: Sequence[str | Path], store: str | Sequence[str | None] | None = None, *, create: bool = False
) -> PortfolioData:
    """Open several workshops of one organisation and their stores for analysis together.

    Parameters
    ----------
    paths
        Workshop folders or files (each its own join code). A relative path is looked up
        as :func:`csikit.open_workshop` looks it up.
    store
        None (default): each workshop's own store, ``csikit.sqlite`` beside its file
        (``$CSIKIT_STORE`` is not read: it names one workshop's store). One URL: every
        workshop in that store. A list: one URL (or None) per workshop.
    create
        Make a named store that does not exist yet (as :func:`csikit.open_workshop`).

    Returns
    -------
    PortfolioData
        The methods of :class:`csikit.workbook.WorkshopData` (register, measurements,
        kpi_progress, maturity, ideas, activities, events …) with ``workshop`` and
        ``department`` columns, and the figures across departments: ``shared_kpis``,
        ``maturity_by_department``, ``recurring_problems``.

    Raises
    ------
    CsiError
        No workshop given, two with one join code, a workshop file with mistakes, or a
        named SQLite store that does not exist.
    """
    from .session import existing_store, find_workshop
    from .store import Store, default_store_url
    from .workshop_file import load_workshop, workshop_path

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise CsiError("A portfolio needs at least one workshop folder; give them as a list of paths.")
    files = [workshop_path(find_workshop(p, parameter="paths")).resolve() for p in paths]
    workshops = [load_workshop(f) for f in files]
    check_codes(workshops, paths)
    members: list[WorkshopData] = []
    try:
        for file, ws, given in zip(files, workshops, _store_for(store, len(files)), strict=True):
            url = (
                (given if create else existing_store(given, what=ws.code)) if given else default_store_url(file.parent)
            )
            st = Store(url)
            members.append(WorkshopData(ws, st, file))
            st.sync_workshop(ws)
        return PortfolioData(members)
    except BaseException:
        for m in members:
            m.close()
        raise


__all__ = [
    "ORGANISATION",
    "DepartmentRatings",
    "PortfolioData",
    "department_of",
    "for_worksheet",
    "maturity_by_department",
    "open_portfolio",
    "organisation_of",
    "recurring_problems",
    "siblings",
]
