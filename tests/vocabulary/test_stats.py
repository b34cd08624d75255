"""csikit.stats: one quantile rule and one proportion interval, checked against reference
implementations (numpy's quantile methods, scipy's Wilson interval) over small samples,
and the text every screen shows at the edges (two answers 1 and 5; an option nobody chose)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from csikit import analysis, stats
from csikit.kinds import kind_of
from csikit.kinds.base import Answers
from csikit.kinds.results import results_of
from csikit.model import Activity, ActivityKind, Item, RatingScale, Response, Step, Workshop

ANSWERS = st.lists(st.integers(0, 5), min_size=1, max_size=12)  # a small room on a 0–5 scale
LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99])


# --- the quantile rule ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(ANSWERS)
def test_quartiles_are_numpys_linear_method_exactly(values):
    assert stats.quartiles(values) == tuple(np.quantile(values, [0.25, 0.5, 0.75], method="linear"))
    assert stats.quartiles(values) == tuple(np.quantile(values, [0.25, 0.5, 0.75]))  # numpy's default


@settings(max_examples=300, deadline=None)
@given(ANSWERS, st.floats(0, 1))
def test_any_quantile_matches_numpy_linear(values, p):
    assert stats.quantile(values, p) == pytest.approx(float(np.quantile(values, p, method="linear")), abs=1e-12)
    assert min(values) <= stats.quantile(values, p) <= max(values)  # never outside the answers


@settings(max_examples=200, deadline=None)
@given(ANSWERS)
def test_the_middle_half_collapses_only_when_the_answers_agree(values):
    q1, median, q3 = stats.quartiles(values)
    assert q1 <= median <= q3
    assert median == float(np.median(values))  # the median everyone knows
    # the old "midpoint" rule collapsed 1, 5 to 3–3; linear keeps a spread whenever answers differ
    # and there are at most 3 of them (each sample point then sits within a quarter of the next)
    if len(values) <= 3 and len(set(values)) > 1:
        assert q3 > q1


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 5], (2.0, 3.0, 4.0)),  # positions .25, .5, .75 of the way from 1 to 5
        ([2, 4], (2.5, 3.0, 3.5)),
        ([3], (3.0, 3.0, 3.0)),
        ([1, 3, 5], (2.0, 3.0, 4.0)),  # positions 0.5, 1, 1.5
        ([2, 4, 4, 5], (3.5, 4.0, 4.25)),  # positions 0.75 (2→4), 1.5 (4, 4), 2.25 (4→5)
        ([5, 1, 4, 2, 3], (2.0, 3.0, 4.0)),  # order does not matter
    ],
)
def test_quartiles_by_hand(values, expected):
    assert stats.quartiles(values) == expected


def test_no_values():
    assert all(math.isnan(v) for v in stats.quartiles([]))
    with pytest.raises(ValueError, match="no values"):
        stats.quantile([], 0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        stats.quantile([1], 1.5)


# --- low agreement --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "lo", "hi", "low"),
    [
        ([1, 5], 1, 5, True),  # the two ends of the scale: 2–4 spans half of 1–5
        ([1, 4], 1, 5, False),  # 1.75–3.25
        ([3, 3], 1, 5, False),
        ([1, 1, 5], 1, 5, True),  # 1–3
        ([2, 3, 5], 1, 5, False),  # 2.5–4
        ([0, 5], 0, 5, True),  # fist of five, maturity: 1.25–3.75 spans 2.5
        ([1, 5], 0, 5, False),  # 2–4 spans 2 < 2.5
    ],
)
def test_low_agreement(values, lo, hi, low):
    q1, _, q3 = stats.quartiles(values)
    assert stats.low_agreement(q1, q3, lo, hi) is low


def test_no_answers_are_not_low_agreement():
    assert stats.low_agreement(math.nan, math.nan, 1, 5) is False


# --- the Wilson interval ---------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), LEVELS)
def test_wilson_matches_scipy(kn, level):
    k, n = kn
    ref = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    low, high = stats.wilson(k, n, level)
    assert (low, high) == (pytest.approx(ref.low, abs=1e-12), pytest.approx(ref.high, abs=1e-12))
    assert 0 <= low <= k / n <= high <= 1
    assert high > 0 and low < 1  # never a zero-width interval at 0 or at n
    assert stats.count_interval(k, n, level) == (pytest.approx(low * n), pytest.approx(high * n))


def test_wilson_at_the_edges_by_hand():
    # 0 of 12: the upper end is z²/(n + z²) = 3.8415/15.8415 = 0.2425 (Wilson's "rule of about 3")
    assert stats.wilson(0, 12) == (0.0, pytest.approx(0.24249, abs=1e-5))
    assert stats.count_interval(0, 12) == (0.0, pytest.approx(2.9099, abs=1e-4))
    assert stats.wilson(12, 12) == (pytest.approx(0.75751, abs=1e-5), 1.0)
    assert stats.count_interval(0, 0) == (0.0, 0.0)  # nobody voted: nothing to say
    with pytest.raises(ValueError):
        stats.wilson(3, 2)
    with pytest.raises(ValueError):
        stats.wilson(0, 0)


def test_stats_is_light():
    code = (
        "import sys, csikit.stats, csikit.kinds.base; "
        "heavy = [m for m in ('numpy', 'pandas') if m in sys.modules]; assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# --- every screen uses the rule ---------------------------------------------------------------

ITEMS = (Item("a", "Alpha"), Item("b", "Beta"))
RATING = Activity(
    "r", Step.TARGET, ActivityKind.RATING, "How ready?", items=ITEMS, scale=RatingScale.LIKERT, anonymous=False
)  # two answers show (an anonymous one waits for min_group)
WORKSHOP = Workshop(code="STATS1", title="Stats", organisation="Org", agenda=(RATING,))
SPLIT = (
    Response("r", 1, "a", "", 1),
    Response("r", 2, "a", "", 5),  # a: 1 and 5
    Response("r", 1, "b", "", 4),
    Response("r", 2, "b", "", 4),
)  # b: 4 and 4


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=10))
def test_phone_console_and_review_share_the_quartiles(values):
    responses = [Response("r", p, "a", "", v) for p, v in enumerate(values)]
    light = kind_of(ActivityKind.RATING).tally(RATING, ITEMS[:1], responses)[0]
    heavy = analysis.ordinal_summary(responses, ITEMS[:1]).iloc[0]
    assert (light.low, light.value, light.high) == (heavy["q1"], heavy["median"], heavy["q3"])
    assert light.low_agreement == stats.low_agreement(heavy["q1"], heavy["q3"], 1, 5)


def test_two_answers_1_and_5_read_right_everywhere():
    kind = kind_of(ActivityKind.RATING)
    a, b = kind.tally(RATING, ITEMS, SPLIT)
    assert kind.result_text(a) == "Alpha: median 3 (middle half 2–4, n=2); low agreement"  # the phone
    assert kind.result_text(b) == "Beta: median 4 (middle half 4–4, n=2)"
    ans = Answers(RATING, ITEMS, SPLIT)
    live = results_of(ActivityKind.RATING).live(ans, WORKSHOP)  # the console and the presenter
    assert "2–4" in live.table and "few answers, low agreement" in live.table
    rows = {r["item"]: r["result"] for r in results_of(ActivityKind.RATING).review_results(ans, WORKSHOP)}  # the review
    assert rows["a"] == "median 3 (middle half 2–4), n=2 (few answers, low agreement)"
    assert rows["b"] == "median 4 (middle half 4–4), n=2 (few answers)"
    frame = results_of(ActivityKind.RATING).exhibits(ans, WORKSHOP)[0].frame  # the worksheets
    assert dict(zip(frame["item"], frame["low_agreement"], strict=True)) == {"a": True, "b": False}


def test_a_rating_heatmap_hatches_two_answers_at_the_ends():
    from csikit import charts

    summary = analysis.ordinal_summary(SPLIT, ITEMS)
    assert list(charts.low_agreement(summary, 1, 5)) == [True, False]


def test_a_poll_option_nobody_chose_has_an_honest_interval():
    poll = Activity("p", Step.MOMENTUM, ActivityKind.POLL, "Changed?", options=("yes", "no"))
    kind = kind_of(ActivityKind.POLL)
    items = kind.items(poll, WORKSHOP)
    votes = tuple(Response("p", v, "yes", "", 1) for v in range(12))
    rows = {
        r["item"]: r["result"]
        for r in results_of(ActivityKind.POLL).review_results(Answers(poll, items, votes), WORKSHOP)
    }
    assert rows["no"] == "0 of 12 voters (0%; 95% interval 0–24%)"
    assert rows["yes"] == "12 of 12 voters (100%; 95% interval 76–100%)"
    assert "0–24%" in results_of(ActivityKind.POLL).live(Answers(poll, items, votes), WORKSHOP).table


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sets(st.sampled_from(["x", "y", "z"]), max_size=2), min_size=1, max_size=15))
def test_tally_votes_is_wilson_over_voters(ballots):
    items = [Item(i, i.upper()) for i in "xyz"]
    responses = [Response("p", v, item, "", 1) for v, chosen in enumerate(ballots) for item in chosen]
    voters = len({r.participant for r in responses})
    out = analysis.tally_votes(responses, items).set_index("item")
    for item in "xyz":
        k = sum(item in chosen for chosen in ballots)
        assert out.loc[item, "votes"] == k and out.loc[item, "voters"] == voters
        if voters:
            ref = binomtest(k, voters).proportion_ci(method="wilson")
            assert out.loc[item, "low"] == pytest.approx(ref.low * voters)
            assert out.loc[item, "high"] == pytest.approx(ref.high * voters)
        else:
            assert (out.loc[item, "low"], out.loc[item, "high"]) == (0.0, 0.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=1, max_size=8))
def test_dot_intervals_are_never_narrower_than_wilson(alloc):
    items = [Item(i, i.upper()) for i in "xyz"]
    responses = [
        Response("d", v, "xyz"[k], "", dots) for v, row in enumerate(alloc) for k, dots in enumerate(row) if dots
    ]
    out = analysis.tally_dots(responses, items, n_boot=200).set_index("item")
    cast = sum(map(sum, alloc))
    for k, item in enumerate("xyz"):
        dots = sum(row[k] for row in alloc)
        low, high = stats.count_interval(dots, cast)
        assert out.loc[item, "dots"] == dots
        assert out.loc[item, "low"] <= min(low, dots) and out.loc[item, "high"] >= max(high, dots)
        if cast:
            assert out.loc[item, "high"] > 0 and out.loc[item, "low"] < cast  # 0 dots is not 0–0
