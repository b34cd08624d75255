"""The rules facet every activity kind implements, and the parts most kinds share.

A :class:`Kind` (``kinds/<kind>/rules.py``) says what an activity of its kind is: its
settings and their checks, the rule that merges a participant's answer (the store calls
it inside its transaction), the light tally a phone shows, a simulated answer, and the
facts other layers ask instead of switching on the kind (:attr:`Kind.collects_ideas`,
:attr:`Kind.picks_winners` …). Pure Python: it imports only the model, the errors and
:mod:`csikit.stats`, so the model, the store and the room server load it without pandas.
What results look like is the kind's results facet (:mod:`csikit.kinds.results`), what a
phone shows its screen facet (``kinds/<kind>/screen.py``, ``phone.js``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from .. import stats
from ..errors import InvalidResponse
from ..model import STATIC_SOURCES, Activity, ActivityState, Idea, Item, MaturityScale, Objective, Response

Key = tuple[str, str]  # (item key, criterion)


@dataclass(frozen=True)
class ResultLine:
    """One item's result on one criterion: the headline number and how many answered;
    ``low_agreement``: the middle half of the answers spans half the scale or more
    (:func:`csikit.stats.low_agreement`)."""

    item: str
    text: str
    criterion: str
    value: float
    low: float
    high: float
    n: int
    low_agreement: bool = False


@dataclass(frozen=True)
class Answers:
    """What one activity received: its items, the responses and (ideas) the ideas, and the
    activity's state when they were read (``None``: not known)."""

    activity: Activity
    items: tuple[Item, ...]
    responses: tuple[Response, ...] = ()
    ideas: tuple[Idea, ...] = ()
    state: ActivityState | None = None

    @classmethod
    def read(cls, store, code: str, activity: Activity, items: Sequence[Item] | None = None) -> Answers:
        """Everything the store holds for ``activity`` (its current items unless given)."""
        from . import kind_of

        if items is None:
            status = store.status(code, activity.id)
            items, state = status.items, status.state
        else:
            state = store.states(code).get(activity.id)
        if kind_of(activity.kind).collects_ideas:
            return cls(activity, tuple(items), (), tuple(store.ideas(code, activity.id)), state)
        return cls(activity, tuple(items), tuple(store.responses(code, activity.id)), (), state)


def answered(ans) -> int:
    """How many people answered (sent a response or an idea)."""
    return len({r.participant for r in ans.responses} | {i.participant for i in ans.ideas})


def plural(n: float, word: str) -> str:
    """``1 dot``, ``2 dots``."""
    return f"{n:g} {word}" if n == 1 else f"{n:g} {word}s"


def quartiles(values: list[int]) -> tuple[float, float, float]:
    """(Q1, median, Q3) by :func:`csikit.stats.quartiles` (linear interpolation, as the
    facilitator's, the worksheets' and the review's); zeros for no answers (``n`` says so)."""
    return stats.quartiles(values) if values else (0.0, 0.0, 0.0)


def values_by(responses: Iterable[Response]) -> dict[Key, list[int]]:
    """Values per (item, criterion), in one pass."""
    groups: dict[Key, list[int]] = defaultdict(list)
    for r in responses:
        groups[r.item, r.criterion].append(r.value)
    return groups


