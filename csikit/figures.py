"""How csikit's figures are made: one local style, rows of wrapped labels, text as data, PNG.

Text a person typed (ideas, names, objections, initiative titles) is data: every text
artist is drawn with ``parse_math=False`` (``$50 … $20`` is never mathtext) and never
through LaTeX. Figures are plain :class:`matplotlib.figure.Figure` objects, outside
pyplot's registry (nothing to leak), drawn in a local style (the user's global
matplotlib and seaborn settings are left alone); the backend is the front-end's.
They show as PNG images wherever IPython displays them (:class:`Chart`).
:mod:`csikit.charts` draws the charts themselves with these pieces.

A chart is drawn for where it is shown (:class:`Size`): ``screen`` (the console, the
worksheets, the review) or ``projector`` (the presenter view). Text is sized when the chart
is built, for the image's displayed size, never by shrinking a finished figure's inches
(constrained layout would break charts with fixed row heights). Glyphs the main font lacks
(emoji) are drawn by a monochrome fallback font, and labels of scattered points are placed
without overlap: :mod:`csikit.figure_text`.
"""

from __future__ import annotations

import functools
import io
import textwrap
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import matplotlib
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from .figure_text import (  # noqa: F401 - the public ones are re-exported
    FALLBACK_FONTS,
    boxes_unsaid,
    drawable,
    fallback_fonts,
    font_family,
    not_about_fallbacks,
    place_labels,
)

PALETTE = "colorblind"
FONT_SCALE = 1.35


@dataclass(frozen=True)
class Size:
    """How large a chart is drawn, for where its image is shown.

    ``width_px`` × ``height_px`` (0: the chart's own inches) at ``dpi`` is the PNG's size;
    ``text_px`` the smallest text in the PNG's pixels (0: the chart's own sizes); a label
    takes at most ``label_lines`` lines (0: as the chart asks), and a chart of rows shows at
    most ``max_rows`` of them (0: all; the best first, the rest counted in its title).
    """

    name: str
    dpi: int
    width_px: int = 0
    height_px: int = 0
    text_px: float = 0.0
    label_lines: int = 0
    max_rows: int = 0

    def pt(self, px: float) -> float:
        """``px`` pixels of the PNG in points at this size's dpi."""
        return px * 72 / self.dpi

    @property
    def text_pt(self) -> float:
        return self.pt(self.text_px)

    @property
    def fixed(self) -> bool:
        return bool(self.width_px and self.height_px)


#: The console, the worksheets and the review: the figure's inches follow its rows.
SCREEN = Size("screen", dpi=90)
#: The presenter view. At 1920×1080 its results area is 1440 CSS px wide and 580–800 tall (a
#: three-line title and a two-line prompt leave 580); the image fills it (``object-fit:
#: contain``), so a 1440×580 PNG shows at 1:1 or larger, and its smallest text, 26 px, at ≥ 24 px.
PROJECTOR = Size("projector", dpi=120, width_px=1440, height_px=580, text_px=26, label_lines=2, max_rows=8)
SIZES = {s.name: s for s in (SCREEN, PROJECTOR)}

_size: ContextVar[Size] = ContextVar("csikit_chart_size", default=SCREEN)


def size_of(size: str | Size | None = None) -> Size:
    """A :class:`Size` by name (None: the size charts are being drawn at now)."""
    if size is None:
        return _size.get()
    if isinstance(size, Size):
        return size
    try:
        return SIZES[size]
    except KeyError:
        msg = f"Unknown chart size {size!r}: use one of {', '.join(SIZES)}."
        raise ValueError(msg) from None


@contextmanager
def sized(size: str | Size | None) -> Iterator[Size]:
    """Charts built inside are drawn at ``size`` (the presenter wraps a kind's ``live`` figure in it)."""
    token = _size.set(size_of(size))
    try:
        yield _size.get()
    finally:
        _size.reset(token)


