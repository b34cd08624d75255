"""The initiative register's chart (step 4): the roadmap, each initiative's planned start to end, coloured by state.

No data access: a frame of the register (id, title, state, planned_start, planned_end).
Re-exported by :mod:`csikit.charts` (``charts.roadmap_chart``, ``charts.STATE_COLOURS``).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .charts_answer import empty_chart
from .figures import date_axis, drawn, legend_below, row_figure, row_labels, set_title, wrap

#: An initiative's colour on the roadmap, by its state.
STATE_COLOURS = {
    "new": "#9e9e9e",
    "approved": "#56b4e9",
    "in_progress": "#0072b2",
    "on_hold": "#e69f00",
    "review": "#cc79a7",
    "closed": "#009e73",
    "cancelled": "#d55e00",
}


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
