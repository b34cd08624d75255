"""Live results of one activity for the facilitator's screen: a chart and a table.

Anonymous activities never show who answered what: only counts and texts.
"""

from __future__ import annotations

import time

import ipywidgets as W

from .. import analysis, charts
from ..model import ActivityKind, ActivityStatus, Workshop
from ..store import Store
from .common import esc

#: Seconds between chart redraws while an activity is open (the table updates at once).
CHART_EVERY = 5.0


class Bar(float):
    """A table cell drawn as a horizontal bar (its value is the share of the widest, 0–1)."""


def _cell(c: object) -> str:
    if isinstance(c, Bar):
        return f"<div class='csikit-bar' style='background:#0072b2;height:14px;width:{max(0.0, min(1.0, c)) * 240:.0f}px'></div>"
    return esc(c)


def _table(rows: list[list[object]], header: list[str]) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 8px'>{_cell(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table class='csikit-results'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class LiveResults(W.VBox):
    """Chart and table for an activity; ``update()`` redraws from the store."""

    def __init__(self, store: Store, workshop: Workshop):
        super().__init__()
        self.store, self.workshop = store, workshop
        self.chart = W.Image(format="png", layout=W.Layout(max_width="100%", width="auto"))
        self.table = W.HTML()
        self.children = [self.chart, self.table]
        self.frame = None
        self._chart_at = float("-inf")
        self._chart_key: tuple = ()
        self._pending = None

    def update(self, status: ActivityStatus) -> None:
        a, code = status.activity, self.workshop.code
        if a.kind is ActivityKind.IDEAS:
            ideas = self.store.ideas(code, a.id)
            frame = analysis.ideas_frame(ideas)
            self.frame, self._pending, self._chart_key = frame, None, (a.id, status.state)
            self.chart.layout.display = "none"
            rows = [[r.idea, r.text, r.duplicates or ""] for r in frame.itertuples()]
            self.table.value = f"<b>{len(frame)} ideas</b>" + _table(rows, ["#", "idea", "duplicates merged"])
            return
        responses = self.store.responses(code, a.id)
        criteria = a.criteria(self.workshop.objectives)
        frame = analysis.activity_results(a, status.items, responses, criteria)
        self.frame = frame
        self.chart.layout.display = ""
        if a.kind is ActivityKind.DOT_VOTE:
            fig = lambda: charts.dot_tally_chart(frame, a.title)  # noqa: E731 - drawn only when due
            top = max(1, int(frame["dots"].max() if len(frame) else 1))
            rows = [[r.text, r.dots, Bar(r.dots / top), f"{r.low:g}–{r.high:g}"] for r in frame.itertuples()]
            table = _table(rows, ["item", "dots", "", "95% interval"])
        elif a.kind is ActivityKind.RANKING:
            fig = lambda: charts.borda_chart(frame, a.title)  # noqa: E731
            table = _table([[r.rank, r.text, r.points] for r in frame.itertuples()], ["rank", "item", "Borda points"])
        elif a.kind is ActivityKind.FIST_OF_FIVE:
            fig = lambda: charts.consent_chart(frame, a.title)  # noqa: E731
            objections = analysis.objections(responses, status.items)
            rows = [[r.text, r.value, r.comment or "(no reason given)"] for r in objections.itertuples()]
            table = "<b>Objections</b>" + _table(rows, ["proposal", "fingers", "objection"]) if rows else "No objections."
        else:
            lo, hi = a.value_range()
            names = {o.id: o.title for o in self.workshop.objectives}
            fig = lambda: charts.ordinal_chart(  # noqa: E731
                frame.assign(criterion=frame["criterion"].map(lambda c: names.get(c, c))),
                a.title, a.score_labels(self.workshop.maturity_scale), lo, hi)
            rows = [[r.text, names.get(r.criterion, r.criterion), r.n, "–" if not r.n else f"{r.median:g}",
                     "–" if not r.n else f"{r.q1:g}–{r.q3:g}", "few answers" if r.small_n else ""] for r in frame.itertuples()]
            table = _table(rows, ["item", "on", "n", "median", "middle half", ""])
        self.table.value = table
        # The table follows every vote at once; the chart (≈1 s to draw) at most every
        # CHART_EVERY seconds while voting is open, and at once on any other change.
        key = (a.id, status.state)
        self._pending = fig
        if key != self._chart_key:
            self._chart_key = key
            self.flush(force=True)
        else:
            self.flush()

    def flush(self, force: bool = False) -> None:
        """Draw a chart held back by the throttle once it is due (the facilitator's poll calls this)."""
        if self._pending is not None and (force or time.monotonic() - self._chart_at >= CHART_EVERY):
            self.chart.value = charts.to_png(self._pending())
            self._pending, self._chart_at = None, time.monotonic()
