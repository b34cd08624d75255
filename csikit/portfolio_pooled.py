"""The organisation's pooled figures: maturity by department with the organisation's median, and recurring problems.

Pure functions over what each department's workshop gives (no store access): the
portfolio API (:class:`csikit.portfolio.PortfolioData`) and the organisation review
(:mod:`csikit.review.organisation`) both call them. A department below its workshop's
``min_group`` is left out of a pooled figure and named (:func:`maturity_note`), never
silently averaged in. Re-exported by :mod:`csikit.portfolio`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from . import stats

#: What the organisation's own column or row is called in the frames that pool departments.
ORGANISATION = "organisation"


@dataclass(frozen=True)
class DepartmentRatings:
    """One department's maturity assessment as the organisation pools it.

    ``ratings``: one row per answer (participant, practice, text, value) of the latest
    current-maturity assessment decided by then; ``assessors``: how many answered it;
    ``min_group``: its workshop's. ``withheld`` (too few assessors, or the snapshot left
    its answers out) keeps the department out of every pooled figure.
    """

    department: str
    ratings: pd.DataFrame
    assessors: int
    min_group: int
    activity: str = ""
    withheld: bool = False

    @property
    def left_out(self) -> bool:
        return self.withheld or self.assessors == 0


MATURITY_COLUMNS = ["practice", "text", "department", "median", "q1", "q3", "n", "withheld"]


def maturity_by_department(departments: Sequence[DepartmentRatings]) -> pd.DataFrame:
    """Maturity per practice and department, and the organisation's (tidy).

    One row per practice and department: the median and middle half (q1–q3) of that
    department's assessors, n, and ``withheld`` (fewer assessors than its workshop's
    ``min_group``: no numbers). Then one row per practice with ``department`` =
    :data:`ORGANISATION`: the median and middle half of every rating from the departments
    shown (each assessor once), n ratings. Practices are matched by id across workshops.
    """
    rows, pooled, texts = [], {}, {}
    for d in departments:
        if d.assessors == 0:
            continue
        for (practice, text), answers in d.ratings.groupby(["practice", "text"], sort=False):
            texts.setdefault(practice, text)
            values = [float(v) for v in answers["value"]]
            if d.withheld:
                rows.append(
                    {
                        "practice": practice,
                        "text": text,
                        "department": d.department,
                        "median": None,
                        "q1": None,
                        "q3": None,
                        "n": len(values),
                        "withheld": True,
                    }
                )
                continue
            q1, median, q3 = stats.quartiles(values)
            rows.append(
                {
                    "practice": practice,
                    "text": text,
                    "department": d.department,
                    "median": median,
                    "q1": q1,
                    "q3": q3,
                    "n": len(values),
                    "withheld": False,
                }
            )
            pooled.setdefault(practice, []).extend(values)
    for practice, values in pooled.items():
        q1, median, q3 = stats.quartiles(values)
        rows.append(
            {
                "practice": practice,
                "text": texts[practice],
                "department": ORGANISATION,
                "median": median,
                "q1": q1,
                "q3": q3,
                "n": len(values),
                "withheld": False,
            }
        )
    frame = pd.DataFrame(rows, columns=MATURITY_COLUMNS)
    for col in ("median", "q1", "q3"):
        frame[col] = frame[col].astype(float)
    return frame


def maturity_note(departments: Sequence[DepartmentRatings]) -> str:
    """The sentence that names the departments left out of the pooled maturity, and why."""
    parts = []
    for d in departments:
        if d.withheld:
            parts.append(
                f"{d.department} (only {d.assessors} assessor{'s' if d.assessors != 1 else ''}; its "
                f"workshop shows results from {d.min_group})"
            )
        elif d.assessors == 0:
            parts.append(f"{d.department} (no maturity assessment decided yet)")
    return ("Left out of the organisation's median: " + "; ".join(parts) + ".") if parts else ""


@dataclass(frozen=True)
class _Said:
    """One workshop's idea as the matcher reads it (ideas of several workshops numbered once)."""

    id: int
    text: str
    department: str
    code: str
    people: int
    merged_into: None = None


RECURRING_COLUMNS = ["problem", "departments", "raised_by", "people", "wordings", "workshops"]


def recurring_problems(named: Sequence[tuple[str, str, pd.DataFrame]]) -> pd.DataFrame:
    """Problems raised in several workshops, most departments first.

    Parameters
    ----------
    named
        (department, workshop code, ideas as results read them:
        :func:`csikit.kinds.ideas.results.named_ideas`, columns text and people) per workshop.

    Returns
    -------
    pandas.DataFrame
        One row per problem as :func:`csikit.similar_ideas.suggest_duplicates` groups the
        ideas of every workshop together (the same words, or near duplicates): problem
        (its most named wording), departments (how many raised it), raised_by (their
        names), people (how many named it, over all departments), wordings (how it was
        put, when put differently), workshops (codes). Sorted by departments, then people.
    """
    from .similar_ideas import suggest_duplicates

    said = [_Said(0, str(r.text), dept, code, int(r.people)) for dept, code, frame in named for r in frame.itertuples()]
    said = [dataclasses.replace(s, id=n) for n, s in enumerate(said)]
    by_id = {s.id: s for s in said}
    suggested = suggest_duplicates(said)
    grouped = {i for g in suggested for i in g.ideas}
    groups = [sorted(g.ideas) for g in suggested] + [[s.id] for s in said if s.id not in grouped]
    rows = []
    for ids in groups:
        members = [by_id[i] for i in ids]
        depts = list(dict.fromkeys(m.department for m in members))
        top = max(members, key=lambda m: (m.people, -m.id))
        wordings = list(dict.fromkeys(m.text for m in members if m.text != top.text))
        rows.append(
            {
                "problem": top.text,
                "departments": len(depts),
                "raised_by": ", ".join(depts),
                "people": sum(m.people for m in members),
                "wordings": wordings[:3],
                "workshops": ", ".join(dict.fromkeys(m.code for m in members)),
            }
        )
    frame = pd.DataFrame(rows, columns=RECURRING_COLUMNS)
    return frame.sort_values(
        ["departments", "people", "problem"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