def style(size: str | Size | None = None) -> dict:
    """The charts' matplotlib settings (seaborn's "talk" context on "whitegrid"), as an rc dict.

    Applied with :func:`matplotlib.rc_context` around each chart, never globally. At a size
    with ``text_px``, every font size is at least that many pixels of the PNG.
    """
    from cycler import cycler

    size = size_of(size)
    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("talk", font_scale=FONT_SCALE / 1.35)}
    rc.update(
        {
            "font.family": font_family(),
            "axes.prop_cycle": cycler(color=sns.color_palette(PALETTE)),
            "text.parse_math": False,
            "text.usetex": False,
        }
    )
    if size.text_px:
        rc.update(
            {
                k: max(float(rc.get(k, 0) or 0), size.text_pt)
                for k in (
                    "font.size",
                    "axes.labelsize",
                    "axes.titlesize",
                    "xtick.labelsize",
                    "ytick.labelsize",
                    "legend.fontsize",
                    "legend.title_fontsize",
                )
            }
        )
    return rc


@contextmanager
def styled(size: str | Size | None = None) -> Iterator[None]:
    """Draw inside the charts' style; participants' text is never mathtext or LaTeX."""
    import logging

    fonts_log = logging.getLogger("matplotlib.font_manager")
    fonts_log.addFilter(not_about_fallbacks)
    try:
        with matplotlib.rc_context(style(size)):
            yield
    finally:
        fonts_log.removeFilter(not_about_fallbacks)


class Chart(Figure):
    """A figure that shows itself as a PNG in any IPython front end (JupyterLab, Voila,
    nbconvert HTML), whatever matplotlib backend is active. ``size``: what it was drawn for."""

    size: Size = SCREEN

    def _repr_png_(self) -> bytes:
        return png_bytes(self, self.size.dpi)


def _size_of_figure(fig: Figure) -> Size:
    return getattr(fig, "size", SCREEN)


def plain_text(fig: Figure) -> None:
    """Every text artist of the figure drawn as typed (no mathtext, no LaTeX), without glyphs
    no font has (:func:`drawable`)."""
    for t in fig.findobj(Text):
        t.set_parse_math(False)
        t.set_usetex(False)
        text = t.get_text()
        if text:
            shown = drawable(text)
            if shown != text:
                t.set_text(shown)
    from matplotlib.ticker import FixedFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                formatter.seq = [drawable(t) for t in formatter.seq]


def enlarge_text(fig: Figure, size: Size) -> None:
    """Every text of the figure at least ``size.text_px`` pixels of its PNG (tick labels too)."""
    if not size.text_px:
        return
    pt = size.text_pt
    for t in fig.findobj(Text):
        if t.get_text() and t.get_fontsize() < pt:
            t.set_fontsize(pt)
    for ax in fig.axes:
        ax.tick_params(labelsize=pt)


