"""Step worksheets for analysts: what a step shows, as tables and charts in a notebook.

Each ``notebooks/stepN_*.ipynb`` has a parameters cell and calls :func:`show_step`;
papermill re-runs them for a quarter (``csikit review``) and Voila can serve them.
"""

from __future__ import annotations

import os

from IPython.display import HTML, Markdown, display

from .session import open_workshop
from .model import Step
from .steps import HANDOFFS, step_exhibits


def show_step(step: int, workshop: str = "", quarter: str = "", store_url: str = "") -> list:
    """Display one step's question, exhibits and hand-off; returns the exhibits.

    ``workshop`` and ``store_url`` fall back to ``$CSIKIT_WORKSHOP_PATH`` and
    ``$CSIKIT_STORE``; ``quarter`` (e.g. ``2026Q3``) computes the view as of its last day.
    """
    import matplotlib.pyplot as plt

    workshop = workshop or os.environ.get("CSIKIT_WORKSHOP_PATH", "workshops/demo")
    store_url = store_url or os.environ.get("CSIKIT_STORE", "") or None
    ws, store = open_workshop(workshop, store_url)
    s = Step(step)
    display(Markdown(f"# Step {int(s)} · {s.question}\n\n{s.guidance}\n\n"
                     f"*{ws.title}* ({ws.code}){f' — as of the end of {quarter}' if quarter else ''}"))
    exhibits = step_exhibits(store, ws.code, s, quarter=quarter or None)
    for ex in exhibits:
        display(Markdown(f"## {ex.title}"))
        if ex.figure is not None:
            display(ex.figure)
            plt.close(ex.figure)
        if ex.frame is not None:
            display(HTML(ex.frame.to_html(index=False, escape=True, na_rep="–", float_format=lambda v: f"{v:.3g}")))
        if ex.note:
            display(Markdown(ex.note))
    if not exhibits:
        display(Markdown("*Nothing to show yet: this step's activities have not been run.*"))
    display(Markdown(f"**Hands to the next step:** {HANDOFFS[s]}"))
    return exhibits
