"""Plausible participants for rehearsals, tests and benchmarks.

Simulated people answer through the same store API as the apps, so every rule
applies to them too. Seeded: the same seed gives the same responses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .errors import ResponseRefused
from .kinds import kind_of
from .model import ActivityState, ActivityStatus, Participant, Step
from .order import positions
from .store import Store

_FIRST = (
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Goran",
    "Hana",
    "Ivo",
    "Jess",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vik",
    "Wen",
    "Yara",
    "Zoe",
)
_IDEAS = {
    Step.VISION: (
        "Password resets eat a third of our calls",
        "P1 incidents bounce between teams",
        "Nobody owns the knowledge base",
        "Changes break things on Monday mornings",
        "Users cannot see the status of their ticket",
        "Monitoring alerts nobody reads",
        "Night shift has no escalation path",
        "Asset records are out of date",
    ),
    Step.MOMENTUM: (
        "Self-service portal went live on time",
        "Major incident reviews now happen within 48 h",
        "We measured before we changed things",
        "Too many initiatives at once",
        "Owners need protected time",
        "Celebrate the quick wins earlier",
    ),
}


@dataclass
class Simulation:
    """A seeded crowd of participants with stable tastes.

    ``order_bias`` makes the crowd favour what it sees first, as people do (a primacy
    effect): it is added to the room's appeal (0–1) of the item a person was shown first,
    falling in a straight line to nothing for the item shown last. Each person sees the
    items in the order their phone would (:func:`csikit.order.shown_order`), so with fair
    order the bias lands on different items for different people, and the store records
    the positions as it does for a phone.
    """

    store: Store
    code: str
    seed: int = 0
    people: list[Participant] = field(default_factory=list)
    order_bias: float = 0.0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._appeal: dict[str, float] = {}

    def join(self, n: int) -> list[Participant]:
        start = len(self.people)
        for i in range(start, start + n):
            name = f"{_FIRST[i % len(_FIRST)]} {i // len(_FIRST) + 1}" if i >= len(_FIRST) else _FIRST[i]
            self.people.append(self.store.join(self.code, name))
        return self.people[start:]

    def appeal(self, item: str) -> float:
        """How much the room likes an item (shared by all, so results show agreement)."""
        if item not in self._appeal:
            self._appeal[item] = self.rng.random()
        return self._appeal[item]

    def fill(self, status: ActivityStatus) -> tuple[int, int]:
        """Every simulated person answers one open activity; returns (accepted, refused)."""
        accepted = refused = 0
        for person in self.people:
            try:
                self.answer(person, status)
                accepted += 1
            except ResponseRefused:
                refused += 1
        return accepted, refused

    def answer(self, person: Participant, status: ActivityStatus) -> None:
        a, rng, items = status.activity, self.rng, [i.id for i in status.items]
        ws = self.store.workshop(self.code)
        if kind_of(a.kind).collects_ideas:
            bank = _IDEAS.get(a.step, _IDEAS[Step.VISION])
            for text in rng.sample(bank, k=min(len(bank), rng.randint(1, min(3, a.max_ideas or 5)))):
                self.store.add_idea(self.code, person.id, a.id, text)
            return
        if not items:
            return
        appeal = self._biased(a, items, person) if self.order_bias else self.appeal
        values, comments = kind_of(a.kind).sample(a, items, a.criteria(ws.objectives), rng, appeal)
        self.store.respond(self.code, person.id, a.id, values, comments)

    def _biased(self, activity, items: list[str], person: Participant):
        """The room's appeal as ``person`` feels it: more for what their phone shows first."""
        shown = positions(activity, items, person.id)
        last = max(len(items) - 1, 1)

        def appeal(key: str) -> float:  # a key is an item, or "item/criterion" (kinds.base.Kind.sample)
            return self.appeal(key) + self.order_bias * (1 - shown[key.split("/")[0]] / last)

        return appeal


def simulate(
    store: Store,
    code: str,
    participants: int,
    *,
    seed: int = 0,
    walk: bool = False,
    progress=None,
    order_bias: float = 0.0,
) -> list[tuple[str, int, int]]:
    """Join ``participants`` people and fill the open activities (or, with ``walk``,
    open, fill, lock and reveal every draft activity in agenda order).

    ``order_bias``: how much the crowd favours items shown first (see :class:`Simulation`).
    Returns one ``(activity, accepted, refused)`` per activity filled.
    """
    sim = Simulation(store, code, seed, order_bias=order_bias)
    sim.join(participants)
    states = store.states(code)
    if walk:
        keys = [k for k, s in states.items() if s in (ActivityState.DRAFT, ActivityState.OPEN)]
    else:
        keys = [k for k, s in states.items() if s is ActivityState.OPEN]
    out = []
    for key in keys if progress is None else progress(keys):
        status = store.status(code, key)
        if status.state is ActivityState.DRAFT:
            status = store.open_activity(code, key, actor="simulation")
        accepted, refused = sim.fill(status)
        if walk:
            store.lock_activity(code, key, actor="simulation")
            store.reveal_activity(code, key, actor="simulation")
        out.append((key, accepted, refused))
    return out
