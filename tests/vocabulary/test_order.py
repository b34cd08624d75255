"""Fair order: each participant's own shuffled order of an activity's items, stable across
calls, reloads and processes; off for other kinds and when a workshop switches it off."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from csikit import order
from csikit.errors import ValidationError
from csikit.model import Activity, ActivityKind, Item, Step

KEYS = [f"c{i}" for i in range(12)]


def activity(kind: ActivityKind = ActivityKind.DOT_VOTE, **settings) -> Activity:
    defaults = {
        ActivityKind.DOT_VOTE: {"budget": 5},
        ActivityKind.RATING: {"scale": "likert"},
        ActivityKind.POLL: {"options": ("yes", "no")},
    }
    kw = {**defaults.get(kind, {}), **settings}
    if "scale" in kw:
        from csikit.model import RatingScale

        kw["scale"] = RatingScale(kw["scale"])
    items = () if kind in (ActivityKind.POLL, ActivityKind.IDEAS) else tuple(Item(k, k.upper()) for k in KEYS)
    return Activity("vote", Step.TARGET, kind, "Pick", items=items, **kw)


@pytest.mark.parametrize("kind", sorted(order.FAIR_ORDER_KINDS))
def test_shown_order_is_a_permutation_stable_across_calls(kind):
    a = activity(kind)
    first = order.shown_order(a, KEYS, 7)
    assert sorted(first) == sorted(KEYS)
    assert first != KEYS  # 12 items: the identity has a chance of 1 in 479 001 600
    assert order.shown_order(a, KEYS, 7) == first
    assert order.shown_order(a, tuple(KEYS), 7) == first  # any sequence


def test_shown_order_is_the_same_in_another_process():
    """A reload may land on another kernel: the order must not depend on PYTHONHASHSEED."""
    a = activity()
    code = (
        "import json; from csikit import order; from csikit.model import *;"
        "a = Activity('vote', Step.TARGET, ActivityKind.DOT_VOTE, 'Pick', "
        f"items=tuple(Item(k, k) for k in {KEYS!r}), budget=5);"
        f"print(json.dumps([order.shown_order(a, {KEYS!r}, p) for p in (1, 2, 3)]))"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert json.loads(out.stdout) == [order.shown_order(a, KEYS, p) for p in (1, 2, 3)]


def test_participants_see_different_orders():
    a = activity()
    orders = {tuple(order.shown_order(a, KEYS, p)) for p in range(1, 21)}
    assert len(orders) == 20
    # every item is first for someone: no item is favoured by the shuffle itself
    firsts = {tuple(order.shown_order(a, KEYS, p))[0] for p in range(1, 200)}
    assert firsts == set(KEYS)


def test_activities_shuffle_independently():
    a = activity()
    b = Activity("vote2", Step.TARGET, ActivityKind.DOT_VOTE, "Pick", items=a.items, budget=5)
    assert order.shown_order(a, KEYS, 3) != order.shown_order(b, KEYS, 3)


def test_positions_match_the_shown_order():
    a = activity(ActivityKind.RANKING)
    shown = order.shown_order(a, KEYS, 4)
    pos = order.positions(a, KEYS, 4)
    assert sorted(pos.values()) == list(range(len(KEYS)))
    assert [k for k, _ in sorted(pos.items(), key=lambda kv: kv[1])] == shown


def test_identity_when_switched_off():
    a = activity(fair_order=False)
    assert not order.fair_order_on(a)
    assert order.shown_order(a, KEYS, 7) == KEYS
    assert order.positions(a, KEYS, 7) == {k: i for i, k in enumerate(KEYS)}


def test_on_by_default_and_when_asked():
    assert order.fair_order_on(activity())
    assert order.fair_order_on(activity(fair_order=True))


@pytest.mark.parametrize("kind", [ActivityKind.POLL, ActivityKind.FIST_OF_FIVE, ActivityKind.MATURITY])
def test_identity_for_other_kinds(kind):
    a = activity(kind)
    assert not order.fair_order_on(a)
    keys = [i.id for i in a.items] or ["yes", "no"]
    assert order.shown_order(a, keys, 7) == keys


@pytest.mark.parametrize("kind", [ActivityKind.POLL, ActivityKind.IDEAS, ActivityKind.FIST_OF_FIVE])
@pytest.mark.parametrize("value", [True, False])
def test_fair_order_refused_on_other_kinds(kind, value):
    with pytest.raises(ValidationError) as info:
        activity(kind, fair_order=value)
    assert "fair_order" in str(info.value)
    assert kind.value in str(info.value)
    assert "dot_vote, rating, ranking" in str(info.value)
