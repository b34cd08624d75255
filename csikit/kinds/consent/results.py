"""What a consent decision's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

import pandas as pd

from ... import analysis, charts, stats
from ...display import Bar, Exhibit, LiveResult, results_table
from ..base import Answers, answered
from ..results import Results, as_percentages
from .rules import KIND, verdict

COLUMNS = ["item", "text", "consents", "objections", "answered", "low", "high", "share", "verdict"]


class ConsentResults(Results):
    """What consent answers look like."""

    kind = KIND

    def summary(self, ans: Answers, workshop) -> pd.DataFrame:
        """Per proposal, how many of those who answered it consent, with the 95% Wilson interval
        of that count (:func:`csikit.stats.count_interval`), the share, the objections and the
        verdict in words: item, text, consents, objections, answered, low, high, share, verdict.
        Passing proposals first, then by share of consent."""
        given: dict[str, list[float]] = {}
        for r in ans.responses:
            given.setdefault(r.item, []).append(r.value)
        rows = []
        for item in ans.items:
            vals = given.get(item.id, [])
            n, yes = len(vals), sum(1 for v in vals if v >= 1)  # a half (copies folded) is no consent
            low, high = stats.count_interval(yes, n)
            rows.append(
                {
                    "item": item.id,
                    "text": item.text,
                    "consents": yes,
                    "objections": n - yes,
                    "answered": n,
                    "low": low,
                    "high": high,
                    "share": yes / n if n else 0.0,
                    "verdict": verdict(n - yes, n),
                }
            )
        frame = pd.DataFrame(rows, columns=COLUMNS)
        passes = (frame["answered"] > 0) & (frame["objections"] == 0)
        order = frame.assign(_passes=passes).sort_values(
            ["_passes", "share", "answered", "item"], ascending=[False, False, False, True], kind="stable"
        )
        return order.drop(columns="_passes").reset_index(drop=True)

    def live(self, ans: Answers, workshop) -> LiveResult:
        frame, title = self.summary(ans, workshop), ans.activity.title
        rows = [
            [
                r.text,
                f"{r.consents} of {r.answered}",
                Bar(r.share),
                f"{r.share:.0%}" if r.answered else "–",
                percent_interval(r),
                r.verdict,
            ]
            for r in frame.itertuples()
        ]
        table = results_table(rows, ["proposal", "consent", "", "of those who answered", "95% interval", "verdict"])
        reasons = [[r.text, r.comment or "(no reason given)"] for r in self.objections(ans).itertuples()]
        if reasons:
            table += "<b>Objections</b>" + results_table(reasons, ["proposal", "objection"])
        people = answered(ans)
        return LiveResult(frame, table, lambda: chart(frame, title, people))

    def result_exhibits(self, ans: Answers, workshop):
        a, frame = ans.activity, self.summary(ans, workshop)
        # read as the console says it: the share and its interval as percentages of those who answered
        shown = as_percentages(frame, "answered", "% consent").rename(columns={"text": "proposal"})
        shown = shown[
            [
                "item",
                "proposal",
                "consents",
                "objections",
                "answered",
                "% consent",
                "% consent, 95% from",
                "% consent, 95% to",
                "verdict",
            ]
        ]
        reasons = self.objections(ans).rename(columns={"text": "proposal", "comment": "objection"})
        return [
            Exhibit(a.title, frame=shown, figure=chart(frame, a.title, answered(ans))),
            Exhibit(f"{a.title} — objections", frame=reasons),
        ]

    def top_results(self, ans: Answers, workshop, top: int = 3):
        out = []
        for r in self.summary(ans, workshop).head(top).itertuples():
            result = (
                f"{r.verdict} ({r.consents} of {r.answered} consent, {r.share:.0%}; 95% interval {percent_interval(r)})"
                if r.answered
                else r.verdict
            )
            out.append(
                {
                    "item": r.item,
                    "text": r.text,
                    "result": result,
                    "value": int(r.consents),
                    "low": float(r.low),
                    "high": float(r.high),
                    "n": int(r.answered),
                }
            )
        return out

    @staticmethod
    def objections(ans: Answers) -> pd.DataFrame:
        """Each objection (a 0, or less than a whole yes) with its reason, no names: item, text, comment."""
        # answers are 0 or 1; a half is a person who said yes to one copy of a proposal typed
        # twice and no to the other (Results.same_words): their objection stands
        frame = analysis.objections(ans.responses, ans.items, threshold=0.5)
        return frame[["item", "text", "comment"]].reset_index(drop=True)


def chart(frame: pd.DataFrame, title: str, people: int):
    """Consents per proposal with their interval (:func:`csikit.charts.dot_tally_chart`)."""
    return charts.dot_tally_chart(frame.assign(voters=people), title, unit="consents")


def percent_interval(r) -> str:
    """A summary row's interval as percentages of those who answered: ``76–100%`` (12 of 12)."""
    if not r.answered:
        return "–"
    return f"{r.low / r.answered:.0%}–{r.high / r.answered:.0%}".replace("%–", "–")


RESULTS = ConsentResults()
