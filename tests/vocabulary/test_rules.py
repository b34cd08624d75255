"""csikit.rules: the pure functions the store calls inside its transactions."""

from __future__ import annotations

import pytest

from csikit import rules
from csikit.errors import ActivityClosed, BudgetExceeded, InvalidResponse
from csikit.model import (
    MAX_COMMENT_LENGTH,
    MAX_IDEA_LENGTH,
    MAX_NAME_LENGTH,
    Activity,
    ActivityKind,
    ActivityState,
    Item,
    MaturityPhase,
    Objective,
    RatingScale,
    Step,
)

ITEMS = tuple(Item(k, f"Item {k}") for k in ("a", "b", "c", "d"))
KEYS = [i.id for i in ITEMS]


def act(kind: ActivityKind, **kw) -> Activity:
    kw.setdefault("items", ITEMS)
    return Activity("x", Step.TARGET, kind, "Title", **kw)


DOTS = act(ActivityKind.DOT_VOTE, budget=5, per_item_cap=3)
DOTS_NO_CAP = act(ActivityKind.DOT_VOTE, budget=5)
LIKERT = act(ActivityKind.RATING, scale=RatingScale.LIKERT)
IMPACT = act(ActivityKind.RATING, scale=RatingScale.IMPACT_EFFORT)
PER_OBJECTIVE = act(ActivityKind.RATING, scale=RatingScale.LIKERT, per_objective=True)
MATURITY = act(ActivityKind.MATURITY, phase=MaturityPhase.BOTH)
FIST = act(ActivityKind.FIST_OF_FIVE)
RANK = act(ActivityKind.RANKING)
IDEAS = Activity("x", Step.VISION, ActivityKind.IDEAS, "Title")
OBJECTIVES = (Objective("O1", "One"), Objective("O2", "Two"))


def merge(activity, existing, new, items=KEYS, objectives=()):
    return rules.merge_responses(
        activity, activity.criteria(objectives), items, rules.normalise(existing), rules.normalise(new)
    )


# --- normalise and require_open ---------------------------------------------------------


def test_normalise_accepts_items_or_item_criterion_pairs():
    assert rules.normalise({"a": 1, ("b", "impact"): 2, ("c", ""): 3}) == {
        ("a", ""): 1,
        ("b", "impact"): 2,
        ("c", ""): 3,
    }
    assert rules.normalise({}) == {}


def test_require_open():
    rules.require_open(DOTS, ActivityState.OPEN)
    with pytest.raises(ActivityClosed, match="not open yet"):
        rules.require_open(DOTS, ActivityState.DRAFT)
    for state in (ActivityState.LOCKED, ActivityState.REVEALED):
        with pytest.raises(ActivityClosed, match="closed; your earlier answers are kept"):
            rules.require_open(DOTS, state)


# --- dot votes ---------------------------------------------------------------------------------


def test_dots_add_replace_and_remove():
    assert merge(DOTS, {}, {"a": 2}) == {("a", ""): 2}
    assert merge(DOTS, {"a": 2}, {"b": 3}) == {("a", ""): 2, ("b", ""): 3}
    assert merge(DOTS, {"a": 2, "b": 3}, {"a": 1}) == {("a", ""): 1, ("b", ""): 3}
    assert merge(DOTS, {"a": 2, "b": 3}, {"a": 0}) == {("b", ""): 3}  # 0 removes the item
    assert merge(DOTS, {"a": 2}, {"c": 0}) == {("a", ""): 2}  # removing nothing is fine
    assert merge(DOTS, {"a": 3, "b": 2}, {"a": 0, "c": 3}) == {("b", ""): 2, ("c", ""): 3}  # moving dots in one go


def test_dots_budget():
    assert merge(DOTS, {"a": 3, "b": 1}, {"c": 1}) == {("a", ""): 3, ("b", ""): 1, ("c", ""): 1}  # exactly 5
    with pytest.raises(BudgetExceeded) as info:
        merge(DOTS, {"a": 3, "b": 2}, {"c": 1})
    assert str(info.value) == "You have 5 dots and this would use 6; take a dot off another item first."
    with pytest.raises(BudgetExceeded, match="would use 6"):
        merge(DOTS, {}, {"a": 3, "b": 3})
    with pytest.raises(BudgetExceeded, match="would use 7"):
        merge(DOTS, {"a": 2, "b": 2}, {"c": 3})


