"""Seaborn charts from analysis frames: one function per chart, no data access.

Made to be projected: large type, a colour-blind-safe palette, and titles that say
what the chart shows. Every chart puts the answer to its activity's question first:
rows sorted best first (whatever order the frame came in), the answer highlighted (a
clear lead whose interval lies above the rest's, else the tie at the top, and the legend
says which), uncertainty drawn as intervals or middle halves. How a figure is styled, labelled and turned into PNG (text a
person typed is always drawn as text) lives in :mod:`csikit.figures`; its public
pieces are re-exported here (``charts.to_png``, ``charts.release`` …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .figures import (  # noqa: F401 - the public ones are re-exported
    Chart,
    FONT_SCALE,
    PALETTE,
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
def empty_chart(message: str) -> Figure:
    """A figure that says there is nothing to show yet."""
    fig, ax = row_figure(2)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=18, color="#555", parse_math=False)
    return fig


#: The answer's colour (the highlighted rows) and the rest's: blue against grey reads in any colour vision.
ANSWER_COLOUR = sns.color_palette(PALETTE)[0]
REST_COLOUR = "#b9c2cc"
REST_POINT = "#6b7785"  # a median dot of the rest: grey, but darker than its band


def leaders(values: Sequence[float], low: Sequence[float], high: Sequence[float], top: int = 3) -> tuple[np.ndarray, bool]:
    """Which rows of a best-first list are the answer, and whether they lead clearly.

    The smallest leading group (at most ``top`` rows) whose intervals all lie above
    every other row's interval is a clear lead; without one, the rows tied at the best
    value are the answer, and the chart says that the intervals overlap.
    """
    v, lo, hi = (np.asarray(x, dtype=float) for x in (values, low, high))
    out = np.zeros(len(v), dtype=bool)
    if not len(v) or np.isnan(v[0]):
        return out, False
    for k in range(1, min(top, len(v) - 1) + 1):
        if np.nanmin(lo[:k]) > np.nanmax(hi[k:]):
            out[:k] = True
            return out, True
    out[:] = v == v[0]
    return out, False


def _mark_answer(ax, winners: np.ndarray) -> None:
    """The answer's labels in bold: the eye finds them before it reads the rest."""
    for label, win in zip(ax.get_yticklabels(), winners):
        if win:
            label.set_fontweight("bold")


def _answer_legend(ax, clear: bool, what: str, rest: str = "the rest", *, rows: int = 2, ncols: int = 2) -> None:
    if rows < 2:
        head = what
    else:
        head = f"{what}: a clear lead (interval above the rest)" if clear else f"{what} (intervals overlap: no clear lead)"
    handles = [Rectangle((0, 0), 1, 1, color=ANSWER_COLOUR), Rectangle((0, 0), 1, 1, color=REST_COLOUR)]
    legend_below(ax, ncols=ncols, handles=handles, labels=[head, rest])


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
    ax.errorbar(shown[unit], y, xerr=[shown[unit] - shown["low"], shown["high"] - shown[unit]],
                fmt="none", ecolor="#222", capsize=5, lw=1.5)
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
def ordinal_chart(frame: pd.DataFrame, title: str, labels: tuple[str, ...] = (), lo: int = 1, hi: int = 5,
                  top: int = 3) -> Figure:
    """Median per item (dot) with the interquartile range (bar), from ``analysis.ordinal_summary``;
    highest median first, the answer highlighted (a middle half above the rest's, else the top median)."""
    rated = frame[frame["n"] > 0]
    if rated.empty:
        return empty_chart("No answers yet")
    order = best_items(rated)
    shown = rated.assign(_at=rated["item"].map({k: i for i, k in enumerate(order)})).sort_values("_at", kind="stable")
    by = rated.groupby("item", sort=False)[["median", "q1", "q3"]].mean().reindex(order)
    first, clear = leaders(by["median"], by["q1"], by["q3"], top)
    winners = shown["item"].map(dict(zip(order, first))).to_numpy(dtype=bool)
    rows, lines = fit_rows(len(shown))
    every, shown, winners = len(shown), shown.head(rows), winners[:rows]
    fig, ax = row_figure(len(shown))
    row_labels(ax, [wrap(f"{t} · {c}" if c else t, lines=lines) for t, c in zip(shown["text"], shown["criterion"])])
    for row, (q1, q3, med, win) in enumerate(zip(shown["q1"], shown["q3"], shown["median"], winners)):
        ax.hlines(row, q1, q3, color=ANSWER_COLOUR if win else REST_COLOUR, lw=8, alpha=0.45)
        ax.plot(med, row, "o", color=ANSWER_COLOUR if win else REST_POINT, ms=12)
    for row, (n, small) in enumerate(zip(shown["n"], shown["small_n"])):
        ax.annotate(f"n={n}{' (few)' if small else ''}", (hi, row), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=12, color="#b00020" if small else "#555", annotation_clip=False,
                    parse_math=False)
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
            ax.annotate("no objection", (left[row], row), xytext=(8, 0), textcoords="offset points", va="center",
                        fontsize=12, fontweight="bold", color="#1b5e20", annotation_clip=False, parse_math=False)
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
    legend_below(ax, ncols=2, handles=handles, labels=["first place" + (" (tied)" if winners.sum() > 1 else ""),
                                                       "the rest"])
    set_title(ax, title, f"{int(shown['voters'].iloc[0])} voters{rows_note(len(shown), every)}")
    return fig


