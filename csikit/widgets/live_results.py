"""Live results of one activity for the facilitator's screen: a chart and a table.

What to compute and draw is the activity kind's (:meth:`csikit.kinds.base.Kind.live`);
this widget throttles the chart, keeps a failing chart from blanking the table, and
shows the context an activity asks the room to look at.

Anonymous activities never show who answered what: only counts and texts. With fewer
answers than the workshop's ``min_group`` the phones and the presenter view hide the
results; the facilitator still sees them here, marked as seen by them alone.
"""

from __future__ import annotations

import logging
import time

import ipywidgets as W

from .. import analysis, charts, rules
from ..display import chart_failed, esc
from ..kinds.base import Answers
from ..kinds.results import results_of
from ..model import ActivityStatus, Workshop
from ..store import Store

log = logging.getLogger("csikit.widgets")

#: Seconds between chart redraws while an activity is open (the table updates at once).
CHART_EVERY = 5.0

RESULTS_FAILED = (
    "The results of this activity could not be computed; the answers are safe in the store. "
    "The details are in the server log; they are computed again when new answers arrive."
)


def too_few_note(min_group: int) -> str:
    """The mark on results only the facilitator sees (fewer answers than ``min_group``)."""
    return (
        f"<div class='csikit-too-few' role='note' style='background:#fff4e5;border-left:4px solid #DE8F05;"
        f"padding:4px 8px;margin:2px 0'><b>Only you see these: fewer than {min_group} answers.</b> "
        f"Participants and the presenter view read “{esc(rules.TOO_FEW)}” until {min_group} have answered.</div>"
    )


class LiveResults(W.VBox):
    """Chart and table for an activity; ``update()`` redraws from the store."""

    def __init__(self, store: Store, workshop: Workshop):
        super().__init__()
        self.add_class("csikit-live-results")
        self.store, self.workshop = store, workshop
        self.chart = W.Image(format="png", layout=W.Layout(max_width="100%", width="auto")).add_class(
            "csikit-live-chart"
        )
        self.table = W.HTML()
        self.problem = W.HTML(layout=W.Layout(display="none"))
        self.problem.add_class("csikit-problem")
        # what the activity asks people to look at (step 5: "look at the trend charts"), drawn once per activity
        self.context = W.Image(format="png", layout=W.Layout(max_width="100%", width="auto", display="none"))
        self._context_for = ""
        self.privacy = W.HTML(layout=W.Layout(display="none"))
        #: True while the results shown are below the workshop's min_group (only the facilitator sees them).
        self.too_few = False
        self.children = [self.privacy, self.context, self.chart, self.problem, self.table]
        self.frame = None
        self._chart_at = float("-inf")
        self._chart_key: tuple = ()
        self._data_key: object = None
        self._failed: tuple | None = None  # (activity, state, data) of the chart that failed
        self._pending = None

    def _say(self, message: str) -> None:
        self.problem.value = f"<div role='alert' style='color:#b00020'>⚠ {esc(message)}</div>" if message else ""
        self.problem.layout.display = "" if message else "none"

    def update(self, status: ActivityStatus) -> None:
        """Redraw the table from the store (and the chart when due); never raises."""
        try:
            self._update(status)
        except Exception:  # noqa: BLE001 - a failing view must not stop the facilitator's poll
            log.exception("csikit: the results of %r could not be computed", status.activity.id)
            self._pending = None
            self._say(RESULTS_FAILED)

    def _show_context(self, status: ActivityStatus) -> None:
        """The KPI trends beside a rating of the KPIs, so the room rates what it sees."""
        a = status.activity
        if a.id == self._context_for:
            return
        self._context_for = a.id
        self.context.layout.display = "none"
        if a.items_from != "kpis":
            return
        try:
            progress = analysis.kpi_progress(self.workshop.kpis, self.store.measurements(self.workshop.code))
            if len(progress):
                self.context.value = charts.to_png(
                    charts.kpi_trends_chart(progress, [k.id for k in self.workshop.kpis])
                )
                self.context.layout.display = ""
        except Exception:  # noqa: BLE001 - the results do not depend on it
            log.exception("csikit: the KPI trends beside %r could not be drawn", a.id)
        finally:
            charts.release()

    def _mark_too_few(self, status: ActivityStatus) -> None:
        """Mark results the room does not see yet: fewer answers than the workshop's min_group."""
        answered = self.store.participation(self.workshop.code, status.activity.id)[0]
        self.too_few = rules.too_few(self.workshop, answered)
        self.privacy.value = too_few_note(self.workshop.min_group) if self.too_few else ""
        self.privacy.layout.display = "" if self.too_few else "none"

    def _update(self, status: ActivityStatus) -> None:
        a, code = status.activity, self.workshop.code
        self._mark_too_few(status)
        self._show_context(status)
        result = results_of(a.kind).live(Answers.read(self.store, code, a, status.items), self.workshop)
        self.frame = frame = result.frame
        if result.figure is None:  # a kind without a chart (ideas): the table says it all
            self._pending, self._chart_key = None, (a.id, status.state)
            self.chart.layout.display = "none"
            self._say("")
            self.table.value = result.table
            return
        fig, table = result.figure, result.table
        self.table.value = table
        # The table follows every vote at once; the chart (≈1 s to draw) at most every
        # CHART_EVERY seconds while voting is open, and at once on any other change.
        key, data = (a.id, status.state), _fingerprint(frame)
        if self._failed == (*key, data):
            return  # the same chart of the same data failed: not again on every poll
        self._pending, self._data_key = fig, data
        if key != self._chart_key:
            self._chart_key = key
            self.flush(force=True)
        else:
            self.flush()

    def flush(self, force: bool = False) -> None:
        """Draw a chart held back by the throttle once it is due (the facilitator's poll calls this).

        A chart that fails is not drawn again until the activity, its state or its data
        change; its table stays, and the facilitator reads what happened.
        """
        if self._pending is None or not (force or time.monotonic() - self._chart_at >= CHART_EVERY):
            return
        draw, self._pending, self._chart_at = self._pending, None, time.monotonic()
        try:
            self.chart.value = charts.to_png(draw())  # to_png closes the figure, even when drawing fails
        except Exception:  # noqa: BLE001 - the table is complete without the chart
            log.exception("csikit: the chart of %r could not be drawn", self._chart_key[0] if self._chart_key else "")
            self._failed = (*self._chart_key, self._data_key)
            self.chart.layout.display = "none"
            self._say(
                chart_failed(again="the chart is tried again when new answers arrive or the activity changes state")
            )
            return
        finally:
            charts.release()  # the dropped figure, now rather than at the next full collection
        self._failed = None
        self.chart.layout.display = ""
        self._say("")


def _fingerprint(frame) -> object:
    """A cheap key of a results frame's content (equal data, equal key)."""
    import pandas as pd

    try:
        return int(pd.util.hash_pandas_object(frame, index=False).sum())
    except (TypeError, ValueError):
        return object()  # unhashable cells: treat as new data
