"""How a chart shows its activity's answer: the empty chart, the answer's and the rest's colours.

Every chart in :mod:`csikit.charts` (and its siblings :mod:`csikit.charts_maturity`,
:mod:`csikit.charts_register`, :mod:`csikit.charts_kpi`) puts the answer first: the leading
rows (:func:`leaders`: a clear lead whose interval lies above the rest's, else the tie at
the top) drawn in :data:`ANSWER_COLOUR` with bold labels, the rest in grey, and a legend
that says which. A chart with nothing to show yet is :func:`empty_chart`. Re-exported by
:mod:`csikit.charts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .figures import PALETTE, drawn, legend_below, row_figure


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


def leaders(
    values: Sequence[float], low: Sequence[float], high: Sequence[float], top: int = 3
) -> tuple[np.ndarray, bool]:
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
    for label, win in zip(ax.get_yticklabels(), winners, strict=False):
        if win:
            label.set_fontweight("bold")


def _answer_legend(ax, clear: bool, what: str, rest: str = "the rest", *, rows: int = 2, ncols: int = 2) -> None:
    if rows < 2:
        head = what
    else:
        head = (
            f"{what}: a clear lead (interval above the rest)" if clear else f"{what} (intervals overlap: no clear lead)"
        )
    handles = [Rectangle((0, 0), 1, 1, color=ANSWER_COLOUR), Rectangle((0, 0), 1, 1, color=REST_COLOUR)]
    legend_below(ax, ncols=ncols, handles=handles, labels=[head, rest])
