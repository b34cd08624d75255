"""The organisation review: several departments' workshops as of one quarter, side by side.

:func:`load_organisation` takes each workshop's review snapshot (:func:`csikit.review.data.snapshot`,
the one rule of :mod:`csikit.quarters`) for the same quarter; every section here is a pure
function of those snapshots, computed by the functions each department's own review uses
(:mod:`csikit.review.sections`: the KPI table, the register's RAG frame, the headline's
facts), so a department's numbers here are the numbers of its own pack.

Pooled figures keep each department's ``min_group`` (:func:`csikit.rules.withholds`): a
department with fewer answers is withheld from them and named, never averaged in.

The snapshot itself (:class:`OrganisationData`, :func:`load_organisation`) lives in
:mod:`csikit.review.organisation_data`, the pooled sections (maturity by department,
recurring problems) in :mod:`csikit.review.organisation_pooled`; both are re-exported here.
"""

from __future__ import annotations

import pandas as pd

from .. import charts, org_charts
from ..kinds import kind_of
from ..kinds.ideas.results import named_ideas
from ..kinds.results import withheld_note
from ..model import Step
from . import sections
from .display import Section, Table
from .organisation_data import Department, OrganisationData, load_organisation, short_day  # noqa: F401 - re-exported
from .organisation_pooled import department_ratings, maturity_section, problem_table, problems_section
from .organisation_run import STORES_ENV  # noqa: F401 - re-exported (__all__)

# --- the departments at a glance ---------------------------------------------------------------


def _facts(d: Department) -> dict:
    return sections.headline(d.data).tables["facts"].frame.iloc[0].to_dict()


def department_table(org: OrganisationData) -> pd.DataFrame:
    """One row per department: its KPIs, initiatives and decisions in the quarter (each from
    the frames its own review shows) and where its own pack is."""
    rows = []
    for d in org.departments:
        kpis, rag, facts = sections.kpi_table(d.data), sections.rag_table(d.data), _facts(d)
        status = kpis["status"].value_counts()
        rows.append(
            {
                "department": d.label,
                "workshop": d.code,
                "kpis": len(kpis),
                "measured": facts["kpis_measured"],
                "improved": facts["kpis_improved"],
                "worse": facts["kpis_worse"],
                "met_or_on_track": int(status.get("met", 0) + status.get("on track", 0)),
                "behind": int(status.get("behind", 0) + status.get("worse than baseline", 0)),
                "initiatives": len(rag),
                "red": int((rag["rag"] == "red").sum()) if len(rag) else 0,
                "overdue": facts["overdue"],
                "finished": facts["closed"],
                "decided": facts["activities_decided"],
                "pack": d.pack or ("—" if d.active else f"none: nothing recorded in {org.quarter}"),
            }
        )
    return pd.DataFrame(rows)


def headline(org: OrganisationData) -> Section:
    """Across departments, in a few sentences each computed from the tables below."""
    table = department_table(org)
    names = ", ".join(f"{d.label} ({d.code})" for d in org.departments)
    n = len(org.departments)
    lines = [f"{n} department{'s' if n != 1 else ''} of {org.name} as of {org.label}: {names}."]
    quiet = [d.label for d in org.departments if not d.active]
    if quiet:
        lines.append(
            f"No KPI reading and no workshop activity in {org.quarter}: {', '.join(quiet)} "
            "(shown as its register and readings stood then; it has no pack of its own this quarter)."
        )
    measured, improved = int(table["measured"].sum()), int(table["improved"].sum())
    per = "; ".join(f"{r.department} {r.improved} of {r.measured}" for r in table.itertuples())
    lines.append(
        f"{improved} of {measured} KPIs measured in {org.quarter} improved ({per})."
        if measured
        else f"No KPI has a reading yet in {org.quarter} (in progress, as of {short_day(org.day)}) in any department."
        if org.in_progress
        else f"No KPI has a reading in {org.quarter} in any department."
    )
    lines.append(
        f"Against target: {int(table['met_or_on_track'].sum())} KPIs met or on track, "
        f"{int(table['behind'].sum())} behind or worse than baseline, of {int(table['kpis'].sum())}."
    )
    register = register_table(org)
    rags = register["rag"].value_counts() if len(register) else pd.Series(dtype=int)
    overdue = register[register["overdue"]] if len(register) else register
    lines.append(
        f"{len(register)} initiatives in all: "
        + ", ".join(f"{rags[r]} {r}" for r in ("red", "amber", "green", "done", "stopped") if r in rags)
        + (
            f"; {len(overdue)} overdue ("
            + ", ".join(f"{d} {n}" for d, n in overdue["department"].value_counts().items())
            + ")."
            if len(overdue)
            else "; none overdue."
        )
    )
    finished = int(table["finished"].sum())
    lines.append(
        f"{finished} initiative{'s' if finished != 1 else ''} finished in {org.quarter}"
        + (
            ": " + "; ".join(f"{r.department} {r.finished}" for r in table.itertuples() if r.finished) + "."
            if finished
            else "."
        )
    )
    shared = shared_kpi_table(org)
    if len(shared):
        lines.append(
            f"{shared['kpi'].nunique()} KPIs are measured by several departments: "
            + ", ".join(dict.fromkeys(shared["name"]))
            + "."
        )
    problems = problem_table(org)
    recurring = problems[problems["departments"] > 1]
    if len(recurring):
        top = recurring.iloc[0]
        lines.append(
            f"{len(recurring)} problem{'s' if len(recurring) != 1 else ''} raised in more than one department; "
            f"the most widespread: “{top['problem']}” ({top['departments']} departments, {top['people']} people)."
        )
    labels = {
        "department": "department",
        "workshop": "code",
        "measured": f"KPIs read in {org.quarter}",
        "improved": "improved",
        "met_or_on_track": "met / on track",
        "behind": "behind",
        "initiatives": "initiatives",
        "red": "red",
        "overdue": "overdue",
        "finished": "finished",
        "decided": "activities decided",
        "pack": "own pack",
    }
    return Section("org-headline", org.quarter, lines, {"departments": Table(table, labels)}, emphasis=True)


