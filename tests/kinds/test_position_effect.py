"""The order check: is the position an item was shown in associated with its score?

Known answers two ways: hand-made responses where the answer is built in, and a simulated
room of 40 answering through the store (real ``respond``, positions recorded by it) with
and without a primacy bias.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from repo_paths import DEMO as DEMO_FOLDER
from scipy import stats

from csikit import analysis
from csikit.analysis import position_effect
from csikit.model import Activity, ActivityKind, Item, RatingScale, Response, Step
from csikit.order import positions, shown_order
from csikit.simulate import Simulation
from csikit.store import Store
from csikit.workshop_file import load_workshop

ITEMS = tuple(Item(f"i{k}", f"Item {k}") for k in range(8))
RATING = Activity("rate", Step.TARGET, ActivityKind.RATING, "Rate", items=ITEMS, scale=RatingScale.LIKERT)
VOTE = Activity("vote", Step.TARGET, ActivityKind.DOT_VOTE, "Vote", items=ITEMS, budget=3, per_item_cap=3)
RANK = Activity("rank", Step.TARGET, ActivityKind.RANKING, "Rank", items=ITEMS[:5])
NO_SIGN, FIRST, LAST, TOO_FEW = (
    "No sign that the order",
    "Items shown first got higher",
    "Items shown last got higher",
    "Too few answers",
)


def rated(people: int, bias: float, seed: int, activity: Activity = RATING) -> list[Response]:
    """A room rating 1–5: each item has its own quality; ``bias`` points more for the item
    shown first, falling to none for the last; noise around it."""
    rng = random.Random(seed)
    keys = [i.id for i in activity.items]
    quality = {k: rng.uniform(1.5, 4.5) for k in keys}
    out = []
    for p in range(1, people + 1):
        for pos, k in enumerate(shown_order(activity, keys, p)):
            v = quality[k] + bias * (1 - pos / (len(keys) - 1)) + rng.gauss(0, 0.8)
            out.append(Response(activity.id, p, k, "", max(1, min(5, round(v))), "", pos))
    return out


def test_the_estimate_is_spearmans_rho_of_position_and_the_score_ranked_within_its_item():
    responses = rated(30, 0.8, seed=5)
    effect = position_effect(responses, RATING)
    within = {}  # each score's rank among its item's scores, from −½ to ½
    for k in {r.item for r in responses}:
        mine = [r for r in responses if r.item == k]
        for r, rank in zip(mine, stats.rankdata([r.value for r in mine]), strict=True):
            within[r.participant, k] = (rank - (len(mine) + 1) / 2) / len(mine)
    rho, _ = stats.pearsonr(
        stats.rankdata([r.position for r in responses]), [within[r.participant, r.item] for r in responses]
    )
    assert effect.estimate == pytest.approx(rho)
    assert effect.n == 30 * len(ITEMS) and effect.enough
    # and close to the plain Spearman ρ of position and the score minus its item's mean
    means = {k: np.mean([r.value for r in responses if r.item == k]) for k in {r.item for r in responses}}
    plain, _ = stats.spearmanr([r.position for r in responses], [r.value - means[r.item] for r in responses])
    assert effect.estimate == pytest.approx(plain, abs=0.05)


def test_a_built_in_primacy_is_found_and_said_in_plain_words():
    effect = position_effect(rated(40, 1.5, seed=1), RATING)
    assert effect.estimate < -0.2 and effect.p_value < 0.01
    assert effect.verdict.startswith(FIRST) and "the order may have swayed the result" in effect.verdict
    assert f"ρ = −{abs(effect.estimate):.2f}" in effect.verdict and "p < 0.001" in effect.verdict


def test_a_recency_effect_is_found_too():
    flipped = [
        Response(r.activity, r.participant, r.item, "", 6 - r.value, "", r.position) for r in rated(40, 1.5, seed=2)
    ]
    effect = position_effect(flipped, RATING)
    assert effect.estimate > 0.2 and effect.p_value < 0.01 and effect.verdict.startswith(LAST)


def test_good_items_are_not_mistaken_for_an_order_effect():
    # scores follow the items only: every participant gives item k exactly its quality
    quality = {i.id: 1 + n % 5 for n, i in enumerate(ITEMS)}
    responses = [
        Response("rate", p, k, "", quality[k], "", pos)
        for p in range(1, 31)
        for k, pos in positions(RATING, list(quality), p).items()
    ]
    effect = position_effect(responses, RATING)
    assert effect.enough and effect.estimate == 0 and effect.p_value == 1
    assert effect.verdict.startswith(NO_SIGN)


def test_without_an_order_effect_the_p_value_is_uniform():
    """Under the null the randomisation test flags about 5% of rooms, not more."""
    ps = [position_effect(rated(25, 0.0, seed=s), RATING, permutations=400).p_value for s in range(60)]
    flagged = sum(p < 0.05 for p in ps)
    assert flagged <= 8, sorted(ps)[:10]  # 3 expected; 8 or more happens by chance < 1% of the time
    assert 0.3 < np.median(ps) < 0.7


def test_too_few_answers_are_not_judged():
    effect = position_effect(rated(3, 3.0, seed=0), RATING)
    assert not effect.enough and effect.verdict == "Too few answers to check the order's effect."
    assert effect.n == 3 * len(ITEMS) and effect.estimate != effect.estimate  # nan
    assert not position_effect([], RATING).enough


def test_answers_without_a_position_are_left_out():
    room = rated(30, 0.0, seed=3)
    # a paper participant (no position) who gives the agenda's first item 5 and the rest 1
    paper = [Response("rate", 99, i.id, "", 5 if n == 0 else 1, "", None) for n, i in enumerate(ITEMS)]
    with_paper, without = position_effect(room + paper, RATING), position_effect(room, RATING)
    assert with_paper == without and with_paper.n == len(room)


def test_criteria_are_centred_separately():
    """Impact and effort of the same item share its position; each is centred on its own mean."""
    rng = random.Random(4)
    out = []
    for p in range(1, 31):
        for pos, k in enumerate(shown_order(RATING, [i.id for i in ITEMS], p)):
            out.append(Response("rate", p, k, "impact", 5 if pos < 2 else 1 + rng.randrange(2), "", pos))
            out.append(Response("rate", p, k, "effort", 1 + rng.randrange(5), "", pos))
    effect = position_effect(out, RATING)
    assert effect.n == 2 * 30 * len(ITEMS) and effect.estimate < -0.2 and effect.p_value < 0.01


def test_a_dot_vote_counts_the_items_a_voter_gave_no_dot_at_the_place_they_were_shown():
    rng = random.Random(0)
    keys = [i.id for i in ITEMS]
    out = []
    for p in range(1, 31):
        order = shown_order(VOTE, keys, p)
        first = order[0] if rng.random() < 0.7 else rng.choice(order)  # most spend every dot on the first item
        out.append(Response("vote", p, first, "", 3, "", order.index(first)))
    effect = position_effect(out, VOTE)
    assert effect.n == 30 * len(ITEMS)  # the 7 items without dots count too, as 0 at their place
    assert effect.estimate < -0.2 and effect.p_value < 0.01 and effect.verdict.startswith(FIRST)
    # the same dots spent at random places: no sign
    fair = []
    for p in range(1, 31):
        order = shown_order(VOTE, keys, p)
        pick = rng.choice(order)
        fair.append(Response("vote", p, pick, "", 3, "", order.index(pick)))
    assert position_effect(fair, VOTE).p_value > 0.05


def test_a_ranking_scores_place_one_highest():
    keys = [i.id for i in RANK.items]
    # everyone keeps the order they were shown: the item shown first gets place 1
    out = [
        Response("rank", p, k, "", pos + 1, "", pos)
        for p in range(1, 21)
        for pos, k in enumerate(shown_order(RANK, keys, p))
    ]
    effect = position_effect(out, RANK)
    assert effect.estimate < -0.9 and effect.p_value < 0.01 and effect.verdict.startswith(FIRST)


@pytest.mark.parametrize(
    ("rho", "p", "words"),
    [
        (
            -0.31,
            0.002,
            "Items shown first got higher scores (ρ = −0.31, p = 0.002): the order may have swayed the result.",
        ),
        (0.03, 0.71, "No sign that the order items were shown in swayed the scores (ρ = 0.03, p = 0.71)."),
        (
            0.25,
            0.0004,
            "Items shown last got higher scores (ρ = 0.25, p < 0.001): the order may have swayed the result.",
        ),
        (
            -0.12,
            0.0461,
            "Items shown first got higher scores (ρ = −0.12, p = 0.046): the order may have swayed the result.",
        ),
        (-0.1, 0.0512, "No sign that the order items were shown in swayed the scores (ρ = −0.10, p = 0.051)."),
    ],
)
def test_the_verdict_reads_as_a_sentence(rho, p, words):
    assert analysis.position_verdict(rho, p) == words


# --- the known answer: a simulated room answering through the store -----------------------------

DEMO = load_workshop(DEMO_FOLDER)
CODE = DEMO.code
#: A dot vote, a rating (impact and effort of the dot vote's items) and a ranking of objectives.
CHECKED = ("s3-vote", "s3-impact-effort", "s3-rank")


def simulated_room(tmp_path, seed: int, bias: float, people: int = 40) -> dict[str, analysis.PositionEffect]:
    store = Store(f"sqlite:///{tmp_path}/room-{seed}-{bias}.sqlite")
    store.sync_workshop(DEMO)
    sim = Simulation(store, CODE, seed=seed, order_bias=bias)
    sim.join(people)
    out = {}
    try:
        for key in CHECKED:
            status = store.open_activity(CODE, key)
            assert sim.fill(status) == (people, 0)
            store.lock_activity(CODE, key)
            responses = store.responses(CODE, key)
            shown = {p.id: positions(status.activity, [i.id for i in status.items], p.id) for p in sim.people}
            assert all(r.position == shown[r.participant][r.item] for r in responses)  # the store recorded them
            out[key] = position_effect(responses, status.activity, status.items)
    finally:
        store.close()
    return out


def test_a_simulated_room_without_an_order_bias_shows_no_sign(tmp_path):
    ps = []
    for seed in range(6):
        for key, effect in simulated_room(tmp_path, seed, 0.0).items():
            assert effect.enough, (seed, key)
            ps.append(effect.p_value)
    # 18 checks at the 5% level: about one flags by chance (two do here); four or more happen
    # by chance about 1% of the time, and would mean the check sees order where there is none
    assert sum(p < 0.05 for p in ps) <= 3, ps
    assert np.median(ps) > 0.2, ps


def test_a_simulated_room_with_a_strong_primacy_bias_is_caught(tmp_path):
    for seed in range(3):
        for key, effect in simulated_room(tmp_path, seed, 0.6).items():
            assert effect.p_value < 0.01 and effect.estimate < 0, (seed, key, effect)
            assert effect.verdict.startswith(FIRST), effect.verdict


def test_the_worksheets_show_the_check_under_the_results(tmp_path):
    from csikit.exhibits import activity_exhibits

    store = Store(f"sqlite:///{tmp_path}/sheet.sqlite")
    store.sync_workshop(DEMO)
    sim = Simulation(store, CODE, seed=4, order_bias=0.8)
    sim.join(30)
    try:
        for key in ("s3-vote", "s6-changed"):  # a dot vote (fair order) and a poll (none)
            sim.fill(store.open_activity(CODE, key))
            store.lock_activity(CODE, key)
        vote = activity_exhibits(store, CODE, DEMO.activity("s3-vote"))
        assert vote[0].figure is not None and vote[0].note.startswith("Fair order: Items shown first got higher scores")
        assert all("Fair order" not in ex.note for ex in vote[1:])
        assert all("Fair order" not in ex.note for ex in activity_exhibits(store, CODE, DEMO.activity("s6-changed")))
    finally:
        store.close()
