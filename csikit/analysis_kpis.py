"""KPIs and the CSI register: each KPI reading against its baseline and target, and each initiative's RAG.

Pure functions from KPI, measurement and initiative records to tidy frames
(:func:`kpi_progress`, :func:`kpi_latest`, :func:`rag_status`), no store access.
Re-exported by :mod:`csikit.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd


def kpi_progress(kpis: Sequence, measurements: Iterable) -> pd.DataFrame:
    """Every KPI reading against its baseline and target.

    ``progress`` is the percent of the way from baseline to target (100 = target met;
    negative = worse than baseline); it honours the KPI's direction because the sign
    of target − baseline carries it. ``improved`` says whether the reading is better
    than the one before. Columns: kpi, name, unit, direction, baseline, target,
    target_date, date, quarter, actual, progress, met, change, improved.
    """
    from .measurements import progress_percent
    from .quarters import quarter_of

    meta = {k.id: k for k in kpis}
    rows = []
    for m in sorted(measurements, key=lambda m: (m.kpi, m.date)):
        k = meta.get(m.kpi)
        if k is None:
            continue
        progress = progress_percent(m.value, k.baseline.value, k.target.value)
        rows.append(
            {
                "kpi": k.id,
                "name": k.name,
                "unit": k.unit,
                "direction": k.direction.value,
                "baseline": k.baseline.value,
                "target": k.target.value,
                "target_date": k.target.date,
                "date": m.date,
                "quarter": quarter_of(m.date),
                "actual": m.value,
                "progress": progress,
                "met": progress >= 100,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "kpi",
            "name",
            "unit",
            "direction",
            "baseline",
            "target",
            "target_date",
            "date",
            "quarter",
            "actual",
            "progress",
            "met",
        ],
    )
    frame["change"] = frame.groupby("kpi")["actual"].diff()
    sign = np.where(frame["direction"] == "higher", 1, -1)
    improved = pd.Series((frame["change"] * sign) > 0, dtype="boolean")
    frame["improved"] = improved.mask(frame["change"].isna())
    return frame


def kpi_latest(progress: pd.DataFrame, quarter: str | None = None) -> pd.DataFrame:
    """Each KPI's latest reading (up to and including ``quarter``)."""
    frame = progress if quarter is None else progress[progress["quarter"] <= quarter]
    return frame.sort_values("date").groupby("kpi", sort=False).tail(1).sort_values("kpi").reset_index(drop=True)


RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "done": 3, "stopped": 4}


def rag_status(initiatives: Sequence, today, progress: pd.DataFrame | None = None) -> pd.DataFrame:
    """Red / amber / green per initiative, with the reason in words.

    Closed → done (or red if unsuccessful); cancelled → stopped; past its planned end,
    not finished and not closed → red (overdue); on hold → amber; less than half way to
    its target (its own baseline and target when set, else its KPI's) while more than
    half its planned time has gone → amber; else green.
    Columns: id, title, owner, state, planned_end, overdue, rag, reason.
    """
    latest = (
        kpi_latest(progress).set_index("kpi")["progress"]
        if progress is not None and len(progress)
        else pd.Series(dtype=float)
    )
    rows = []
    for i in initiatives:
        state = i.state.value
        overdue = bool(i.planned_end and i.planned_end < today and i.actual_end is None and i.state.is_open)
        if state == "closed":
            rag, reason = (
                ("done", "closed successfully")
                if (i.closure_code and i.closure_code.value == "successful")
                else ("red", f"closed {i.closure_code.value if i.closure_code else ''}".strip())
            )
        elif state == "cancelled":
            rag, reason = "stopped", "cancelled"
        elif overdue:
            rag, reason = "red", f"overdue since {i.planned_end.isoformat()}"
        elif state == "on_hold":
            rag, reason = "amber", "on hold"
        else:
            rag, reason = "green", "on track"
            if (
                i.kpi
                and i.kpi in latest.index
                and i.planned_start
                and i.planned_end
                and i.planned_end > i.planned_start
            ):
                elapsed = (today - i.planned_start).days / (i.planned_end - i.planned_start).days
                done = _own_progress(i, progress) if i.baseline and i.target else latest[i.kpi]
                if elapsed > 0.5 and done < 50:
                    rag, reason = "amber", f"{done:.0f}% of the way to its target with {elapsed:.0%} of the time gone"
        rows.append(
            {
                "id": i.id,
                "title": i.title,
                "owner": i.owner,
                "state": state,
                "planned_end": i.planned_end,
                "overdue": overdue,
                "rag": rag,
                "reason": reason,
            }
        )
    frame = pd.DataFrame(rows, columns=["id", "title", "owner", "state", "planned_end", "overdue", "rag", "reason"])
    return frame.sort_values(by=["rag", "id"], key=lambda s: s.map(RAG_ORDER) if s.name == "rag" else s).reset_index(
        drop=True
    )


def _own_progress(initiative, progress: pd.DataFrame) -> float:
    """Percent of the way from an initiative's own baseline to its own target, by its KPI's latest reading."""
    from .measurements import progress_percent

    actual = kpi_latest(progress).set_index("kpi")["actual"][initiative.kpi]
    return progress_percent(actual, initiative.baseline.value, initiative.target.value)
