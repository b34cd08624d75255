"""Step worksheets for analysts: what a step shows, as tables and charts in a notebook.

Each ``notebooks/stepN_*.ipynb`` has a parameters cell and calls :func:`worksheet`.
With a widgets front end (JupyterLab, Voila) the step comes with controls: the
quarter, one activity of the step, a practice or KPI to focus on, chart and/or
table; changing one redraws the exhibits in place. Run by papermill (``csikit
review``) or nbval there is no front end, and the same notebook prints the static
exhibits (:func:`show_step`) that the review's HTML shows.

Everything shown is a PNG image or escaped HTML inside a box MathJax skips, so a
participant's ``$50 … $20`` reads as typed in JupyterLab, Voila and nbconvert's HTML.
"""

from __future__ import annotations

import html
import logging
import os

import ipywidgets as W
from IPython.display import HTML, Image, Markdown, display

from . import charts
from .display import NO_MATH, frame_html
from .errors import CsiError
from .exhibits import HANDOFFS, Exhibit, cause, exhibits_or_problem
from .kinds import kind_of
from .model import ActivityState, Step
from .quarters import as_of, in_progress, quarter_end, quarter_label
from .rules import TOO_FEW
from .session import DEFAULT_WORKSHOP, find_workshop
from .workbook import WorkshopData, as_step, open_workshop

log = logging.getLogger("csikit.worksheets")

#: ``1``/``0`` forces the controls on or off (default: on where a front end shows widgets).
CONTROLS_ENV = "CSIKIT_WORKSHEET_CONTROLS"
#: The view toggle's choices: label → (chart shown, table shown).
VIEWS = {"Chart and table": (True, True), "Chart": (True, False), "Table": (False, True)}
#: What a step's focus control lists.
PRACTICE_STEPS = (Step.NOW, Step.TARGET)
KPI_STEPS = (Step.NOW, Step.PLAN, Step.CHECK)


def _html(body: str) -> HTML:
    return HTML(f'<div class="{NO_MATH}">{body}</div>')


def problem_html(title: str, error: str) -> str:
    return (
        f"<div style='color:#b00020;border-left:4px solid #b00020;padding:4px 10px'>⚠ {html.escape(title)} "
        f"could not be shown; the other results are complete. Cause: {html.escape(error)}</div>"
    )


def exhibit_outputs(ex: Exhibit, *, chart: bool = True, table: bool = True) -> list:
    """One exhibit as display objects: title, chart (PNG), table, note; a failure says so in place."""
    out = [_html(f"<h2>{html.escape(ex.title)}</h2>")]
    if ex.error:
        out.append(_html(problem_html(ex.title, ex.error)))
    if ex.figure is not None and chart:
        try:
            out.append(Image(data=charts.to_png(ex.figure), format="png"))
        except Exception as exc:  # noqa: BLE001 - the table below still shows
            log.exception("csikit: the chart of %r could not be drawn", ex.title)
            out.append(_html(problem_html(f"The chart of {ex.title}", cause(exc))))
    elif ex.figure is not None:
        charts.close(ex.figure)
    if ex.frame is not None and (table or ex.figure is None):
        out.append(_html(frame_html(ex.frame, classes="dataframe")))
    if ex.note and ex.note.startswith(TOO_FEW):  # results withheld below min_group: a marked box, not a stray line
        out.append(
            _html(
                f"<p class='csikit-withheld' style='color:#444;background:#f1f3f5;border-left:4px solid "
                f"#868e96;padding:6px 12px'>{html.escape(ex.note)}</p>"
            )
        )
    elif ex.note:
        out.append(_html(f"<p>{html.escape(ex.note)}</p>"))
    return out


def show_exhibit(ex: Exhibit) -> None:
    """Display one exhibit: its title, chart (as PNG), table and note."""
    for obj in exhibit_outputs(ex):
        display(obj)
    charts.release()


def as_of_text(quarter: str) -> str:
    """``as of the end of 2026Q3 (30 Sep 2026)``, or ``2026Q4, in progress, as of 5 Dec 2026``."""
    if in_progress(quarter):
        return quarter_label(quarter)
    end = quarter_end(quarter)
    return f"as of the end of {quarter} ({end.day} {end:%b %Y})"


def _heading(s: Step, data: WorkshopData, quarter: str) -> list:
    ws = data.workshop
    return [
        Markdown(f"# Step {int(s)} · {s.question}\n\n{s.guidance}"),
        _html(
            f"<p><i>{html.escape(ws.title)}</i> ({html.escape(ws.code)})"
            f"{f' — {html.escape(as_of_text(quarter))}' if quarter else ''}</p>"
        ),
    ]