class Kind:
    """One activity kind: everything that differs between kinds, behind one interface.

    Subclasses set :attr:`name` (the ``kind:`` of a workshop file) and override what
    differs; the defaults describe an activity whose items each take one whole number.
    """

    #: The kind's name in workshop files (an :class:`~csikit.model.ActivityKind` value).
    name: ClassVar[str] = ""
    #: Activity settings that only this kind takes (any other kind refuses them).
    settings: ClassVar[tuple[str, ...]] = ()
    #: Participants send texts (ideas), not values.
    collects_ideas: ClassVar[bool] = False
    #: One answer is a whole answer (no "answered only some items" in the progress count).
    whole_answer: ClassVar[bool] = False
    #: What a participant's headline number counts (``""``: a median with its middle half).
    unit: ClassVar[str] = ""
    #: How the console says who answered ("3 of 5 have rated").
    answered_verb: ClassVar[str] = "have answered"
    #: What a phone says once the facilitator locked the activity.
    closed_words: ClassVar[str] = "Answers closed."
    #: Assesses the workshop's practices on its maturity scale (phases today/target, the
    #: maturity gap, outside assessments).
    assesses_maturity: ClassVar[bool] = False
    #: Its top items can become initiatives in the register ("Create initiatives from winners").
    picks_winners: ClassVar[bool] = False
    #: When two items merge, a person's values on both add up (dots on a problem typed twice
    #: are dots on it); otherwise the kept item's value stands.
    adds_up_on_merge: ClassVar[bool] = False
    #: A value is a place (1 is first): the lower, the better.
    lower_is_better: ClassVar[bool] = False
    #: An item a person gave nothing counts as a 0 from them (a dot vote's item without dots).
    blank_is_zero: ClassVar[bool] = False
    #: The paper form's input per item: ``"scale"`` (a value of the kind's scale), ``"count"``
    #: (0 up to the cap; every item is sent, a 0 takes back), ``"tick"`` or ``"place"`` (1…n).
    paper_input: ClassVar[str] = "scale"

    def paper_hint(self, a: Activity) -> str:
        """What the facilitator types from paper, next to the form's heading."""
        return "a value per item"

    # --- settings (model side: no I/O) ---------------------------------------------------

    def check(self, a: Activity, c) -> None:
        """Add a problem to ``c`` (the model's checker) for every setting that is wrong."""
        c.need(
            bool(a.items) != bool(a.items_from),
            "items",
            "give either items or items_from (an ideas activity, or one of " + ", ".join(STATIC_SOURCES) + ")",
        )

    def items(self, a: Activity, workshop) -> tuple[Item, ...]:
        """The items the activity starts with (items from an ideas activity arrive when it opens)."""
        return a.items or workshop.static_items(a.items_from)

    def criteria(self, a: Activity, objectives: tuple[Objective, ...] = ()) -> tuple[str, ...]:
        """What each item is scored on; ``""`` when an item takes one value."""
        return ("",)

    def value_range(self, a: Activity) -> tuple[int, int]:
        """Smallest and largest value one response may hold."""
        return (0, 0)

    def score_labels(self, a: Activity, scale: MaturityScale | None = None) -> tuple[str, ...]:
        """Label of each possible value, lowest first."""
        return ()

    # --- the store's rule ---------------------------------------------------------------

    def merge(
        self,
        a: Activity,
        criteria: tuple[str, ...],
        item_keys: list[str],
        existing: Mapping[Key, int],
        new: Mapping[Key, int],
    ) -> dict[Key, int]:
        """The participant's answers after ``new`` replaces ``existing``; raise if a rule breaks."""
        self.check_values(a, criteria, item_keys, new)
        merged = dict(existing)
        merged.update(new)
        return merged

    def check_values(
        self,
        a: Activity,
        criteria: tuple[str, ...],
        item_keys: list[str],
        new: Mapping[Key, int],
        hi: int | None = None,
    ) -> None:
        """Refuse an empty answer, unknown items and criteria, and values out of range."""
        if not new:
            raise InvalidResponse("Nothing to submit: choose a value first.")
        known = set(item_keys)
        lo, top = self.value_range(a)
        hi = top if hi is None else hi
        for (item, criterion), value in new.items():
            if item not in known:
                raise InvalidResponse("That item is not part of this activity; reload the page.")
            if criterion not in criteria:
                raise InvalidResponse(f"“{criterion}” is not something this activity asks about.")
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidResponse(f"Choose a whole number from {lo} to {hi}.")
            self.check_value(a, value)
            if not lo <= value <= hi:
                raise InvalidResponse(f"Choose a value from {lo} to {hi}.")

    def check_value(self, a: Activity, value: int) -> None:
        """A kind's own refusal of one value, before the range check (the dot vote's cap)."""

    def changes(self, a: Activity, existing: Mapping[Key, int], changes: Mapping[Key, int]) -> dict[Key, int]:
        """Relative changes (+1/−1) applied to the stored values; only kinds that count take them."""
        raise InvalidResponse("Only a dot vote takes one dot more or less; choose a value instead.")

    # --- light results (participants' screens: no pandas) --------------------------------

    def tally(self, a: Activity, items: Iterable[Item], responses: Iterable[Response]) -> list[ResultLine]:
        """Median with the interquartile range per item and criterion, agenda order."""
        by = values_by(responses)
        criteria = sorted({c for _, c in by}) or [""]
        lo, hi = self.value_range(a)
        lines = []
        for item in items:
            for criterion in criteria:
                vals = by.get((item.id, criterion), [])
                q1, med, q3 = quartiles(vals)
                split = bool(vals) and stats.low_agreement(q1, q3, lo, hi)
                lines.append(ResultLine(item.id, item.text, criterion, med, q1, q3, len(vals), split))
        return lines

    def result_text(self, line: ResultLine, criterion_name: str = "") -> str:
        """One revealed result in words, as a phone shows it."""
        crit = f" — {criterion_name}" if line.criterion else ""
        if not line.n:
            return f"{line.text}{crit}: no answers"
        if not self.unit:
            split = "; low agreement" if line.low_agreement else ""
            return (
                f"{line.text}{crit}: median {line.value:g} (middle half {line.low:g}–{line.high:g}, n={line.n}){split}"
            )
        return f"{line.text}: {plural(line.value, self.unit)} (n={line.n})"

    def sample(
        self,
        a: Activity,
        items: list[str],
        criteria: tuple[str, ...],
        rng: random.Random,
        appeal: Callable[[str], float],
    ) -> tuple[dict[Key, int], dict[str, str]]:
        """A plausible answer for a rehearsal: values near the room's shared ``appeal`` of each item."""
        lo, hi = self.value_range(a)
        values: dict[Key, int] = {}
        comments: dict[str, str] = {}
        for item in items:
            for criterion in criteria:
                centre = lo + (hi - lo) * appeal(f"{item}/{criterion}")
                if criterion == "target":
                    centre = min(hi, centre + 1.5)
                values[(item, criterion)] = max(lo, min(hi, round(rng.gauss(centre, 0.8))))
            comment = self.sample_comment(values[(item, criteria[0])], rng)
            if comment:
                comments[item] = comment
        return values, comments

    def sample_comment(self, value: int, rng: random.Random) -> str:
        """The comment a simulated participant adds to ``value`` (none by default)."""
        return ""


def counted(
    a: Activity, items: Iterable[Item], responses: Iterable[Response], points: Callable[[list[int], int], float]
) -> list[ResultLine]:
    """One line per item scored by ``points(values, number of items)``, best first (ties by item id)."""
    items = list(items)
    by = values_by(responses)
    lines = []
    for item in items:
        vals = by.get((item.id, ""), [])
        score = float(points(vals, len(items)))
        lines.append(ResultLine(item.id, item.text, "", score, score, score, len(vals)))
    return sorted(lines, key=lambda r: (-r.value, r.item))
