"""Simulated participants: seeded, and held to the same rules as people."""

from __future__ import annotations

from collections import defaultdict

import pytest
from repo_paths import DEMO as DEMO_FOLDER

from csikit.model import ActivityKind, ActivityState
from csikit.simulate import Simulation, simulate
from csikit.store import Store
from csikit.workshop_file import load_workshop

DEMO = load_workshop(DEMO_FOLDER)
CODE = DEMO.code
PEOPLE = 12


def fresh(url: str) -> Store:
    store = Store(url)
    store.sync_workshop(DEMO)
    return store


def everything(store: Store) -> list[tuple]:
    """Every response and idea, with participants as join order and items as their text."""
    order = {p.id: n for n, p in enumerate(store.participants(CODE))}
    rows = []
    for a in DEMO.agenda:
        texts = {i.id: i.text for i in store.status(CODE, a.id).items}
        rows += [
            (a.id, order[r.participant], texts[r.item], r.criterion, r.value, r.comment)
            for r in store.responses(CODE, a.id)
        ]
        if a.kind is ActivityKind.IDEAS:
            rows += [(a.id, order[i.participant], i.text) for i in store.ideas(CODE, a.id)]
    return rows


def walk(tmp_path, name: str, seed: int) -> list[tuple]:
    store = fresh(f"sqlite:///{tmp_path}/{name}.sqlite")
    simulate(store, CODE, PEOPLE, seed=seed, walk=True)
    rows = everything(store)
    store.close()
    return rows


def test_same_seed_same_responses(tmp_path):
    first, second = walk(tmp_path, "a", seed=7), walk(tmp_path, "b", seed=7)
    assert len(first) > PEOPLE * len(DEMO.agenda)
    assert first == second


def test_different_seeds_differ(tmp_path):
    a, b = walk(tmp_path, "a", seed=1), walk(tmp_path, "b", seed=2)
    assert a != b
    # and not only in one corner: most activities differ
    by_activity = lambda rows: {r[0]: sorted(x for x in rows if x[0] == r[0]) for r in rows}  # noqa: E731
    ra, rb = by_activity(a), by_activity(b)
    assert sum(ra[k] != rb[k] for k in ra) >= len(ra) // 2


def test_simulated_people_keep_every_rule(store_url):
    store = fresh(store_url)
    done = simulate(store, CODE, PEOPLE, seed=3, walk=True)
    assert [k for k, _, _ in done] == [a.id for a in DEMO.agenda]
    assert all(refused == 0 for _, _, refused in done), done
    assert all(accepted == PEOPLE for _, accepted, _ in done), done
    assert set(store.states(CODE).values()) == {ActivityState.REVEALED}
    for a in DEMO.agenda:
        status = store.status(CODE, a.id)
        keys = {i.id for i in status.items}
        answers = defaultdict(dict)
        for r in store.responses(CODE, a.id):
            assert r.item in keys
            assert r.criterion in a.criteria(DEMO.objectives)
            answers[r.participant][(r.item, r.criterion)] = r.value
        if a.kind is ActivityKind.IDEAS:
            per = defaultdict(int)
            for idea in store.ideas(CODE, a.id):
                per[idea.participant] += 1
            assert len(per) == PEOPLE and max(per.values()) <= (a.max_ideas or 5)
            continue
        assert len(answers) == PEOPLE, a.id
        for values in answers.values():
            if a.kind is ActivityKind.DOT_VOTE:
                assert sum(values.values()) == min(a.budget, a.cap * len(keys))  # every dot spent, none over
                assert max(values.values()) <= a.cap
            elif a.kind is ActivityKind.RANKING:
                assert sorted(values.values()) == list(range(1, len(keys) + 1))
            elif a.kind is ActivityKind.POLL:  # one choice, or at most `choose`
                assert 1 <= len(values) <= (a.choose or 1) and set(values.values()) == {1}
            else:
                lo, hi = a.value_range()
                assert all(lo <= v <= hi for v in values.values())
                assert len(values) == len(keys) * len(a.criteria(DEMO.objectives))  # every item answered
    store.close()


