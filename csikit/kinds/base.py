"""The protocol every activity kind implements, and the parts most kinds share.

A :class:`Kind` answers every question the rest of csikit asks about an activity of
its kind. Its first half is pure Python (settings, the merge rule, the light tally, a
simulated answer): the model, the store and the room server call it. Its second
half (summary, live result, exhibits, review rows) imports pandas and seaborn inside
each method, so only the facilitator, the worksheets and the review load them. What a
phone shows is the kind's screen as data, ``<kind>_screen.py`` (pure Python, read by
:mod:`csikit.room.screens`), drawn by its front-end module
``csikit/room/static/kinds/<module>.js``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .. import stats
from ..errors import InvalidResponse
from ..model import STATIC_SOURCES, Activity, ActivityState, Idea, Item, MaturityScale, Objective, Response

if TYPE_CHECKING:  # the heavy half's types, never imported at run time here
    import pandas as pd

    from ..exhibits import Exhibit

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


def withheld(ans, workshop) -> bool:
    """Whether an activity's results are withheld from the room, the worksheets and the review:
    it is anonymous and fewer than the workshop's ``min_group`` answered (``rules.too_few``),
    so a result could tell who gave which answer. Nobody answering withholds nothing.

    A review's record says so itself (``ActivityRecord.withheld``: its answers were left
    out when the snapshot was taken).
    """
    flag = getattr(ans, "withheld", None)
    if flag is not None:
        return bool(flag)
    from ..rules import withholds

    return withholds(workshop, answered(ans), anonymous=ans.activity.anonymous)


def withheld_note(ans, workshop) -> str:
    """What shows in place of withheld results (:func:`csikit.rules.withheld_note`)."""
    from ..rules import withheld_note as note

    return note(workshop)


@dataclass(frozen=True)
class LiveResult:
    """What the facilitator's screen shows while an activity runs.

    ``figure`` draws the chart when called (``None``: the kind has no chart);
    ``table`` is escaped HTML.
    """

    frame: Any
    table: str
    figure: Callable[[], Any] | None = None


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
        c.need(bool(a.items) != bool(a.items_from), "items",
               "give either items or items_from (an ideas activity, or one of " + ", ".join(STATIC_SOURCES) + ")")

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

    def merge(self, a: Activity, criteria: tuple[str, ...], item_keys: list[str],
              existing: Mapping[Key, int], new: Mapping[Key, int]) -> dict[Key, int]:
        """The participant's answers after ``new`` replaces ``existing``; raise if a rule breaks."""
        self.check_values(a, criteria, item_keys, new)
        merged = dict(existing)
        merged.update(new)
        return merged

    def check_values(self, a: Activity, criteria: tuple[str, ...], item_keys: list[str],
                     new: Mapping[Key, int], hi: int | None = None) -> None:
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
            return f"{line.text}{crit}: median {line.value:g} (middle half {line.low:g}–{line.high:g}, n={line.n}){split}"
        return f"{line.text}: {plural(line.value, self.unit)} (n={line.n})"

    def sample(self, a: Activity, items: list[str], criteria: tuple[str, ...], rng: random.Random,
               appeal: Callable[[str], float]) -> tuple[dict[Key, int], dict[str, str]]:
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

    # --- heavy results (pandas and seaborn, imported inside) -----------------------------

    def summary(self, ans: Answers, workshop) -> pd.DataFrame:
        """The headline frame the facilitator sees live."""
        from .. import analysis

        return analysis.ordinal_summary(ans.responses, ans.items, ans.activity.criteria(workshop.objectives))

    def live(self, ans: Answers, workshop) -> LiveResult:
        """Frame, table and chart for the facilitator's live results (and the presenter view's)."""
        return ordinal_live(self.summary(ans, workshop), ans.activity, workshop)

    def exhibits(self, ans: Answers, workshop) -> list[Exhibit]:
        """The activity's results as worksheet and review exhibits, or one exhibit saying they
        are withheld (:func:`withheld`)."""
        from ..exhibits import Exhibit

        if withheld(ans, workshop):
            return [Exhibit(ans.activity.title, note=withheld_note(ans, workshop))]
        return self.result_exhibits(self.same_words(ans), workshop)

    def same_words(self, ans: Answers) -> Answers:
        """``ans`` with items of the same words shown once, with their count, and each person's
        answers to the copies as one (:func:`csikit.similar_ideas.fold_same_words`): counted
        kinds (a :attr:`unit`) add them up, the others take their median. Results read this way
        in worksheets and the review; the store is unchanged."""
        from dataclasses import replace

        from ..similar_ideas import fold_same_words

        items, responses = fold_same_words(ans.items, ans.responses, combine="sum" if self.unit else "median")
        return replace(ans, items=items, responses=responses)

    def result_exhibits(self, ans: Answers, workshop) -> list[Exhibit]:
        """The activity's results as exhibits (:meth:`exhibits` decides whether they show)."""
        from .. import analysis, charts
        from ..exhibits import Exhibit

        a = ans.activity
        lo, hi = a.value_range()
        criteria = a.criteria(workshop.objectives)
        summary = analysis.ordinal_summary(ans.responses, ans.items, criteria)
        agree = analysis.agreement(ans.responses, ans.items, lo, hi, criteria[0])
        frame = summary.merge(agree[["item", "rwg", "polarised"]], on="item", how="left")
        frame["low_agreement"] = charts.low_agreement(frame, lo, hi) & (frame["n"] > 0)
        return [Exhibit(a.title, frame=frame, figure=charts.ordinal_chart(summary, a.title, a.score_labels(), lo, hi))]

    def review_results(self, ans: Answers, workshop, top: int = 3) -> list[dict]:
        """The top results, each with its uncertainty: item, text, result, value, low, high, n;
        withheld results (:func:`withheld`) are one row that says so."""
        if withheld(ans, workshop):
            return [{"item": "", "text": ans.activity.title, "result": withheld_note(ans, workshop),
                     "value": None, "low": None, "high": None, "n": None}]
        return self.top_results(self.same_words(ans), workshop, top)

    def top_results(self, ans: Answers, workshop, top: int = 3) -> list[dict]:
        """The top results (:meth:`review_results` decides whether they show)."""
        from .. import analysis

        criteria = ans.activity.criteria(workshop.objectives)
        lo, hi = ans.activity.value_range()
        summary = analysis.ordinal_summary(ans.responses, ans.items, criteria).dropna(subset=["median"])
        summary = summary.sort_values(["median", "q3"], ascending=False, kind="stable").head(top)
        out = []
        for r in summary.itertuples():
            name = f"{r.text} · {r.criterion}" if r.criterion else r.text
            notes = ", ".join(note for note, on in (("few answers", r.small_n),
                                                    ("low agreement", stats.low_agreement(r.q1, r.q3, lo, hi))) if on)
            out.append({"item": r.item, "text": name,
                        "result": f"median {r.median:g} (middle half {interval(r.q1, r.q3)}), n={r.n}"
                                  + (f" ({notes})" if notes else ""),
                        "value": float(r.median), "low": float(r.q1), "high": float(r.q3), "n": int(r.n)})
        return out

    def momentum(self, ans: Answers, workshop, answered: int) -> tuple[Any, list[bytes], list[str]]:
        """What the step-6 review shows of this activity: a table, board images, summary lines."""
        import pandas as pd

        from ..review.display import Table

        results = self.review_results(ans, workshop, top=len(ans.items))
        return Table(pd.DataFrame(results), {"text": ans.activity.title, "result": "result"}), [], []


