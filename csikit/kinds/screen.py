"""What every kind's phone screen shares, in pure Python (no ipywidgets, no pandas): the
names a person calls criteria by, the KPI trend lines, and the shape of a screen's parts.

The room endpoint (:mod:`csikit.room`) imports this and the kinds' ``<kind>_screen``
modules for every phone of a room in one process: keep them light.
"""

from __future__ import annotations

from types import ModuleType

from ..measurements import progress_percent
from . import facet

#: Answers as the store gives one person's: (item, criterion) -> (value, comment).
Mine = dict


def screen_of(kind) -> ModuleType:
    """The screen facet of an activity kind: the module whose ``screen(activity, items, mine,
    workshop, extra)`` is what a phone shows of it, as data."""
    return facet(kind, "screen")


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
        progress = progress_percent(last.value, k.baseline.value, k.target.value)
        change = rows[-1].value - rows[-2].value if len(rows) > 1 else 0.0
        trend = "" if not change else " (better than before)" if (change > 0) == (span > 0) else " (worse than before)"
        way = f"{progress:.0f}% of the way" if progress >= 0 else "worse than the baseline"
        out[k.id] = (
            f"{last.value:g}{unit} on {last.date:%d %b %Y}{trend} · baseline {k.baseline.value:g}{unit}"
            f" → target {k.target.value:g}{unit} by {k.target.date:%b %Y} · {way}"
        )
    return out


def items_json(items) -> list[dict]:
    """Items as a screen holds them (already in the person's order)."""
    return [{"id": i.id, "text": i.text} for i in items]
