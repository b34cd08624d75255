"""Kind.tally: the pure-Python result summaries a phone shows (no pandas)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from csikit.kinds import kind_of
from csikit.kinds.base import ResultLine, quartiles
from csikit.model import Activity, ActivityKind, Item, MaturityPhase, RatingScale, Response, Step

ITEMS = (Item("c", "Gamma"), Item("d", "Delta"), Item("a", "Alpha"), Item("b", "Beta"))


def R(participant: int, item: str, value: int, criterion: str = "") -> Response:
    return Response("x", participant, item, criterion, value)


def summarise(activity: Activity, items, responses) -> list[ResultLine]:
    """Headline results, as a phone shows them: the kind's own tally."""
    return kind_of(activity.kind).tally(activity, items, responses)


def act(kind: ActivityKind, **kw) -> Activity:
    return Activity("x", Step.TARGET, kind, "Title", items=ITEMS, **kw)


def test_the_room_and_tally_do_not_import_pandas_or_plotting():
    # product rule: the room server (its screens use tally) holds every phone in one process
    code = (
        "import sys, csikit.kinds.base, csikit.room.screens, csikit.room.hub; "
        "heavy = [m for m in ('pandas', 'matplotlib', 'seaborn') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], (0.0, 0.0, 0.0)),  # nothing: zeros (n says there were no answers)
        ([3], (3.0, 3.0, 3.0)),  # one value: every quartile is the value itself
        ([2, 4], (2.5, 3.0, 3.5)),  # positions 0.25, 0.5, 0.75 of the way from 2 to 4 (not 3–3)
        ([1, 5], (2.0, 3.0, 4.0)),  # two answers at the ends: the middle half 2–4
        ([1, 2, 3, 4], (1.75, 2.5, 3.25)),  # pos .75 → 1 + .75; 1.5 → (2+3)/2; 2.25 → 3 + .25
        ([5, 1, 4, 2, 3], (2.0, 3.0, 4.0)),  # sorted 1..5: pos 1, 2, 3 are exact answers
        ([1, 1, 2, 3, 3, 4], (1.25, 2.5, 3.0)),  # pos 1.25 → 1 + .25; 2.5 → (2+3)/2; 3.75 → 3
        ([4, 4, 4], (4.0, 4.0, 4.0)),
    ],
)
def test_quartiles_match_numpy_linear(values, expected):
    # one rule everywhere (csikit.stats): numpy's default, linear interpolation (type 7)
    assert quartiles(values) == expected
    assert all(type(v) is float for v in quartiles(values))
    if values:
        import numpy as np

        assert quartiles(values) == tuple(np.quantile(values, [0.25, 0.5, 0.75], method="linear"))


# P1: a3 b2 · P2: b2 c3 · P3: a1 b1 c1 → a 4, b 5, c 4, d 0
DOTS = [R(1, "a", 3), R(1, "b", 2), R(2, "b", 2), R(2, "c", 3), R(3, "a", 1), R(3, "b", 1), R(3, "c", 1)]


def test_summarise_dot_vote_totals_best_first():
    lines = summarise(act(ActivityKind.DOT_VOTE, budget=5), ITEMS, DOTS)
    # b 2+2+1 = 5; c 3+1 = 4 and a 3+1 = 4 tie → item id order a, c (as analysis.tally_dots); d 0
    assert [(line.item, line.value) for line in lines] == [("b", 5.0), ("a", 4.0), ("c", 4.0), ("d", 0.0)]
    assert lines[0] == ResultLine("b", "Beta", "", 5.0, 5.0, 5.0, 3)  # no interval here: low = high = total
    assert [line.n for line in lines] == [3, 2, 2, 0]  # answers per item: b from P1 P2 P3, a P1 P3, c P2 P3
    assert "pandas" not in repr(type(lines))


def test_summarise_dot_totals_and_order_match_the_facilitator_tally():
    from csikit import analysis

    light = [(line.item, line.value) for line in summarise(act(ActivityKind.DOT_VOTE, budget=5), ITEMS, DOTS)]
    full = analysis.tally_dots(DOTS, ITEMS, n_boot=50)
    assert light == list(zip(full["item"], full["dots"].astype(float), strict=True))  # same totals, same order


