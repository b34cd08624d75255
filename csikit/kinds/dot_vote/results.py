"""What a dot vote activity's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

from ... import analysis, charts
from ...display import Bar, Exhibit, LiveResult, results_table
from ..base import Answers
from ..results import Results, interval, position_line
from .rules import KIND


class DotVoteResults(Results):
    """What dot vote answers look like."""

    kind = KIND

    def summary(self, ans: Answers, workshop):
        return analysis.tally_dots(ans.responses, ans.items)

    def live(self, ans: Answers, workshop) -> LiveResult:
        frame, title = self.summary(ans, workshop), ans.activity.title
        top = max(1, int(frame["dots"].max() if len(frame) else 1))
        rows = [[r.text, r.dots, Bar(r.dots / top), interval(r.low, r.high)] for r in frame.itertuples()]
        table = results_table(rows, ["item", "dots", "", "95% interval"]) + position_line(ans)
        return LiveResult(frame, table, lambda: charts.dot_tally_chart(frame, title))

    def result_exhibits(self, ans: Answers, workshop):
        frame = self.summary(ans, workshop)
        return [Exhibit(ans.activity.title, frame=frame, figure=charts.dot_tally_chart(frame, ans.activity.title))]

    def top_results(self, ans: Answers, workshop, top: int = 3):
        return [
            {
                "item": r.item,
                "text": r.text,
                "result": f"{r.dots} dots (95% interval {interval(r.low, r.high)})",
                "value": int(r.dots),
                "low": float(r.low),
                "high": float(r.high),
                "n": int(r.voters),
            }
            for r in self.summary(ans, workshop).head(top).itertuples()
        ]


RESULTS = DotVoteResults()
