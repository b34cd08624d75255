"""What every phone view shares: the base view, the unanswered choice, criterion names.

Light on purpose (ipywidgets only): a participant's kernel imports it.
"""

from __future__ import annotations

import ipywidgets as W

from ..model import ActivityStatus

#: The label of a choice nobody made yet.
CHOOSE = "— choose —"
#: The value of a dropdown nobody has answered yet (None would show an empty select).
UNANSWERED = -1


def criterion_names(workshop) -> dict[str, str]:
    """What a person calls each criterion: objective titles, not their ids."""
    names = {o.id: o.title for o in workshop.objectives}
    names.update(impact="Impact", effort="Effort", current="Today", target="Target")
    return names


def kpi_lines(workshop, measurements) -> dict[str, str]:
    """Per KPI, its trend in one line: latest reading against baseline and target (no pandas)."""
    readings: dict[str, list] = {}
    for m in sorted(measurements, key=lambda m: m.date):
        readings.setdefault(m.kpi, []).append(m)
    out = {}
    for k in workshop.kpis:
        unit = f" {k.unit}" if k.unit and k.unit != "%" else k.unit
        span = k.target.value - k.baseline.value
        rows = readings.get(k.id, [])
        if not rows:
            out[k.id] = f"no readings yet · baseline {k.baseline.value:g}{unit} → target {k.target.value:g}{unit}"
            continue
        last = rows[-1]
        progress = 100 * (last.value - k.baseline.value) / span if span else 0.0
        change = rows[-1].value - rows[-2].value if len(rows) > 1 else 0.0
        trend = "" if not change else " (better than before)" if (change > 0) == (span > 0) else " (worse than before)"
        way = f"{progress:.0f}% of the way" if progress >= 0 else "worse than the baseline"
        out[k.id] = (f"{last.value:g}{unit} on {last.date:%d %b %Y}{trend} · baseline {k.baseline.value:g}{unit}"
                     f" → target {k.target.value:g}{unit} by {k.target.date:%b %Y} · {way}")
    return out


class ActivityView(W.VBox):
    """Base of the per-kind views: knows the app, the activity and its items."""

    def __init__(self, app, status: ActivityStatus):
        super().__init__()
        self.app = app
        self.activity = status.activity
        self.items = status.items
        self.status = app.status

    @property
    def pid(self) -> int:
        return self.app.participant.id

    def _respond(self, values, comments=None):
        return self.app.store.respond(self.app.code, self.pid, self.activity.id, values, comments)

    def _mine(self) -> dict:
        return self.app.store.my_responses(self.app.code, self.pid, self.activity.id)
