"""How csikit's figures are made: one local style, rows of wrapped labels, text as data, PNG.

Text a person typed (ideas, names, objections, initiative titles) is data: every text
artist is drawn with ``parse_math=False`` (``$50 … $20`` is never mathtext) and never
through LaTeX. Figures are plain :class:`matplotlib.figure.Figure` objects, outside
pyplot's registry (nothing to leak), drawn in a local style (the user's global
matplotlib and seaborn settings are left alone); the backend is the front-end's.
They show as PNG images wherever IPython displays them (:class:`Chart`).
:mod:`csikit.charts` draws the charts themselves with these pieces.
"""

from __future__ import annotations

import functools
import io
import textwrap
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import matplotlib
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

PALETTE = "colorblind"
FONT_SCALE = 1.35


def style() -> dict:
    """The charts' matplotlib settings (seaborn's "talk" context on "whitegrid"), as an rc dict.

    Applied with :func:`matplotlib.rc_context` around each chart, never globally.
    """
    from cycler import cycler

    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("talk", font_scale=FONT_SCALE / 1.35)}
    rc.update({"font.family": "sans-serif", "axes.prop_cycle": cycler(color=sns.color_palette(PALETTE)),
               "text.parse_math": False, "text.usetex": False})
    return rc


@contextmanager
def styled() -> Iterator[None]:
    """Draw inside the charts' style; participants' text is never mathtext or LaTeX."""
    with matplotlib.rc_context(style()):
        yield


class Chart(Figure):
    """A figure that shows itself as a PNG in any IPython front end (JupyterLab, Voila,
    nbconvert HTML), whatever matplotlib backend is active."""

    def _repr_png_(self) -> bytes:
        return png_bytes(self, 90)


def plain_text(fig: Figure) -> None:
    """Every text artist of the figure drawn as typed (no mathtext, no LaTeX)."""
    for t in fig.findobj(Text):
        t.set_parse_math(False)
        t.set_usetex(False)


def drawn(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a chart function in the charts' style and make all of its text plain."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> Figure:
        with styled():
            fig = fn(*args, **kwargs)
        plain_text(fig)
        return fig

    return wrapper


def wrap(text: str, width: int = 34, lines: int = 3) -> str:
    """At most ``lines`` lines of ``width`` characters (a long word is broken, not dropped);
    text cut short ends with "…"."""
    wrapped = textwrap.wrap(str(text), width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def new_figure(width: float, height: float, *, layout: str | None = "constrained") -> Figure:
    return Chart(figsize=(width, height), layout=layout)


def row_figure(rows: int, width: float = 11.0) -> tuple[Figure, Axes]:
    fig = new_figure(width, max(3.0, 0.62 * rows + 1.6))
    return fig, fig.subplots()


def row_labels(ax: Axes, labels: Sequence[str]) -> np.ndarray:
    """One row per label at y = 0, 1, …: labels are text as typed, and equal labels stay
    separate rows (a categorical axis would merge them, and parse ``$`` as mathtext)."""
    y = np.arange(len(labels))
    ax.set_yticks(y, list(labels), parse_math=False)
    return y


def set_title(ax: Axes, text: str) -> None:
    """A bold, left-aligned title wrapped so it never runs off a projected slide."""
    ax.set_title(wrap(text, 46, 4), loc="left", fontweight="bold", fontsize=15, parse_math=False)


def legend_below(ax: Axes, *, ncols: int, title: str | None = None, handles=None, labels=None) -> None:
    """The legend under the chart, outside the data: it never covers a point or a bar."""
    fig = ax.get_figure()
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize=11, title=title, frameon=False)


def date_axis(ax: Axes, *, quarterly: bool = False) -> None:
    import matplotlib.dates as mdates

    locator = mdates.MonthLocator(bymonth=(1, 4, 7, 10)) if quarterly else mdates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))


def png_bytes(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    with styled(), warnings.catch_warnings():
        # a glyph the font lacks (an emoji) is drawn as a box: not worth a warning per poll
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        # a layout that cannot fit every label is still a picture
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        plain_text(fig)  # tick labels made since the chart was built
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def close(fig: Figure) -> None:
    """Release a figure: out of pyplot's registry if it is in it (charts' own figures never are)."""
    manager = getattr(fig.canvas, "manager", None)
    if manager is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)


def release() -> None:
    """Free the figures nobody holds any more, now.

    A figure is a web of reference cycles (≈ 4,000 objects, megabytes with its caches) that
    only the cyclic garbage collector frees, and drawing promotes it to the oldest
    generation; drawn every few seconds in a long session, figures piled up between full
    collections (the facilitator's kernel peaked ≈ 60 MB above its baseline after a
    minute, benchmarks/facilitator_soak.py). A full collection costs ≈ 0.1 s against
    ≈ 1 s to draw a chart; call this once a drawn figure is dropped.
    """
    import gc

    gc.collect()


def to_png(fig: Figure, dpi: int = 90) -> bytes:
    """A figure as PNG bytes (for an Image widget or a report); closes the figure, even when drawing fails."""
    try:
        return png_bytes(fig, dpi)
    finally:
        close(fig)

