"""The phone screen of an ideas activity, as data (no ipywidgets): one's own ideas, editable."""

from __future__ import annotations

from ...model import MAX_IDEA_LENGTH


def screen(activity, items, mine, workshop, extra=None) -> dict:
    """``activity``: ``max_ideas``, ``max_length``; ``mine``: ``ideas`` [{"id", "text"}], one's own,
    oldest first (``mine`` is the list of the person's :class:`~csikit.model.Idea`). The phone
    sends ``idea`` (a new one), ``edit`` (``idea``, ``text``) and ``withdraw`` (``idea``)."""
    return {
        "activity": {"max_ideas": activity.max_ideas or 5, "max_length": MAX_IDEA_LENGTH},
        "mine": {"ideas": [{"id": i.id, "text": i.text} for i in mine]},
    }
