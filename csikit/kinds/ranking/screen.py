"""The phone screen of a ranking, as data (no ipywidgets): the person's order, most important first."""

from __future__ import annotations


def screen(activity, items, mine, workshop, extra=None) -> dict:
    """``mine``: ``order``, every item id, the saved ranking first (items not ranked yet follow
    in the person's fair order) and ``saved`` (whether a ranking is stored). The phone answers
    ``{"values": {item: position}}`` with positions 1…n."""
    position = {item: value for (item, _), (value, _) in mine.items()}
    order = sorted((i.id for i in items), key=lambda i: position.get(i, 10**6))
    return {
        "activity": {"hint": "Most important first. Every move is saved."},
        "mine": {"order": order, "saved": bool(position)},
    }
