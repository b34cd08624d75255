"""Activity kinds: one module per kind, found through one registry.

Everything that differs between activity kinds lives in ``csikit/kinds/<kind>.py``,
a :class:`~csikit.kinds.base.Kind` subclass: its settings and their validation, the
rule that merges a participant's answer (the store calls it inside its transaction),
the light tally a phone shows, a simulated answer, and the facilitator's summary,
chart, live result, worksheet exhibits and review rows. Everything else asks
:func:`kind_of` instead of switching on the kind.

How a kind is split, and why: the room server holds every phone of a room in one
process, so what a phone needs must not load pandas, seaborn, matplotlib or ipywidgets,
and neither may the model and the store. Hence two files per kind, and a front-end module:

- ``<kind>.py`` imports only the model at import time. Its light methods (settings,
  ``merge``, ``tally``, ``sample``) are pure Python; its heavy methods (``summary``,
  ``live``, ``exhibits``, ``review_results``) import :mod:`csikit.analysis` and
  :mod:`csikit.charts` inside, when the facilitator or the review calls them.
- ``<kind>_screen.py`` is what a phone shows of an open activity of this kind, as data
  (pure Python; :mod:`csikit.room.screens` imports it), drawn on the phone by
  ``csikit/room/static/kinds/<module>.js``.

Adding a kind is its module, its screen module and front-end module, plus one line in
:data:`REGISTRY`; :class:`~csikit.model.ActivityKind` is built from the registry's names.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Kind

#: Activity kind (its name in workshop files) → the module that knows it, in the order
#: workshop files and menus list them.
REGISTRY: dict[str, str] = {
    "ideas": "csikit.kinds.ideas",
    "dot_vote": "csikit.kinds.dot_vote",
    "rating": "csikit.kinds.rating",
    "maturity": "csikit.kinds.maturity",
    "fist_of_five": "csikit.kinds.fist_of_five",
    "ranking": "csikit.kinds.ranking",
    "poll": "csikit.kinds.poll",
}

__all__ = ["REGISTRY", "kind_of"]


def kind_of(kind) -> Kind:
    """The :class:`~csikit.kinds.base.Kind` of an activity kind (an ``ActivityKind`` or its name).

    Raises
    ------
    ValueError
        For a name no module is registered for.
    """
    return _load(getattr(kind, "value", kind))


@cache
def _load(name: str) -> Kind:
    if name not in REGISTRY:
        msg = f"{name!r} is not an activity kind; known kinds: {', '.join(REGISTRY)}"
        raise ValueError(msg)
    return import_module(REGISTRY[name]).KIND
