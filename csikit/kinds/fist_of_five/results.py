"""What a fist of five activity's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

from ... import analysis, charts
from ...display import Exhibit, LiveResult, results_table
from ..base import Answers
from ..results import Results
from .rules import KIND, OBJECTION


class FistOfFiveResults(Results):
    """What fist of five answers look like."""

    kind = KIND

    def summary(self, ans: Answers, workshop):
        return analysis.distribution(ans.responses, ans.items, range(6))

    def live(self, ans: Answers, workshop) -> LiveResult:
        frame, title = self.summary(ans, workshop), ans.activity.title
        objections = analysis.objections(ans.responses, ans.items, threshold=OBJECTION)
        rows = [[r.text, r.value, r.comment or "(no reason given)"] for r in objections.itertuples()]
        table = (
            "<b>Objections</b>" + results_table(rows, ["proposal", "fingers", "objection"])
            if rows
            else "No objections."
        )
        return LiveResult(frame, table, lambda: charts.consent_chart(frame, title))

    def result_exhibits(self, ans: Answers, workshop):
        a = ans.activity
        return [
            Exhibit(a.title, figure=charts.consent_chart(self.summary(ans, workshop), a.title)),
            Exhibit(
                f"{a.title} — objections", frame=analysis.objections(ans.responses, ans.items, threshold=OBJECTION)
            ),
        ]


RESULTS = FistOfFiveResults()
