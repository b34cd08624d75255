"""The organisation review's pooled sections: maturity by department against the
organisation's median, and the problems several departments name.

Pooled figures keep each department's ``min_group`` (:func:`csikit.rules.withholds`): a
department with fewer answers is left out of them and named, never averaged in. The
figures are :mod:`csikit.portfolio_pooled`'s, the same the portfolio worksheet shows.
"""

from __future__ import annotations

import pandas as pd

from .. import charts, org_charts
from ..kinds import kind_of
from ..kinds.ideas.results import named_ideas
from ..kinds.results import withheld_note
from ..model import MaturityPhase, Step
from ..portfolio import DepartmentRatings, maturity_by_department, maturity_note, recurring_problems
from ..rules import withholds
from .display import Section, Table
from .organisation_data import OrganisationData, short_day


def department_ratings(org: OrganisationData) -> list[DepartmentRatings]:
    """Each department's latest current-maturity assessment decided by the quarter's end, with
    its ``min_group`` decision (the snapshot's own, or too few assessors for the organisation)."""
    out = []
    for d in org.departments:
        recs = [
            r
            for r in d.data.activities
            if kind_of(r.activity.kind).assesses_maturity
            and r.decided_at is not None
            and r.decided_at.date() <= d.data.day
            and (r.activity.phase or MaturityPhase.CURRENT) in (MaturityPhase.CURRENT, MaturityPhase.BOTH)
        ]
        if not recs:
            out.append(
                DepartmentRatings(
                    d.label,
                    pd.DataFrame(columns=["participant", "practice", "text", "value"]),
                    0,
                    d.data.workshop.min_group,
                )
            )
            continue
        rec = max(recs, key=lambda r: r.decided_at)
        texts = {i.id: i.text for i in rec.items}
        ratings = pd.DataFrame(
            [
                {"participant": r.participant, "practice": r.item, "text": texts.get(r.item, r.item), "value": r.value}
                for r in rec.responses
                if r.criterion == "current"
            ],
            columns=["participant", "practice", "text", "value"],
        )
        answered = rec.answered
        out.append(
            DepartmentRatings(
                d.label,
                ratings,
                answered,
                d.data.workshop.min_group,
                rec.activity.title,
                rec.withheld or withholds(d.data.workshop, answered),
            )
        )
    return out


def maturity_section(org: OrganisationData) -> Section:
    """A heatmap of departments × practices with the organisation's median and middle half;
    departments with too few assessors withheld and named."""
    ratings = department_ratings(org)
    frame = maturity_by_department(ratings)
    note = maturity_note(ratings)
    if frame.empty or not (frame["department"] == org_charts.ORGANISATION).any():
        lines = [f"No department's maturity assessment can be shown as of {short_day(org.day)}."] + (
            [note] if note else []
        )
        return Section("org-maturity", org.quarter, lines)
    table = org_charts.maturity_table(frame)
    table = table[
        table["organisation_median"].notna()
    ]  # a practice only withheld departments assessed: the chart says so
    depts = [d.department for d in ratings if not d.left_out]
    lines = [
        f"Maturity of {len(table)} practices from {len(depts)} department{'s' if len(depts) != 1 else ''}' latest "
        f"assessments decided by {short_day(org.day)}: "
        + ", ".join(f"{d.department} ({d.assessors} assessors)" for d in ratings if not d.left_out)
        + "."
    ]
    weakest = table.dropna(subset=["organisation_median"]).head(3)
    lines.append(
        "Weakest across the organisation (median of every assessor): "
        + "; ".join(
            f"{r.text} {r.organisation_median:g} "
            f"(middle half {r.organisation_q1:g}–{r.organisation_q3:g}, n={int(r.organisation_n)})"
            for r in weakest.itertuples()
        )
        + "."
    )
    if len(depts) > 1:
        spread = table[depts].max(axis=1) - table[depts].min(axis=1)
        apart = table[spread >= 2]
        if len(apart):
            lines.append("Departments differ by 2 levels or more on: " + ", ".join(apart["text"]) + ".")
    if note:
        lines.append(note)
    lines.append(
        "Levels are medians (0–5) with the middle half (interquartile range); a practice a department did "
        "not assess is blank, and the organisation's figure pools only the departments shown."
    )
    labels = {
        "text": "practice",
        **{d: d for d in depts},
        "organisation_median": "organisation median",
        "organisation_q1": "middle half from",
        "organisation_q3": "middle half to",
        "organisation_n": "assessors",
    }
    figure = charts.to_png(org_charts.department_maturity_chart(frame), dpi=70)
    return Section("org-maturity", org.quarter, lines, {"maturity": Table(table, labels)}, [figure])


# --- problems that recur -----------------------------------------------------------------------


def problem_table(org: OrganisationData) -> pd.DataFrame:
    """Step-1 ideas of every department (activities decided by the quarter's end, not withheld),
    grouped across departments (:func:`csikit.portfolio.recurring_problems`)."""
    named = []
    for d in org.departments:
        ideas = [
            i
            for r in d.data.activities
            if kind_of(r.activity.kind).collects_ideas
            and r.activity.step is Step.VISION
            and r.decided_at is not None
            and r.decided_at.date() <= d.data.day
            and not r.withheld
            for i in r.ideas
        ]
        named.append((d.label, d.code, named_ideas(ideas)))
    return recurring_problems(named)


def problems_section(org: OrganisationData) -> Section:
    """Problems raised in several departments (the same words or near duplicates), ranked by how
    many departments raised them, then by how many people."""
    frame = problem_table(org)
    withheld = [
        f"{d.label} (“{r.activity.title}”: {withheld_note(r, d.data.workshop)})"
        for d in org.departments
        for r in d.data.activities
        if kind_of(r.activity.kind).collects_ideas and r.activity.step is Step.VISION and r.withheld
    ]
    if not len(frame):
        return Section(
            "org-problems",
            org.quarter,
            [f"No department's step-1 problems had been collected and locked by {short_day(org.day)}."]
            + ([f"Left out: {'; '.join(withheld)}."] if withheld else []),
        )
    recurring = frame[frame["departments"] > 1]
    lines = [
        (
            f"{len(recurring)} of {len(frame)} problems were raised in more than one department; "
            "the most widespread first."
            if len(recurring)
            else f"None of the {len(frame)} problems was raised in more than one department."
        ),
        "Ideas are matched across departments as the facilitator's duplicate suggestions match them: the same "
        "words (case, spacing and punctuation apart) or near duplicates; "
        "“people” counts who named it in each department.",
    ]
    if withheld:
        lines.append(f"Left out: {'; '.join(withheld)}.")
    single = len(frame) - len(recurring)
    if len(recurring) and single:
        lines.append(f"{single} more were raised in one department only (its own pack lists them).")
    shown = recurring if len(recurring) else frame.head(10)
    labels = {
        "problem": "problem",
        "departments": "departments",
        "raised_by": "raised by",
        "people": "people",
        "wordings": "also put as",
    }
    return Section("org-problems", org.quarter, lines, {"problems": Table(shown.head(20), labels)})