#: The rating heatmap's colours: sequential and colour-blind safe (dark = high).
HEAT_CMAP = "rocket_r"


def low_agreement(frame: pd.DataFrame, lo: int, hi: int) -> pd.Series:
    """Cells where the middle half of the answers spans at least half the scale (IQR ≥ (hi − lo) / 2:
    2 points on 1–5): the room does not agree on that median (:func:`csikit.stats.low_agreement`)."""
    from . import stats

    return pd.Series([stats.low_agreement(q1, q3, lo, hi) for q1, q3 in zip(frame["q1"], frame["q3"])],
                     index=frame.index, dtype=bool)


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
def heatmap_chart(frame: pd.DataFrame, title: str, lo: int = 1, hi: int = 5, *,
                  columns: Mapping[str, str] | None = None, cmap: str = HEAT_CMAP) -> Figure:
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
    split = dict(zip(zip(frame["item"], frame["criterion"]), spread))
    for r, item in enumerate(order):
        for c, crit in enumerate(crits):
            if (item, crit) in cells.index and cells.loc[(item, crit), "n"] > 0:
                values[r, c] = cells.loc[(item, crit), "median"]
                notes[r, c] = f"{values[r, c]:g}" + (" ±" if split[(item, crit)] else "")
    texts = frame.drop_duplicates("item").set_index("item")["text"]
    fig, ax = row_figure(len(order), width=max(9.0, 1.3 * len(crits) + 7))
    sns.heatmap(pd.DataFrame(values), ax=ax, vmin=lo, vmax=hi, cmap=cmap, annot=notes, fmt="", linewidths=1,
                cbar_kws={"shrink": 0.7, "label": "median"}, annot_kws={"fontsize": 13},
                xticklabels=False, yticklabels=False)
    ax.grid(False)
    for r, c in zip(*np.nonzero(np.array([[split.get((i, k), False) for k in crits] for i in order]))):
        if not np.isnan(values[r, c]):
            ax.add_patch(Rectangle((c, r), 1, 1, fill=False, hatch="//", edgecolor="#8a8a8a", lw=0))
    top = overall.loc[order[0], "median"] if order else np.nan
    winners = np.array([overall.loc[i, "median"] == top for i in order])
    ax.set_xticks(np.arange(len(crits)) + 0.5, [wrap(names.get(c, c) or "score", 14) for c in crits],
                  parse_math=False, rotation=0, fontsize=11)
    ax.set_yticks(np.arange(len(order)) + 0.5, [wrap(texts[i], 30, lines) for i in order], parse_math=False,
                  rotation=0, fontsize=12, va="center")
    _mark_answer(ax, winners)
    for r in np.flatnonzero(winners):
        ax.add_patch(Rectangle((0, r), len(crits), 1, fill=False, edgecolor="#0072b2", lw=3.5, clip_on=False))
    handles = [Rectangle((0, 0), 1, 1, fill=False, edgecolor="#0072b2", lw=3),
               Rectangle((0, 0), 1, 1, facecolor="#bbbbbb", hatch="//", edgecolor="#555555")]
    span = f"{(hi - lo) / 2:g}"
    legend_below(ax, ncols=1, handles=handles,
                 labels=["highest overall median (rows: highest first)",
                         f"± hatched: low agreement, the middle half of answers (IQR) spans ≥ {span} points"])
    answered = int(rated["n"].max())
    set_title(ax, title, f"median per cell, highest first ({answered} answers){rows_note(len(order), every)}")
    return fig


