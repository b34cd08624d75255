"""The phone's view of a rating or a maturity assessment (ipywidgets; no pandas)."""

from __future__ import annotations

import ipywidgets as W

from ..widgets.common import DescriptionStyle, esc, guarded, html, shared
from .phone import CHOOSE, UNANSWERED, ActivityView, criterion_names, kpi_lines


class RatingView(ActivityView):
    """A choice per item and criterion (Likert, impact × effort, maturity levels); saved on change."""

    def __init__(self, app, status):
        super().__init__(app, status)
        ws = app.workshop
        labels = self.activity.score_labels(ws.maturity_scale)
        lo, _ = self.activity.value_range()
        options = [(CHOOSE, UNANSWERED)] + [(f"{lo + i} · {lab}" if not lab[:1].isdigit() else lab, lo + i) for i, lab in enumerate(labels)]
        criteria = self.activity.criteria(ws.objectives)
        names = criterion_names(ws)
        mine = self._mine()
        self.choices: dict[tuple[str, str], W.Dropdown] = {}
        trends = kpi_lines(ws, app.store.measurements(app.code)) if self.activity.items_from == "kpis" else {}
        rows = []
        for item in self.items:
            parts = [html(f"<b>{esc(item.text)}</b>")]
            if item.id in trends:  # "look at the trend charts": the figures behind them, on the phone too
                parts.append(html(f"<div class='csikit-kpi-trend' style='color:#444'>{esc(trends[item.id])}</div>"))
            for criterion in criteria:
                if len(criteria) > 1:  # its own line: a long objective never overlaps the choice on a phone
                    parts.append(html(f"<span class='csikit-criterion' style='color:#444'>{esc(names.get(criterion, criterion))}</span>"))
                dd = W.Dropdown(options=options, value=mine.get((item.id, criterion), (UNANSWERED, ""))[0],
                                layout=shared(W.Layout, width="100%"), style=shared(DescriptionStyle))
                dd.observe(lambda ch, i=item.id, c=criterion: ch["new"] != UNANSWERED and self.rate(i, ch["new"], c), "value")
                self.choices[(item.id, criterion)] = dd
                parts.append(dd)
            rows.append(W.VBox(parts, layout=shared(W.Layout, width="100%")).add_class("csikit-item"))
        self.children = rows

    @guarded
    def rate(self, item: str, value: int, criterion: str = "") -> None:
        """Give ``item`` the score ``value`` (on ``criterion``)."""
        if not criterion:
            criterion = self.activity.criteria(self.app.workshop.objectives)[0]
        self._respond({(item, criterion): value})
        self.status.show("Saved.", "ok")
