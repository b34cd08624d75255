"""Activity kinds: one folder per kind, found through one registry.

Everything that differs between activity kinds lives in ``csikit/kinds/<kind>/``, one
file per layer the kind crosses:

- ``rules.py``: the :class:`~csikit.kinds.base.Kind` (``KIND``): its settings and their
  checks, the rule that merges a participant's answer (the store calls it inside its
  transaction), the light tally a phone shows, a simulated answer, and the facts the rest
  of csikit asks instead of switching on the kind (collects ideas, picks winners, adds up
  on merge, its answer verb, its paper form). Imports only the model, the errors and
  :mod:`csikit.stats`. :func:`kind_of`.
- ``results.py``: the :class:`~csikit.kinds.results.Results` (``RESULTS``): the
  facilitator's summary and live result, the worksheets' and the review's exhibits, the
  review's rows. Imports :mod:`csikit.analysis`, :mod:`csikit.charts`, :mod:`csikit.display`.
  :func:`csikit.kinds.results.results_of`.
- ``screen.py``: what a phone shows of an open activity of this kind, as data (pure
  Python; :mod:`csikit.room.screens` asks :func:`csikit.kinds.screen.screen_of`), and
  ``phone.js``, the front-end module that draws it (:mod:`csikit.room.kind_assets`; the
  room serves it at ``/room/static/kinds/<kind>.js``).

The room server holds every phone of a room in one process, so the rules and the screen
must not load pandas, seaborn, matplotlib or ipywidgets; each facet loads when first asked
for. Adding a kind is its folder plus one line in :data:`REGISTRY`;
:class:`~csikit.model.ActivityKind` is built from the registry's names.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

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
    "consent": "csikit.kinds.consent",
}

__all__ = ["REGISTRY", "facet", "kind_of"]


def kind_of(kind) -> Kind:
    """The rules facet, :class:`~csikit.kinds.base.Kind`, of an activity kind (an ``ActivityKind``
    or its name).

    Raises
    ------
    ValueError
        For a name no module is registered for.
    """
    return facet(kind, "rules").KIND


def facet(kind, name: str) -> ModuleType:
    """The module of one facet (``"rules"``, ``"results"``, ``"screen"``) of an activity kind,
    imported the first time it is asked for. Each facet's layer asks through its own function:
    :func:`kind_of`, :func:`csikit.kinds.results.results_of`, :func:`csikit.kinds.screen.screen_of`.

    Raises
    ------
    ValueError
        For a name no module is registered for.
    """
    return _facet(getattr(kind, "value", kind), name)


@cache
def _facet(name: str, facet: str) -> ModuleType:
    if name not in REGISTRY:
        msg = f"{name!r} is not an activity kind; known kinds: {', '.join(REGISTRY)}"
        raise ValueError(msg)
    return import_module(f"{REGISTRY[name]}.{facet}")
