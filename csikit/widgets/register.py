"""The CSI register in the facilitator app: pick an initiative, edit it, save it.

The model validates every change (dates in order, closure code when closed …);
its message is shown in the status line and nothing is saved.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import ipywidgets as W

from .. import convert
from ..display import frame_html
from ..errors import ValidationError
from ..model import Effort, Framework, Initiative, InitiativeState, InitiativeType, Point
from ..store import Store
from .common import StatusLine, button, guarded

TEXT_FIELDS = ("title", "owner", "service", "description", "expected_benefit", "measurement_method")
DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")


class RegisterEditor(W.VBox):
    """A table of the register and a form for one initiative."""

    def __init__(self, store: Store, code: str):
        super().__init__()
        self.store, self.code = store, code
        self.workshop = store.workshop(code)
        self.status = StatusLine()
        self.table = W.HTML()
        self.choice = W.Dropdown(description="initiative", layout=W.Layout(width="70%"))
        self.choice.observe(lambda ch: ch["new"] and self.load(ch["new"]), "value")
        wide = W.Layout(width="95%")
        self.inputs: dict[str, W.Widget] = {
            name: W.Text(description=name.replace("_", " "), layout=wide) for name in TEXT_FIELDS
        }
        self.inputs["description"] = W.Textarea(description="description", layout=wide)
        for name in DATE_FIELDS:
            self.inputs[name] = W.DatePicker(description=name.replace("_", " "))
        kpis = [("—", "")] + [(f"{k.id} · {k.name}", k.id) for k in self.workshop.kpis]
        objectives = [("—", "")] + [(f"{o.id} · {o.title}", o.id) for o in self.workshop.objectives]
        self.inputs["kpi"] = W.Dropdown(options=kpis, description="KPI")
        self.inputs["objective"] = W.Dropdown(options=objectives, description="objective")
        self.inputs["framework"] = W.Dropdown(options=[f.value for f in Framework], description="framework")
        self.inputs["type"] = W.Dropdown(options=[t.value for t in InitiativeType], description="type")
        self.inputs["effort"] = W.Dropdown(options=[e.value for e in Effort], description="effort")
        self.inputs["state"] = W.Dropdown(options=[s.value for s in InitiativeState], description="state")
        self.inputs["closure_code"] = W.Dropdown(
            options=["", "successful", "unsuccessful", "withdrawn"], description="closure"
        )
        self.inputs["priority"] = W.BoundedIntText(min=1, max=5, value=3, description="priority")
        self.inputs["baseline"] = W.FloatText(description="baseline")
        self.inputs["baseline_date"] = W.DatePicker(description="baseline date")
        self.inputs["target"] = W.FloatText(description="target")
        self.inputs["target_date"] = W.DatePicker(description="target date")
        form = W.GridBox(list(self.inputs.values()), layout=W.Layout(grid_template_columns="repeat(2, 50%)"))
        self.children = [
            W.HTML("<h3 style='margin:4px 0'>CSI register</h3>"),
            W.HBox([self.choice, button("New initiative", self.new, icon="plus")]),
            form,
            button("Save", self.save, style="success", icon="save"),
            self.status,
            self.table,
        ]
        self.current: Initiative | None = None
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        register = self.store.initiatives(self.code)
        self.choice.options = [(f"{i.id} · {i.title}", i.id) for i in register]
        ids = [i.id for i in register]
        wanted = select or (self.current.id if self.current else None)
        if ids:
            self.choice.value = wanted if wanted in ids else ids[0]
        rows = [
            {
                "id": i.id,
                "title": i.title,
                "owner": i.owner,
                "state": i.state.value,
                "KPI": i.kpi,
                "planned end": i.planned_end,
                "votes": ""
                if i.vote_score is None
                else f"{i.vote_score:g} ({i.vote_interval[0]:g}–{i.vote_interval[1]:g}), {i.voters} voters"
                if i.vote_interval
                else f"{i.vote_score:g}",
            }
            for i in register
        ]
        import pandas as pd

        self.table.value = frame_html(pd.DataFrame(rows), classes="csikit-table", max_rows=200)

    def load(self, initiative_id: str) -> None:
        """Show one initiative in the form."""
        ini = next(i for i in self.store.initiatives(self.code) if i.id == initiative_id)
        self.current = ini
        self._fill(ini)

    def _fill(self, ini: Initiative) -> None:
        for name in TEXT_FIELDS:
            self.inputs[name].value = getattr(ini, name)
        for name in DATE_FIELDS:
            self.inputs[name].value = getattr(ini, name)
        for name in ("kpi", "objective", "priority"):
            self.inputs[name].value = getattr(ini, name)
        for name in ("framework", "type", "effort", "state"):
            self.inputs[name].value = getattr(ini, name).value
        self.inputs["closure_code"].value = ini.closure_code.value if ini.closure_code else ""
        self.inputs["baseline"].value = ini.baseline.value if ini.baseline else 0.0
        self.inputs["baseline_date"].value = ini.baseline.date if ini.baseline else None
        self.inputs["target"].value = ini.target.value if ini.target else 0.0
        self.inputs["target_date"].value = ini.target.date if ini.target else None

    def new(self) -> None:
        """Start a new initiative (saved when Save is pressed)."""
        from ..handoff import next_initiative_id

        self.current = Initiative(id=next_initiative_id(self.store.initiatives(self.code)), title="New initiative")
        self.choice.value = None  # the form no longer shows the initiative chosen before
        self._fill(self.current)  # every field at its default: nothing carried over from the last one shown
        self.inputs["title"].value = ""
        self.status.show(f"{self.current.id}: fill in the fields and press Save.", "info")

    def edit(self, **fields) -> None:
        """Set form fields by name (as a person would type them)."""
        for name, value in fields.items():
            self.inputs[name].value = value

    @guarded
    def save(self) -> None:
        """Validate the form with the model and save it to the register."""
        if self.current is None:
            self.new()
        v = {name: w.value for name, w in self.inputs.items()}
        data = convert.to_plain(self.current)
        data.update({name: v[name] for name in TEXT_FIELDS})
        data.update({name: (v[name].isoformat() if isinstance(v[name], date) else None) for name in DATE_FIELDS})
        data.update(
            kpi=v["kpi"],
            objective=v["objective"],
            framework=v["framework"],
            type=v["type"],
            effort=v["effort"],
            state=v["state"],
            priority=v["priority"],
            closure_code=v["closure_code"] or None,
        )
        kpi = next((k for k in self.workshop.kpis if k.id == v["kpi"]), None)
        if kpi is not None or v["baseline"] or v["target"]:
            data["baseline"] = convert.to_plain(Point(v["baseline"], v["baseline_date"]))
            data["target"] = convert.to_plain(Point(v["target"], v["target_date"]))
        try:
            ini = convert.build(Initiative, data)
        except ValidationError as exc:
            raise ValidationError(
                [dataclasses.replace(p, field=p.field.replace("_", " ")) for p in exc.problems]
            ) from None
        self.store.save_initiative(self.code, ini)
        self.current = ini
        self.status.show(f"Saved {ini.id}.", "ok")
        self.refresh(select=ini.id)
