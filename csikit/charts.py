"""Seaborn figures from analysis frames: one function per chart, no data access.

Made to be projected: large type, a colour-blind-safe palette, and titles that say
what the chart shows.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # charts are rendered to images; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PALETTE = "colorblind"
FONT_SCALE = 1.35


def _setup() -> None:
    sns.set_theme(context="talk", style="whitegrid", palette=PALETTE, font_scale=FONT_SCALE / 1.35)


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(str(text), width)[:3])


def _figure(rows: int, width: float = 11.0) -> tuple[Figure, plt.Axes]:
    _setup()
    fig, ax = plt.subplots(figsize=(width, max(3.0, 0.62 * rows + 1.6)), layout="constrained")
    return fig, ax


def empty_chart(message: str) -> Figure:
    """A figure that says there is nothing to show yet."""
    fig, ax = _figure(2)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=18, color="#555")
    return fig


def dot_tally_chart(frame: pd.DataFrame, title: str = "Dot vote") -> Figure:
    """Dots per item with their 95% bootstrap interval (from ``analysis.tally_dots``)."""
    if frame.empty or frame["dots"].sum() == 0:
        return empty_chart("No dots yet")
    fig, ax = _figure(len(frame))
    labels = [_wrap(t) for t in frame["text"]]
    colours = sns.color_palette(PALETTE, 2)
    ax.barh(labels, frame["dots"], color=colours[0])
    ax.errorbar(frame["dots"], labels, xerr=[frame["dots"] - frame["low"], frame["high"] - frame["dots"]],
                fmt="none", ecolor="#222", capsize=5, lw=1.5)
    ax.invert_yaxis()
    ax.set_xlabel("dots (bars: 95% interval over voters)")
    voters = int(frame["voters"].iloc[0]) if len(frame) else 0
    ax.set_title(f"{title}: {voters} voters, most dots first", loc="left", fontweight="bold")
    return fig


def ordinal_chart(frame: pd.DataFrame, title: str, labels: tuple[str, ...] = (), lo: int = 1, hi: int = 5) -> Figure:
    """Median per item (dot) with the interquartile range (bar), from ``analysis.ordinal_summary``."""
    shown = frame[frame["n"] > 0]
    if shown.empty:
        return empty_chart("No answers yet")
    fig, ax = _figure(len(shown))
    names = [_wrap(f"{t} · {c}" if c else t) for t, c in zip(shown["text"], shown["criterion"])]
    colours = sns.color_palette(PALETTE, 3)
    ax.hlines(names, shown["q1"], shown["q3"], color=colours[0], lw=8, alpha=0.45, label="middle half (IQR)")
    ax.plot(shown["median"], names, "o", color=colours[0], ms=12, label="median")
    for y, (m, n, small) in enumerate(zip(shown["median"], shown["n"], shown["small_n"])):
        ax.annotate(f"n={n}{' (few)' if small else ''}", (hi, y), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=12, color="#b00020" if small else "#555", annotation_clip=False)
    ax.set_xlim(lo - 0.3, hi + 0.3)
    ax.set_xticks(range(lo, hi + 1))
    if labels:
        ax.set_xticklabels([_wrap(lab, 14) for lab in labels], fontsize=11)
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=11, frameon=True)
    ax.set_title(f"{title}: median and middle half of answers", loc="left", fontweight="bold")
    return fig


def consent_chart(frame: pd.DataFrame, title: str = "Fist of five") -> Figure:
    """Stacked count of fingers per proposal (0–2 are objections), from ``analysis.distribution``."""
    if frame.empty or frame["count"].sum() == 0:
        return empty_chart("No answers yet")
    table = frame.pivot_table(index="text", columns="value", values="count", aggfunc="sum", fill_value=0, sort=False)
    fig, ax = _figure(len(table))
    colours = sns.color_palette("RdYlBu", 6)  # diverging, colour-blind-safe: red = objection, blue = support
    left = pd.Series(0, index=table.index)
    for value in table.columns:
        ax.barh([_wrap(t) for t in table.index], table[value], left=left, color=colours[int(value)], label=f"{value}")
        left = left + table[value]
    ax.invert_yaxis()
    ax.set_xlabel("participants")
    ax.legend(title="fingers", ncols=6, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=11)
    ax.set_title(f"{title}: consent per proposal (0–2 = objection)", loc="left", fontweight="bold")
    return fig


def borda_chart(frame: pd.DataFrame, title: str = "Ranking") -> Figure:
    """Borda points per item, highest first, from ``analysis.borda``."""
    if frame.empty or frame["points"].sum() == 0:
        return empty_chart("No rankings yet")
    fig, ax = _figure(len(frame))
    ax.barh([_wrap(t) for t in frame["text"]], frame["points"], color=sns.color_palette(PALETTE, 3)[2])
    ax.invert_yaxis()
    ax.set_xlabel("Borda points (n − rank, summed over voters)")
    ax.set_title(f"{title}: {int(frame['voters'].iloc[0])} voters", loc="left", fontweight="bold")
    return fig


def to_png(fig: Figure, dpi: int = 90) -> bytes:
    """A figure as PNG bytes (for an Image widget or a report); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