@drawn
def _matrix_map(table: pd.DataFrame, title: str, *, vmin: float, vmax: float, cmap: str = "viridis",
                    xlabel: str = "", ylabel: str = "") -> Figure:
    """A labelled heatmap of a rows × columns table (impact matrix, maturity matrix), rows as given."""
    if table.empty or table.isna().all().all():
        return empty_chart("No answers yet")
    fig, ax = row_figure(len(table), width=max(9.0, 1.1 * len(table.columns) + 6))
    rows = [wrap(i, 30) for i in table.index]
    cols = [wrap(c, 14) for c in table.columns]
    values = pd.DataFrame(table.to_numpy(dtype=float))  # positions, not labels: labels are set as plain text below
    sns.heatmap(values, ax=ax, vmin=vmin, vmax=vmax, cmap=cmap, annot=True, fmt=".1f", linewidths=1,
                cbar_kws={"shrink": 0.7}, annot_kws={"fontsize": 13}, xticklabels=False, yticklabels=False)
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
    return _matrix_map(table, f"Maturity per practice and assessor (0–5), median last, {order}", vmin=0, vmax=5,
                           cmap="mako", xlabel="assessor")


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
    for (row, (jx, jy)) in zip(shown.itertuples(), jitter):
        marker, colour = ("*", "#1b5e20") if row.quick_win else ("o", "#444")
        ax.plot(row.effort + jx, row.impact + jy, marker, color=colour, ms=18 if row.quick_win else 11)
        points.append((row.effort + jx, row.impact + jy))
    size = size_of()
    fontsize = size.text_pt or 11
    numbered = place_labels(ax, points, [wrap(t, 22, 2) for t in shown["text"]], fontsize=fontsize, avoid=[corner])
    if numbered:
        listed = "; ".join(f"{k}: {wrap(t, 40, 1)}" for k, t in numbered)
        fig.text(0.01, 0.005, wrap(f"Numbered (no room beside their point): {listed}", 150, 2), fontsize=fontsize,
                 va="bottom", parse_math=False)
    ax.set_xlabel("effort (median, 1 = very low)")
    ax.set_ylabel("impact (median, 5 = very high)")
    set_title(ax, "Impact × effort: quick wins top left (★)")
    return fig


STATE_COLOURS = {"new": "#9e9e9e", "approved": "#56b4e9", "in_progress": "#0072b2", "on_hold": "#e69f00",
                 "review": "#cc79a7", "closed": "#009e73", "cancelled": "#d55e00"}


@drawn
def roadmap_chart(frame: pd.DataFrame, today=None, today_label: str = "today") -> Figure:
    """Step 4: planned start → end of each initiative, coloured by state.

    ``frame`` has columns id, title, state, planned_start, planned_end.
    """
    if not {"planned_start", "planned_end"} <= set(frame.columns):  # an empty register has no date columns
        return empty_chart("No initiative has planned dates yet")
    shown = frame.dropna(subset=["planned_start", "planned_end"])
    if shown.empty:
        return empty_chart("No initiative has planned dates yet")
    fig, ax = row_figure(len(shown), width=13)
    y = row_labels(ax, [wrap(f"{r.id} {r.title}", 40) for r in shown.itertuples()])
    starts = pd.to_datetime(shown["planned_start"])
    ends = pd.to_datetime(shown["planned_end"])
    ax.barh(y, (ends - starts).dt.days, left=starts, color=[STATE_COLOURS.get(s, "#777") for s in shown["state"]])
    if today is not None:
        ax.axvline(pd.Timestamp(today), color="#b00020", lw=2, ls="--")
        ax.text(pd.Timestamp(today), -0.8, f" {today_label}", color="#b00020", fontsize=12, parse_math=False)
    date_axis(ax)
    ax.invert_yaxis()
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in STATE_COLOURS.values()]
    legend_below(ax, ncols=4, handles=handles, labels=[s.replace("_", " ") for s in STATE_COLOURS])
    set_title(ax, "Roadmap: planned start to end of each initiative, coloured by state")
    return fig


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
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.35 / height, top=1 - 1.5 / height,
                        wspace=0.38, hspace=0.7)
    c = sns.color_palette(PALETTE, 4)
    for ax, kpi in zip(axes.flat, kpis):
        r = frame[frame["kpi"] == kpi].sort_values("date")
        first, last = r.iloc[0], r.iloc[-1]
        ax.plot(pd.to_datetime(r["date"]), r["actual"], "o-", color=c[0], lw=2.5, ms=7)
        ax.axhline(first["baseline"], color=c[3], ls=":", lw=2)
        ax.axhline(first["target"], color=c[2], ls="--", lw=2)
        ax.set_title(wrap(first["name"], 30, 2) + f"\n{last['progress']:.0f}% of the way",
                     loc="left", fontsize=12, fontweight="bold", parse_math=False)
        ax.set_ylabel(str(first["unit"]), fontsize=11, parse_math=False)
        ax.tick_params(labelsize=SMALLEST_PT + 1)
        ax.tick_params(axis="x", labelbottom=True)  # a panel above an empty slot needs its dates
    date_axis(axes.flat[0], quarterly=True)
    for ax in list(axes.flat)[len(kpis):]:
        ax.axis("off")
    for i, ax in enumerate(axes.flat[:len(kpis)]):
        if i + cols < len(kpis):
            ax.tick_params(axis="x", labelbottom=False)
    fig.suptitle("KPI trends: actual (line), baseline (dotted), target (dashed)", x=0.01, ha="left",
                 fontweight="bold", fontsize=15, parse_math=False)
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
        ax.annotate(f"{v:.0f}%", (min(max(v, -100), 150), row), xytext=(6, 0), textcoords="offset points", va="center",
                    fontsize=12, parse_math=False)
    ax.invert_yaxis()
    ax.set_xlabel("% of the way from baseline to target\n(100 = met; below 0 = worse than baseline)")
    set_title(ax, "KPI progress toward target")
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
