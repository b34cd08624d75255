"""Charts across departments, from the portfolio's frames (:mod:`csikit.portfolio`): no data access.

Drawn like every csikit chart (:mod:`csikit.figures`: style, plain text, PNG): the
maturity of departments × practices with the organisation's median and middle half,
and the KPIs several departments share, one panel each, one line per department.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from . import stats
from .charts import SCREEN_DPI, SMALLEST_PT, TREND_PANEL_IN, empty_chart  # noqa: F401 - SCREEN_DPI for callers
from .figures import PALETTE, date_axis, drawn, legend_below, new_figure, set_title, wrap

ORGANISATION = "organisation"


def maturity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The tidy :func:`csikit.portfolio.maturity_by_department` frame as one row per practice:
    text, then each department's median (NaN: not assessed or withheld), then the
    organisation's median, q1, q3 and n; weakest practice (organisation median) first."""
    depts = [d for d in dict.fromkeys(frame["department"]) if d != ORGANISATION]
    shown = frame[~frame["withheld"]]
    table = shown.pivot_table(index="practice", columns="department", values="median", sort=False, dropna=False)
    table = table.reindex(columns=depts)
    org = frame[frame["department"] == ORGANISATION].set_index("practice")
    texts = frame.drop_duplicates("practice").set_index("practice")["text"]
    out = pd.DataFrame({"text": texts})
    for d in depts:
        out[d] = table[d] if d in table.columns else np.nan
    for col in ("median", "q1", "q3", "n"):
        out[f"organisation_{col}"] = org[col] if len(org) else np.nan
    out = out.sort_values(["organisation_median", "organisation_q1"], na_position="last", kind="stable")
    return out.reset_index()


@drawn
def department_maturity_chart(frame: pd.DataFrame, title: str = "") -> Figure:
    """Maturity (0–5) of each practice in each department, and the organisation's median with
    its middle half, weakest practice first.

    ``frame``: :func:`csikit.portfolio.maturity_by_department`. A department's cell shows its
    median, hatched and marked "±" where its assessors' middle half spans at least half the
    scale; "withheld" where it had fewer assessors than its workshop's ``min_group``; blank
    where it did not assess the practice. The last column is the organisation's median over
    every assessor of the departments shown, with the middle half under it.
    """
    if frame.empty:
        return empty_chart("No maturity assessment decided yet")
    table = maturity_table(frame)
    depts = [d for d in dict.fromkeys(frame["department"]) if d != ORGANISATION]
    cells = frame.set_index(["practice", "department"])
    columns = [*depts, ORGANISATION]
    values = np.full((len(table), len(columns)), np.nan)
    notes = np.full(values.shape, "", dtype=object)
    hatched, withheld = [], []
    for r, row in enumerate(table.itertuples()):
        for c, dept in enumerate(columns):
            if (row.practice, dept) not in cells.index:
                continue
            cell = cells.loc[(row.practice, dept)]
            if bool(cell["withheld"]):
                notes[r, c] = "withheld"
                withheld.append((r, c))
                continue
            values[r, c] = cell["median"]
            split = stats.low_agreement(cell["q1"], cell["q3"], 0, 5)
            if dept == ORGANISATION:
                notes[r, c] = f"{cell['median']:g}\n({cell['q1']:g}–{cell['q3']:g})"
            else:
                notes[r, c] = f"{cell['median']:g}" + (" ±" if split else "")
            if split and dept != ORGANISATION:
                hatched.append((r, c))
    fig = new_figure(max(9.0, 1.9 * len(columns) + 6.5), max(3.4, 0.7 * len(table) + 2.4))
    ax = fig.subplots()
    sns.heatmap(
        pd.DataFrame(values),
        ax=ax,
        vmin=0,
        vmax=5,
        cmap="mako",
        annot=notes,
        fmt="",
        linewidths=1,
        cbar_kws={"shrink": 0.7, "label": "median level (0–5)"},
        annot_kws={"fontsize": 12},
        xticklabels=False,
        yticklabels=False,
    )
    ax.grid(False)
    for r, c in hatched:
        ax.add_patch(Rectangle((c, r), 1, 1, fill=False, hatch="//", edgecolor="#8a8a8a", lw=0))
    for r, c in withheld:
        ax.add_patch(Rectangle((c, r), 1, 1, facecolor="#eeeeee", edgecolor="white", lw=1))
        ax.text(c + 0.5, r + 0.5, "withheld", ha="center", va="center", fontsize=11, color="#555555")
    org_col = len(columns) - 1
    ax.add_patch(Rectangle((org_col, 0), 1, len(table), fill=False, edgecolor="#0072b2", lw=3.5, clip_on=False))
    ax.set_xticks(
        np.arange(len(columns)) + 0.5,
        [wrap(c, 16, 2) for c in depts] + ["Organisation\nmedian (middle half)"],
        parse_math=False,
        rotation=0,
        fontsize=11,
    )
    ax.set_yticks(
        np.arange(len(table)) + 0.5,
        [wrap(t, 32, 2) for t in table["text"]],
        parse_math=False,
        rotation=0,
        fontsize=12,
        va="center",
    )
    ax.xaxis.tick_top()
    handles = [
        Rectangle((0, 0), 1, 1, facecolor="#bbbbbb", hatch="//", edgecolor="#555555"),
        Rectangle((0, 0), 1, 1, facecolor="#eeeeee", edgecolor="#999999"),
    ]
    legend_below(
        ax,
        ncols=1,
        handles=handles,
        labels=[
            "± hatched: the department's assessors disagree (middle half spans ≥ 2.5 levels)",
            "withheld: fewer assessors than the workshop's min_group (left out of the organisation's median)",
        ],
    )
    set_title(
        ax, title or "Maturity by department and practice (0–5)", "weakest first; last column: every assessor pooled"
    )
    return fig


