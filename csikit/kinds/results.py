"""The results facet every activity kind implements: what its answers look like.

A :class:`Results` (``kinds/<kind>/results.py``, exported as ``RESULTS``) turns an
activity's :class:`~csikit.kinds.base.Answers` into the facilitator's summary frame and
live result, the worksheets' and the review's exhibits, the review's top rows and the
step-6 momentum table. It sits above :mod:`csikit.analysis`, :mod:`csikit.charts` and
:mod:`csikit.display` and imports them at import time; the room server never loads it
(:func:`csikit.kinds.results_of` loads it when the console, a worksheet or the review asks).
Results are withheld from the room, the worksheets and the review where the workshop's
``min_group`` says so (:func:`withheld`).
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any, ClassVar

import pandas as pd

from .. import analysis, charts, stats
from ..display import Exhibit, LiveResult, Table, results_table
from ..model import Activity, ActivityState
from ..rules import withheld_note as _withheld_note
from ..rules import withholds
from ..similar_ideas import fold_same_words
from . import facet
from .base import Answers, Kind, answered

__all__ = [
    "Results",
    "as_percentages",
    "interval",
    "ordinal_live",
    "position_line",
    "results_of",
    "withheld",
    "withheld_note",
]


def results_of(kind) -> Results:
    """The results facet of an activity kind (an ``ActivityKind`` or its name): its ``RESULTS``."""
    return facet(kind, "results").RESULTS


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
    return withholds(workshop, answered(ans), anonymous=ans.activity.anonymous)


def withheld_note(ans, workshop) -> str:
    """What shows in place of withheld results (:func:`csikit.rules.withheld_note`)."""
    return _withheld_note(workshop)


class Results:
    """What one kind's answers look like, behind one interface; :attr:`kind` is its rules facet.

    The defaults describe an activity whose items each take one whole number (medians with
    their middle half); subclasses override what differs.
    """

    #: The kind's rules facet (its ``KIND``).
    kind: ClassVar[Kind]

    def summary(self, ans: Answers, workshop) -> pd.DataFrame:
        """The headline frame the facilitator sees live."""
        return analysis.ordinal_summary(ans.responses, ans.items, ans.activity.criteria(workshop.objectives))

    def live(self, ans: Answers, workshop) -> LiveResult:
        """Frame, table and chart for the facilitator's live results (and the presenter view's)."""
        return ordinal_live(self.summary(ans, workshop), ans.activity, workshop)

    def exhibits(self, ans: Answers, workshop) -> list[Exhibit]:
        """The activity's results as worksheet and review exhibits, or one exhibit saying they
        are withheld (:func:`withheld`)."""
        if withheld(ans, workshop):
            return [Exhibit(ans.activity.title, note=withheld_note(ans, workshop))]
        return self.result_exhibits(self.same_words(ans), workshop)

    def same_words(self, ans: Answers) -> Answers:
        """``ans`` with items of the same words shown once, with their count, and each person's
        answers to the copies as one (:func:`csikit.similar_ideas.fold_same_words`): counted
        kinds (a :attr:`Kind.unit`) add them up, the others take their median. Results read this way
        in worksheets and the review; the store is unchanged."""
        items, responses = fold_same_words(ans.items, ans.responses, combine="sum" if self.kind.unit else "median")
        return replace(ans, items=items, responses=responses)

    def result_exhibits(self, ans: Answers, workshop) -> list[Exhibit]:
        """The activity's results as exhibits (:meth:`exhibits` decides whether they show)."""
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
            return [
                {
                    "item": "",
                    "text": ans.activity.title,
                    "result": withheld_note(ans, workshop),
                    "value": None,
                    "low": None,
                    "high": None,
                    "n": None,
                }
            ]
        return self.top_results(self.same_words(ans), workshop, top)

    def top_results(self, ans: Answers, workshop, top: int = 3) -> list[dict]:
        """The top results (:meth:`review_results` decides whether they show)."""
        criteria = ans.activity.criteria(workshop.objectives)
        lo, hi = ans.activity.value_range()
        summary = analysis.ordinal_summary(ans.responses, ans.items, criteria).dropna(subset=["median"])
        summary = summary.sort_values(["median", "q3"], ascending=False, kind="stable").head(top)
        out = []
        for r in summary.itertuples():
            name = f"{r.text} · {r.criterion}" if r.criterion else r.text
            notes = ", ".join(
                note
                for note, on in (("few answers", r.small_n), ("low agreement", stats.low_agreement(r.q1, r.q3, lo, hi)))
                if on
            )
            out.append(
                {
                    "item": r.item,
                    "text": name,
                    "result": f"median {r.median:g} (middle half {interval(r.q1, r.q3)}), n={r.n}"
                    + (f" ({notes})" if notes else ""),
                    "value": float(r.median),
                    "low": float(r.q1),
                    "high": float(r.q3),
                    "n": int(r.n),
                }
            )
        return out

    def momentum(self, ans: Answers, workshop, answered: int) -> tuple[Any, list[bytes], list[str]]:
        """What the step-6 review shows of this activity: a table, board images, summary lines."""
        results = self.review_results(ans, workshop, top=len(ans.items))
        return Table(pd.DataFrame(results), {"text": ans.activity.title, "result": "result"}), [], []


