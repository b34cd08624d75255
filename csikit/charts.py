"""Seaborn charts from analysis frames: one function per chart, no data access.

Made to be projected: large type, a colour-blind-safe palette, and titles that say
what the chart shows. Every chart puts the answer to its activity's question first:
rows sorted best first (whatever order the frame came in), the answer highlighted (a
clear lead whose interval lies above the rest's, else the tie at the top, and the legend
says which), uncertainty drawn as intervals or middle halves. How a figure is styled,
labelled and turned into PNG (text a person typed is always drawn as text) lives in
:mod:`csikit.figures`; its public pieces are re-exported here (``charts.to_png``,
``charts.release`` …).

This module draws the answers' charts (dot votes, ratings, consent, rankings, heatmaps,
impact × effort, boards); the answer's highlight and the empty chart live in
:mod:`csikit.charts_answer`, the maturity charts in :mod:`csikit.charts_maturity`, the
roadmap in :mod:`csikit.charts_register` and the KPI charts in :mod:`csikit.charts_kpi`,
all re-exported here (``charts.kpi_trend_chart`` …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .charts_answer import (  # noqa: F401 - re-exported: how every chart shows its answer
    ANSWER_COLOUR,
    REST_COLOUR,
    REST_POINT,
    _answer_legend,
    _mark_answer,
    empty_chart,
    leaders,
)
from .charts_kpi import (  # noqa: F401 - re-exported: the KPI charts
    SCREEN_DPI,
    SMALLEST_PT,
    TREND_PANEL_IN,
    kpi_trend_chart,
    kpi_trends_chart,
    progress_chart,
)
from .charts_maturity import _matrix_map, _rows_by, gap_chart, maturity_heatmap  # noqa: F401 - re-exported
from .charts_register import STATE_COLOURS, roadmap_chart  # noqa: F401 - re-exported: the register's roadmap
from .figures import (  # noqa: F401 - the public ones are re-exported
    FONT_SCALE,
    PALETTE,
    Chart,
    close,
    date_axis,
    drawn,
    fit_rows,
    legend_below,
    new_figure,
    place_labels,
    release,
    row_figure,
    row_labels,
    rows_note,
    set_title,
    size_of,
    style,
    styled,
    to_png,
    wrap,
)


@drawn
def dot_tally_chart(frame: pd.DataFrame, title: str = "Dot vote", unit: str = "dots", top: int = 3) -> Figure:
    """Counts per item with their 95% bootstrap interval (from ``analysis.tally_dots``), most first.

    ``unit`` names the count column and the axis: ``dots``, or ``votes`` for a poll. The
    answer is highlighted: the leading items whose intervals lie above the rest (at most
    ``top``), else the items tied for most.
    """
    if frame.empty or frame[unit].sum() == 0:
        return empty_chart(f"No {unit} yet")
    shown = frame.sort_values([unit, "item"], ascending=[False, True], kind="stable")
    winners, clear = leaders(shown[unit], shown["low"], shown["high"], top)
    rows, lines = fit_rows(len(shown))
    every, shown, winners = len(shown), shown.head(rows), winners[:rows]
    fig, ax = row_figure(len(shown))
    y = row_labels(ax, [wrap(t, lines=lines) for t in shown["text"]])
    ax.barh(y, shown[unit], color=[ANSWER_COLOUR if w else REST_COLOUR for w in winners])
    ax.errorbar(
        shown[unit],
        y,
        xerr=[shown[unit] - shown["low"], shown["high"] - shown[unit]],
        fmt="none",
        ecolor="#222",
        capsize=5,
        lw=1.5,
    )
    _mark_answer(ax, winners)
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit} (bars: 95% interval over voters)")
    _answer_legend(ax, clear, f"most {unit}", rows=len(shown))
    voters = int(shown["voters"].iloc[0]) if len(shown) else 0
    set_title(ax, title, f"{voters} voters, most {unit} first{rows_note(len(shown), every)}")
    return fig


def best_items(frame: pd.DataFrame) -> list:
    """Item ids of an ``ordinal_summary`` frame, highest median first (then the higher
    middle half; ties keep the frame's order). An item scored on several criteria is
    placed by the mean of its medians."""
    rated = frame[frame["n"] > 0]
    by = rated.groupby("item", sort=False)[["median", "q1", "q3"]].mean()
    return list(by.sort_values(["median", "q3", "q1"], ascending=False, kind="stable").index)


@drawn
def ordinal_chart(
    frame: pd.DataFrame, title: str, labels: tuple[str, ...] = (), lo: int = 1, hi: int = 5, top: int = 3
) -> Figure:
    """Median per item (dot) with the interquartile range (bar), from ``analysis.ordinal_summary``;
    highest median first, the answer highlighted (a middle half above the rest's, else the top median)."""
    rated = frame[frame["n"] > 0]
    if rated.empty:
        return empty_chart("No answers yet")
    order = best_items(rated)
    shown = rated.assign(_at=rated["item"].map({k: i for i, k in enumerate(order)})).sort_values("_at", kind="stable")
    by = rated.groupby("item", sort=False)[["median", "q1", "q3"]].mean().reindex(order)
    first, clear = leaders(by["median"], by["q1"], by["q3"], top)
    winners = shown["item"].map(dict(zip(order, first, strict=True))).to_numpy(dtype=bool)
    rows, lines = fit_rows(len(shown))
    every, shown, winners = len(shown), shown.head(rows), winners[:rows]
    fig, ax = row_figure(len(shown))
    row_labels(
        ax,
        [wrap(f"{t} · {c}" if c else t, lines=lines) for t, c in zip(shown["text"], shown["criterion"], strict=True)],
    )
    for row, (q1, q3, med, win) in enumerate(zip(shown["q1"], shown["q3"], shown["median"], winners, strict=True)):
        ax.hlines(row, q1, q3, color=ANSWER_COLOUR if win else REST_COLOUR, lw=8, alpha=0.45)
        ax.plot(med, row, "o", color=ANSWER_COLOUR if win else REST_POINT, ms=12)
    for row, (n, small) in enumerate(zip(shown["n"], shown["small_n"], strict=True)):
        ax.annotate(
            f"n={n}{' (few)' if small else ''}",
            (hi, row),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=12,
            color="#b00020" if small else "#555",
            annotation_clip=False,
            parse_math=False,
        )
    _mark_answer(ax, winners)
    ax.set_xlim(lo - 0.3, hi + 0.3)
    if labels:
        ax.set_xticks(range(lo, hi + 1), [wrap(lab, 14) for lab in labels], fontsize=11, parse_math=False)
    else:
        ax.set_xticks(range(lo, hi + 1))
    ax.invert_yaxis()
    _answer_legend(ax, clear, "highest median", "the rest (dot: median; band: middle half of answers)", rows=len(order))
    set_title(ax, title, f"median and middle half of answers, highest first{rows_note(len(shown), every)}")
    return fig


@drawn
def consent_chart(frame: pd.DataFrame, title: str = "Fist of five") -> Figure:
    """Stacked count of fingers per proposal (0–2 are objections), from ``analysis.distribution``.

    Proposals with the most consent first: fewest objections (as a share of answers),
    then most fingers on average; those nobody objected to are marked "no objection"
    and their labels set in bold.
    """
    if frame.empty or frame["count"].sum() == 0:
        return empty_chart("No answers yet")
    # one row per proposal (by id: two proposals may read the same)
    table = frame.pivot_table(index="item", columns="value", values="count", aggfunc="sum", fill_value=0, sort=False)
    answers = table.sum(axis=1)
    objecting = table[[v for v in table.columns if v <= 2]].sum(axis=1) / answers.where(answers > 0)
    fingers = (table * np.asarray(table.columns, dtype=float)).sum(axis=1) / answers.where(answers > 0)
    rank = pd.DataFrame({"objecting": objecting.fillna(2.0), "fingers": fingers.fillna(-1.0)})
    table = table.loc[rank.sort_values(["objecting", "fingers"], ascending=[True, False], kind="stable").index]
    consent = ((table[[v for v in table.columns if v <= 2]].sum(axis=1) == 0) & (table.sum(axis=1) > 0)).to_numpy()
    texts = frame.drop_duplicates("item").set_index("item")["text"]
    rows, lines = fit_rows(len(table))
    every, table, consent = len(table), table.head(rows), consent[:rows]
    fig, ax = row_figure(len(table))
    y = row_labels(ax, [wrap(texts[i], lines=lines) for i in table.index])
    colours = sns.color_palette("RdYlBu", 6)  # diverging, colour-blind-safe: red = objection, blue = support
    left = np.zeros(len(table))
    for value in table.columns:
        ax.barh(y, table[value].to_numpy(), left=left, color=colours[int(value)], label=f"{value}")
        left = left + table[value].to_numpy()
    for row, ok in enumerate(consent):
        if ok:
            ax.annotate(
                "no objection",
                (left[row], row),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=12,
                fontweight="bold",
                color="#1b5e20",
                annotation_clip=False,
                parse_math=False,
            )
    _mark_answer(ax, consent)
    ax.invert_yaxis()
    ax.set_xlabel("participants")
    legend_below(ax, ncols=6, title="fingers")
    set_title(ax, title, f"consent per proposal, most consent first (0–2 = objection){rows_note(len(table), every)}")
    return fig


@drawn
def borda_chart(frame: pd.DataFrame, title: str = "Ranking") -> Figure:
    """Borda points per item, highest first, from ``analysis.borda``; first place highlighted."""
    if frame.empty or frame["points"].sum() == 0:
        return empty_chart("No rankings yet")
    shown = frame.sort_values(["points", "item"], ascending=[False, True], kind="stable")
    winners = (shown["points"] == shown["points"].iloc[0]).to_numpy()
    rows, lines = fit_rows(len(shown))
    every, shown, winners = len(shown), shown.head(rows), winners[:rows]
    fig, ax = row_figure(len(shown))
    y = row_labels(ax, [wrap(t, lines=lines) for t in shown["text"]])
    ax.barh(y, shown["points"], color=[ANSWER_COLOUR if w else REST_COLOUR for w in winners])
    _mark_answer(ax, winners)
    ax.invert_yaxis()
    ax.set_xlabel("Borda points (n − rank, summed over voters)")
    handles = [Rectangle((0, 0), 1, 1, color=ANSWER_COLOUR), Rectangle((0, 0), 1, 1, color=REST_COLOUR)]
    legend_below(
        ax, ncols=2, handles=handles, labels=["first place" + (" (tied)" if winners.sum() > 1 else ""), "the rest"]
    )
    set_title(ax, title, f"{int(shown['voters'].iloc[0])} voters{rows_note(len(shown), every)}")
    return fig


#: The rating heatmap's colours: sequential and colour-blind safe (dark = high).
HEAT_CMAP = "rocket_r"


def low_agreement(frame: pd.DataFrame, lo: int, hi: int) -> pd.Series:
    """Cells where the middle half of the answers spans at least half the scale (IQR ≥ (hi − lo) / 2:
    2 points on 1–5): the room does not agree on that median (:func:`csikit.stats.low_agreement`)."""
    from . import stats

    return pd.Series(
        [stats.low_agreement(q1, q3, lo, hi) for q1, q3 in zip(frame["q1"], frame["q3"], strict=True)],
        index=frame.index,
        dtype=bool,
    )


def overall_medians(frame: pd.DataFrame) -> pd.DataFrame:
    """Each item's place in a heatmap of an ``ordinal_summary``: the median of its cells'
    medians (then their mean), highest first, items nobody rated last (NaN).

    Columns median, mean; indexed by item id.
    """
    medians = frame.pivot_table(index="item", columns="criterion", values="median", sort=False, dropna=False)
    medians = medians.reindex(list(dict.fromkeys(frame["item"])))
    overall = pd.DataFrame({"median": medians.median(axis=1, skipna=True), "mean": medians.mean(axis=1, skipna=True)})
    return overall.sort_values(["median", "mean"], ascending=False, kind="stable", na_position="last")


@drawn
def heatmap_chart(
    frame: pd.DataFrame,
    title: str,
    lo: int = 1,
    hi: int = 5,
    *,
    columns: Mapping[str, str] | None = None,
    cmap: str = HEAT_CMAP,
) -> Figure:
    """A rating of items × criteria (problems × objectives) as a heatmap, the answer first.

    ``frame`` is an ``analysis.ordinal_summary`` (item, text, criterion, n, median, q1,
    q3): one row per item, highest overall median first (the median of its cells, then
    their mean); one column per criterion, named by ``columns`` (objective id → title)
    and in the frame's order. Each cell shows its median; a cell whose middle half of
    answers spans at least half the scale (:func:`low_agreement`, the interquartile
    range) is hatched and marked "±". The top row(s) are outlined and their labels bold.
    """
    rated = frame[frame["n"] > 0]
    if rated.empty:
        return empty_chart("No answers yet")
    names = dict(columns or {})
    crits = list(dict.fromkeys(frame["criterion"]))
    overall = overall_medians(frame)
    rows, lines = fit_rows(len(overall))
    every, order = len(overall), list(overall.index)[:rows]
    cells = frame.set_index(["item", "criterion"])
    values = np.full((len(order), len(crits)), np.nan)
    notes = np.full(values.shape, "", dtype=object)
    spread = low_agreement(frame, lo, hi).to_numpy()
    split = dict(zip(zip(frame["item"], frame["criterion"], strict=True), spread, strict=True))
    for r, item in enumerate(order):
        for c, crit in enumerate(crits):
            if (item, crit) in cells.index and cells.loc[(item, crit), "n"] > 0:
                values[r, c] = cells.loc[(item, crit), "median"]
                notes[r, c] = f"{values[r, c]:g}" + (" ±" if split[(item, crit)] else "")
    texts = frame.drop_duplicates("item").set_index("item")["text"]
    fig, ax = row_figure(len(order), width=max(9.0, 1.3 * len(crits) + 7))
    sns.heatmap(
        pd.DataFrame(values),
        ax=ax,
        vmin=lo,
        vmax=hi,
        cmap=cmap,
        annot=notes,
        fmt="",
        linewidths=1,
        cbar_kws={"shrink": 0.7, "label": "median"},
        annot_kws={"fontsize": 13},
        xticklabels=False,
        yticklabels=False,
    )
    ax.grid(False)
    for r, c in zip(*np.nonzero(np.array([[split.get((i, k), False) for k in crits] for i in order])), strict=True):
        if not np.isnan(values[r, c]):
            ax.add_patch(Rectangle((c, r), 1, 1, fill=False, hatch="//", edgecolor="#8a8a8a", lw=0))
    top = overall.loc[order[0], "median"] if order else np.nan
    winners = np.array([overall.loc[i, "median"] == top for i in order])
    ax.set_xticks(
        np.arange(len(crits)) + 0.5,
        [wrap(names.get(c, c) or "score", 14) for c in crits],
        parse_math=False,
        rotation=0,
        fontsize=11,
    )
    ax.set_yticks(
        np.arange(len(order)) + 0.5,
        [wrap(texts[i], 30, lines) for i in order],
        parse_math=False,
        rotation=0,
        fontsize=12,
        va="center",
    )
    _mark_answer(ax, winners)
    for r in np.flatnonzero(winners):
        ax.add_patch(Rectangle((0, r), len(crits), 1, fill=False, edgecolor="#0072b2", lw=3.5, clip_on=False))
    handles = [
        Rectangle((0, 0), 1, 1, fill=False, edgecolor="#0072b2", lw=3),
        Rectangle((0, 0), 1, 1, facecolor="#bbbbbb", hatch="//", edgecolor="#555555"),
    ]
    span = f"{(hi - lo) / 2:g}"
    legend_below(
        ax,
        ncols=1,
        handles=handles,
        labels=[
            "highest overall median (rows: highest first)",
            f"± hatched: low agreement, the middle half of answers (IQR) spans ≥ {span} points",
        ],
    )
    answered = int(rated["n"].max())
    set_title(ax, title, f"median per cell, highest first ({answered} answers){rows_note(len(order), every)}")
    return fig


@drawn
def impact_effort_chart(frame: pd.DataFrame) -> Figure:
    """Step 3: median impact × effort per candidate, quick wins marked (``analysis.impact_effort``).

    Labels are cut to two short lines (the table beside the chart has the whole text) and
    placed where they cover no other label or point (:func:`csikit.figures.place_labels`);
    one with no room is numbered and listed under the chart.
    """
    shown = frame.dropna(subset=["impact", "effort"])
    if shown.empty:
        return empty_chart("No ratings yet")
    fig = new_figure(11, 8, layout=None)  # a fixed layout: labels are placed in the final axes
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.92)
    ax = fig.subplots()
    ax.axhline(3, color="#999", lw=1)
    ax.axvline(3, color="#999", lw=1)
    ax.fill_between([0.5, 3], 3, 5.5, color=sns.color_palette(PALETTE)[2], alpha=0.12)
    corner = ax.text(0.6, 5.35, "QUICK WINS", fontsize=14, fontweight="bold", color="#1b5e20", va="top")
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    rng = np.random.default_rng(0)  # a little jitter so tied medians stay readable
    jitter = rng.uniform(-0.12, 0.12, size=(len(shown), 2))
    points = []
    for row, (jx, jy) in zip(shown.itertuples(), jitter, strict=True):
        marker, colour = ("*", "#1b5e20") if row.quick_win else ("o", "#444")
        ax.plot(row.effort + jx, row.impact + jy, marker, color=colour, ms=18 if row.quick_win else 11)
        points.append((row.effort + jx, row.impact + jy))
    size = size_of()
    fontsize = size.text_pt or 11
    numbered = place_labels(ax, points, [wrap(t, 22, 2) for t in shown["text"]], fontsize=fontsize, avoid=[corner])
    if numbered:
        listed = "; ".join(f"{k}: {wrap(t, 40, 1)}" for k, t in numbered)
        fig.text(
            0.01,
            0.005,
            wrap(f"Numbered (no room beside their point): {listed}", 150, 2),
            fontsize=fontsize,
            va="bottom",
            parse_math=False,
        )
    ax.set_xlabel("effort (median, 1 = very low)")
    ax.set_ylabel("impact (median, 5 = very high)")
    set_title(ax, "Impact × effort: quick wins top left (★)")
    return fig


@drawn
def board_chart(texts: Sequence[str], title: str, *, colour: str = "#fff3b0") -> Figure:
    """Step 6: a board of sticky notes (wins, lessons, carry-over) to project."""
    texts = list(texts)[:24]
    if not texts:
        return empty_chart(f"{title}: nothing yet")
    cols = 4
    rows = (len(texts) + cols - 1) // cols
    fig = new_figure(13, 1.9 * rows + 1)
    ax = fig.subplots()
    ax.axis("off")
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, -0.3)
    for i, text in enumerate(texts):
        x, y = i % cols, i // cols
        ax.add_patch(Rectangle((x + 0.05, y + 0.05), 0.9, 0.85, color=colour, ec="#c9b458"))
        ax.text(x + 0.5, y + 0.47, wrap(text, 24), ha="center", va="center", fontsize=12, parse_math=False)
    set_title(ax, title)
    return fig