def _open(workshop: str, store_url: str) -> WorkshopData:
    path = find_workshop(workshop or os.environ.get("CSIKIT_WORKSHOP_PATH", "") or DEFAULT_WORKSHOP)
    return open_workshop(path, store_url or None)


def show_step(step: int, workshop: str = "", quarter: str = "", store_url: str = "") -> list[Exhibit]:
    """Display one step's question, exhibits and hand-off, without controls; returns the exhibits.

    ``workshop`` and ``store_url`` fall back to ``$CSIKIT_WORKSHOP_PATH`` and
    ``$CSIKIT_STORE``; a relative workshop path is also looked up from the folders above
    and from the csikit repository (a worksheet opened from ``notebooks/`` finds
    ``workshops/demo``). ``quarter`` (e.g. ``2026Q3``) computes the view as of its end (of
    now while it is in progress): activities locked or revealed by then, answers, register
    and readings of then (:mod:`csikit.quarters`).
    """
    s = as_step(step)
    with _open(workshop, store_url) as data:
        for obj in _heading(s, data, quarter):
            display(obj)
        exhibits = data.exhibits(s, quarter or None)
        for ex in exhibits:
            show_exhibit(ex)
        if not exhibits and quarter and not in_progress(quarter):
            display(
                Markdown(
                    f"*Nothing to show: no activity of this step had been locked or revealed by the end of {quarter}.*"
                )
            )
        elif not exhibits:
            display(Markdown("*Nothing to show yet: this step's activities have not been run.*"))
        display(Markdown(f"**Hands to the next step:** {HANDOFFS[s]}"))
        return exhibits


def widgets_front_end() -> bool:
    """Whether this kernel's outputs reach a front end that draws widgets.

    JupyterLab and Notebook (jupyter_server) start kernels with ``$JPY_SESSION_NAME``,
    Voila with ``$VOILA_KERNEL_ID``; papermill and nbval set neither. A kernel that a
    papermill run started from inside JupyterLab inherits the variable, so a notebook
    whose parameters papermill injected is static too. ``$CSIKIT_WORKSHEET_CONTROLS``
    (``1`` or ``0``) decides when set.
    """
    forced = os.environ.get(CONTROLS_ENV, "").strip().lower()
    if forced:
        return forced in ("1", "true", "yes", "on")
    if not (os.environ.get("VOILA_KERNEL_ID") or os.environ.get("JPY_SESSION_NAME")):
        return False
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    inputs = shell.user_ns.get("In", [])
    return not any(str(source).startswith("# Parameters\n") for source in inputs)  # papermill's injected cell


def worksheet(
    step: int, workshop: str = "", quarter: str = "", store_url: str = "", *, controls: bool | None = None
) -> StepWorksheet | list[Exhibit]:
    """Show one step as a worksheet: with controls where widgets are drawn, else static.

    Parameters
    ----------
    step
        1–6.
    workshop, quarter, store_url
        As for :func:`show_step` (the notebook's parameters).
    controls
        None (default): :func:`widgets_front_end` decides.

    Returns
    -------
    StepWorksheet or list of Exhibit
        The displayed controls (their store stays open while the kernel runs), or the
        exhibits shown without controls.
    """
    if not (widgets_front_end() if controls is None else controls):
        return show_step(step, workshop, quarter, store_url)
    s = as_step(step)
    data = _open(workshop, store_url)
    for obj in _heading(s, data, ""):
        display(obj)
    sheet = StepWorksheet(data, s, quarter=quarter)
    display(sheet)
    display(Markdown(f"**Hands to the next step:** {HANDOFFS[s]}"))
    return sheet


