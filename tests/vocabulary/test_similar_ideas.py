"""Suggested duplicates: the same words first, then rapidfuzz similarity; groups, not pairs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from csikit.model import Idea
from csikit.similar_ideas import (
    SAME_WORDS,
    SIMILAR_AT,
    Suggestion,
    normalise,
    similarity,
    suggest_duplicates,
)


def ideas(*texts: str, merged: dict[int, int] | None = None) -> list[Idea]:
    merged = merged or {}
    return [Idea(n, "ideas", 1, text, merged.get(n)) for n, text in enumerate(texts, start=1)]


def test_normalise_folds_case_width_punctuation_and_spaces():
    assert normalise("  Password  resets eat 20% of calls!! ") == "password resets eat 20 of calls"
    assert normalise("ＰＡＳＳＷＯＲＤ resets") == "password resets"  # full-width letters (NFKC)
    assert normalise("Straße") == normalise("STRASSE")  # casefold, not lower
    assert normalise("...") == ""


def test_the_same_problem_typed_twice_is_suggested_as_same_words():
    got = suggest_duplicates(
        ideas("Password resets eat 20% of calls", "Printer outages", "password resets eat 20% of calls")
    )
    assert got == [Suggestion(1, (3,), 100.0, SAME_WORDS)]


def test_unrelated_ideas_are_not_suggested():
    assert suggest_duplicates(ideas("Password resets", "Printer outages")) == []
    assert similarity(normalise("Password resets"), normalise("Printer outages")) < SIMILAR_AT


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Laptops are slow", "Slow laptops"),
        ("The knowledge base is out of date", "Knowledge base out of date"),
        ("Too many tickets reopened", "Tickets get reopened too often"),
        ("Change approvals are slow", "Change approval is too slow"),
        ("Password resets eat 20% of calls", "Password reset eats 20% of calls"),
    ],
)
def test_near_duplicates_are_suggested_with_their_score(a, b):
    [s] = suggest_duplicates(ideas(a, b))
    assert (s.keep, s.duplicates) == (1, (2,))
    assert SIMILAR_AT <= s.score < 100.1
    assert s.reason == f"{int(s.score)}% similar"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Email is slow", "VPN is slow"),
        ("Monitoring alerts go nowhere", "Monitoring alerts nobody reads"),
        ("Slow", "Slow laptops"),  # one shared word: a subset says little
        ("VPN drops every afternoon", "Printer outages"),
    ],
)
def test_ideas_that_only_share_words_are_not_suggested(a, b):
    assert suggest_duplicates(ideas(a, b)) == []


def test_groups_join_every_linked_idea_and_keep_the_oldest():
    got = suggest_duplicates(
        ideas("Printer outages", "Slow laptops", "slow laptops.", "Laptops are slow", "SLOW LAPTOPS")
    )
    assert [(s.keep, s.duplicates) for s in got] == [(2, (3, 4, 5))]
    assert "similar" in got[0].reason  # one pair joined by similarity, so not "same words"


def test_same_words_come_before_similar_ones():
    got = suggest_duplicates(ideas("Laptops are slow", "Slow laptops", "VPN drops", "vpn drops!"))
    assert [s.reason for s in got][0] == SAME_WORDS
    assert [s.keep for s in got] == [3, 1]


def test_merged_ideas_are_left_out():
    assert suggest_duplicates(ideas("Slow laptops", "slow laptops", "Slow laptops", merged={2: 1})) == [
        Suggestion(1, (3,), 100.0, SAME_WORDS)
    ]


def test_a_dismissed_suggestion_is_not_suggested_again():
    texts = ideas("Onboarding takes two weeks", "Offboarding takes two weeks", "Slow laptops", "slow laptops")
    first = suggest_duplicates(texts)
    assert {s.ideas for s in first} == {frozenset({1, 2}), frozenset({3, 4})}
    assert [s.ideas for s in suggest_duplicates(texts, dismissed=[{1, 2}])] == [frozenset({3, 4})]


def test_kept_apart_ideas_are_not_joined_through_a_third():
    texts = ideas("Laptops are slow", "Slow laptops", "slow laptops!")
    got = suggest_duplicates(texts, dismissed=[frozenset({1, 3})])
    assert [s.ideas for s in got] == [frozenset({2, 3})]
    assert all(not {1, 3} <= s.ideas for s in got)


def test_empty_and_punctuation_only_ideas_are_not_suggested():
    assert suggest_duplicates(ideas("!!!", "???", "")) == []
    assert suggest_duplicates([]) == []


def test_similar_ideas_stays_light():
    code = (
        "import sys, csikit.similar_ideas; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pandas" not in out and "matplotlib" not in out


def test_a_chain_of_loosely_alike_ideas_does_not_snowball():
    """1 ~ 2 and 2 ~ 3, but 1 is not like 3: a group grows only by ideas like all of it."""
    texts = ideas(
        "VPN drops every afternoon", "VPN drops every afternoon and email is slow", "Email is slow every afternoon"
    )
    assert similarity(normalise(texts[0].text), normalise(texts[2].text)) < SIMILAR_AT
    assert [s.ideas for s in suggest_duplicates(texts)] == [frozenset({1, 2})]


def test_many_ideas_are_scored_at_once():
    words = "password reset laptop slow printer outage vpn drops knowledge base change approval".split()
    many = ideas(*(f"{words[n % 12]} {words[(n * 7) % 12]} {words[(n * 5) % 12]} {n}" for n in range(300)))
    got = suggest_duplicates(many)
    assert all(len(s.ideas) >= 2 for s in got)
    grouped = [i for s in got for i in s.ideas]
    assert len(grouped) == len(set(grouped))  # an idea is in one suggestion at most


# --- the same words shown once in results (display only) -------------------------------------


def test_fold_same_words_adds_dots_and_keeps_voters_people():
    from csikit.model import Item, Response
    from csikit.similar_ideas import fold_same_words

    items = (
        Item("idea-1", "Asset records are out of date"),
        Item("idea-2", "Printers"),
        Item("idea-3", "asset records are  OUT of date."),
    )
    given = (
        Response("v", 1, "idea-1", "", 2),
        Response("v", 1, "idea-3", "", 1),
        Response("v", 2, "idea-3", "", 3),
        Response("v", 2, "idea-2", "", 1),
    )
    shown, responses = fold_same_words(items, given, combine="sum")
    assert [(i.id, i.text) for i in shown] == [("idea-1", "Asset records are out of date (×2)"), ("idea-2", "Printers")]
    assert sorted((r.participant, r.item, r.value) for r in responses) == [
        (1, "idea-1", 3),
        (2, "idea-1", 3),
        (2, "idea-2", 1),
    ]
    assert items[2].text == "asset records are  OUT of date."  # the records themselves are untouched


def test_fold_same_words_takes_each_persons_median_of_ratings():
    from csikit.model import Item, Response
    from csikit.similar_ideas import fold_same_words

    items = (Item("a", "Slow laptops"), Item("b", "slow laptops"), Item("c", "SLOW LAPTOPS!"))
    given = (
        Response("r", 1, "a", "O1", 4),
        Response("r", 1, "b", "O1", 5),
        Response("r", 2, "a", "O1", 2),
        Response("r", 2, "b", "O1", 3),
        Response("r", 2, "c", "O1", 5),
        Response("r", 3, "c", "O2", 1, "why"),
    )
    shown, responses = fold_same_words(items, given)
    assert [i.text for i in shown] == ["Slow laptops (×3)"]
    assert sorted((r.participant, r.criterion, r.value, r.comment) for r in responses) == [
        (1, "O1", 4.5, ""),
        (2, "O1", 3, ""),
        (3, "O2", 1, "why"),
    ]  # one answer per person: n counts people


def test_fold_same_words_keeps_borda_points_of_a_ranking():
    from csikit import analysis
    from csikit.model import Item, Response
    from csikit.similar_ideas import fold_same_words

    items = (Item("a", "Printers"), Item("b", "Laptops"), Item("c", "printers"), Item("d", "VPN"))
    given = tuple(
        Response("k", p, item, "", place)
        for p, order in ((1, "abcd"), (2, "dcba"), (3, "bdac"))
        for place, item in enumerate(order, start=1)
    )
    before = analysis.borda(given, items).set_index("item")["points"]
    shown, responses = fold_same_words(items, given, combine="points")
    after = analysis.borda(responses, shown).set_index("item")["points"]
    assert after["a"] == before["a"] + before["c"] and after["b"] == before["b"] and after["d"] == before["d"]


def test_fold_same_words_changes_nothing_without_repeats():
    from csikit.model import Item, Response
    from csikit.similar_ideas import fold_same_words

    items, given = (Item("a", "Printers"), Item("b", "Laptops")), (Response("v", 1, "a", "", 2),)
    shown, responses = fold_same_words(items, given)
    assert shown is items and responses is given


def test_a_long_text_keeps_its_count_within_the_length_limit():
    from csikit.model import MAX_IDEA_LENGTH
    from csikit.similar_ideas import counted_text

    text = counted_text("x" * MAX_IDEA_LENGTH, 12)
    assert len(text) <= MAX_IDEA_LENGTH and text.endswith("… (×12)")
