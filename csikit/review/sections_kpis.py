"""The review's KPI section: each KPI's reading as of the quarter against the previous one, baseline and target.

:func:`kpi_table` is the frame every sentence about KPIs is computed from (the headline's
too, and the organisation review's shared KPIs); :func:`kpi_section` shows it with the
progress and trend charts. Pure functions of a :class:`~csikit.review.data.ReviewData`,
for ``data.day``. Re-exported by :mod:`csikit.review.sections`.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .. import analysis, charts
from ..measurements import progress_percent
from ..quarters import quarter_end, quarter_of
from .data import ReviewData
from .display import Section, Table


def _progress(data: ReviewData, day: date) -> pd.DataFrame:
    return analysis.kpi_progress(data.workshop.kpis, [m for m in data.measurements if m.date <= day])


def kpi_table(data: ReviewData) -> pd.DataFrame:
    """One row per KPI: the reading as of the quarter against the previous one, baseline and target.

    ``actual`` is the latest reading by ``data.day`` (``date``: when it was taken);
    ``expected`` is the percent of the way a straight line from baseline date to
    target date would have covered by then; ``status`` is met, on track (at least
    expected), behind, worse than baseline, or no reading. A KPI without a reading in the
    quarter has no ``change`` and the trend "no reading yet" (quarter in progress) or
    "no reading this quarter", never "same".
    """
    now = analysis.kpi_latest(_progress(data, data.day)).set_index("kpi")
    before = analysis.kpi_latest(_progress(data, quarter_end(data.previous))).set_index("kpi")
    rows = []
    for k in data.workshop.kpis:
        span = k.target.value - k.baseline.value
        cur = now.loc[k.id] if k.id in now.index else None
        if k.id in before.index:
            prev, prev_from = float(before.loc[k.id, "actual"]), quarter_of(before.loc[k.id, "date"])
        else:
            prev, prev_from = k.baseline.value, "baseline"
        actual = float(cur["actual"]) if cur is not None else np.nan
        progress = progress_percent(actual, k.baseline.value, k.target.value)
        expected = np.nan
        if k.baseline.date and k.target.date:
            share = (data.day - k.baseline.date).days / (k.target.date - k.baseline.date).days
            expected = 100 * min(max(share, 0.0), 1.0)
        fresh = cur is not None and data.within(cur["date"])  # read in this quarter
        change = actual - prev if fresh else np.nan
        better = change * (1 if span > 0 else -1)
        if cur is None:
            status = "no reading"
        elif progress >= 100:
            status = "met"
        elif progress < 0:
            status = "worse than baseline"
        elif np.isnan(expected) or progress >= expected:
            status = "on track"
        else:
            status = "behind"
        rows.append(
            {
                "kpi": k.id,
                "name": k.name,
                "unit": k.unit,
                "direction": k.direction.value,
                "baseline": k.baseline.value,
                "previous": prev,
                "previous_from": prev_from,
                "actual": actual,
                "date": cur["date"] if cur is not None else None,
                "target": k.target.value,
                "target_date": k.target.date,
                "change": change,
                "trend": _trend(better) if fresh else _no_reading(data),
                "progress": progress,
                "expected": expected,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def _day(day: date) -> str:
    """``5 Dec 2026``."""
    return f"{day.day} {day:%b %Y}"


def _trend(better: float) -> str:
    return "better" if better > 0 else "worse" if better < 0 else "same"


def _no_reading(data: ReviewData) -> str:
    return "no reading yet" if data.in_progress else "no reading this quarter"


def _fresh(table: pd.DataFrame) -> pd.DataFrame:
    """The KPIs read in the quarter (their trend compares two readings)."""
    return table[~table["trend"].isin(["no reading yet", "no reading this quarter"])]


def kpi_section(data: ReviewData) -> Section:
    """KPI progress against baseline and target, with trend charts."""
    table = kpi_table(data)
    progress = _progress(data, data.day)
    read = table[table["status"] != "no reading"]
    counts = read["status"].value_counts()
    fresh = len(_fresh(table))
    summary = [
        (
            f"{fresh} of {len(table)} KPIs have a reading in {data.label}"
            if fresh
            else f"No KPI has a reading yet in {data.quarter} (in progress, as of {_day(data.day)})"
            if data.in_progress
            else f"No KPI has a reading in {data.quarter}"
        )
        + (
            "; against target, by the latest reading of each: "
            + ", ".join(f"{counts[s]} {s}" for s in ("met", "on track", "behind", "worse than baseline") if s in counts)
            if len(read)
            else ""
        )
        + ".",
        f"“previous” is the reading of {data.previous} (the baseline if there was none); “% of the way” runs from the "
        "baseline (0%) to the target (100%); “expected” is where a straight line from baseline date to target date "
        + ("would be today." if data.in_progress else "would be by the quarter's end."),
    ]
    figures = [charts.to_png(charts.progress_chart(analysis.kpi_latest(progress)))] if len(progress) else []
    # shown at their own size, drawn at a CSS inch: tick labels are the points they were set in
    trends = (
        [charts.to_png(charts.kpi_trends_chart(progress, list(read["kpi"])), dpi=charts.SCREEN_DPI)]
        if len(read)
        else []
    )
    labels = {
        "name": "KPI",
        "unit": "unit",
        "baseline": "baseline",
        "previous": "previous",
        "actual": "now",
        "date": "reading of",
        "target": "target",
        "target_date": "by",
        "change": "change",
        "trend": "trend",
        "progress": "% of the way",
        "expected": "expected %",
        "status": "status",
    }
    return Section("kpis", data.quarter, summary, {"kpis": Table(table, labels)}, figures, wide=trends)