def as_percentages(frame: pd.DataFrame, out_of: str, label: str) -> pd.DataFrame:
    """A counted result (``share`` 0–1, the interval ``low``–``high`` in counts out of the
    column ``out_of``) with the share and its interval as whole percentages, named ``label``,
    ``label + ", 95% from"`` and ``label + ", 95% to"``: how worksheets and the review show it."""
    per = frame[out_of].where(frame[out_of] > 0, 1)
    return frame.assign(
        share=(100 * frame["share"]).round(0),
        low=(100 * frame["low"] / per).round(0),
        high=(100 * frame["high"] / per).round(0),
    ).rename(columns={"share": label, "low": f"{label}, 95% from", "high": f"{label}, 95% to"})


def interval(lo: float, hi: float) -> str:
    """A range in three significant figures."""
    return f"{lo:.3g}–{hi:.3g}"


def ordinal_live(frame, a: Activity, workshop) -> LiveResult:
    """Median and middle half per item (and criterion) in a table, highest median first
    (as the chart), the ordinal chart drawn when due."""
    lo, hi = a.value_range()
    names = {o.id: o.title for o in workshop.objectives}

    def figure():
        shown = frame.assign(criterion=frame["criterion"].map(lambda c: names.get(c, c)))
        return charts.ordinal_chart(shown, a.title, a.score_labels(workshop.maturity_scale), lo, hi)

    at = {item: i for i, item in enumerate(charts.best_items(frame))}
    ordered = frame.assign(_at=frame["item"].map(lambda i: at.get(i, len(at)))).sort_values("_at", kind="stable")

    def notes(r) -> str:
        return ", ".join(
            note
            for note, on in (
                ("few answers", r.small_n),
                ("low agreement", r.n and stats.low_agreement(r.q1, r.q3, lo, hi)),
            )
            if on
        )

    rows = [
        [
            r.text,
            names.get(r.criterion, r.criterion),
            r.n,
            "–" if not r.n else f"{r.median:g}",
            "–" if not r.n else f"{r.q1:g}–{r.q3:g}",
            notes(r),
        ]
        for r in ordered.itertuples()
    ]
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
    if ans.state not in (ActivityState.LOCKED, ActivityState.REVEALED):
        return ""
    line = analysis.order_check(ans.responses, ans.activity, ans.items)
    if not line:
        return ""
    label, _, verdict = line.partition(": ")
    return (
        f"<p class='csikit-position-effect' style='color:#444;margin:6px 0'>"
        f"<b>{html.escape(label)}:</b> {html.escape(verdict)}</p>"
    )
