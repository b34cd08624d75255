"""The quarterly review, section by section: pure functions from a snapshot of the
store to short text, tidy frames and charts.

``load_review`` (in :mod:`csikit.review.data`) reads everything once into a
:class:`ReviewData`; every section function here is pure, so the same data gives the
same review. Every figure is computed for ``data.day``: the quarter's last day, or today
while the quarter is in progress (the snapshot holds nothing later; :mod:`csikit.quarters`).

The KPI section lives in :mod:`csikit.review.sections_kpis` and the register's in
:mod:`csikit.review.sections_register`; both are re-exported here (``sections.kpi_table``,
``sections.rag_table`` …), with the other sections: maturity, decisions, momentum, next
quarter, the headline, the colophon and the audit trail.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .. import analysis, charts
from ..kinds import kind_of
from ..kinds.results import results_of, withheld_note
from ..measurements import progress_percent
from ..model import (
    MaturityPhase,
    Step,
    Workshop,
)
from ..order import fair_order_on
from ..quarters import quarter_end, quarter_start, shift_quarter
from .data import ActivityRecord, ReviewData
from .display import Section, Table
from .sections_kpis import (  # noqa: F401 - re-exported: the KPI section
    _day,
    _fresh,
    _no_reading,
    _progress,
    _trend,
    kpi_section,
    kpi_table,
)
from .sections_register import (  # noqa: F401 - re-exported: the register section
    _point,
    closed_in,
    initiative_section,
    initiatives_as_of,
    rag_table,
)

__all__ = [
    "headline",
    "kpi_section",
    "initiative_section",
    "maturity_section",
    "decisions_section",
    "audit_section",
    "colophon",
    "momentum_section",
    "next_quarter",
    "ALL_SECTIONS",
    "kpi_table",
    "rag_table",
    "initiatives_as_of",
    "activity_result",
    "order_check",
]

# --- maturity ---------------------------------------------------------------------------------


def _decided_by(data: ReviewData, day: date) -> list[ActivityRecord]:
    return [r for r in data.activities if r.decided_at is not None and r.decided_at.date() <= day]


def _decided_in(data: ReviewData) -> list[ActivityRecord]:
    return [r for r in data.activities if r.decided_at is not None and data.within(r.decided_at.date())]


def maturity_section(data: ReviewData) -> Section:
    """Maturity now (the latest assessment decided by the quarter's end) against the first
    assessment (baseline) and the target, per practice: medians and middle half."""
    decided = [r for r in _decided_by(data, data.day) if kind_of(r.activity.kind).assesses_maturity]
    done = [r for r in decided if not r.withheld]  # too few anonymous assessors: their levels stay out
    if decided and not done:
        return Section("maturity", data.quarter, [withheld_note(decided[-1], data.workshop)])
    phase = {r.activity.id: r.activity.phase or MaturityPhase.CURRENT for r in done}
    current = [r for r in done if phase[r.activity.id] in (MaturityPhase.CURRENT, MaturityPhase.BOTH)]
    target = [r for r in done if phase[r.activity.id] in (MaturityPhase.TARGET, MaturityPhase.BOTH)]
    if not current:
        return Section(
            "maturity", data.quarter, [f"No maturity assessment had been locked or revealed by {data.day:%d %b %Y}."]
        )
    current.sort(key=lambda r: r.decided_at)
    base, now = current[0], current[-1]
    practices = now.items
    tgt = max(target, key=lambda r: r.decided_at).responses if target else ()
    gaps = analysis.maturity_gaps(now.responses, tgt, practices)
    first = analysis.ordinal_summary([r for r in base.responses if r.criterion == "current"], practices, ("current",))
    gaps["baseline"] = gaps["practice"].map(first.set_index("item")["median"])
    gaps["since_baseline"] = gaps["current"] - gaps["baseline"]
    gaps["level"] = [data.workshop.maturity_scale.label(int(round(v))) if v == v else "" for v in gaps["current"]]
    summary = [
        f"Now: “{now.activity.title}” ({now.decided_at:%d %b %Y}, {now.answered} assessors); baseline: "
        + (
            f"“{base.activity.title}” ({base.decided_at:%d %b %Y})."
            if base is not now
            else "the same assessment (only one so far)."
        ),
        f"Target: “{max(target, key=lambda r: r.decided_at).activity.title}”."
        if target
        else "No target maturity decided yet.",
        "Levels are medians of the assessors' answers (0–5); the band is the middle half.",
    ]
    if target and gaps["gap"].notna().any():
        top = gaps.dropna(subset=["gap"]).iloc[0]
        summary.append(f"Biggest gap: {top['text']} ({top['current']:g} → {top['target']:g}).")
    labels = {
        "text": "practice",
        "baseline": "baseline",
        "current": "now",
        "level": "now (label)",
        "current_q1": "q1",
        "current_q3": "q3",
        "target": "target",
        "gap": "gap",
        "since_baseline": "since baseline",
        "n": "n",
    }
    return Section(
        "maturity",
        data.quarter,
        summary,
        {"maturity": Table(gaps, labels)},
        [charts.to_png(charts.gap_chart(gaps), dpi=70)],
    )


# --- decisions and votes ----------------------------------------------------------------------


def activity_result(rec: ActivityRecord, workshop: Workshop, top: int = 3) -> list[dict]:
    """The top results of one activity, each with its uncertainty: item, text, result, low, high, n
    (the kind decides what a result is: :meth:`csikit.kinds.base.Kind.review_results`)."""
    return results_of(rec.activity.kind).review_results(rec, workshop, top)


def order_check(rec: ActivityRecord) -> str:
    """The fair-order check of one activity in one plain line: did the position an item was
    shown in sway its score? ``""`` where items were not shuffled, nobody answered, or the
    answers are withheld (fewer than ``min_group``)."""
    if not fair_order_on(rec.activity) or not rec.responses or getattr(rec, "withheld", False):
        return ""
    return analysis.order_check(rec.responses, rec.activity, rec.items)


def decisions_section(data: ReviewData) -> Section:
    """Activities locked or revealed during the quarter: turnout and top results with their
    uncertainty, and under a dot vote's, rating's or ranking's results the fair-order check."""
    recs = sorted(_decided_in(data), key=lambda r: r.decided_at)
    if not recs:
        return Section("decisions", data.quarter, [f"No workshop activity was locked or revealed in {data.quarter}."])
    rows, details = [], []
    for rec in recs:
        results = activity_result(rec, data.workshop)
        turnout = rec.answered / rec.joined if rec.joined else np.nan
        lines = [f"{r['text']}: {r['result']}" for r in results] or ["no answers"]
        check = order_check(rec)
        rows.append(
            {
                "step": int(rec.activity.step),
                "activity": rec.activity.id,
                "title": rec.activity.title,
                "kind": rec.activity.kind.value.replace("_", " "),
                "decided": rec.decided_at.date(),
                "answered": rec.answered,
                "joined": rec.joined,
                "turnout": 100 * turnout,
                "results": [*lines, check] if check else lines,
                "order_check": check,
            }
        )
        details += [{"activity": rec.activity.id, **r} for r in results]
    frame = pd.DataFrame(rows)
    summary = [
        f"{len(frame)} activities decided in {data.quarter}; median turnout "
        f"{np.nanmedian(frame['turnout']):.0f}% of the {int(frame['joined'].max())} people who joined.",
        "95% intervals: dot votes resample voters (bootstrap, fixed seed), never narrower than the Wilson "
        "interval of the share of dots; polls the Wilson interval of the share of voters. Ratings show the "
        "median and the middle half of answers, marked low agreement when it spans half the scale.",
    ]
    labels = {
        "step": "step",
        "title": "activity",
        "kind": "kind",
        "decided": "decided",
        "answered": "answered",
        "turnout": "turnout %",
        "results": "top results",
    }
    return Section(
        "decisions",
        data.quarter,
        summary,
        {"decisions": Table(frame, labels), "results": Table(pd.DataFrame(details), {}, shown=False)},
    )


# --- audit trail ------------------------------------------------------------------------------


def audit_section(data: ReviewData) -> Section:
    """The facilitator's events logged during the quarter (times in UTC): the review's appendix,
    after the colophon, for whoever audits how the workshop's decisions were taken."""
    titles = {a.id: a.title for a in data.workshop.agenda}
    events = [e for e in data.events if data.within(e.at.date())]
    if not events:
        return Section("audit", data.quarter, [f"No facilitator events were logged in {data.quarter}."])
    frame = pd.DataFrame(
        [
            {
                "at": e.at.strftime("%Y-%m-%d %H:%M"),
                "action": e.action,
                "activity": titles.get(e.activity, e.activity),
                "actor": e.actor,
                "detail": e.detail,
            }
            for e in events
        ]
    )
    counts = frame["action"].value_counts()
    summary = [f"{len(frame)} events in {data.quarter}: " + ", ".join(f"{n} {a}" for a, n in counts.items()) + "."]
    return Section("audit", data.quarter, summary, {"events": Table(frame, {c: c for c in frame.columns})})


# --- momentum and next quarter ----------------------------------------------------------------


def momentum_section(data: ReviewData) -> Section:
    """Wins (initiatives closed successfully, KPIs that met their target), the wins and lessons
    most people named in step 6 (the top few each, in a sentence and a short table; the whole
    wall stays in the step-6 worksheet) and the carry-over ranking decided during the quarter."""
    summary, tables, boards = [], {}, []
    closed = closed_in(data, rag_table(data))
    closed = closed[closed["closure"] == "successful"]
    summary.append(
        (
            "Closed successfully this quarter: "
            + "; ".join(f"{r.id} {r.title}{_owner(r.owner)}" for r in closed.itertuples())
            + "."
        )
        if len(closed)
        else "No initiative closed successfully this quarter."
    )
    table = kpi_table(data)
    before = [progress_percent(r.previous, r.baseline, r.target) for r in table.itertuples()]
    met = table[(table["status"] == "met") & (pd.Series(before, index=table.index, dtype=float) < 100)]
    summary.append(
        ("KPIs that reached their target this quarter: " + ", ".join(met["name"]) + ".")
        if len(met)
        else "No KPI reached its target this quarter."
    )
    for rec in _decided_in(data):
        a = rec.activity
        if a.step is not Step.MOMENTUM:
            continue
        tables[a.id], more_boards, lines = results_of(a.kind).momentum(rec, data.workshop, rec.answered)
        boards += more_boards
        summary += lines
    if not tables:
        summary.append(f"No step-6 activity (wins, lessons, carry-over) was decided in {data.quarter}.")
    return Section("momentum", data.quarter, summary, tables, boards)


def next_quarter(data: ReviewData) -> Section:
    """What to look at next quarter: KPIs off track, overdue initiatives, what falls due."""
    nxt = shift_quarter(data.quarter, 1)
    start, end = quarter_start(nxt), quarter_end(nxt)
    rows = []
    register = initiatives_as_of(data.initiatives, data.measurements, data.day)
    active = [i for i in register if i.state.is_open]
    for r in kpi_table(data).itertuples():
        reasons = []
        if r.status in ("behind", "worse than baseline"):
            expected = f", {r.expected:.0f}% expected" if r.expected == r.expected else ""
            reasons.append(f"{r.status}: {r.progress:.0f}% of the way{expected}")
        if r.target_date and start <= r.target_date <= end and r.status != "met":
            reasons.append(f"target {r.target:g} {r.unit} due; now {r.actual:g}")
        if reasons:
            owners = sorted({i.owner for i in active if i.kpi == r.kpi and i.owner})
            rows.append(
                {"what": f"KPI {r.name}", "why": "; ".join(reasons), "owner": ", ".join(owners), "due": r.target_date}
            )
    rag = rag_table(data)
    for r in rag[rag["overdue"]].itertuples():
        rows.append(
            {
                "what": f"{r.id} {r.title}",
                "why": f"overdue by {r.days_overdue} days ({r.state.replace('_', ' ')})",
                "owner": r.owner,
                "due": r.planned_end,
            }
        )
    for i in active:
        if i.planned_end and start <= i.planned_end <= end:
            rows.append(
                {"what": f"{i.id} {i.title}", "why": "planned to finish", "owner": i.owner, "due": i.planned_end}
            )
        if i.planned_start and start <= i.planned_start <= end and not i.actual_start:
            rows.append(
                {"what": f"{i.id} {i.title}", "why": "planned to start", "owner": i.owner, "due": i.planned_start}
            )
    frame = pd.DataFrame(rows, columns=["what", "why", "owner", "due"])
    summary = [
        f"{len(frame)} things to look at in {nxt} ({start:%d %b} – {end:%d %b %Y})."
        if len(frame)
        else f"Nothing is off track or due in {nxt}."
    ]
    return Section("next", data.quarter, summary, {"next": Table(frame, {c: c for c in frame.columns})})


# --- headline ---------------------------------------------------------------------------------


def _owner(owner: str) -> str:
    return f" ({owner})" if owner else ""


def _how_ended(r) -> str:
    """``(closed, successful)``, ``(cancelled)``: never an empty pair of brackets."""
    return " (" + ", ".join(x for x in (r.state.replace("_", " "), r.closure) if x) + ")"


def headline(data: ReviewData) -> Section:
    """What moved since the previous quarter, in a few generated sentences, each computed
    from the frames the sections below show (the KPI table, the register's :func:`rag_table`)."""
    table = kpi_table(data)
    new = _fresh(table)
    since = data.previous if (table["previous_from"] != "baseline").any() else "the baseline"
    better, worse = new[new["trend"] == "better"], new[new["trend"] == "worse"]
    if len(new):
        missing = len(table) - len(new)
        lines = [
            f"{len(better)} of {len(new)} KPIs measured in {data.quarter} improved since {since}"
            + (f"; {missing} have no reading this quarter{' yet' if data.in_progress else ''}." if missing else ".")
        ]
    elif len(table):
        lines = [
            f"No KPI has a reading yet this quarter (as of {_day(data.day)})."
            if data.in_progress
            else f"No KPI has a reading in {data.quarter}."
        ]
    else:
        lines = ["This workshop has no KPIs."]
    if len(worse):
        lines.append(
            "Got worse: "
            + "; ".join(f"{r.name} ({r.previous:g} → {r.actual:g} {r.unit})" for r in worse.itertuples())
            + "."
        )
    counts = table.loc[table["status"] != "no reading", "status"].value_counts()
    if len(counts):
        lines.append(
            ("Against target, by the latest reading of each: " if len(new) < len(table) else "Against target: ")
            + ", ".join(f"{counts[s]} {s}" for s in ("met", "on track", "behind", "worse than baseline") if s in counts)
            + "."
        )
    now, before = rag_table(data), rag_table(data, quarter_end(data.previous))
    newly = now[now["overdue"] & ~now["id"].isin(before.loc[before["overdue"], "id"])] if len(now) else now
    closed = closed_in(data, now)
    if len(closed):
        lines.append(
            f"{len(closed)} initiative{'s' if len(closed) != 1 else ''} finished: "
            + "; ".join(f"{r.id} {r.title}{_how_ended(r)}" for r in closed.itertuples())
            + "."
        )
    overdue = int(now["overdue"].sum()) if len(now) else 0
    lines.append(
        f"{len(newly)} initiative{'s' if len(newly) != 1 else ''} became overdue"
        + (
            ": " + "; ".join(f"{r.id} {r.title} (owner {r.owner or 'none'})" for r in newly.itertuples())
            if len(newly)
            else ""
        )
        + f"; {overdue} overdue in all"
        + (f" as of {_day(data.day)}." if data.in_progress else ".")
    )
    decided = _decided_in(data)
    lines.append(
        f"{len(decided)} workshop activities were decided this quarter."
        if decided
        else "No workshop activity was decided this quarter."
    )
    facts = pd.DataFrame(
        [
            {
                "kpis_measured": len(new),
                "kpis_improved": len(better),
                "kpis_worse": len(worse),
                "newly_overdue": len(newly),
                "overdue": overdue,
                "closed": len(closed),
                "closed_ids": ", ".join(closed["id"]) if len(closed) else "",
                "activities_decided": len(decided),
            }
        ]
    )
    return Section("headline", data.quarter, lines, {"facts": Table(facts, {}, shown=False)}, emphasis=True)


# --- colophon ---------------------------------------------------------------------------------


def colophon(data: ReviewData, workshop: str = "") -> Section:
    """How the review was made and how to make it again, at the end, for whoever runs it: the
    store it read, the command, how results were grouped. The sections above it are for the
    people who lead the programme and carry no paths or commands."""
    from ..version import __version__

    place = workshop or "PATH"
    lines = [
        f"Made with csikit {__version__} from workshop {data.workshop.code} (“{data.workshop.title}”)"
        + (f", {workshop}" if workshop else "")
        + f", reading the store {data.store or 'beside the workshop file'}.",
        f"To run it again: csikit review {place} --quarter {data.quarter} (add --store URL for another store; "
        "csikit review --help lists every option).",
        "The step worksheets linked at the top show every exhibit of each CSI step as of the same quarter.",
        "Results name each item once: items with the same words (case, spacing and punctuation apart) are one line "
        "with their count, “(×3)”; their dots add up, and a person's ratings of the copies count as one answer (their "
        "median), so “n” counts people. Ideas read “named by N people”.",
        "The audit trail of the facilitator's actions follows as an appendix.",
    ]
    return Section("colophon", data.quarter, lines)


#: Every section, in the order the review notebook shows them: the leadership part, the
#: colophon, then the audit trail as an appendix.
ALL_SECTIONS = (
    headline,
    kpi_section,
    initiative_section,
    maturity_section,
    decisions_section,
    momentum_section,
    next_quarter,
    colophon,
    audit_section,
)
