"""KPI charts (step 5): each KPI's readings against its baseline and target, and progress toward target.

From ``analysis.kpi_progress`` and ``analysis.kpi_latest``; no data access. The small
multiples (:func:`kpi_trends_chart`) are sized for the screen (:data:`SCREEN_DPI`,
:data:`SMALLEST_PT`, :data:`TREND_PANEL_IN`), which :mod:`csikit.org_charts` shares.
Re-exported by :mod:`csikit.charts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .charts_answer import empty_chart
from .figures import (
    PALETTE,
    date_axis,
    drawn,
    legend_below,
    new_figure,
    row_figure,
    row_labels,
    set_title,
    wrap,
)


@drawn
def kpi_trend_chart(frame: pd.DataFrame, kpi: str) -> Figure:
    """Step 5: a KPI's readings with its baseline and target lines (``analysis.kpi_progress``)."""
    rows = frame[frame["kpi"] == kpi].sort_values("date")
    if rows.empty:
        return empty_chart(f"No measurements of {kpi} yet")
    fig = new_figure(9, 5)
    ax = fig.subplots()
    c = sns.color_palette(PALETTE, 4)
    first = rows.iloc[0]
    ax.plot(pd.to_datetime(rows["date"]), rows["actual"], "o-", color=c[0], lw=3, ms=9, label="actual")
    ax.axhline(first["baseline"], color=c[3], ls=":", lw=2, label=f"baseline {first['baseline']:g}")
    ax.axhline(first["target"], color=c[2], ls="--", lw=2, label=f"target {first['target']:g}")
    last = rows.iloc[-1]
    better = "higher" if first["direction"] == "higher" else "lower"
    ax.set_ylabel(str(first["unit"]), parse_math=False)
    legend_below(ax, ncols=3)
    set_title(ax, f"{first['name']}: {last['progress']:.0f}% of the way to target ({better} is better)")
    date_axis(ax)
    return fig


#: Pixels per inch of a chart shown at its own size on a screen (a CSS inch): drawn at this
#: resolution, a figure's point is a point on the page (the review's small multiples).
SCREEN_DPI = 96
#: The smallest text a reader must read on a chart (tick labels), in points on the screen.
SMALLEST_PT = 9
#: Width of one small multiple of :func:`kpi_trends_chart`, in inches: three fit in 1,210
#: pixels at :data:`SCREEN_DPI`, inside the review's page on a 1280-pixel-wide screen.
TREND_PANEL_IN = 4.2


@drawn
def kpi_trends_chart(frame: pd.DataFrame, kpis: Sequence[str] | None = None, cols: int = 3) -> Figure:
    """Step 5: every KPI's readings in one grid, each with its baseline (dotted) and target (dashed).

    One figure instead of one per KPI: one glance on a slide, one render in a report. Sized to
    be shown at its own size at :data:`SCREEN_DPI`: ``cols`` panels of :data:`TREND_PANEL_IN`
    a row, tick labels of 10 points (at least :data:`SMALLEST_PT` on the screen).
    """
    kpis = list(kpis) if kpis is not None else list(dict.fromkeys(frame["kpi"]))
    kpis = [k for k in kpis if (frame["kpi"] == k).any()]
    if not kpis:
        return empty_chart("No measurements yet")
    rows = (len(kpis) + cols - 1) // cols
    # a fixed grid: constrained layout costs seconds with many axes
    height = 3.4 * rows + 1.0
    # one shared date axis (labels on the bottom row only): the panels compare at a glance,
    # and drawing a third of the date ticks halves the render (benchmarks/review_vs_empty.py)
    fig = new_figure(TREND_PANEL_IN * cols, height, layout=None)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.35 / height, top=1 - 1.5 / height, wspace=0.38, hspace=0.7)
    c = sns.color_palette(PALETTE, 4)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        r = frame[frame["kpi"] == kpi].sort_values("date")
        first, last = r.iloc[0], r.iloc[-1]
        ax.plot(pd.to_datetime(r["date"]), r["actual"], "o-", color=c[0], lw=2.5, ms=7)
        ax.axhline(first["baseline"], color=c[3], ls=":", lw=2)
        ax.axhline(first["target"], color=c[2], ls="--", lw=2)
        ax.set_title(
            wrap(first["name"], 30, 2) + f"\n{last['progress']:.0f}% of the way",
            loc="left",
            fontsize=12,
            fontweight="bold",
            parse_math=False,
        )
        ax.set_ylabel(str(first["unit"]), fontsize=11, parse_math=False)
        ax.tick_params(labelsize=SMALLEST_PT + 1)
        ax.tick_params(axis="x", labelbottom=True)  # a panel above an empty slot needs its dates
    date_axis(axes.flat[0], quarterly=True)
    for ax in list(axes.flat)[len(kpis) :]:
        ax.axis("off")
    for i, ax in enumerate(axes.flat[: len(kpis)]):
        if i + cols < len(kpis):
            ax.tick_params(axis="x", labelbottom=False)
    fig.suptitle(
        "KPI trends: actual (line), baseline (dotted), target (dashed)",
        x=0.01,
        ha="left",
        fontweight="bold",
        fontsize=15,
        parse_math=False,
    )
    return fig


@drawn
def progress_chart(latest: pd.DataFrame) -> Figure:
    """Step 5: percent of the way from baseline to target per KPI (``analysis.kpi_latest``)."""
    if latest.empty:
        return empty_chart("No measurements yet")
    fig, ax = row_figure(len(latest))
    values = latest["progress"].clip(-100, 150)
    colours = ["#d55e00" if v < 0 else "#e69f00" if v < 50 else "#0072b2" if v < 100 else "#009e73" for v in values]
    y = row_labels(ax, [wrap(n) for n in latest["name"]])
    ax.barh(y, values, color=colours)
    ax.axvline(0, color="#333", lw=1)
    ax.axvline(100, color="#009e73", lw=2, ls="--")
    for row, v in enumerate(latest["progress"]):
        ax.annotate(
            f"{v:.0f}%",
            (min(max(v, -100), 150), row),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=12,
            parse_math=False,
        )
    ax.invert_yaxis()
    ax.set_xlabel("% of the way from baseline to target\n(100 = met; below 0 = worse than baseline)")
    set_title(ax, "KPI progress toward target")
    return fig
