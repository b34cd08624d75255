"""The phone screen of a dot vote, as data (no ipywidgets): dots per item, budget and cap."""

from __future__ import annotations

from ..base import plural


def screen(activity, items, mine, workshop, extra=None) -> dict:
    """``activity``: budget, cap and the line saying them; ``mine``: dots per item and dots left.
    The phone sends ``{"answer", "values": {item: +1 or -1}, "delta": true}``: the store adds
    it to what it holds, so a second tab's dots are never lost."""
    budget = activity.budget or 0
    dots = {item: value for (item, _), (value, _) in mine.items() if value}
    left = budget - sum(dots.values())
    cap = f" · at most {plural(activity.cap, 'dot')} on one item" if activity.cap else ""
    return {
        "activity": {"budget": budget, "cap": activity.cap},
        "mine": {"dots": dots, "left": left, "line": f"{left} of {plural(budget, 'dot')} left{cap}"},
    }