def test_without_walk_only_open_activities_are_filled(tmp_path):
    store = fresh(f"sqlite:///{tmp_path}/s.sqlite")
    store.open_activity(CODE, "s3-vote")
    done = simulate(store, CODE, PEOPLE, seed=0)
    assert done == [("s3-vote", PEOPLE, 0)]
    states = store.states(CODE)
    assert states["s3-vote"] is ActivityState.OPEN  # left open for the facilitator
    assert sum(s is ActivityState.DRAFT for s in states.values()) == len(DEMO.agenda) - 1
    assert store.participation(CODE, "s3-vote") == (PEOPLE, PEOPLE)
    assert simulate(store, CODE, 3, seed=0) == [("s3-vote", 3, 0)]  # a second crowd joins
    assert store.participation(CODE, "s3-vote") == (PEOPLE + 3, PEOPLE + 3)
    store.close()


def test_simulated_people_are_refused_like_anyone(tmp_path):
    store = fresh(f"sqlite:///{tmp_path}/s.sqlite")
    sim = Simulation(store, CODE, seed=0)
    sim.join(5)
    status = store.open_activity(CODE, "s3-vote")
    assert sim.fill(status) == (5, 0)
    store.lock_activity(CODE, "s3-vote")
    assert sim.fill(store.status(CODE, "s3-vote")) == (0, 5)  # locked: every answer refused
    assert len({p.name for p in sim.people}) == 5
    more = sim.join(30)
    assert len({p.name for p in sim.people}) == 35 and len(more) == 30
    store.close()


@pytest.mark.parametrize("n", [1, 25, 26])
def test_names_stay_unique(tmp_path, n):
    store = fresh(f"sqlite:///{tmp_path}/s.sqlite")
    people = Simulation(store, CODE).join(n)
    assert len({p.name for p in people}) == n
    store.close()


def _dot_positions(tmp_path, name: str, bias: float) -> list[tuple]:
    store = fresh(f"sqlite:///{tmp_path}/{name}.sqlite")
    sim = Simulation(store, CODE, seed=5, order_bias=bias)
    sim.join(20)
    sim.fill(store.open_activity(CODE, "s3-vote"))
    rows = [(r.participant, r.item, r.value, r.position) for r in store.responses(CODE, "s3-vote")]
    store.close()
    return rows


def test_an_order_bias_favours_what_each_person_was_shown_first(tmp_path):
    from csikit.order import positions

    plain, biased = _dot_positions(tmp_path, "plain", 0.0), _dot_positions(tmp_path, "biased", 1.5)
    items = [i.id for i in DEMO.activity("s3-vote").items]
    for rows in (plain, biased):  # the store recorded where each person's phone shows each item
        assert all(pos == positions(DEMO.activity("s3-vote"), items, p)[item] for p, item, _, pos in rows)

    def mean_place(rows) -> float:  # where the dots went, on average, in each person's order
        return sum(value * pos for _, _, value, pos in rows) / sum(value for _, _, value, _ in rows)

    assert mean_place(biased) < mean_place(plain) - 0.7  # dots moved towards the top of each screen (3.6 → 2.5)
    assert mean_place(plain) > 2.5  # without a bias, about the middle of 0–7


def test_simulate_passes_the_order_bias_on(tmp_path):
    store = fresh(f"sqlite:///{tmp_path}/s.sqlite")
    store.open_activity(CODE, "s3-rank")
    simulate(store, CODE, 30, seed=0, order_bias=2.0)  # a strong bias: most keep the order they were shown
    kept = sum(r.value == r.position + 1 for r in store.responses(CODE, "s3-rank"))
    assert kept > 0.6 * len(store.responses(CODE, "s3-rank"))
    store.close()
