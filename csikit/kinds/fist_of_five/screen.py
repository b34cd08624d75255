"""The phone screen of a fist of five, as data (no ipywidgets): 0–5 fingers per proposal,
0–2 asks for the objection."""

from __future__ import annotations

#: Fewer fingers than this ask for the objection.
OBJECTION_BELOW = 3


def screen(activity, items, mine, workshop, extra=None) -> dict:
    """``activity``: options (fingers and label), ``objection_below``; ``mine``: ``values``
    {item: {"fingers", "objection"}}. The phone answers ``{"values": {item: fingers},
    "comments": {item: objection}}``."""
    options = [{"value": i, "label": lab} for i, lab in enumerate(activity.score_labels())]
    values = {item: {"fingers": value, "objection": comment} for (item, _), (value, comment) in mine.items()}
    return {
        "activity": {
            "options": options,
            "objection_below": OBJECTION_BELOW,
            "objection_hint": "What is your objection? What would make it a 3?",
        },
        "mine": {"values": values},
    }