def drawn(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a chart function in the charts' style and make all of its text plain.

    The chart takes ``size=`` (a :class:`Size` or its name; default: the size of the
    enclosing :func:`sized`, else ``screen``).
    """

    @functools.wraps(fn)
    def wrapper(*args, size: str | Size | None = None, **kwargs) -> Figure:
        with sized(size) as at, styled(at):
            fig = fn(*args, **kwargs)
            fig.size = at
            enlarge_text(fig, at)
        plain_text(fig)
        return fig

    return wrapper


def wrap(text: str, width: int = 34, lines: int = 3) -> str:
    """At most ``lines`` lines of ``width`` characters (a long word is broken, not dropped);
    text cut short ends with "…". A projected chart's labels take at most its size's
    ``label_lines``."""
    cap = size_of().label_lines
    lines = max(1, min(lines, cap) if cap else lines)
    wrapped = textwrap.wrap(drawable(text), width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def fit_rows(rows: int) -> tuple[int, int]:
    """(rows shown, lines per row label) for a chart of ``rows`` rows at the current size: on a
    projector, two-line labels while few rows fit, else one line and at most ``max_rows`` rows."""
    size = size_of()
    if not size.max_rows:
        return rows, size.label_lines or 3
    two = max(1, size.max_rows // 2 + 1)  # two-line labels take about twice a one-line row
    if rows <= two:
        return rows, min(2, size.label_lines)
    return min(rows, size.max_rows), 1


def new_figure(width: float, height: float, *, layout: str | None = "constrained") -> Figure:
    """A figure ``width`` × ``height`` inches, or the current size's pixels when it has them."""
    size = size_of()
    if size.fixed:
        width, height = size.width_px / size.dpi, size.height_px / size.dpi
    fig = Chart(figsize=(width, height), layout=layout, **({"dpi": size.dpi} if size.fixed else {}))
    fig.size = size
    return fig


def row_figure(rows: int, width: float = 11.0) -> tuple[Figure, Axes]:
    fig = new_figure(width, max(3.0, 0.62 * rows + 1.6))
    return fig, fig.subplots()


def row_labels(ax: Axes, labels: Sequence[str]) -> np.ndarray:
    """One row per label at y = 0, 1, …: labels are text as typed, and equal labels stay
    separate rows (a categorical axis would merge them, and parse ``$`` as mathtext)."""
    y = np.arange(len(labels))
    ax.set_yticks(y, list(labels), parse_math=False)
    return y


def set_title(ax: Axes, text: str, detail: str = "") -> None:
    """A bold, left-aligned title wrapped so it never runs off a projected slide: "text — detail".

    On a projector only the ``detail`` shows (the presenter view has the activity's title above
    the chart), on one line if it can."""
    size = size_of()
    if size.fixed:  # across the whole figure, from its left edge
        chars = max(40, int(0.95 * size.width_px / (0.62 * size.text_px)))
        ax.get_figure().suptitle(
            wrap(detail or text, chars, 2),
            x=0.005,
            ha="left",
            fontweight="bold",
            fontsize=size.text_pt,
            parse_math=False,
        )
        return
    shown = f"{text} — {detail}" if detail else text
    ax.set_title(wrap(shown, 46, 4), loc="left", fontweight="bold", fontsize=15, parse_math=False)


def rows_note(shown: int, rows: int) -> str:
    """What a chart cut to fewer rows says in its title ("" when every row shows)."""
    return f" (top {shown} of {rows})" if shown < rows else ""


def legend_below(ax: Axes, *, ncols: int, title: str | None = None, handles=None, labels=None) -> None:
    """The legend under the chart, outside the data: it never covers a point or a bar."""
    fig = ax.get_figure()
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    size = size_of()
    if size.fixed:  # one entry a row when a row of them would not fit the projected figure
        wide = sum((0.6 * len(str(label)) + 3) * size.text_px for label in labels)
        ncols = ncols if wide < 0.95 * size.width_px else 1
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize=11, title=title, frameon=False)


def date_axis(ax: Axes, *, quarterly: bool = False) -> None:
    import matplotlib.dates as mdates

    locator = mdates.MonthLocator(bymonth=(1, 4, 7, 10)) if quarterly else mdates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))


def png_bytes(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    with styled(_size_of_figure(fig)), warnings.catch_warnings(), boxes_unsaid():
        # a layout that cannot fit every label is still a picture
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        plain_text(fig)  # tick labels made since the chart was built
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def text_sizes_px(fig: Figure, dpi: int | None = None) -> list[tuple[float, str]]:
    """(size in PNG pixels, text) of every visible text the figure draws, smallest first (it
    draws the figure once, so tick labels made at drawing time count)."""
    dpi = dpi or _size_of_figure(fig).dpi
    png_bytes(fig, dpi)
    out = [
        (t.get_fontsize() * dpi / 72, t.get_text())
        for t in fig.findobj(Text)
        if t.get_text().strip()
        and t.get_visible()
        and t.get_figure(root=True) is fig
        and (t.axes is None or t.axes.axison or t in t.axes.texts or t is t.axes.title)
    ]
    return sorted(out)


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


def to_png(fig: Figure, dpi: int | None = None) -> bytes:
    """A figure as PNG bytes (for an Image widget or a report) at ``dpi`` (default: its
    size's, 90 on a screen); closes the figure, even when drawing fails."""
    try:
        return png_bytes(fig, dpi or _size_of_figure(fig).dpi)
    finally:
        close(fig)