class StepWorksheet(W.VBox):
    """A step's exhibits under controls; changing a control redraws them in place.

    Every control is an attribute tests and notebooks can set: ``quarter``,
    ``activity``, ``focus`` (Dropdowns; ``""`` means all) and ``view`` (ToggleButtons).
    ``exhibits`` holds what is shown, ``redraws`` counts the redraws.
    """

    def __init__(self, data: WorkshopData, step: int | Step, *, quarter: str = "") -> None:
        self.data, self.step = data, as_step(step)
        self.exhibits: list[Exhibit] = []
        self.redraws = 0
        quarters = data.quarters()
        if quarter and quarter not in quarters:
            quarters = sorted([*quarters, quarter])
        self.quarter = W.Dropdown(
            options=[("today", ""), *[(_quarter_option(q), q) for q in quarters]], value=quarter, description="As of"
        )
        acts = [a for a in data.workshop.agenda if a.step is self.step]
        self.activity = W.Dropdown(
            options=[("all of this step", ""), *[(a.title, a.id) for a in acts]], description="Activity"
        )
        self.focus = W.Dropdown(options=[("everything", ""), *self._focus_options()], description="Focus")
        self.view = W.ToggleButtons(options=list(VIEWS), value="Chart and table", description="Show")
        self.status = W.HTML()
        self.out = W.Output(layout=W.Layout(min_height="120px"))
        # every step offers the quarter: answers, states, the register and readings are all
        # read as of it (csikit.quarters)
        shown = [self.quarter, self.activity, self.view]
        if len(self.focus.options) > 1:
            shown.insert(-1, self.focus)
        for control in (self.quarter, self.activity, self.focus, self.view):
            control.style = {"description_width": "60px"}
            control.observe(self._on_control_change, names="value")
        super().__init__([W.HBox(shown[:-1], layout=W.Layout(flex_flow="row wrap")), shown[-1], self.status, self.out])
        self.add_class("csikit-worksheet")
        self.out.add_class("csikit-exhibits")
        self.redraw()

    def _quarter(self) -> str | None:
        return self.quarter.value or None

    def _focus_options(self) -> list[tuple[str, str]]:
        ws = self.data.workshop
        options = []
        if self.step in PRACTICE_STEPS and any(kind_of(a.kind).assesses_maturity for a in ws.agenda):
            options += [(f"practice: {p.name}", f"practice:{p.id}") for p in ws.practices]
        if self.step in KPI_STEPS:
            options += [(f"KPI: {k.name}", f"kpi:{k.id}") for k in ws.kpis]
        return options

    def _on_control_change(self, _change) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Compute the exhibits the controls select and show them in place of the old ones."""
        try:
            self.exhibits = self.select()
            chart, table = VIEWS[self.view.value]
            outputs = [o for ex in self.exhibits for o in exhibit_outputs(ex, chart=chart, table=table)]
            if not self.exhibits:
                outputs.append(Markdown("*Nothing to show for this choice yet.*"))
            self.status.value = ""
        except CsiError as exc:
            outputs = []
            self.status.value = f"<span style='color:#b00020'>⚠ {html.escape(str(exc))}</span>"
        except Exception as exc:  # noqa: BLE001 - a broken redraw must not kill the controls
            log.exception("csikit: the worksheet of step %s could not be redrawn", int(self.step))
            outputs = []
            self.status.value = f"<span style='color:#b00020'>⚠ {html.escape(cause(exc))}</span>"
        self.out.outputs = tuple(_bundle(o) for o in outputs)  # one update: no flicker, no empty moment
        self.redraws += 1
        charts.release()

    def select(self) -> list[Exhibit]:
        """The exhibits for the current quarter, activity and focus."""
        quarter = self._quarter()
        if self.activity.value:
            a = self.data.activity(self.activity.value)
            state = self.data.view(quarter).states(self.data.code).get(a.id)
            if quarter and state not in (ActivityState.LOCKED, ActivityState.REVEALED):
                by = "yet" if in_progress(quarter) else f"by the end of {quarter}"
                return [Exhibit(a.title, note=f"This activity had not been locked or revealed {by}.")]
            if state in (None, ActivityState.DRAFT):
                return [Exhibit(a.title, note="This activity has not been run yet.")]
            exhibits = exhibits_or_problem(a.title, lambda: self.data.activity_exhibits(a.id, quarter))
        else:
            exhibits = self.data.exhibits(self.step, quarter)
        if not self.focus.value:
            return exhibits
        kind, key = self.focus.value.split(":", 1)
        return (
            focus_on_practice(self.data, exhibits, key)
            if kind == "practice"
            else focus_on_kpi(self.data, exhibits, key, quarter)
        )


def _quarter_option(quarter: str) -> str:
    return f"{quarter} (in progress)" if in_progress(quarter) else quarter


def _bundle(obj) -> dict:
    from IPython.core.interactiveshell import InteractiveShell

    data, metadata = InteractiveShell.instance().display_formatter.format(obj)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def _narrowed(kept: list[Exhibit], dropped: int, what: str) -> list[Exhibit]:
    if not kept:
        return [
            Exhibit(f"Nothing in this view is about {what}", note="Choose another activity, or focus on everything.")
        ]
    if dropped:
        kept.append(
            Exhibit(
                "Other exhibits",
                note=f"{dropped} exhibit(s) of this view are not about {what}; focus on everything to see them.",
            )
        )
    return kept


def _release(ex: Exhibit) -> None:
    if ex.figure is not None:
        charts.close(ex.figure)


def focus_on_practice(data: WorkshopData, exhibits: list[Exhibit], practice: str) -> list[Exhibit]:
    """The exhibits narrowed to one practice: its maturity gap and its assessors' ratings."""
    names = {p.id: p.name for p in data.workshop.practices}
    if practice not in names:
        raise CsiError(f"{practice!r} is not a practice of {data.code}; known: {', '.join(names)}")
    name = names[practice]
    maturity = {a.title for a in data.workshop.agenda if kind_of(a.kind).assesses_maturity}
    kept, dropped = [], 0
    for ex in exhibits:
        frame = ex.frame
        if frame is not None and "practice" in frame.columns:
            rows = frame[frame["practice"] == practice]
            kept.append(
                exhibits_or_problem(
                    ex.title,
                    lambda rows=rows, ex=ex: [
                        Exhibit(
                            f"{ex.title} — {name}",
                            frame=rows,
                            figure=charts.gap_chart(rows) if ex.figure is not None else None,
                        )
                    ],
                )[0]
            )
        elif frame is not None and "text" in frame.columns and ex.title.rsplit(" (", 1)[0] in maturity:
            rows = frame[frame["text"] == name]
            kept.append(
                exhibits_or_problem(
                    ex.title,
                    lambda rows=rows, ex=ex: [
                        Exhibit(
                            f"{ex.title} — {name}",
                            frame=rows,
                            figure=charts.maturity_heatmap(rows.set_index("text")) if ex.figure is not None else None,
                        )
                    ],
                )[0]
            )
        else:
            dropped += 1
        _release(ex)
    return _narrowed(kept, dropped, name)


