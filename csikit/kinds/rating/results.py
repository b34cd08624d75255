"""What a rating activity's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

from dataclasses import replace

from ... import analysis, charts
from ...display import Exhibit, LiveResult, results_table
from ...model import RatingScale
from ..base import Answers
from ..results import Results, ordinal_live, position_line
from .rules import KIND

#: Rows of the compact table under a rating's heatmap (the heatmap shows every item).
TOP_ROWS = 5


class RatingResults(Results):
    """What rating answers look like."""

    kind = KIND

    def heatmapped(self, a, workshop) -> bool:
        """A rating on several objectives reads as a heatmap (items × objectives), not a long table."""
        return bool(a.per_objective) and len(self.kind.criteria(a, workshop.objectives)) > 1

    def live(self, ans: Answers, workshop) -> LiveResult:
        """The heatmap and the top rows for a rating on several objectives, else median and middle
        half per item; the fair-order check under them once the rating is locked."""
        frame = self.summary(ans, workshop)
        result = (
            heatmap_live(frame, ans.activity, workshop)
            if self.heatmapped(ans.activity, workshop)
            else ordinal_live(frame, ans.activity, workshop)
        )
        line = position_line(ans)
        return replace(result, table=result.table + line) if line else result

    def result_exhibits(self, ans: Answers, workshop):
        a = ans.activity
        if a.scale is RatingScale.IMPACT_EFFORT:
            frame = analysis.impact_effort(ans.responses, ans.items)
            return [Exhibit(a.title, frame=frame, figure=charts.impact_effort_chart(frame))]
        if a.per_objective:
            summary = self.summary(ans, workshop)
            names = {o.id: o.title for o in workshop.objectives}
            lo, hi = a.value_range()
            figure = charts.heatmap_chart(summary, a.title, lo, hi, columns=names)
            return [Exhibit(a.title, frame=matrix_frame(summary, names), figure=figure)]
        return super().result_exhibits(ans, workshop)


def matrix_frame(summary, names: dict[str, str]):
    """The heatmap as a table: one row per item in the heatmap's order (text, the median on
    each objective, the overall median)."""
    overall = charts.overall_medians(summary)
    wide = summary.pivot_table(index="item", columns="criterion", values="median", sort=False, dropna=False)
    crits = list(dict.fromkeys(summary["criterion"]))
    wide = wide.reindex(index=overall.index, columns=crits)
    texts = summary.drop_duplicates("item").set_index("item")["text"]
    wide.columns = [names.get(c, c) for c in crits]
    wide.insert(0, "text", texts.reindex(wide.index).to_numpy())
    wide["overall median"] = overall["median"].to_numpy()
    return wide.reset_index(drop=True)


def heatmap_live(frame, a, workshop, rows: int = TOP_ROWS) -> LiveResult:
    """A rating of items × objectives: the heatmap, and a compact table of its top rows
    (overall median, answers, the objectives the room disagrees on)."""
    names = {o.id: o.title for o in workshop.objectives}
    lo, hi = a.value_range()
    overall = charts.overall_medians(frame)
    split = frame[charts.low_agreement(frame, lo, hi) & (frame["n"] > 0)]
    texts = frame.drop_duplicates("item").set_index("item")["text"]
    answers = frame.groupby("item")["n"].max()
    shown = [(item, r) for item, r in overall.iterrows() if r["median"] == r["median"]][:rows]
    body = [
        [
            place,
            texts[item],
            f"{r['median']:g}",
            int(answers[item]),
            ", ".join(names.get(c, c) for c in split.loc[split["item"] == item, "criterion"]) or "–",
        ]
        for place, (item, r) in enumerate(shown, start=1)
    ]
    caption = (
        (
            f"<p style='margin:4px 0'><b>Top {len(body)} of {len(overall)}</b> by their median over the "
            f"{len(names)} objectives (the heatmap shows every item)</p>"
        )
        if body
        else "<p>No answers yet.</p>"
    )
    table = caption + results_table(body, ["#", "item", "median", "answers", "low agreement on"]) if body else caption

    def figure():
        return charts.heatmap_chart(frame, a.title, lo, hi, columns=names)

    return LiveResult(frame, table, figure)


RESULTS = RatingResults()
