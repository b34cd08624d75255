"""A panel per CSI step for the facilitator: the question, guidance, the step's
activities, its result charts and tables, and what it hands the next step."""

from __future__ import annotations

import logging
from pathlib import Path

import ipywidgets as W

from .. import charts, handoff
from ..display import chart_failed, frame_html
from ..errors import CsiError
from ..exhibits import HANDOFFS, Exhibit, step_exhibits
from ..kinds import kind_of
from ..model import Step
from ..store import Store
from .common import StatusLine, button, esc, guarded

log = logging.getLogger("csikit.widgets")

#: What a facilitator reads when one exhibit of a step fails (the traceback is in the log).
EXHIBIT_FAILED = (
    "“{title}” could not be shown; the rest of this step is complete. "
    "Press Refresh results to try again; the details are in the server log."
)


def problem(message: str) -> W.HTML:
    """A facilitator-facing message in place of an exhibit that failed."""
    w = W.HTML(f"<div class='csikit-problem' role='alert' style='color:#b00020'>⚠ {esc(message)}</div>")
    w.add_class("csikit-problem")
    return w


def _problems(widgets: list[W.Widget]) -> int:
    return sum(1 for w in widgets for x in (w, *getattr(w, "children", ())) if "csikit-problem" in x._dom_classes)


def exhibit_widget(ex: Exhibit) -> W.Widget:
    """One exhibit as widgets; a failed exhibit or chart shows a message in its place."""
    parts: list[W.Widget] = [W.HTML(f"<h4 style='margin:10px 0 4px'>{esc(ex.title)}</h4>")]
    if ex.error:
        parts.append(problem(EXHIBIT_FAILED.format(title=ex.title)))
    if ex.figure is not None:
        try:
            parts.append(W.Image(value=charts.to_png(ex.figure), format="png", layout=W.Layout(max_width="100%")))
        except Exception:  # noqa: BLE001 - the table still shows
            log.exception("csikit: the chart of %r could not be drawn", ex.title)
            parts.append(problem(chart_failed(ex.title)))
    if ex.frame is not None:
        parts.append(W.HTML(frame_html(ex.frame, classes="csikit-table", max_rows=40)))
    if ex.note:
        parts.append(W.HTML(f"<div>{esc(ex.note)}</div>"))
    return W.VBox(parts)


