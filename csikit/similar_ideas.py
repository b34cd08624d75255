"""Ideas that look like duplicates, suggested for the facilitator to merge or keep apart.

Pure and light (no pandas): the facilitator console asks it on every change of an ideas
activity. Two passes, as a person would judge:

1. **Same words.** Texts equal once normalised (Unicode NFKC, case folded, punctuation
   and symbols such as % < + dropped, whitespace collapsed): "Password resets eat 20% of calls" and
   "password resets eat 20 % of calls." are one idea typed twice.
2. **Similar.** rapidfuzz's ``fuzz.token_set_ratio`` of the normalised texts (word order
   and repeated words do not count; one text's words inside the other's score high) at
   or above :data:`SIMILAR_AT`. Measured on workshop-like pairs (csikit 0.x, rapidfuzz 3):
   "laptops are slow" / "slow laptops" 100, "the knowledge base is out of date" /
   "knowledge base out of date" 100, "too many tickets reopened" / "tickets get reopened
   too often" 89, "change approvals are slow" / "change approval is too slow" 85 —
   suggested; "email is slow" / "vpn is slow" 78, "monitoring alerts go nowhere" /
   "monitoring alerts nobody reads" 76, "password resets" / "printer outages" 33 — not.
   When the texts share fewer than two words, a subset says little ("slow" is inside
   "slow laptops"), so ``token_sort_ratio`` (the whole texts, sorted) is used instead.

Results show the same words once (:func:`fold_same_words`): the review, the worksheets
and the data API's exhibits list "Asset records are out of date (×3)" instead of three
lines that read alike. That is display only; the store keeps every idea, and merging
them stays the facilitator's decision.

Suggestions are groups, not pairs: ideas linked by similar pairs form one group (best
pairs first), never joining two ideas the facilitator kept apart. The kept idea is the
oldest (lowest id). It is a suggestion: "onboarding takes two weeks" and "offboarding
takes two weeks" score 94; the facilitator dismisses it.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

#: The similarity (0–100) from which two ideas are suggested as duplicates.
SIMILAR_AT = 84.0
#: The reason given for texts equal after normalising.
SAME_WORDS = "same words"

_SPACE = re.compile(r"\s+")


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """Ideas that look like one: merge ``duplicates`` into ``keep`` (the oldest).

    ``score`` is 100 for the same words, else the lowest similarity of the pairs that
    joined the group; ``reason`` says it in words ("same words", "94% similar").
    """

    keep: int
    duplicates: tuple[int, ...]
    score: float
    reason: str

    @property
    def ideas(self) -> frozenset[int]:
        """Every idea of the group, the kept one included."""
        return frozenset((self.keep, *self.duplicates))


def normalise(text: str) -> str:
    """The text as compared: NFKC, case folded, punctuation and symbols dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
    return _SPACE.sub(" ", text).strip()


def same_words_groups(items: Iterable) -> list[list]:
    """Items (anything with ``text``) grouped by their normalised text (:func:`normalise`), each
    group in the order given, the groups in the order of their first item. A text that normalises
    to nothing (only punctuation) stays alone."""
    groups: dict[object, list] = {}
    for n, item in enumerate(items):
        key = normalise(item.text) or ("", n)
        groups.setdefault(key, []).append(item)
    return list(groups.values())


def fold_same_words(items: Sequence, responses: Iterable, *, combine: str = "median") -> tuple[tuple, tuple]:
    """Items with the same words as one item, and each person's answers to the copies as one answer.

    The items of a vote on ideas can repeat one text when several people typed it and
    nobody merged them. For results, each group is its first item (its id) with the text
    followed by how many items it stands for: ``"Asset records are out of date (×3)"``.
    A person who answered several copies gives the group one answer, made of all of them
    (``combine``):

    - ``"sum"`` (dots, votes): they add up; 2 dots on one copy and 1 on another are 3 dots;
    - ``"median"`` (ratings, maturity levels, fingers): the median of the person's answers,
      4 and 5 giving 4.5; so ``n`` still counts people, never answers;
    - ``"points"`` (a ranking): Borda points (items − place) add up as over the original
      items, and the place is the one that gives those points among the groups.

    Nothing stored changes: this is how results are shown, not a merge (the facilitator's
    merge keeps one answer per person too, but the kept idea's: see ``Store.merge_ideas``).

    Returns
    -------
    (items, responses)
        Unchanged (the same objects) when no two items share their words.
    """
    items = tuple(items)
    responses = tuple(responses)
    groups = same_words_groups(items)
    if len(groups) == len(items):
        return items, responses
    to: dict[str, str] = {}
    shown = []
    for group in groups:
        first = group[0]
        to.update((item.id, first.id) for item in group)
        shown.append(dataclasses.replace(first, text=counted_text(first.text, len(group))) if len(group) > 1 else first)
    answers: dict[tuple, list] = {}
    for r in responses:
        answers.setdefault((r.participant, to.get(r.item, r.item), r.criterion), []).append(r)
    before, after = len(items), len(groups)
    out = []
    for (_, item, _), given in answers.items():
        values = [r.value for r in given]
        if combine == "points":
            value = after - sum(before - v for v in values)
        elif len(given) == 1 and given[0].item == item:
            out.append(given[0])
            continue
        elif combine == "sum":
            value = sum(values)
        else:
            value = statistics.median(values)
            value = int(value) if value == int(value) else float(value)
        comment = next((r.comment for r in given if r.comment), "")
        out.append(dataclasses.replace(given[0], item=item, value=value, comment=comment))
    return tuple(shown), tuple(out)


