"""What every csikit page shows the same way: escaped text, the one table markup, and the
shapes results are handed over in.

The facilitator console, the worksheets, the presenter view and the review all draw their
tables here (:func:`frame_html`, :func:`html_table`, :func:`results_table`) and escape what
people typed here (:func:`esc`, :func:`text_html`), inside boxes MathJax skips
(:data:`NO_MATH`). The kinds' results hand the pages an :class:`Exhibit` (worksheets, the
review), a :class:`LiveResult` (the console, the presenter) or a :class:`Table` (the
review's sections). It sits below the kinds' results, the widgets and the review: it
imports none of them, nor anything that draws.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Classes MathJax 2 (nbconvert's HTML) and 3 (JupyterLab, Voila) skip: a participant's
#: ``$50 … $20`` inside is text, never typeset as a formula.
NO_MATH = "tex2jax_ignore mathjax_ignore"
#: Every csikit table breaks a long word anywhere (one 500-character idea without spaces once
#: made a table 4,367 px wide): on the table itself, so it holds wherever the table is shown.
WRAP_STYLE = "overflow-wrap:anywhere;word-break:break-word"


def esc(text: object) -> str:
    """Text a person typed, made safe for an HTML widget (quotes too)."""
    return html.escape(str(text), quote=True)


def chart_failed(title: str = "", *, again: str = "") -> str:
    """What a facilitator reads where a chart failed to draw (the traceback goes to the server
    log): which chart, that the table below is complete, and ``again`` (when it is retried)."""
    of = f" of “{title}”" if title else ""
    return (
        f"The chart{of} could not be drawn; the table below is complete. "
        f"The details are in the server log{f'; {again}' if again else ''}."
    )


def html_table(head: list[str], rows: list[list[tuple[str, str]]], classes: str = "") -> str:
    """The one table markup: ``head`` holds escaped headers, ``rows`` (CSS classes, escaped text) per cell."""
    table = f'<table class="{classes}" style="{WRAP_STYLE}">' if classes else f'<table style="{WRAP_STYLE}">'
    ths = "".join(f"<th>{h}</th>" for h in head)
    trs = "".join(
        "<tr>" + "".join(f'<td class="{c}">{t}</td>' if c else f"<td>{t}</td>" for c, t in row) + "</tr>"
        for row in rows
    )
    return f"{table}<thead><tr>{ths}</tr></thead><tbody>{trs}</tbody></table>"


def missing(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def text_html(value: object) -> str:
    """Text a person typed, as HTML: escaped, its line breaks kept (pandas' ``to_html``
    would show a typed newline as the two characters ``\\n``)."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return html.escape(text).replace("\n", "<br>")


#: Column names of analysis frames in the words a person reads (tables show these, frames keep theirs).
COLUMN_LABELS = {
    "text": "item",
    "name": "KPI",
    "idea": "#",
    "duplicates": "duplicates merged",
    "n": "answers",
    "low": "95% from",
    "high": "95% to",
    "share": "share",
    "q1": "middle half from",
    "q3": "middle half to",
    "small_n": "few answers",
    "rwg": "agreement",
    "polarised": "split opinions",
    "quick_win": "quick win",
    "low_agreement": "low agreement",
    "points": "Borda points",
    "value": "fingers",
    "comment": "objection",
    "criterion": "on",
    "current": "today",
    "current_q1": "today: middle half from",
    "current_q3": "today: middle half to",
    "planned_end": "planned end",
    "planned_start": "planned start",
    "target_date": "target date",
    "rag": "RAG",
    "reason": "why",
    "actual": "latest",
    "progress": "% of the way",
    "met": "target met",
    "improved": "improved",
    "better": "better when",
    "direction": "better when",
    "title": "initiative",
}
#: Id columns a person does not need when the row also names its item.
_ID_COLUMNS = ("item", "practice", "kpi")


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """An analysis frame as people read it: labelled columns, no internal ids beside the names,
    yes/blank for true/false, states without underscores. The frame's values are unchanged."""
    shown = frame
    if {"text", "name"} & set(frame.columns):
        shown = shown.drop(columns=[c for c in _ID_COLUMNS if c in frame.columns])
    if "criterion" in shown.columns and not shown["criterion"].astype(bool).any():
        shown = shown.drop(columns="criterion")  # one value per item: "on" would be empty
    shown = shown.copy()
    for column in shown.columns:
        col = shown[column]
        flags = [v for v in col if not missing(v)]
        if flags and all(isinstance(v, (bool, np.bool_)) for v in flags):
            shown[column] = col.map(
                lambda v, column=column: "" if missing(v) else "yes" if v else "no" if column == "improved" else ""
            )
        elif column in ("state", "better", "direction", "quadrant"):
            shown[column] = col.map(lambda v: v.replace("_", " ") if isinstance(v, str) else v)
    return shown.rename(columns={c: COLUMN_LABELS.get(c, c) for c in shown.columns})


def frame_html(frame: pd.DataFrame, *, classes: str = "", max_rows: int | None = None) -> str:
    """A frame as an HTML table, every cell escaped, inside a box MathJax skips (:data:`NO_MATH`);
    columns labelled for people (:func:`for_people`). ``max_rows``: the first rows, and a line
    saying how many more there are."""
    shown = for_people(frame if max_rows is None else frame.head(max_rows))
    rows = [[("", _person_cell(value)) for value in row] for row in shown.itertuples(index=False)]
    table = html_table([text_html(c) for c in shown.columns], rows, " ".join(filter(None, [classes, NO_MATH])))
    if max_rows is not None and len(frame) > max_rows:
        table += f"<div style='color:#666'>… and {len(frame) - max_rows} more rows</div>"
    return table


def _person_cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return "<br>".join(text_html(v) for v in value)
    if missing(value):
        return "–"
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return text_html(value)


# --- the shapes results are handed over in ---------------------------------------------


@dataclass(frozen=True)
class Exhibit:
    """One thing to show: a title, and a table, a chart, or a note.

    ``error`` (the cause, in one line) says the exhibit could not be computed; the
    step's other exhibits are unaffected and the traceback is in the log.
    """

    title: str
    frame: pd.DataFrame | None = None
    figure: Figure | None = None
    note: str = ""
    error: str = ""


@dataclass(frozen=True)
class LiveResult:
    """What the facilitator's screen shows while an activity runs.

    ``figure`` draws the chart when called (``None``: the kind has no chart);
    ``table`` is escaped HTML.
    """

    frame: Any
    table: str
    figure: Callable[[], Any] | None = None


@dataclass(frozen=True)
class Table:
    """A frame to show: ``labels`` maps the columns shown, in order, to their headers
    (empty: every column as is); ``shown=False`` keeps it in the data only."""

    frame: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    shown: bool = True
    title: str = ""


class Bar(float):
    """A table cell drawn as a horizontal bar (its value is the share of the widest, 0–1)."""


def _result_cell(c: object) -> str:
    if isinstance(c, Bar):
        width = max(0.0, min(1.0, c)) * 240
        return f"<div class='csikit-bar' style='background:#0072b2;height:14px;width:{width:.0f}px'></div>"
    return esc(c)


def results_table(rows: list[list[object]], header: list[str]) -> str:
    """A live result's rows as an escaped HTML table (a :class:`Bar` cell is drawn as a bar)."""
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px'>{_result_cell(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return (
        f"<table class='csikit-results {NO_MATH}' style='{WRAP_STYLE}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )
