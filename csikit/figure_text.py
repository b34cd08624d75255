"""Text in csikit's figures: fonts with a fallback for emoji, text those fonts can draw, and
labels placed beside their points without covering one another.

Colour emoji fonts (Noto Color Emoji) do not draw in Agg; a monochrome font later in the
font family list does, glyph by glyph (matplotlib ≥ 3.6). Without one, emoji are left out of
a chart's text (:func:`drawable`), never drawn as empty boxes; the tables beside keep them.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.text import Text

#: Monochrome fonts that draw what the main font lacks (emoji, symbols), in this order. Colour
#: emoji fonts (Noto Color Emoji) do not draw in Agg. Debian: ``fonts-symbola``.
FALLBACK_FONTS = ("Symbola",)


@functools.cache
def fallback_fonts() -> tuple[str, ...]:
    """The :data:`FALLBACK_FONTS` installed here, registered with matplotlib when its font
    cache was built before they were installed."""
    from matplotlib import font_manager as fm

    known = {f.name for f in fm.fontManager.ttflist}
    if any(name not in known for name in FALLBACK_FONTS):
        stems = {name.replace(" ", "").lower(): name for name in FALLBACK_FONTS if name not in known}
        for path in fm.findSystemFonts():
            if any(Path(path).name.lower().startswith(stem) for stem in stems):
                try:
                    fm.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        known = {f.name for f in fm.fontManager.ttflist}
    return tuple(name for name in FALLBACK_FONTS if name in known)


def font_family() -> list[str]:
    """The charts' font family list: sans-serif first, then the fallback fonts, glyph by glyph."""
    return ["sans-serif", *fallback_fonts()]


def not_about_fallbacks(record) -> bool:
    """False for matplotlib's note that a fallback font has no bold (its glyphs are drawn regular)."""
    message = record.getMessage()
    return not ("Failed to find font weight" in message and any(n in message for n in FALLBACK_FONTS))


@functools.cache
def _coverage() -> frozenset[int]:
    """Code points the charts' fonts can draw (the main font and the fallbacks)."""
    from matplotlib import font_manager as fm

    points: set[int] = set()
    with matplotlib.rc_context(
        {"font.family": font_family(), "font.sans-serif": sns.axes_style("whitegrid")["font.sans-serif"]}
    ):
        for family in font_family():
            try:
                path = fm.findfont(fm.FontProperties(family=family), fallback_to_default=False)
            except ValueError:
                continue
            points.update(fm.get_font(path).get_charmap())
    return frozenset(points)


#: What emoji are made of besides their symbols: the joiner, variation selectors, the keycap, tags.
_EMOJI_PARTS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0xE0020, 0xE0080)}


def _symbol(c: str) -> bool:
    return unicodedata.category(c) in ("So", "Sk") or ord(c) in _EMOJI_PARTS


def drawable(text: str) -> str:
    """``text`` without the emoji and symbols no chart font can draw (drawn, they would be
    empty boxes), and without the parts of emoji (joiners, variation selectors) no font has.
    Letters stay, as typed."""
    text = str(text)
    have = _coverage()
    if all(ord(c) in have or c.isspace() or not _symbol(c) for c in text):
        return text
    kept = "".join(c for c in text if ord(c) in have or c.isspace() or not _symbol(c))
    kept = "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in kept.split("\n"))
    return kept if kept.strip() else "(emoji)"


@contextmanager
def boxes_unsaid() -> Iterator[None]:
    """A letter or control character no font here has is drawn as a box (emoji are left out,
    :func:`drawable`): not worth a warning per poll."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        yield


#: Where a label may sit around its point: rings of offsets (points) at eight angles, the
#: nearest ring first, upper right first (the reading direction).
_RINGS = (7, 16, 28, 44, 64, 90, 120, 160)
_ANGLES = (35, -35, 145, -145, 90, -90, 0, 180)


def place_labels(
    ax: Axes,
    points: Sequence[tuple[float, float]],
    labels: Sequence[str],
    *,
    fontsize: float,
    marker_pt: float = 9.0,
    avoid: Sequence[Text] = (),
) -> list[tuple[int, str]]:
    """Each label beside its point (data coordinates), over no other label, point or ``avoid``
    text and inside the axes: the nearest free spot on rings of offsets around the point, in
    the order given (a thin line joins a label set further out). Deterministic, no solver.

    The axes' position must be final (a figure without constrained layout). A label with no
    free spot is drawn as its number (1-based) instead; returns those (number, label) pairs,
    for the chart to list them.
    """
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.transforms import Bbox

    fig = ax.get_figure()
    renderer = RendererAgg(int(fig.bbox.width), int(fig.bbox.height), fig.dpi)
    px = fig.dpi / 72
    frame = ax.get_window_extent(renderer).padded(-3)
    taken = [t.get_window_extent(renderer).padded(3) for t in avoid]
    at = [ax.transData.transform(p) for p in points]
    taken += [
        Bbox.from_bounds(x - marker_pt * px, y - marker_pt * px, 2 * marker_pt * px, 2 * marker_pt * px) for x, y in at
    ]

    labels_at: list = []  # boxes of the labels placed so far (a leader line must not cross one)

    def crosses(x: float, y: float, box, ring: float) -> bool:
        if ring <= 20:
            return False
        ex, ey = min(max(x, box.x0), box.x1), min(max(y, box.y0), box.y1)  # the line's end on the box
        steps = [(x + (ex - x) * f, y + (ey - y) * f) for f in np.linspace(0.1, 0.95, 12)]
        return any(b.contains(px_, py_) for b in labels_at for px_, py_ in steps)

    def spot(text: str, x: float, y: float):
        probe = ax.text(0, 0, text, fontsize=fontsize, parse_math=False)
        with boxes_unsaid():
            w, h = probe.get_window_extent(renderer).size
        probe.remove()
        # a spot whose leader line crosses no label, else any free spot
        return free(w, h, x, y, strict=True) or free(w, h, x, y, strict=False)

    def free(w: float, h: float, x: float, y: float, strict: bool):
        for ring in _RINGS:
            for angle in _ANGLES:
                c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
                dx, dy = ring * c * px, ring * s * px
                left = x + dx - (0 if c > 0.3 else w if c < -0.3 else w / 2)
                bottom = y + dy - (0 if s > 0.3 else h if s < -0.3 else h / 2)
                box = Bbox.from_bounds(left, bottom, w, h)
                inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
                if inside and not any(box.overlaps(t) for t in taken) and not (strict and crosses(x, y, box, ring)):
                    ha = "left" if c > 0.3 else "right" if c < -0.3 else "center"
                    va = "bottom" if s > 0.3 else "top" if s < -0.3 else "center"
                    return box, (ring * c, ring * s), ha, va, ring
        return None

    numbered: list[tuple[int, str]] = []
    for k, (label, (x, y), p) in enumerate(zip(labels, at, points, strict=True), start=1):
        found = spot(label, x, y)
        if found is None:
            numbered.append((k, label))
            label = str(k)
            found = spot(label, x, y)
        if found is None:  # not even its number fits: beside the point all the same
            found = (None, (_RINGS[0], 0), "left", "center", _RINGS[0])
        box, offset, ha, va, ring = found
        if box is not None:
            taken.append(box.padded(2))
            labels_at.append(box)
        arrow = {"arrowstyle": "-", "color": "#777", "lw": 0.8, "shrinkA": 0, "shrinkB": 4} if ring > 20 else None
        ax.annotate(
            label,
            p,
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            arrowprops=arrow,
            parse_math=False,
        )
    return numbered