# --- the register ------------------------------------------------------------------------------


def register_table(org: OrganisationData) -> pd.DataFrame:
    """Every department's register as its own review shows it (:func:`sections.rag_table`), one
    frame: department first; red first, then amber, green, done, stopped."""
    from ..analysis import RAG_ORDER

    frames = []
    for d in org.departments:
        frame = sections.rag_table(d.data)
        if len(frame):
            frame.insert(0, "department", d.label)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(
            columns=[
                "department",
                "rag",
                "id",
                "title",
                "owner",
                "state",
                "planned_end",
                "overdue",
                "days_overdue",
                "reason",
            ]
        )
    frame = pd.concat(frames, ignore_index=True)
    order = {d.label: n for n, d in enumerate(org.departments)}
    return frame.sort_values(
        ["rag", "department", "id"],
        kind="stable",
        key=lambda s: s.map(RAG_ORDER) if s.name == "rag" else s.map(order) if s.name == "department" else s,
    ).reset_index(drop=True)


def register_section(org: OrganisationData) -> Section:
    """All initiatives, with their department, RAG and days overdue, as of the quarter's end."""
    frame = register_table(org)
    if not len(frame):
        return Section("org-register", org.quarter, ["No department has an initiative in its register yet."])
    lines = []
    for d in org.departments:
        mine = frame[frame["department"] == d.label]
        rags = mine["rag"].value_counts()
        lines.append(
            f"{d.label}: {len(mine)} initiatives — "
            + ", ".join(f"{rags[r]} {r}" for r in ("red", "amber", "green", "done", "stopped") if r in rags)
            + "."
        )
    overdue = frame[frame["overdue"]].sort_values("days_overdue", ascending=False)
    lines.append(
        (
            f"{len(overdue)} overdue: "
            + "; ".join(
                f"{r.id} ({r.department}, {r.owner or 'no owner'}, {r.days_overdue} days)" for r in overdue.itertuples()
            )
            + "."
        )
        if len(overdue)
        else "No initiative is overdue."
    )
    labels = {
        "department": "department",
        "rag": "RAG",
        "id": "id",
        "title": "initiative",
        "owner": "owner",
        "state": "state",
        "planned_end": "planned end",
        "days_overdue": "days overdue",
        "reason": "why",
    }
    return Section("org-register", org.quarter, lines, {"register": Table(frame, labels)})


# --- shared KPIs -------------------------------------------------------------------------------


