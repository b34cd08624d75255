"""The phone screen of a rating or a maturity assessment, as data (no ipywidgets): a choice
per item and criterion, with the KPI trend under each KPI."""

from __future__ import annotations

from ..screen import criterion_names


def screen(activity, items, mine, workshop, extra=None) -> dict:
    """``activity``: criteria, scale, options (value and label), trends per item (KPIs);
    ``mine``: ``values`` {item: {criterion: value}}. The phone answers
    ``{"values": {item: {criterion: value}}}`` (or ``{item: value}`` for one criterion)."""
    labels = activity.score_labels(workshop.maturity_scale)
    lo, hi = activity.value_range()
    options = [
        {"value": lo + i, "label": f"{lo + i} · {lab}" if not lab[:1].isdigit() else lab}
        for i, lab in enumerate(labels)
    ]
    names = criterion_names(workshop)
    criteria = [{"id": c, "name": names.get(c, c)} for c in activity.criteria(workshop.objectives)]
    values: dict[str, dict[str, int]] = {}
    for (item, criterion), (value, _) in mine.items():
        values.setdefault(item, {})[criterion] = value
    trends = (extra or {}).get("trends") or {}
    return {
        "activity": {
            "criteria": criteria,
            "scale": {"lo": lo, "hi": hi, "labels": list(labels)},
            "options": options,
            "trends": {i.id: trends[i.id] for i in items if i.id in trends},
        },
        "mine": {"values": values},
    }
