"""What a poll activity's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

from ... import analysis, charts
from ...display import Bar, Exhibit, LiveResult, results_table
from ..base import Answers
from ..results import Results, as_percentages
from .rules import KIND


class PollResults(Results):
    """What poll answers look like."""

    kind = KIND

    def summary(self, ans: Answers, workshop):
        """Votes per option with the 95% Wilson interval of how many voters choose it
        (``analysis.tally_votes``), and the share of voters who chose it: item, text, votes,
        low, high, share, voters."""
        return analysis.tally_votes(ans.responses, ans.items)

    def live(self, ans: Answers, workshop) -> LiveResult:
        frame, title = self.summary(ans, workshop), ans.activity.title
        top = max(1, int(frame["votes"].max() if len(frame) else 1))
        rows = [
            [r.text, r.votes, Bar(r.votes / top), f"{r.share:.0%}", percent_interval(r)] for r in frame.itertuples()
        ]
        return LiveResult(
            frame,
            results_table(rows, ["option", "votes", "", "of voters", "95% interval"]),
            lambda: charts.dot_tally_chart(frame, title, unit="votes"),
        )

    def result_exhibits(self, ans: Answers, workshop):
        a, frame = ans.activity, self.summary(ans, workshop)
        # read as the phone and the console say it: options, and the share as a percentage
        shown = as_percentages(frame, "voters", "% of voters").rename(columns={"text": "option"})
        return [Exhibit(a.title, frame=shown, figure=charts.dot_tally_chart(frame, a.title, unit="votes"))]

    def top_results(self, ans: Answers, workshop, top: int = 3):
        return [
            {
                "item": r.item,
                "text": r.text,
                "result": f"{r.votes} of {r.voters} voters ({r.share:.0%}; 95% interval {percent_interval(r)})",
                "value": int(r.votes),
                "low": float(r.low),
                "high": float(r.high),
                "n": int(r.voters),
            }
            for r in self.summary(ans, workshop).head(top).itertuples()
        ]


def percent_interval(r) -> str:
    """A summary row's interval as percentages of the voters: ``0–24%`` (0 of 12)."""
    if not r.voters:
        return "–"
    return f"{r.low / r.voters:.0%}–{r.high / r.voters:.0%}".replace("%–", "–")


RESULTS = PollResults()