def shared_kpi_table(org: OrganisationData) -> pd.DataFrame:
    """Each department's row of its KPI table (:func:`sections.kpi_table`) for every KPI id that
    more than one department's workshop defines, the departments of one KPI next to each other."""
    owners: dict[str, int] = {}
    for d in org.departments:
        for k in d.data.workshop.kpis:
            owners[k.id] = owners.get(k.id, 0) + 1
    shared = [k for k, n in owners.items() if n > 1]
    frames = []
    for d in org.departments:
        table = sections.kpi_table(d.data)
        if len(table):
            table = table[table["kpi"].isin(shared)].copy()
            table.insert(0, "department", d.label)
            frames.append(table)
    if not frames or not shared:
        return pd.DataFrame(
            columns=["kpi", "name", "department", "unit", "actual", "date", "target", "progress", "status", "trend"]
        )
    frame = pd.concat(frames, ignore_index=True)
    order = {k: n for n, k in enumerate(shared)}
    return frame.sort_values("kpi", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def shared_kpi_section(org: OrganisationData) -> Section:
    """KPIs with the same id in several departments, side by side: each department's reading,
    target and how far along it is, and one chart panel per KPI with a line per department."""
    frame = shared_kpi_table(org)
    if not len(frame):
        return Section(
            "org-kpis", org.quarter, ["No KPI id is shared by two departments' workshop files: each measures its own."]
        )
    lines = []
    for _kpi, rows in frame.groupby("kpi", sort=False):
        units = set(rows["unit"])
        parts = [
            f"{r.department} {r.actual:g} {r.unit} ({r.progress:.0f}% of the way, {r.status})"
            if r.actual == r.actual
            else f"{r.department}: no reading"
            for r in rows.itertuples()
        ]
        lines.append(
            f"{rows.iloc[0]['name']}: "
            + "; ".join(parts)
            + "."
            + (f" Careful: the units differ ({', '.join(sorted(units))})." if len(units) > 1 else "")
        )
    lines.append(
        "Each department has its own baseline and target; "
        "“% of the way” runs from its baseline (0%) to its target (100%)."
    )
    progress = []
    for d in org.departments:
        p = sections._progress(d.data, d.data.day)
        if len(p):
            progress.append(p.assign(department=d.label))
    wide = []
    if progress:
        readings = pd.concat(progress, ignore_index=True)
        readings = readings[readings["kpi"].isin(set(frame["kpi"]))]
        if len(readings):
            wide = [
                charts.to_png(
                    org_charts.shared_kpi_chart(readings, list(dict.fromkeys(frame["kpi"]))), dpi=charts.SCREEN_DPI
                )
            ]
    labels = {
        "name": "KPI",
        "department": "department",
        "unit": "unit",
        "baseline": "baseline",
        "actual": "now",
        "date": "reading of",
        "target": "target",
        "target_date": "by",
        "trend": "trend",
        "progress": "% of the way",
        "status": "status",
    }
    return Section("org-kpis", org.quarter, lines, {"shared": Table(frame, labels)}, wide=wide)


# --- maturity ----------------------------------------------------------------------------------


# --- closed and learned ------------------------------------------------------------------------


def closed_and_learned(org: OrganisationData) -> Section:
    """What each department finished in the quarter and the wins and lessons it named most
    (step-6 ideas activities decided in the quarter; the top three of each)."""
    rows = []
    for d in org.departments:
        data = d.data
        closed = sections.closed_in(data, sections.rag_table(data))
        rows.append(
            {
                "department": d.label,
                "what": f"Initiatives finished in {org.quarter}",
                "items": [
                    f"{r.id} {r.title} ({', '.join(x for x in (r.state.replace('_', ' '), r.closure) if x)})"
                    for r in closed.itertuples()
                ]
                or ["none"],
            }
        )
        for rec in data.activities:
            a = rec.activity
            if a.step is not Step.MOMENTUM or not kind_of(a.kind).collects_ideas or rec.decided_at is None:
                continue
            if not data.within(rec.decided_at.date()):
                continue
            if rec.withheld:
                items = [withheld_note(rec, data.workshop)]
            else:
                top = named_ideas(rec.ideas).head(3)
                items = [f"{r.text} ({r.people})" for r in top.itertuples()] or ["no ideas were sent"]
            rows.append({"department": d.label, "what": a.title, "items": items})
    frame = pd.DataFrame(rows, columns=["department", "what", "items"])
    decided = frame["what"].str.startswith("Initiatives finished").sum()
    lines = [
        f"Per department: the initiatives finished in {org.quarter}, then the wins and lessons named by most people "
        f"(in brackets) in step-6 activities decided in {org.quarter}."
    ]
    if len(frame) == decided:
        lines.append(f"No department decided a step-6 activity (wins, lessons) in {org.quarter}.")
    return Section(
        "org-momentum",
        org.quarter,
        lines,
        {"momentum": Table(frame, {"department": "department", "what": "what", "items": "top"})},
    )


# --- colophon ----------------------------------------------------------------------------------


def colophon(org: OrganisationData, command: str = "") -> Section:
    """How the organisation pack was made and how to make it again; the stores it read."""
    from ..version import __version__

    places = " ".join(d.path for d in org.departments)
    n = len(org.departments)
    lines = [
        f"Made with csikit {__version__} from {n} workshop{'s' if n != 1 else ''}: "
        + "; ".join(
            f"{d.label}, workshop {d.code} ({d.path}), store {d.data.store or 'beside the workshop file'}"
            for d in org.departments
        )
        + ".",
        f"To run it again: {command or f'csikit review {places} --quarter {org.quarter}'} (every department's "
        "own pack is written beside this one).",
        "Every figure is as of the quarter's end (as of today for the quarter in progress), for every department "
        "by the same rule; each department's numbers are those of its own pack.",
        "Pooled figures leave out a department whose activity had fewer answers than its workshop's min_group "
        "and say so; they are never averaged in.",
    ]
    return Section("org-colophon", org.quarter, lines)


#: The sections in the order the organisation notebook shows them.
ALL_SECTIONS = (
    headline,
    register_section,
    shared_kpi_section,
    maturity_section,
    problems_section,
    closed_and_learned,
    colophon,
)

__all__ = [
    "ALL_SECTIONS",
    "Department",
    "OrganisationData",
    "STORES_ENV",
    "closed_and_learned",
    "colophon",
    "department_ratings",
    "department_table",
    "headline",
    "load_organisation",
    "maturity_section",
    "problem_table",
    "problems_section",
    "register_section",
    "register_table",
    "shared_kpi_section",
    "shared_kpi_table",
]
