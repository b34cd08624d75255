"""What every phone view shares: the base view (items in the person's fair order), the
closed and revealed screens, the "I'm done" button, criterion names.

Light on purpose (ipywidgets only): a participant's kernel imports it.
"""

from __future__ import annotations

import ipywidgets as W

from .. import rules
from ..measurements import progress_percent
from ..model import ActivityStatus
from ..order import shown_order
from ..widgets.common import guarded, plain, shared
from . import kind_of

#: The label of a choice nobody made yet.
CHOOSE = "— choose —"
#: The value of a dropdown nobody has answered yet (None would show an empty select).
UNANSWERED = -1


def criterion_names(workshop) -> dict[str, str]:
    """What a person calls each criterion: objective titles, not their ids."""
    names = {o.id: o.title for o in workshop.objectives}
    names.update(impact="Impact", effort="Effort", current="Today", target="Target")
    return names


def kpi_lines(workshop, measurements) -> dict[str, str]:
    """Per KPI, its trend in one line: latest reading against baseline and target (no pandas)."""
    readings: dict[str, list] = {}
    for m in sorted(measurements, key=lambda m: m.date):
        readings.setdefault(m.kpi, []).append(m)
    out = {}
    for k in workshop.kpis:
        unit = f" {k.unit}" if k.unit and k.unit != "%" else k.unit
        span = k.target.value - k.baseline.value
        rows = readings.get(k.id, [])
        if not rows:
            out[k.id] = f"no readings yet · baseline {k.baseline.value:g}{unit} → target {k.target.value:g}{unit}"
            continue
        last = rows[-1]
        progress = progress_percent(last.value, k.baseline.value, k.target.value)
        change = rows[-1].value - rows[-2].value if len(rows) > 1 else 0.0
        trend = "" if not change else " (better than before)" if (change > 0) == (span > 0) else " (worse than before)"
        way = f"{progress:.0f}% of the way" if progress >= 0 else "worse than the baseline"
        out[k.id] = (f"{last.value:g}{unit} on {last.date:%d %b %Y}{trend} · baseline {k.baseline.value:g}{unit}"
                     f" → target {k.target.value:g}{unit} by {k.target.date:%b %Y} · {way}")
    return out


class ActivityView(W.VBox):
    """Base of the per-kind views: knows the app, the activity and its items.

    ``items`` are in the order this person sees them: dot votes, ratings and rankings
    shuffle them per participant (fair order, :func:`csikit.order.shown_order`), the
    same order on every reload, and the store records each answer's position in it.
    Screens that show everyone's results (``fair = False``) keep the agenda's order.
    """

    #: Show the items in this person's fair order (an answering screen), not the agenda's.
    fair: bool = True

    def __init__(self, app, status: ActivityStatus):
        super().__init__()
        self.app = app
        self.activity = status.activity
        self.items = status.items
        if self.fair:
            by_key = {i.id: i for i in status.items}
            self.items = tuple(by_key[k] for k in shown_order(self.activity, list(by_key), app.participant.id))
        self.status = app.status

    @property
    def pid(self) -> int:
        return self.app.participant.id

    def _respond(self, values, comments=None):
        return self.app.store.respond(self.app.code, self.pid, self.activity.id, values, comments)

    def _mine(self) -> dict:
        return self.app.store.my_responses(self.app.code, self.pid, self.activity.id)


class ClosedView(ActivityView):
    """Voting closed: the participant's own answers, read-only."""

    fair = False

    def __init__(self, app, status):
        super().__init__(app, status)
        texts = {i.id: i.text for i in self.items}
        if kind_of(self.activity.kind).collects_ideas:
            mine = [plain(f"• {i.text}") for i in app.store.ideas(app.code, self.activity.id, participant=self.pid)]
        else:
            names = criterion_names(app.workshop)
            mine = [plain(f"• {texts.get(item, item)}{f' ({names.get(c, c)})' if c else ''}: {v}")
                    for (item, c), (v, _) in self._mine().items()]
        self.children = [W.HTML("<b>Voting closed.</b> Your answers are kept; results come when the facilitator reveals them."),
                         *(mine or [W.Label("You gave no answer.")])]


class ResultsView(ActivityView):
    """Revealed results, as plain text lines (no names: results are anonymous).

    With fewer answers than the workshop's ``min_group`` the phone says so instead
    (:data:`csikit.rules.TOO_FEW`): two voters' results tell each who voted what.
    """

    fair = False

    def __init__(self, app, status):
        super().__init__(app, status)
        store, code, a = app.store, app.code, self.activity
        answered, _ = store.participation(code, a.id)
        if rules.too_few(app.workshop, answered):
            self.children = [W.HTML("<b>Results</b>"), W.HTML(f"<div class='csikit-too-few'>{rules.TOO_FEW}.</div>")]
            return
        kind = kind_of(a.kind)
        if kind.collects_ideas:
            ideas = [i for i in store.ideas(code, a.id) if i.merged_into is None]
            lines = [plain(f"• {i.text}") for i in ideas]
            self.children = [W.HTML(f"<b>Results</b> · {len(ideas)} ideas"), *lines]
            return
        names = criterion_names(app.workshop)
        rows = [plain(kind.result_text(r, names.get(r.criterion, r.criterion)))
                for r in kind.tally(a, self.items, store.responses(code, a.id))]
        self.children = [W.HTML("<b>Results</b>"), *rows]


#: What the "I'm done" button says before and after the tap.
DONE, NOT_DONE = "I'm done", "Not done yet"


class DoneButton(W.Button):
    """"I'm done" under an open activity: tells the facilitator this person has finished
    (the console and the presenter view count them); a second tap takes it back.

    The mark is the store's (``mark_done``), so a reload shows it as it was.
    """

    def __init__(self, app, activity: str):
        super().__init__(layout=shared(W.Layout, width="100%"), style=shared(W.ButtonStyle))  # the rows' own: no new model
        self.add_class("csikit-done")
        self.app, self.activity, self.status = app, activity, app.status
        self.done = app.store.is_done(app.code, app.participant.id, activity)
        self.on_click(lambda _b: self.toggle())
        self._draw()

    def _draw(self) -> None:
        self.description = f"{NOT_DONE} (you marked this done)" if self.done else DONE
        self.button_style = "" if self.done else "success"
        self.tooltip = "Tell the facilitator you are still answering" if self.done else "Tell the facilitator you have finished"

    @guarded
    def toggle(self) -> None:
        """Mark this activity done for this person, or (done already) not done yet."""
        app = self.app
        app.store.mark_done(app.code, app.participant.id, self.activity, done=not self.done)
        self.done = not self.done
        self._draw()
        app.status.show("Marked as done: the facilitator can see you have finished." if self.done
                        else "Marked as not done yet.", "ok")