class StepPanel(W.VBox):
    """One step: its question and guidance, results, hand-off and the actions it offers."""

    def __init__(self, store: Store, code: str, step: Step, *, workshop_path: str = ""):
        super().__init__()
        self.store, self.code, self.step = store, code, step
        self.workshop_path = workshop_path
        self.status = StatusLine()
        ws = store.workshop(code)
        acts = [a for a in ws.agenda if a.step is step]
        listing = "".join(
            f"<li>{esc(a.title)} <span style='color:#777'>({esc(a.kind.value.replace('_', ' '))})</span></li>"
            for a in acts
        )
        self.intro = W.HTML(
            f"<h3 style='margin:4px 0'>Step {int(step)} · {esc(step.question)}</h3>"
            f"<div style='font-size:1.1em'>{esc(step.guidance)}</div>"
            f"<div style='margin-top:6px'><b>Activities:</b>"
            f"<ul style='margin:2px 0'>{listing or '<li>none</li>'}</ul></div>"
            "<div style='background:#eef6ff;padding:6px;border-radius:4px'>"
            f"<b>Hands to the next step:</b> {esc(HANDOFFS[step])}</div>"
        )
        self.exhibits = W.VBox()
        self.actions = W.VBox(self._actions(ws))
        refresh = button("Refresh results", self.refresh, icon="refresh")
        self.children = [self.intro, self.actions, self.status, refresh, self.exhibits]
        self.loaded = False

    def _actions(self, ws) -> list[W.Widget]:
        out: list[W.Widget] = []
        if self.step is Step.TARGET:
            votes = [(a.title, a.id) for a in ws.agenda if kind_of(a.kind).picks_winners]
            if votes:
                self.vote_choice = W.Dropdown(options=votes, description="from", layout=W.Layout(width="60%"))
                self.top = W.BoundedIntText(value=3, min=1, max=20, description="top", layout=W.Layout(width="140px"))
                out.append(
                    W.HBox(
                        [
                            button(
                                "Create initiatives from winners",
                                lambda: self.create_initiatives(),
                                style="success",
                                icon="plus",
                            ),
                            self.vote_choice,
                            self.top,
                        ]
                    )
                )
        if self.step is Step.NOW:
            maturity = [(a.title, a.id) for a in ws.agenda if kind_of(a.kind).assesses_maturity]
            if maturity:
                self.assessment_activity = W.Dropdown(
                    options=maturity, description="into", layout=W.Layout(width="50%")
                )
                self.assessment_file = W.FileUpload(accept=".csv", multiple=False, description="Outside assessment CSV")
                self.assessment_file.observe(lambda ch: self._uploaded(), "value")
                out.append(W.HBox([self.assessment_file, self.assessment_activity]))
                out.append(W.HTML("<div style='color:#666'>CSV columns: practice, assessor, level (0–5)</div>"))
        if self.step is Step.MOMENTUM:
            self.next_name = W.Text(
                placeholder="name of the next cycle's workshop folder", layout=W.Layout(width="50%")
            )
            out.append(
                W.HBox(
                    [
                        button(
                            "Write the next cycle",
                            lambda: self.write_next_cycle(self.next_name.value),
                            style="success",
                            icon="forward",
                        ),
                        self.next_name,
                    ]
                )
            )
        return out

    @guarded
    def refresh(self) -> None:
        """Recompute the step's exhibits; one that fails says so in its place, the others show."""
        self.loaded = True
        self.status.clear()
        shown = []
        for ex in step_exhibits(self.store, self.code, self.step, facilitator=True):
            try:
                shown.append(exhibit_widget(ex))
            except Exception:  # noqa: BLE001 - one broken exhibit must not blank the panel
                log.exception("csikit: the exhibit %r could not be shown", ex.title)
                shown.append(problem(EXHIBIT_FAILED.format(title=ex.title)))
        self.exhibits.children = shown or [W.HTML("<i>Nothing to show yet: open this step's activities first.</i>")]
        charts.release()
        failed = _problems(shown)
        if failed:
            self.status.show(
                f"{failed} of this step's results could not be shown (see below); the others are complete. "
                "The details are in the server log.",
                "error",
            )

    @guarded
    def create_initiatives(self, activity: str | None = None, top: int | None = None) -> None:
        """Turn the top items of a dot vote into initiatives in the CSI register."""
        created = handoff.initiatives_from_winners(
            self.store, self.code, activity or self.vote_choice.value, top=top or self.top.value
        )
        if not created:
            self.status.show("Those winners are already in the register.", "info")
            return
        self.status.show(f"Added to the register: {', '.join(f'{i.id} {i.title}' for i in created)}", "ok")

    def _uploaded(self) -> None:
        files = self.assessment_file.value
        if not files:
            return
        import tempfile

        f = files[0]
        with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as tmp:
            tmp.write(bytes(f["content"]))
        self.import_assessment(tmp.name, name=f.get("name", "assessment.csv"))

    @guarded
    def import_assessment(self, path: str, activity: str | None = None, name: str = "") -> None:
        """Add an outside maturity assessment (CSV) as extra assessors."""
        n = handoff.import_assessment(self.store, self.code, activity or self.assessment_activity.value, path)
        self.status.show(f"Imported {n} maturity levels from {name or Path(path).name}.", "ok")
        self.refresh()

    @guarded
    def write_next_cycle(self, name: str) -> None:
        """Write the next cycle's workshop file beside this one."""
        from ..scaffold import check_workshop_name

        name = check_workshop_name(name)
        if not self.workshop_path:
            raise CsiError("This app was started without a workshop file; use: csikit new NAME --from PATH")
        source = Path(self.workshop_path)
        folder = (source.parent if source.is_file() else source).parent / name
        from ..workshop_file import load_workshop

        file = handoff.write_next_cycle(self.store, self.code, load_workshop(source), folder, source_path=str(source))
        self.status.show(f"Next cycle written to {file}.", "ok")
        self.written = file


class StepsView(W.VBox):
    """The six step panels as tabs; a panel loads its charts when first shown."""

    def __init__(self, store: Store, code: str, *, workshop_path: str = ""):
        super().__init__()
        self.panels = {s: StepPanel(store, code, s, workshop_path=workshop_path) for s in Step}
        self.tabs = W.Tab(children=list(self.panels.values()), titles=[f"{int(s)} · {s.question}" for s in Step])
        self.tabs.observe(lambda ch: self.show(Step(ch["new"] + 1)), "selected_index")
        self.children = [self.tabs]

    def show(self, step: Step) -> StepPanel:
        """Open a step's panel (and load its results)."""
        self.tabs.selected_index = int(step) - 1
        panel = self.panels[step]
        if not panel.loaded:
            panel.refresh()
        return panel
