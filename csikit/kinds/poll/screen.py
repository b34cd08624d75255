"""The phone screen of a poll, as data (no ipywidgets): one button per option."""

from __future__ import annotations


def screen(activity, items, mine, workshop, extra=None) -> dict:
    """``activity``: how many may be chosen and the hint; ``mine``: the chosen options."""
    limit = activity.choose or 1
    hint = "Choose one." if limit == 1 else f"Choose up to {limit}; tap again to untick."
    return {
        "activity": {"choose": limit, "hint": hint},
        "mine": {"chosen": [item for (item, _), (value, _) in mine.items() if value]},
    }