def test_summarise_ranking_borda_points():
    # 4 items → points 4 − rank. V1: a1 b2 c3 d4 → a3 b2 c1 d0; V2: b1 a2 d3 c4 → b3 a2 d1 c0
    ranks = [
        R(1, "a", 1),
        R(1, "b", 2),
        R(1, "c", 3),
        R(1, "d", 4),
        R(2, "b", 1),
        R(2, "a", 2),
        R(2, "d", 3),
        R(2, "c", 4),
    ]
    lines = summarise(act(ActivityKind.RANKING), ITEMS, ranks)
    # a 3+2 = 5, b 2+3 = 5 (tie → id order a, b), c 1+0 = 1, d 0+1 = 1 (id order c, d)
    assert [(line.item, line.value, line.n) for line in lines] == [
        ("a", 5.0, 2),
        ("b", 5.0, 2),
        ("c", 1.0, 2),
        ("d", 1.0, 2),
    ]
    from csikit import analysis

    full = analysis.borda(ranks, ITEMS)  # the facilitator's view: same points, same order
    assert [(line.item, line.value) for line in lines] == list(
        zip(full["item"], full["points"].astype(float), strict=True)
    )


def test_summarise_rating_median_and_iqr_in_agenda_order():
    responses = [R(p, "a", v) for p, v in enumerate([1, 2, 3, 4, 5])] + [R(p, "c", v) for p, v in enumerate([4, 4])]
    lines = summarise(act(ActivityKind.RATING, scale=RatingScale.LIKERT), ITEMS, responses)
    assert [line.item for line in lines] == ["c", "d", "a", "b"]  # agenda order, not best first
    by = {line.item: line for line in lines}
    # 1 2 3 4 5: pos 1 and 3 → 2 and 4; answers spread over the whole scale: low agreement
    assert by["a"] == ResultLine("a", "Alpha", "", 3.0, 2.0, 4.0, 5, low_agreement=True)
    assert by["c"] == ResultLine("c", "Gamma", "", 4.0, 4.0, 4.0, 2)
    assert by["d"].n == 0 and by["d"].value == 0.0  # no answers: n = 0 marks it


def test_summarise_one_line_per_item_and_criterion():
    responses = [R(1, "a", 5, "impact"), R(2, "a", 3, "impact"), R(1, "a", 1, "effort"), R(1, "b", 2, "effort")]
    lines = summarise(act(ActivityKind.RATING, scale=RatingScale.IMPACT_EFFORT), ITEMS, responses)
    # criteria seen, sorted: effort, impact; every item gets both
    assert [(line.item, line.criterion) for line in lines] == [
        ("c", "effort"),
        ("c", "impact"),
        ("d", "effort"),
        ("d", "impact"),
        ("a", "effort"),
        ("a", "impact"),
        ("b", "effort"),
        ("b", "impact"),
    ]
    by = {(line.item, line.criterion): line for line in lines}
    assert by[("a", "impact")] == ResultLine("a", "Alpha", "impact", 4.0, 3.5, 4.5, 2)  # 3 5: pos .25 → 3.5, .75 → 4.5
    assert by[("a", "effort")].value == 1.0 and by[("b", "effort")].value == 2.0
    assert by[("b", "impact")].n == 0


def test_summarise_maturity_and_fist_of_five():
    mat = act(ActivityKind.MATURITY, phase=MaturityPhase.BOTH)
    lines = summarise(mat, ITEMS[:1], [R(1, "c", 1, "current"), R(2, "c", 2, "current"), R(1, "c", 4, "target")])
    assert [(line.criterion, line.value, line.n) for line in lines] == [("current", 1.5, 2), ("target", 4.0, 1)]
    fist = act(ActivityKind.FIST_OF_FIVE)
    lines = summarise(fist, ITEMS[:1], [R(p, "c", v) for p, v in enumerate([0, 3, 5])])
    # 0 3 5: pos .5 → 1.5, pos 1.5 → 4; the middle half spans 2.5, half of 0–5: low agreement
    assert lines == [ResultLine("c", "Gamma", "", 3.0, 1.5, 4.0, 3, low_agreement=True)]


def test_summarise_no_responses():
    assert [line.value for line in summarise(act(ActivityKind.DOT_VOTE, budget=5), ITEMS, [])] == [0.0] * 4
    lines = summarise(act(ActivityKind.RATING, scale=RatingScale.LIKERT), ITEMS, [])
    assert [(line.item, line.criterion, line.n) for line in lines] == [
        ("c", "", 0),
        ("d", "", 0),
        ("a", "", 0),
        ("b", "", 0),
    ]
