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
    texts = {i.id: normalise(i.text) for i in kept}
    groups = _Groups(apart)
    same: dict[str, list[int]] = {}
    for i in kept:
        if texts[i.id]:
            same.setdefault(texts[i.id], []).append(i.id)
    for ids in same.values():
        for other in ids[1:]:
            groups.join(ids[0], other, 100.0, exact=True)
    firsts = [ids[0] for ids in same.values()]
    pairs = []
    for n, a in enumerate(firsts):
        for b in firsts[n + 1:]:
            score = similarity(texts[a], texts[b])
            if score >= SIMILAR_AT:
                pairs.append((score, a, b))
    for score, a, b in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        groups.join(a, b, score, exact=False)
    return groups.suggestions()


class _Groups:
    """Union of ideas into groups, refusing a join that would put kept-apart ideas together."""

    def __init__(self, apart: Sequence[frozenset[int]]):
        self.apart = apart
        self.members: dict[int, set[int]] = {}
        self.root: dict[int, int] = {}
        self.score: dict[int, float] = {}
        self.exact: dict[int, bool] = {}

    def _find(self, i: int) -> int:
        return self.root.setdefault(i, i)

    def join(self, a: int, b: int, score: float, *, exact: bool) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        ma, mb = self.members.get(ra, {ra}), self.members.get(rb, {rb})
        if any(len(d & ma) and len(d & mb) for d in self.apart):
            return
        keep, gone = min(ra, rb), max(ra, rb)
        both = ma | mb
        for i in both:
            self.root[i] = keep
        self.members.pop(gone, None)
        self.members[keep] = both
        self.score[keep] = min(self.score.get(ra, 100.0), self.score.get(rb, 100.0), score)
        self.exact[keep] = self.exact.get(ra, True) and self.exact.get(rb, True) and exact
        self.score.pop(gone, None)
        self.exact.pop(gone, None)

    def suggestions(self) -> list[Suggestion]:
        out = []
        for keep, members in self.members.items():
            exact = self.exact[keep]
            score = self.score[keep]
            reason = SAME_WORDS if exact else f"{int(score)}% similar"
            out.append(Suggestion(keep, tuple(sorted(members - {keep})), 100.0 if exact else float(score), reason))
        return sorted(out, key=lambda s: (s.reason != SAME_WORDS, -s.score, s.keep))