def focus_on_kpi(data: WorkshopData, exhibits: list[Exhibit], kpi: str, quarter: str | None = None) -> list[Exhibit]:
    """The exhibits narrowed to one KPI: its readings, trend, progress and initiatives."""
    names = {k.id: k.name for k in data.workshop.kpis}
    if kpi not in names:
        raise CsiError(f"{kpi!r} is not a KPI of {data.code}; known: {', '.join(names)}")
    name = names[kpi]
    register = data.register(quarter)
    linked = set(register.loc[register["kpi"] == kpi, "id"]) if "kpi" in register else set()
    kept, dropped = [], 0
    for ex in exhibits:
        frame = ex.frame
        if ex.title == "KPI trends":
            kept += exhibits_or_problem(
                ex.title,
                lambda: [
                    Exhibit(f"KPI trend — {name}", figure=charts.kpi_trend_chart(data.kpi_progress(quarter), kpi))
                ],
            )
        elif ex.title == "Roadmap":
            rows = register[register["id"].isin(linked)] if len(register) else register
            kept += exhibits_or_problem(
                ex.title,
                lambda rows=rows: [
                    Exhibit(
                        f"Roadmap — initiatives on {name}",
                        frame=rows[
                            [c for c in ("id", "title", "owner", "state", "planned_start", "planned_end") if c in rows]
                        ],
                        figure=charts.roadmap_chart(rows, as_of(quarter)),
                    )
                ],
            )
        elif frame is not None and "kpi" in frame.columns:
            rows = frame[frame["kpi"] == kpi]
            redraw = ex.figure is not None and ex.title == "KPI progress toward target"
            kept += exhibits_or_problem(
                ex.title,
                lambda rows=rows, ex=ex, redraw=redraw: [
                    Exhibit(f"{ex.title} — {name}", frame=rows, figure=charts.progress_chart(rows) if redraw else None)
                ],
            )
        elif frame is not None and "id" in frame.columns and ex.title.startswith("Initiatives"):
            kept.append(Exhibit(f"{ex.title} — initiatives on {name}", frame=frame[frame["id"].isin(linked)]))
        else:
            dropped += 1
        _release(ex)
    return _narrowed(kept, dropped, name)


__all__ = [
    "StepWorksheet",
    "exhibit_outputs",
    "focus_on_kpi",
    "focus_on_practice",
    "show_exhibit",
    "show_step",
    "widgets_front_end",
    "worksheet",
]