def interval(lo: float, hi: float) -> str:
    """A range in three significant figures."""
    return f"{lo:.3g}–{hi:.3g}"


def ordinal_live(frame, a: Activity, workshop) -> LiveResult:
    """Median and middle half per item (and criterion) in a table, highest median first
    (as the chart), the ordinal chart drawn when due."""
    from .. import charts
    from ..widgets.live_results import results_table

    lo, hi = a.value_range()
    names = {o.id: o.title for o in workshop.objectives}

    def figure():
        shown = frame.assign(criterion=frame["criterion"].map(lambda c: names.get(c, c)))
        return charts.ordinal_chart(shown, a.title, a.score_labels(workshop.maturity_scale), lo, hi)

    at = {item: i for i, item in enumerate(charts.best_items(frame))}
    ordered = frame.assign(_at=frame["item"].map(lambda i: at.get(i, len(at)))).sort_values("_at", kind="stable")
    def notes(r) -> str:
        return ", ".join(note for note, on in (("few answers", r.small_n),
                                               ("low agreement", r.n and stats.low_agreement(r.q1, r.q3, lo, hi))) if on)

    rows = [[r.text, names.get(r.criterion, r.criterion), r.n, "–" if not r.n else f"{r.median:g}",
             "–" if not r.n else f"{r.q1:g}–{r.q3:g}", notes(r)] for r in ordered.itertuples()]
    header = ["item", "on", "answers", "median", "middle half", ""]
    if len(a.criteria(workshop.objectives)) <= 1:  # one value per item: an "on" column would be empty
        rows, header = [r[:1] + r[2:] for r in rows], header[:1] + header[2:]
    return LiveResult(frame, results_table(rows, header), figure)


def position_line(ans: Answers) -> str:
    """The fair-order check under a dot vote's, rating's or ranking's live results: the
    position-effect verdict in plain words (:func:`csikit.analysis.order_check`), as escaped HTML.

    Only once the activity is locked or revealed (while it is open the answers still move,
    and the check costs a randomisation test), and only where fair order is on; else ``""``.
    """
    import html

    from .. import analysis

    if ans.state not in (ActivityState.LOCKED, ActivityState.REVEALED):
        return ""
    line = analysis.order_check(ans.responses, ans.activity, ans.items)
    if not line:
        return ""
    label, _, verdict = line.partition(": ")
    return (f"<p class='csikit-position-effect' style='color:#444;margin:6px 0'>"
            f"<b>{html.escape(label)}:</b> {html.escape(verdict)}</p>")


def counted(a: Activity, items: Iterable[Item], responses: Iterable[Response],
            points: Callable[[list[int], int], float]) -> list[ResultLine]:
    """One line per item scored by ``points(values, number of items)``, best first (ties by item id)."""
    items = list(items)
    by = values_by(responses)
    lines = []
    for item in items:
        vals = by.get((item.id, ""), [])
        score = float(points(vals, len(items)))
        lines.append(ResultLine(item.id, item.text, "", score, score, score, len(vals)))
    return sorted(lines, key=lambda r: (-r.value, r.item))