@drawn
def shared_kpi_chart(progress: pd.DataFrame, kpis: Sequence[str] | None = None, cols: int = 3) -> Figure:
    """KPIs several departments measure (the same KPI id): one panel each, one line per
    department with its own target dashed in the same colour.

    ``progress``: the portfolio's ``kpi_progress`` (columns department, kpi, name, unit,
    date, actual, target). Sized to be shown at its own size at ``SCREEN_DPI``.
    """
    kpis = list(kpis) if kpis is not None else list(dict.fromkeys(progress["kpi"]))
    kpis = [k for k in kpis if (progress["kpi"] == k).any()]
    if not kpis:
        return empty_chart("No shared KPI has a reading yet")
    depts = list(dict.fromkeys(progress["department"]))
    colours = dict(zip(depts, sns.color_palette(PALETTE, max(len(depts), 3)), strict=False))
    cols = min(cols, len(kpis))
    rows = (len(kpis) + cols - 1) // cols
    height = 3.6 * rows + 1.6
    fig = new_figure(TREND_PANEL_IN * cols + 0.4, height, layout=None)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=1.0 / height, top=1 - 1.4 / height, wspace=0.38, hspace=0.7)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        rows_of = progress[progress["kpi"] == kpi]
        for dept in depts:
            r = rows_of[rows_of["department"] == dept].sort_values("date")
            if r.empty:
                continue
            ax.plot(pd.to_datetime(r["date"]), r["actual"], "o-", color=colours[dept], lw=2.5, ms=6, label=dept)
            ax.axhline(r.iloc[0]["target"], color=colours[dept], ls="--", lw=1.6)
        first = rows_of.iloc[0]
        ax.set_title(wrap(str(first["name"]), 30, 2), loc="left", fontsize=12, fontweight="bold", parse_math=False)
        ax.set_ylabel(str(first["unit"]), fontsize=11, parse_math=False)
        ax.tick_params(labelsize=SMALLEST_PT + 1)
        ax.tick_params(axis="x", labelbottom=True)
    date_axis(axes.flat[0], quarterly=True)
    for ax in list(axes.flat)[len(kpis) :]:
        ax.axis("off")
    handles = [plt_line(colours[d]) for d in depts]
    fig.legend(
        handles,
        [wrap(d, 30, 1) for d in depts],
        loc="lower left",
        ncols=min(len(depts), 4),
        frameon=False,
        fontsize=11,
        bbox_to_anchor=(0.07, 0.0),
    )
    fig.suptitle(
        "Shared KPIs: each department's readings (line) and its target (dashed)",
        x=0.01,
        ha="left",
        fontweight="bold",
        fontsize=15,
        parse_math=False,
    )
    return fig


def plt_line(colour):
    """A legend handle: a line with a dot in ``colour``."""
    from matplotlib.lines import Line2D

    return Line2D([0], [0], color=colour, lw=2.5, marker="o")


__all__ = ["department_maturity_chart", "maturity_table", "shared_kpi_chart"]
