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

Suggestions are groups, not pairs: ideas linked by similar pairs form one group (best
pairs first), never joining two ideas the facilitator kept apart. The kept idea is the
oldest (lowest id). It is a suggestion: "onboarding takes two weeks" and "offboarding
takes two weeks" score 94; the facilitator dismisses it.
"""

from __future__ import annotations

import dataclasses
import re
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
