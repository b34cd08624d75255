"""Plausible participants for rehearsals, tests and benchmarks.

Simulated people answer through the same store API as the apps, so every rule
applies to them too. Seeded: the same seed gives the same responses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .errors import ResponseRefused
from .model import ActivityKind, ActivityState, ActivityStatus, Participant, Step
from .store import Store

_FIRST = ("Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivo", "Jess", "Kofi", "Lena",
          "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vik", "Wen", "Yara", "Zoe")
_IDEAS = {
    Step.VISION: ("Password resets eat a third of our calls", "P1 incidents bounce between teams",
                  "Nobody owns the knowledge base", "Changes break things on Monday mornings",
                  "Users cannot see the status of their ticket", "Monitoring alerts nobody reads",
                  "Night shift has no escalation path", "Asset records are out of date"),
    Step.MOMENTUM: ("Self-service portal went live on time", "Major incident reviews now happen within 48 h",
                    "We measured before we changed things", "Too many initiatives at once",
                    "Owners need protected time", "Celebrate the quick wins earlier"),
}
_OBJECTIONS = ("We do not have the people for this yet", "The KPI will not show the benefit",
               "Depends on a tool we have not bought", "Too big for one quarter: split it")


@dataclass
class Simulation:
    """A seeded crowd of participants with stable tastes."""

    store: Store
    code: str
    seed: int = 0
    people: list[Participant] = field(default_factory=list)

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
        if a.kind is ActivityKind.IDEAS:
            bank = _IDEAS.get(a.step, _IDEAS[Step.VISION])
            for text in rng.sample(bank, k=min(len(bank), rng.randint(1, min(3, a.max_ideas or 5)))):
                self.store.add_idea(self.code, person.id, a.id, text)
            return
        if not items:
            return
        values: dict[tuple[str, str], int] = {}
        comments: dict[str, str] = {}
        if a.kind is ActivityKind.DOT_VOTE:
            left = a.budget or 0
            while left:
                weights = [self.appeal(i) ** 2 + 0.05 for i in items]
                item = rng.choices(items, weights)[0]
                if values.get((item, ""), 0) < a.cap:
                    values[(item, "")] = values.get((item, ""), 0) + 1
                    left -= 1
                elif all(values.get((i, ""), 0) >= a.cap for i in items):
                    break
        elif a.kind is ActivityKind.RANKING:
            order = sorted(items, key=lambda i: -(self.appeal(i) + rng.gauss(0, 0.25)))
            values = {(item, ""): pos for pos, item in enumerate(order, start=1)}
        else:
            lo, hi = a.value_range()
            for item in items:
                for criterion in a.criteria(ws.objectives):
                    centre = lo + (hi - lo) * self.appeal(f"{item}/{criterion}")
                    if criterion == "target":
                        centre = min(hi, centre + 1.5)
                    values[(item, criterion)] = max(lo, min(hi, round(rng.gauss(centre, 0.8))))
                if a.kind is ActivityKind.FIST_OF_FIVE and values[(item, "")] <= 2:
                    comments[item] = rng.choice(_OBJECTIONS)
        self.store.respond(self.code, person.id, a.id, values, comments)


def simulate(store: Store, code: str, participants: int, *, seed: int = 0, walk: bool = False,
             progress=None) -> list[tuple[str, int, int]]:
    """Join ``participants`` people and fill the open activities (or, with ``walk``,
    open, fill, lock and reveal every draft activity in agenda order).

    Returns one ``(activity, accepted, refused)`` per activity filled.
    """
    sim = Simulation(store, code, seed)
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