def test_dots_per_item_cap():
    with pytest.raises(BudgetExceeded) as info:
        merge(DOTS, {}, {"a": 4})
    assert str(info.value) == "At most 3 dots on one item."
    # without a cap, the budget is the cap
    assert merge(DOTS_NO_CAP, {}, {"a": 5}) == {("a", ""): 5}
    with pytest.raises(BudgetExceeded, match="At most 5 dots"):
        merge(DOTS_NO_CAP, {}, {"a": 6})


@pytest.mark.parametrize("value", [-1, True, False, "1", 1.0, None])
def test_dots_need_whole_numbers_in_range(value):
    with pytest.raises(InvalidResponse):
        merge(DOTS, {}, {"a": value})


def test_merge_does_not_change_its_inputs():
    existing = {("a", ""): 2}
    new = {("a", ""): 0, ("b", ""): 1}
    rules.merge_responses(DOTS, ("",), KEYS, existing, new)
    assert existing == {("a", ""): 2} and new == {("a", ""): 0, ("b", ""): 1}


# --- ratings, maturity, fist of five ----------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "lo", "hi", "criteria"),
    [
        (LIKERT, 1, 5, ("",)),
        (IMPACT, 1, 5, ("impact", "effort")),
        (MATURITY, 0, 5, ("current", "target")),
        (FIST, 0, 5, ("",)),
    ],
)
def test_value_ranges(activity, lo, hi, criteria):
    for criterion in criteria:
        assert merge(activity, {}, {("a", criterion): lo, ("b", criterion): hi}) == {
            ("a", criterion): lo,
            ("b", criterion): hi,
        }
        for bad in (lo - 1, hi + 1, True, 2.0, "3"):
            with pytest.raises(InvalidResponse):
                merge(activity, {}, {("a", criterion): bad})


def test_zero_is_kept_outside_dot_votes():
    assert merge(FIST, {"a": 3}, {"a": 0}) == {("a", ""): 0}
    assert merge(MATURITY, {}, {("a", "current"): 0}) == {("a", "current"): 0}


def test_criteria_must_fit():
    with pytest.raises(InvalidResponse, match="“impact” is not something this activity asks about"):
        merge(LIKERT, {}, {("a", "impact"): 3})
    with pytest.raises(InvalidResponse, match="“” is not something"):
        merge(IMPACT, {}, {"a": 3})
    assert merge(IMPACT, {("a", "impact"): 4}, {("a", "effort"): 2}) == {("a", "impact"): 4, ("a", "effort"): 2}
    with pytest.raises(InvalidResponse):
        merge(MATURITY, {}, {"a": 3})
    # per objective: one score per objective id
    assert merge(PER_OBJECTIVE, {}, {("a", "O1"): 5, ("a", "O2"): 1}, objectives=OBJECTIVES) == {
        ("a", "O1"): 5,
        ("a", "O2"): 1,
    }
    with pytest.raises(InvalidResponse):
        merge(PER_OBJECTIVE, {}, {("a", "O3"): 5}, objectives=OBJECTIVES)
    with pytest.raises(InvalidResponse):
        merge(PER_OBJECTIVE, {}, {"a": 5}, objectives=OBJECTIVES)


def test_items_must_belong():
    with pytest.raises(InvalidResponse, match="not part of this activity"):
        merge(LIKERT, {}, {"z": 3})
    with pytest.raises(InvalidResponse, match="not part of this activity"):
        merge(DOTS, {}, {"a": 1}, items=["b", "c"])  # only the store's item list counts


def test_empty_submission_and_ideas_are_refused():
    with pytest.raises(InvalidResponse, match="Nothing to submit"):
        merge(LIKERT, {"a": 3}, {})
    with pytest.raises(InvalidResponse, match="collects ideas"):
        rules.merge_responses(IDEAS, ("",), [], {}, {("a", ""): 1})


