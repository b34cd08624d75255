"""The review's register section: the CSI register as it stood on a day, each initiative's RAG, what finished.

:func:`initiatives_as_of` reads the register on a day; :func:`rag_table` is the frame every
sentence about initiatives is computed from (the headline's, the next quarter's and the
organisation review's too); :func:`initiative_section` shows it with the roadmap;
:func:`closed_in` picks what finished in the quarter. Re-exported by
:mod:`csikit.review.sections`.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd

from .. import analysis, charts
from ..model import Initiative, InitiativeState, Measurement
from ..store.history import initiative_on
from .data import ReviewData
from .display import Section, Table
from .sections_kpis import _progress


def initiatives_as_of(initiatives, measurements, day: date) -> list[Initiative]:
    """The register on ``day``: each initiative's state inferred from its actual start and
    end dates where it ended or started later (:func:`csikit.store.history.initiative_on`;
    a snapshot's register already comes from the store's history, which this leaves as is),
    and its latest KPI value the last reading on or before ``day``."""
    readings = sorted((m for m in measurements if m.date <= day), key=lambda m: m.date)
    latest = {m.kpi: m for m in readings}
    out = []
    for i in initiatives:
        i = initiative_on(i, day)
        if i.kpi:
            m = latest.get(i.kpi)
            i = dataclasses.replace(
                i,
                latest=None
                if m is None
                else dataclasses.replace(i.latest or _point(m), value=m.value, date=m.date, source=m.source),
            )
        out.append(i)
    return out


def _point(m: Measurement):
    from ..model import Point

    return Point(m.value, m.date, m.source)


def rag_table(data: ReviewData, day: date | None = None) -> pd.DataFrame:
    """RAG per initiative as of ``day`` (default: ``data.day``), with owners and planned dates:
    the register section's frame, which every sentence about initiatives is computed from.
    A day before the quarter reads the register as it stood at the previous quarter's end."""
    day = day or data.day
    earlier = day < data.start and data.register_before is not None
    register = initiatives_as_of(data.register_before if earlier else data.initiatives, data.measurements, day)
    frame = analysis.rag_status(register, day, _progress(data, day))
    extra = pd.DataFrame(
        [
            {
                "id": i.id,
                "planned_start": i.planned_start,
                "actual_end": i.actual_end,
                "closure": i.closure_code.value if i.closure_code else "",
            }
            for i in register
        ]
    )
    frame = frame.merge(extra, on="id", how="left") if len(frame) else frame
    frame["days_overdue"] = [
        (day - e).days if o else 0 for e, o in zip(frame["planned_end"], frame["overdue"], strict=True)
    ]
    return frame


def initiative_section(data: ReviewData) -> Section:
    """Initiatives by state with RAG as of the quarter's end; the overdue ones and their owners."""
    frame = rag_table(data)
    states = frame["state"].value_counts()
    rags = frame["rag"].value_counts()
    overdue = frame[frame["overdue"]].sort_values("days_overdue", ascending=False)
    summary = [
        f"{len(frame)} initiatives on {data.day:%d %b %Y}: "
        + ", ".join(f"{states[s]} {s.replace('_', ' ')}" for s in [x.value for x in InitiativeState] if s in states)
        + ".",
        "RAG: " + ", ".join(f"{rags[r]} {r}" for r in analysis.RAG_ORDER if r in rags) + ".",
        (
            f"{len(overdue)} overdue: "
            + "; ".join(f"{r.id} ({r.owner or 'no owner'}, {r.days_overdue} days)" for r in overdue.itertuples())
            + "."
        )
        if len(overdue)
        else "No initiative is overdue.",
        f"The register as its history recorded it by {data.day:%d %b %Y}; before an initiative's first "
        "recorded version its state is inferred from its actual start and end dates.",
    ]
    labels = {
        "rag": "RAG",
        "id": "id",
        "title": "initiative",
        "owner": "owner",
        "state": "state",
        "planned_end": "planned end",
        "reason": "why",
    }
    roadmap = frame[["id", "title", "state", "planned_start", "planned_end"]]
    tables = {
        "initiatives": Table(frame, labels),
        "overdue": Table(
            overdue,
            {
                "id": "id",
                "title": "initiative",
                "owner": "owner",
                "planned_end": "planned end",
                "days_overdue": "days overdue",
            },
        ),
    }
    return Section(
        "initiatives",
        data.quarter,
        summary,
        tables,
        [
            charts.to_png(
                charts.roadmap_chart(
                    roadmap,
                    today=data.day,
                    today_label=f"today, {data.day:%d %b}" if data.in_progress else f"end of {data.quarter}",
                ),
                dpi=70,
            )
        ],
    )


def closed_in(data: ReviewData, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the register's frame (:func:`rag_table`) closed or cancelled during the quarter."""
    finished = [s.value for s in InitiativeState.finished_states()]
    ended = frame["actual_end"].map(lambda d: d is not None and d == d and data.within(d)) if len(frame) else []
    return frame[frame["state"].isin(finished) & ended] if len(frame) else frame
