"""Maturity charts (steps 2–3): practices × assessors as a heatmap, and the gap from today to target.

From ``analysis.maturity_matrix`` and ``analysis.maturity_gaps``; no data access.
Re-exported by :mod:`csikit.charts` (``charts.maturity_heatmap``, ``charts.gap_chart``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .charts_answer import empty_chart
from .figures import PALETTE, drawn, legend_below, row_figure, row_labels, set_title, wrap


@drawn
def _matrix_map(
    table: pd.DataFrame,
    title: str,
    *,
    vmin: float,
    vmax: float,
    cmap: str = "viridis",
    xlabel: str = "",
    ylabel: str = "",
) -> Figure:
    """A labelled heatmap of a rows × columns table (impact matrix, maturity matrix), rows as given."""
    if table.empty or table.isna().all().all():
        return empty_chart("No answers yet")
    fig, ax = row_figure(len(table), width=max(9.0, 1.1 * len(table.columns) + 6))
    rows = [wrap(i, 30) for i in table.index]
    cols = [wrap(c, 14) for c in table.columns]
    values = pd.DataFrame(table.to_numpy(dtype=float))  # positions, not labels: labels are set as plain text below
    sns.heatmap(
        values,
        ax=ax,
        vmin=vmin,
        vmax=vmax,
        cmap=cmap,
        annot=True,
        fmt=".1f",
        linewidths=1,
        cbar_kws={"shrink": 0.7},
        annot_kws={"fontsize": 13},
        xticklabels=False,
        yticklabels=False,
    )
    ax.grid(False)  # a cell nobody rated stays blank, not crossed by grid lines
    ax.set_xticks(np.arange(len(cols)) + 0.5, cols, parse_math=False, rotation=0, fontsize=11)
    ax.set_yticks(np.arange(len(rows)) + 0.5, rows, parse_math=False, rotation=0, fontsize=12, va="center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    set_title(ax, title)
    return fig


def _rows_by(table: pd.DataFrame, key: pd.Series, ascending: bool) -> pd.DataFrame:
    """The table's rows ordered by ``key`` (rows without one last); equal texts stay apart."""
    at = np.argsort(np.where(key.isna(), np.inf, key.to_numpy(dtype=float) * (1 if ascending else -1)), kind="stable")
    return table.iloc[at]


def maturity_heatmap(table: pd.DataFrame, *, weakest_first: bool = True) -> Figure:
    """Steps 2–3: maturity per practice and assessor, with the median (``analysis.maturity_matrix``).

    Today's levels show the weakest practice first (where to act); targets
    (``weakest_first=False``) the highest first.
    """
    key = table["median"] if "median" in table.columns else table.median(axis=1, skipna=True)
    table = _rows_by(table, key, ascending=weakest_first)
    order = "weakest first" if weakest_first else "highest first"
    return _matrix_map(
        table,
        f"Maturity per practice and assessor (0–5), median last, {order}",
        vmin=0,
        vmax=5,
        cmap="mako",
        xlabel="assessor",
    )


@drawn
def gap_chart(frame: pd.DataFrame) -> Figure:
    """Steps 2–3: current median (with IQR) and target per practice (``analysis.maturity_gaps``)."""
    shown = frame.dropna(subset=["current"])
    if shown.empty:
        return empty_chart("No maturity ratings yet")
    fig, ax = row_figure(len(shown))
    y = row_labels(ax, [wrap(t) for t in shown["text"]])
    c = sns.color_palette(PALETTE, 3)
    ax.hlines(y, shown["current"], shown["target"], color="#999", lw=3)
    ax.hlines(y, shown["current_q1"], shown["current_q3"], color=c[0], lw=9, alpha=0.35)
    ax.plot(shown["current"], y, "o", color=c[0], ms=13, label="today (median; band = middle half)")
    ax.plot(shown["target"], y, "D", color=c[1], ms=12, label="target")
    ax.set_xlim(-0.3, 5.3)
    ax.set_xticks(range(6))
    ax.invert_yaxis()
    legend_below(ax, ncols=2)
    set_title(ax, "Maturity gap per practice: today → target, biggest gap first")
    return fig