def counted_text(text: str, n: int) -> str:
    """``text (×n)``, shortened with "…" where the whole would pass an item's length limit."""
    from .model import MAX_IDEA_LENGTH

    tail = f" (×{n})"
    if len(text) + len(tail) > MAX_IDEA_LENGTH:
        text = text[: MAX_IDEA_LENGTH - len(tail) - 1].rstrip() + "…"
    return text + tail


def similarity(a: str, b: str) -> float:
    """How alike two normalised texts are, 0–100 (see the module's notes)."""
    if len(set(a.split()) & set(b.split())) >= 2:
        return fuzz.token_set_ratio(a, b)
    return fuzz.token_sort_ratio(a, b)


def suggest_duplicates(ideas: Iterable, dismissed: Iterable[Iterable[int]] = ()) -> list[Suggestion]:
    """Groups of ideas that look like duplicates, the same words first, then by similarity.

    A group grows only by ideas similar to every idea already in it (complete linkage),
    so a chain of loosely alike ideas does not snowball into one group.

    Parameters
    ----------
    ideas
        :class:`~csikit.model.Idea` records (anything with ``id``, ``text`` and
        ``merged_into``); ideas already merged into another are left out.
    dismissed
        Sets of idea ids the facilitator kept apart: no suggestion puts two ideas of
        one such set together again.
    """
    kept = sorted((i for i in ideas if getattr(i, "merged_into", None) is None), key=lambda i: i.id)
    apart = [frozenset(d) for d in dismissed]
    same: dict[str, list[int]] = {}
    for i in kept:
        text = normalise(i.text)
        if text:
            same.setdefault(text, []).append(i.id)
    groups: list[_Group] = []
    texts: dict[int, str] = {}  # the first idea of each group of the same words -> the words
    for text, ids in same.items():  # split where the facilitator kept ideas apart
        for members in _apart(ids, apart):
            groups.append(_Group(set(members), 100.0, True, {members[0]}))
            texts[members[0]] = text
    group_of = {head: g for g in groups for head in g.heads}
    scores: dict[frozenset[int], float] = {}
    for a, b in _candidates(texts):
        score = similarity(texts[a], texts[b])
        if score >= SIMILAR_AT:
            scores[frozenset((a, b))] = score
    for pair, _score in sorted(scores.items(), key=lambda p: (-p[1], sorted(p[0]))):
        a, b = sorted(pair)
        ga, gb = group_of[a], group_of[b]
        if ga is gb or any(d & ga.members and d & gb.members for d in apart):
            continue
        cross = [scores.get(frozenset((x, y))) for x in ga.heads for y in gb.heads]
        if None in cross:
            continue  # not alike every idea of the other group
        groups.remove(gb)
        ga.members |= gb.members
        ga.heads |= gb.heads
        for head in gb.heads:
            group_of[head] = ga
        ga.score = min(ga.score, gb.score, *cross)
        ga.exact = False
    out = []
    for g in groups:
        if len(g.members) > 1:
            keep = min(g.members)
            reason = SAME_WORDS if g.exact else f"{int(g.score)}% similar"
            out.append(Suggestion(keep, tuple(sorted(g.members - {keep})), g.score, reason))
    return sorted(out, key=lambda s: (s.reason != SAME_WORDS, -s.score, s.keep))


def _candidates(texts: dict[int, str]) -> list[tuple[int, int]]:
    """Pairs whose ``token_set_ratio`` or ``token_sort_ratio`` reaches :data:`SIMILAR_AT`
    (the only pairs :func:`similarity` can find similar), scored all at once by rapidfuzz in C."""
    from rapidfuzz import process

    heads = sorted(texts)
    if len(heads) < 2:
        return []
    words = [texts[h] for h in heads]
    near = None
    for scorer in (fuzz.token_set_ratio, fuzz.token_sort_ratio):  # neither bounds the other (repeated words)
        hit = process.cdist(words, words, scorer=scorer, score_cutoff=SIMILAR_AT, workers=1) >= SIMILAR_AT
        near = hit if near is None else near | hit
    rows, cols = near.nonzero()
    return [(heads[r], heads[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True) if r < c]


@dataclasses.dataclass
class _Group:
    """Ideas gathered so far: all of them, the first of each same-words set, the lowest score."""

    members: set[int]
    score: float
    exact: bool
    heads: set[int]


def _apart(ids: list[int], apart: Sequence[frozenset[int]]) -> list[list[int]]:
    """Ideas with the same words, split so no part holds two ideas kept apart (oldest first)."""
    parts: list[list[int]] = []
    for i in ids:
        for part in parts:
            if not any(i in d and d & set(part) for d in apart):
                part.append(i)
                break
        else:
            parts.append([i])
    return parts
