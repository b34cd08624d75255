"""What a ranking activity's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

from dataclasses import replace

from ... import analysis, charts
from ...display import Exhibit, LiveResult, Table, results_table
from ...similar_ideas import fold_same_words
from ..base import Answers
from ..results import Results, position_line, withheld
from .rules import KIND


class RankingResults(Results):
    """What ranking answers look like."""

    kind = KIND

    def summary(self, ans: Answers, workshop):
        return analysis.borda(ans.responses, ans.items)

    def live(self, ans: Answers, workshop) -> LiveResult:
        frame, title = self.summary(ans, workshop), ans.activity.title
        table = results_table(
            [[r.rank, r.text, r.points] for r in frame.itertuples()], ["rank", "item", "Borda points"]
        )
        table += position_line(ans)
        return LiveResult(frame, table, lambda: charts.borda_chart(frame, title))

    def same_words(self, ans: Answers) -> Answers:
        """Items of the same words once; places shifted so their Borda points add up."""
        items, responses = fold_same_words(ans.items, ans.responses, combine="points")
        return replace(ans, items=items, responses=responses)

    def stability(self, ans: Answers):
        """Borda ranks with how often each item keeps its rank when one voter is left out."""
        return analysis.borda_stability(list(ans.responses), ans.items)

    def result_exhibits(self, ans: Answers, workshop):
        frame = self.stability(ans)
        return [Exhibit(ans.activity.title, frame=frame, figure=charts.borda_chart(frame, ans.activity.title))]

    def top_results(self, ans: Answers, workshop, top: int = 3):
        out = []
        for r in self.stability(ans).head(top).itertuples():
            keep = "" if r.stability != r.stability else f", keeps its rank in {r.stability:.0%} of leave-one-out runs"
            out.append(
                {
                    "item": r.item,
                    "text": r.text,
                    "result": f"rank {r.rank}, {r.points} Borda points{keep}",
                    "value": int(r.points),
                    "low": None,
                    "high": None,
                    "n": int(r.voters),
                }
            )
        return out

    def momentum(self, ans: Answers, workshop, answered: int):
        if withheld(ans, workshop):
            return super().momentum(ans, workshop, answered)
        a, ranks = ans.activity, self.stability(ans)
        ranks = ranks.assign(stability=100 * ranks["stability"])
        table = Table(ranks, {"rank": "rank", "text": a.title, "points": "Borda points", "stability": "rank kept %"})
        line = (
            f"Carry-over order ({answered} voters): "
            + ", ".join(f"{r.rank}. {r.text}" for r in ranks.head(3).itertuples())
            + "."
        )
        return table, [], [line]


RESULTS = RankingResults()
