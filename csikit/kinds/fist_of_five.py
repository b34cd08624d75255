"""Fist of five: consent per proposal, 0 (I object) to 5 fingers; 0–2 gives the objection."""

from __future__ import annotations

from .base import Answers, Kind, LiveResult

FIST_LABELS = (
    "0 · Block: I object",
    "1 · Serious concerns",
    "2 · Some concerns",
    "3 · Can live with it",
    "4 · Good idea",
    "5 · Fully support",
)
#: Fingers at or below this ask for the objection.
OBJECTION = 2
OBJECTIONS = ("We do not have the people for this yet", "The KPI will not show the benefit",
              "Depends on a tool we have not bought", "Too big for one quarter: split it")


class FistOfFive(Kind):
    """Fingers per proposal: how many showed each count, and the objections (without names)."""

    name = "fist_of_five"
    answered_verb = "have shown their hand"
    closed_words = "Consent vote closed."

    def value_range(self, a):
        return (0, 5)

    def score_labels(self, a, scale=None):
        return FIST_LABELS

    def sample_comment(self, value, rng):
        return rng.choice(OBJECTIONS) if value <= OBJECTION else ""

    def summary(self, ans: Answers, workshop):
        from .. import analysis

        return analysis.distribution(ans.responses, ans.items, range(6))

    def live(self, ans: Answers, workshop) -> LiveResult:
        from .. import analysis, charts
        from ..widgets.live_results import results_table

        frame, title = self.summary(ans, workshop), ans.activity.title
        objections = analysis.objections(ans.responses, ans.items, threshold=OBJECTION)
        rows = [[r.text, r.value, r.comment or "(no reason given)"] for r in objections.itertuples()]
        table = "<b>Objections</b>" + results_table(rows, ["proposal", "fingers", "objection"]) if rows else "No objections."
        return LiveResult(frame, table, lambda: charts.consent_chart(frame, title))

    def result_exhibits(self, ans: Answers, workshop):
        from .. import analysis, charts
        from ..exhibits import Exhibit

        a = ans.activity
        return [Exhibit(a.title, figure=charts.consent_chart(self.summary(ans, workshop), a.title)),
                Exhibit(f"{a.title} — objections", frame=analysis.objections(ans.responses, ans.items, threshold=OBJECTION))]


KIND = FistOfFive()
