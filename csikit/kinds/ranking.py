"""Ranking: each participant orders all the items; Borda points rank them for the group."""

from __future__ import annotations

from ..errors import InvalidResponse
from .base import Answers, Kind, LiveResult, counted, position_line, withheld


class Ranking(Kind):
    """Places 1…n per participant; Borda points (n − place) summed over voters."""

    name = "ranking"
    answered_verb = "have ranked"
    closed_words = "Ranking closed."
    unit = "Borda point"
    lower_is_better = True
    paper_input = "place"

    def paper_hint(self, a) -> str:
        return "a place per item, 1 is first"

    def check(self, a, c) -> None:
        super().check(a, c)
        if a.items:
            c.need(len(a.items) >= 2, "items", "a ranking needs at least 2 items")

    def value_range(self, a):
        return (1, max(len(a.items), 1))

    def merge(self, a, criteria, item_keys, existing, new):
        """Every item gets exactly one place, from 1 to the number of items."""
        self.check_values(a, criteria, item_keys, new, hi=len(item_keys))
        merged = {**existing, **new}
        ranks = sorted(v for (_, c), v in merged.items())
        if {k for k, _ in merged} != set(item_keys) or ranks != list(range(1, len(item_keys) + 1)):
            raise InvalidResponse("Give every item exactly one place, from 1 to the number of items.")
        return merged

    def tally(self, a, items, responses):
        """Borda points per item, most first."""
        return counted(a, items, responses, lambda vals, n: sum(n - v for v in vals))

    def sample(self, a, items, criteria, rng, appeal):
        order = sorted(items, key=lambda i: -(appeal(i) + rng.gauss(0, 0.25)))
        return {(item, ""): pos for pos, item in enumerate(order, start=1)}, {}

    def summary(self, ans: Answers, workshop):
        from .. import analysis

        return analysis.borda(ans.responses, ans.items)

    def live(self, ans: Answers, workshop) -> LiveResult:
        from .. import charts
        from ..widgets.live_results import results_table

        frame, title = self.summary(ans, workshop), ans.activity.title
        table = results_table([[r.rank, r.text, r.points] for r in frame.itertuples()], ["rank", "item", "Borda points"])
        table += position_line(ans)
        return LiveResult(frame, table, lambda: charts.borda_chart(frame, title))

    def same_words(self, ans: Answers) -> Answers:
        """Items of the same words once; places shifted so their Borda points add up."""
        from dataclasses import replace

        from ..similar_ideas import fold_same_words

        items, responses = fold_same_words(ans.items, ans.responses, combine="points")
        return replace(ans, items=items, responses=responses)

    def stability(self, ans: Answers):
        """Borda ranks with how often each item keeps its rank when one voter is left out."""
        from .. import analysis

        return analysis.borda_stability(list(ans.responses), ans.items)

    def result_exhibits(self, ans: Answers, workshop):
        from .. import charts
        from ..exhibits import Exhibit

        frame = self.stability(ans)
        return [Exhibit(ans.activity.title, frame=frame, figure=charts.borda_chart(frame, ans.activity.title))]

    def top_results(self, ans: Answers, workshop, top: int = 3):
        out = []
        for r in self.stability(ans).head(top).itertuples():
            keep = "" if r.stability != r.stability else f", keeps its rank in {r.stability:.0%} of leave-one-out runs"
            out.append({"item": r.item, "text": r.text, "result": f"rank {r.rank}, {r.points} Borda points{keep}",
                        "value": int(r.points), "low": None, "high": None, "n": int(r.voters)})
        return out

    def momentum(self, ans: Answers, workshop, answered: int):
        if withheld(ans, workshop):
            return super().momentum(ans, workshop, answered)
        from ..review.display import Table

        a, ranks = ans.activity, self.stability(ans)
        ranks = ranks.assign(stability=100 * ranks["stability"])
        table = Table(ranks, {"rank": "rank", "text": a.title, "points": "Borda points", "stability": "rank kept %"})
        line = f"Carry-over order ({answered} voters): " + ", ".join(f"{r.rank}. {r.text}" for r in ranks.head(3).itertuples()) + "."
        return table, [], [line]


KIND = Ranking()