# --- ranking ----------------------------------------------------------------------------------


def test_ranking_permutation():
    full = {"a": 2, "b": 1, "c": 4, "d": 3}
    assert merge(RANK, {}, full) == {("a", ""): 2, ("b", ""): 1, ("c", ""): 4, ("d", ""): 3}
    # a swap on top of a full ranking keeps a permutation
    assert merge(RANK, full, {"a": 1, "b": 2}) == {("a", ""): 1, ("b", ""): 2, ("c", ""): 4, ("d", ""): 3}
    for bad_new, existing in (
        ({"a": 1, "b": 2, "c": 3}, {}),  # d missing
        ({"a": 1, "b": 1, "c": 2, "d": 3}, {}),  # a place twice
        ({"a": 2, "b": 3, "c": 4, "d": 5}, {}),  # 5 > 4 items
        ({"a": 0, "b": 1, "c": 2, "d": 3}, {}),
        ({"a": 1}, full),  # a and b would both be 1
    ):
        with pytest.raises(InvalidResponse):
            merge(RANK, existing, bad_new)


def test_ranking_range_follows_the_store_items():
    """A ranking with items_from has no items in its definition; the range comes from the store's items."""
    ranking = Activity("r", Step.MOMENTUM, ActivityKind.RANKING, "Focus", items_from="objectives")
    assert ranking.value_range() == (1, 1)
    assert merge(ranking, {}, {"O1": 2, "O2": 1}, items=["O1", "O2"]) == {("O1", ""): 2, ("O2", ""): 1}
    with pytest.raises(InvalidResponse):
        merge(ranking, {}, {"O1": 3, "O2": 1}, items=["O1", "O2"])


# --- text ----------------------------------------------------------------------------------------


def test_clean_text_strips_and_keeps_everything_else():
    assert rules.clean_text("  hello\n", "idea", 10) == "hello"
    assert rules.clean_text("a  b\nc", "idea", 10) == "a  b\nc"
    assert rules.clean_text("<script>x</script>", "idea", 100) == "<script>x</script>"
    assert rules.clean_text("  " + "é" * 10 + "  ", "idea", 10) == "é" * 10  # characters, after stripping


def test_clean_text_limits():
    assert rules.clean_text("x" * 1000, "comment", 1000) == "x" * 1000
    with pytest.raises(InvalidResponse) as info:
        rules.clean_text("x" * 1001, "comment", 1000)
    assert str(info.value) == "The comment is 1,001 characters long; at most 1,000 are taken."
    with pytest.raises(InvalidResponse, match="1,000,000 characters"):
        rules.clean_text("x" * 1_000_000, "idea", 500)


def test_clean_text_empty_and_not_text():
    with pytest.raises(InvalidResponse) as info:
        rules.clean_text(" \t\n", "idea", 10)
    assert str(info.value) == "The idea is empty; type something first."
    assert rules.clean_text("  ", "name", 10, required=False) == ""
    for bad in (None, 42, b"bytes", ["x"]):
        with pytest.raises(InvalidResponse, match="The idea must be text."):
            rules.clean_text(bad, "idea", 10)
    with pytest.raises(InvalidResponse, match="cannot be stored"):
        rules.clean_text("a\x00b", "idea", 10)


def test_clean_name_idea_comment_limits():
    assert rules.clean_name("n" * MAX_NAME_LENGTH) == "n" * MAX_NAME_LENGTH
    assert rules.clean_name("") == ""
    with pytest.raises(InvalidResponse, match="name is 10,000 characters"):
        rules.clean_name("n" * 10_000)
    assert rules.clean_idea("i" * MAX_IDEA_LENGTH) == "i" * MAX_IDEA_LENGTH
    with pytest.raises(InvalidResponse):
        rules.clean_idea("i" * (MAX_IDEA_LENGTH + 1))
    with pytest.raises(InvalidResponse):
        rules.clean_idea("")
    assert rules.clean_comment("") == ""
    with pytest.raises(InvalidResponse):
        rules.clean_comment("c" * (MAX_COMMENT_LENGTH + 1))
