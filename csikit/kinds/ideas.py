"""Ideas: participants send short texts; the facilitator merges duplicates."""

from __future__ import annotations

from ..errors import InvalidResponse
from .base import Answers, Kind, LiveResult, withheld


class Ideas(Kind):
    """Short texts sent by participants; they become the items of later activities."""

    name = "ideas"
    settings = ("max_ideas",)
    collects_ideas = True
    whole_answer = True

    def check(self, a, c) -> None:
        c.need(not a.items and not a.items_from, "items", "ideas activities collect items; they take none")
        if a.max_ideas is not None:
            c.need(1 <= a.max_ideas <= 50, "max_ideas", "must be between 1 and 50")

    def items(self, a, workshop):
        return ()

    def merge(self, a, criteria, item_keys, existing, new):
        raise InvalidResponse("This activity collects ideas, not votes.")

    def tally(self, a, items, responses):
        return []

    def sample(self, a, items, criteria, rng, appeal):
        return {}, {}  # ideas are texts: csikit.simulate sends them

    def phone_view(self, app, status):
        from .ideas_phone import IdeasView

        return IdeasView(app, status)

    def summary(self, ans: Answers, workshop):
        from .. import analysis

        return analysis.ideas_frame(ans.ideas)

    def live(self, ans: Answers, workshop) -> LiveResult:
        from ..widgets.live_results import results_table

        frame = self.summary(ans, workshop)
        rows = [[r.idea, r.text, r.duplicates or ""] for r in frame.itertuples()]
        return LiveResult(frame, f"<b>{len(frame)} ideas</b>" + results_table(rows, ["#", "idea", "duplicates merged"]))

    def result_exhibits(self, ans: Answers, workshop):
        from ..exhibits import Exhibit

        frame = self.summary(ans, workshop)
        return [Exhibit(f"{ans.activity.title} — {len(frame)} ideas", frame=frame)]

    def top_results(self, ans: Answers, workshop, top: int = 3):
        frame = self.summary(ans, workshop).sort_values("duplicates", ascending=False, kind="stable").head(top)
        return [{"item": f"idea-{r.idea}", "text": r.text, "result": f"idea (+{r.duplicates} duplicates)",
                 "value": int(r.duplicates), "low": None, "high": None, "n": None} for r in frame.itertuples()]

    def momentum(self, ans: Answers, workshop, answered: int):
        if withheld(ans, workshop):  # a few people's ideas could tell who wrote which
            return super().momentum(ans, workshop, answered)
        from .. import charts
        from ..review.display import Table

        a, ideas = ans.activity, self.summary(ans, workshop)
        board = charts.to_png(charts.board_chart(list(ideas["text"]), a.title), dpi=60)
        return Table(ideas.assign(activity=a.title), {"text": a.title, "duplicates": "duplicates"}), [board], []


KIND = Ideas()
