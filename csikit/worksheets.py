"""Step worksheets for analysts: what a step shows, as tables and charts in a notebook.

Each ``notebooks/stepN_*.ipynb`` has a parameters cell and calls :func:`show_step`;
papermill re-runs them for a quarter (``csikit review``) and Voila can serve them.

Everything shown is a PNG image or escaped HTML inside a box MathJax skips, so a
participant's ``$50 … $20`` reads as typed in JupyterLab, Voila and nbconvert's HTML.
"""

from __future__ import annotations

import html
import logging
import os

from IPython.display import HTML, Image, Markdown, display

from . import charts
from .model import Step
from .review.display import NO_MATH
from .review.display import frame_html as _frame_html
from .session import DEFAULT_WORKSHOP, find_workshop, open_workshop
from .steps import HANDOFFS, Exhibit, cause, step_exhibits

log = logging.getLogger("csikit.worksheets")


def _html(body: str) -> HTML:
    return HTML(f'<div class="{NO_MATH}">{body}</div>')


def frame_html(frame) -> str:
    """A frame as an escaped HTML table (participants typed some of its cells)."""
    return _frame_html(frame, classes="dataframe")


def problem_html(title: str, error: str) -> str:
    return (f"<div style='color:#b00020;border-left:4px solid #b00020;padding:4px 10px'>⚠ {html.escape(title)} "
            f"could not be shown; the other results are complete. Cause: {html.escape(error)}</div>")


def show_exhibit(ex: Exhibit) -> None:
    """Display one exhibit: its title, chart (as PNG), table and note; a failure says so in place."""
    display(_html(f"<h2>{html.escape(ex.title)}</h2>"))
    if ex.error:
        display(_html(problem_html(ex.title, ex.error)))
    if ex.figure is not None:
        try:
            display(Image(data=charts.to_png(ex.figure), format="png"))
            charts.release()
        except Exception as exc:  # noqa: BLE001 - the table below still shows
            log.exception("csikit: the chart of %r could not be drawn", ex.title)
            display(_html(problem_html(f"The chart of {ex.title}", cause(exc))))
    if ex.frame is not None:
        display(_html(frame_html(ex.frame)))
    if ex.note:
        display(_html(f"<p>{html.escape(ex.note)}</p>"))


def show_step(step: int, workshop: str = "", quarter: str = "", store_url: str = "") -> list:
    """Display one step's question, exhibits and hand-off; returns the exhibits.

    ``workshop`` and ``store_url`` fall back to ``$CSIKIT_WORKSHOP_PATH`` and
    ``$CSIKIT_STORE``; a relative workshop path is also looked up from the folders above
    and from the csikit repository (a worksheet opened from ``notebooks/`` finds
    ``workshops/demo``). ``quarter`` (e.g. ``2026Q3``) computes the view as of its last day.
    """
    path = find_workshop(workshop or os.environ.get("CSIKIT_WORKSHOP_PATH", "") or DEFAULT_WORKSHOP)
    store_url = store_url or os.environ.get("CSIKIT_STORE", "") or None
    ws, store = open_workshop(str(path), store_url)
    try:
        s = Step(step)
        display(Markdown(f"# Step {int(s)} · {s.question}\n\n{s.guidance}"))
        display(_html(f"<p><i>{html.escape(ws.title)}</i> ({html.escape(ws.code)})"
                      f"{f' — as of the end of {html.escape(quarter)}' if quarter else ''}</p>"))
        exhibits = step_exhibits(store, ws.code, s, quarter=quarter or None)
        for ex in exhibits:
            show_exhibit(ex)
        if not exhibits:
            display(Markdown("*Nothing to show yet: this step's activities have not been run.*"))
        display(Markdown(f"**Hands to the next step:** {HANDOFFS[s]}"))
        return exhibits
    finally:
        store.close()
