"""The facilitator app: the agenda by step, lifecycle controls, a timer, live results,
participation as rings, and (in collapsed panels) the join link with its QR code, the
presenter view's link, answers entered from paper and the merging of duplicate ideas.

Laid out for a laptop: at 1280×800 the agenda (scrolling in its own box), the lifecycle
buttons, participation and the top of the results are visible without scrolling.

Every action is a method (``select``, ``open_activity``, ``lock_activity``, ``reveal_activity``,
``reset_activity``,
``start_timer`` …) so the app is tested without a browser (``open`` and ``close`` belong to
ipywidgets: they open and close the widget's comm).
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import ipywidgets as W

from .. import clock
from ..errors import CsiError
from ..kinds import kind_of
from ..model import ActivityState, Step
from ..store import Store, room_signal
from .common import StatusLine, button, esc, guarded, start_polling
from .console_panels import CONSOLE_CSS, JoinPanel, MergeSlot, qr_png
from .live_results import LiveResults
from .paper_entry import PaperEntry
from .register import RegisterEditor
from .rings import participation_html
from .step_panels import StepsView

#: Seconds between the facilitator's polls. A vote waits half of this on average before it
#: is looked for; an idle poll (one fingerprint query) costs ≈ 1–2 ms, so 4 a second cost
#: < 1 % of a core, and a new vote shows within ≈ 0.5 s with 100 voting
#: (benchmarks/vote_latency.py).
POLL_S = 0.25

STATE_ICON = {ActivityState.DRAFT: "○", ActivityState.OPEN: "●", ActivityState.LOCKED: "■", ActivityState.REVEALED: "★"}


class FacilitatorApp(W.VBox):
    """Runs a workshop: pick an activity from the agenda, open, lock, reveal or reset it.

    Parameters
    ----------
    store, code
        The shared store and the workshop's join code.
    join_url
        The participant link (with the code) shown and encoded in the QR code.
    poll
        Refresh participation, timer and results every ``interval`` seconds (:data:`POLL_S`).
    """

    def __init__(
        self,
        store: Store,
        code: str,
        *,
        join_url: str = "",
        workshop_path: str = "",
        poll: bool = True,
        interval: float = POLL_S,
    ):
        super().__init__()
        self.add_class("csikit-facilitator")
        self.store, self.code = store, code
        self.workshop = store.workshop(code)
        self.status = StatusLine()
        self.selected: str = ""
        self.timer_end: float | None = None
        self._fingerprint: tuple | None = None
        ws = self.workshop
        header = W.HTML(
            f"<div><b style='font-size:1.25em'>{esc(ws.title)}</b> <span style='color:#555'>· {esc(ws.organisation)}"
            f" · join code <b style='font-size:1.15em;letter-spacing:2px;color:#222'>{esc(ws.code)}</b></span></div>"
        ).add_class("csikit-console-header")
        self.join = JoinPanel(join_url)
        self.join_url, self.presenter_url, self.roster = join_url, self.join.presenter_url, self.join.roster
        self.agenda_buttons: dict[str, W.Button] = {}
        self.agenda = W.VBox(self._agenda(), layout=W.Layout(width="300px", min_width="240px"))
        self.agenda.add_class("csikit-agenda")
        self.heading = W.HTML().add_class("csikit-heading")
        self.open_button = button("Open", self.open_activity, style="success", icon="play")
        self.lock_button = button("Lock", self.lock_activity, style="warning", icon="lock")
        self.reveal_button = button("Reveal", self.reveal_activity, style="info", icon="eye")
        self.reset_button = button("Reset", self.reset_activity, style="danger", icon="undo")
        self.restore_button = button("Undo reset", self.restore_activity, icon="history")
        self.restore_button.layout.display = "none"
        self.confirm = ResetConfirm(self)
        self.minutes = W.BoundedIntText(value=5, min=1, max=240, description="minutes", layout=W.Layout(width="150px"))
        self.timer_label = W.HTML()
        self.live_toggle = W.Checkbox(
            value=False,
            description="Show live results on the presenter view",
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.live_toggle.add_class("csikit-live-toggle")
        self._syncing = False
        self.live_toggle.observe(self._on_live_toggle_change, "value")
        self.timer_controls = W.HBox(
            [
                self.minutes,
                button("Start timer", self.start_timer, icon="clock-o"),
                button("Stop", self.stop_timer),
                self.timer_label,
                self.live_toggle,
            ],
            layout=W.Layout(align_items="center", flex_flow="row wrap"),
        )
        self.participation = W.HTML().add_class("csikit-participation-rings")
        self.results = LiveResults(store, ws)
        self.paper = PaperEntry(store, code, "")
        self.panels = W.Accordion(
            [self.join, self.paper],
            titles=("Join link, QR code and who has joined · presenter view", "Enter answers from paper"),
            selected_index=None,
        )
        self.panels.add_class("csikit-panels")
        self.panels.observe(self._on_panel_change, "selected_index")
        self.merge = MergeSlot(store, ws)
        controls = W.VBox(
            [
                self.heading,
                W.HBox(
                    [self.open_button, self.lock_button, self.reveal_button, self.reset_button, self.restore_button]
                ),
                self.confirm,
                self.timer_controls,
                self.participation,
                self.status,
                self.panels,
                self.merge,
                self.results,
            ],
            layout=W.Layout(flex="1 1 auto", padding="0 0 0 12px", min_width="0"),
        )
        live = W.HBox([self.agenda, controls], layout=W.Layout(width="100%"))
        self.steps = StepsView(store, code, workshop_path=workshop_path)
        self.register = RegisterEditor(store, code)
        self.tabs = W.Tab(
            children=[live, self.steps, self.register], titles=["Run the room", "Step results", "CSI register"]
        )
        self.tabs.observe(self._on_tab_change, "selected_index")
        self.children = [W.HTML(CONSOLE_CSS), header, self.tabs]
        first = ws.agenda[0].id if ws.agenda else ""
        current = store.current_key(code)[0]
        if current or first:
            self.select(current or first)
        self._task = start_polling(self.tick, interval, status=self.status, pause_when_away=True) if poll else None

    # --- layout ------------------------------------------------------------------

    def _on_tab_change(self, change) -> None:
        if change["new"] == 1:
            self.steps.show(self.selected_step())
        elif change["new"] == 2:
            self.register.refresh()

    def _on_panel_change(self, change) -> None:
        if change["new"] == 1:
            self.paper.refresh()

    def selected_step(self) -> Step:
        return self.workshop.activity(self.selected).step if self.selected else Step.VISION

    def _agenda(self) -> list[W.Widget]:
        states = self.store.states(self.code)
        out: list[W.Widget] = []
        for step, acts in self.workshop.by_step().items():
            out.append(W.HTML(f"<div style='margin-top:8px'><b>{int(step)} · {esc(step.question)}</b></div>"))
            for a in acts:
                b = button(
                    self._label(a.title, states.get(a.id, ActivityState.DRAFT)),
                    lambda k=a.id: self.select(k),
                    width="100%",
                )
                b.tooltip = f"{a.kind.value} · {a.title}"
                self.agenda_buttons[a.id] = b
                out.append(b)
            if not acts:
                out.append(W.HTML("<div style='color:#888;padding-left:8px'>no activity</div>"))
        return out

    @staticmethod
    def _label(title: str, state: ActivityState) -> str:
        return f"{STATE_ICON[state]} {title}"

    # --- actions -------------------------------------------------------------------

    @guarded
    def select(self, key: str) -> None:
        """Show an activity's controls and results (participants do not switch until it opens)."""
        self.workshop.activity(key)
        self.selected = key
        a = self.workshop.activity(key)
        self.minutes.value = a.minutes or 5
        for k, b in self.agenda_buttons.items():
            b.button_style = "info" if k == key else ""
        self._fingerprint = None
        self.confirm.hide()
        self.status.clear()
        self._load_timer()
        self._read_live_toggle()
        self.paper.show(key)
        self.merge.show(key)
        self.refresh()
        if self.store.states(self.code).get(key) is ActivityState.DRAFT:
            # the phones build its screen now, unshown: the Open then reaches them at once
            room_signal.announce(self.store.signal_path, self.code, key)

    def _act(self, action: str) -> None:
        self.confirm.hide()
        getattr(self.store, f"{action}_activity")(self.code, self.selected)
        title = self.workshop.activity(self.selected).title
        words = {
            "open": "is open: participants see it now",
            "lock": "is locked: no more answers",
            "reveal": "is revealed: participants see the results",
            "reset": (
                "is back to draft; its answers were deleted (Undo reset brings them back until it is opened again)"
            ),
            "restore": "is restored with its answers",
        }
        self.status.show(f"“{title}” {words[action]}.", "ok")
        if action == "open" and self.workshop.activity(self.selected).minutes:
            self.start_timer()
        if action in ("lock", "reset"):
            self.stop_timer()
        self._fingerprint = None
        self.refresh()

    @guarded
    def open_activity(self) -> None:
        """Open the selected activity for answers; participants switch to it."""
        self._act("open")

    @guarded
    def lock_activity(self) -> None:
        """Stop answers to the selected activity."""
        self._act("lock")

    @guarded
    def reveal_activity(self) -> None:
        """Show the selected activity's results to participants."""
        self._act("reveal")

    @guarded
    def reset_activity(self) -> None:
        """Ask before deleting the selected activity's answers (``confirm_reset`` does it).

        The question says how many answers go; a revealed activity asks twice.
        """
        self.confirm.ask(
            self.store.status(self.code, self.selected).state, self.store.answer_count(self.code, self.selected)
        )

    @guarded
    def confirm_reset(self) -> None:
        """Confirm the question ``reset_activity`` asked (a revealed activity needs two confirmations)."""
        if self.confirm.stage == "revealed":
            self.confirm.ask_count()
            return
        if self.confirm.stage != "count":
            raise CsiError("Press Reset first; nothing was deleted.")
        self._act("reset")

    def cancel_reset(self) -> None:
        """Keep the answers: close the reset question."""
        self.confirm.hide()
        self.status.show("Reset cancelled; nothing was deleted.", "info")

    @guarded
    def restore_activity(self) -> None:
        """Undo the last reset of the selected activity (possible until it is opened again)."""
        self._act("restore")

    def _read_live_toggle(self) -> None:
        """The switch as the store has it (another tab, or a reloaded page, may have set it)."""
        self._syncing = True
        try:
            self.live_toggle.value = bool(self.store.live_results(self.code, self.selected))
        finally:
            self._syncing = False

    def _on_live_toggle_change(self, change) -> None:
        if not self._syncing:
            self.show_live_results(change["new"])

    @guarded
    def show_live_results(self, on: bool = True) -> None:
        """Let the presenter view show the selected activity's results while it is still open."""
        self.store.set_live_results(self.code, self.selected, bool(on))
        title = self.workshop.activity(self.selected).title
        self.status.show(
            f"The presenter view {'now shows' if on else 'no longer shows'} the live results of “{title}”.", "ok"
        )
        self._read_live_toggle()

    @guarded
    def start_timer(self, minutes: int | None = None) -> None:
        """Count down ``minutes`` (default: the minutes box); the phones count down too."""
        seconds = 60 * (minutes or self.minutes.value)
        self.timer_end = time.monotonic() + seconds
        self._draw_timer()
        if self.selected:
            self.store.set_timer(self.code, self.selected, clock.utcnow() + timedelta(seconds=seconds))

    @guarded
    def stop_timer(self) -> None:
        running, self.timer_end = self.timer_end is not None, None
        self._draw_timer()
        if running and self.selected:
            self.store.set_timer(self.code, self.selected, None)

    def _load_timer(self) -> None:
        """The selected activity's countdown as the store has it (it survives a reload of this page)."""
        end = self.store.timer(self.code, self.selected)
        left = (end - clock.utcnow()).total_seconds() if end else 0
        self.timer_end = time.monotonic() + left if left > 0 else None
        self._draw_timer()

    def _draw_timer(self) -> None:
        if self.timer_end is None:
            self.timer_label.value = ""
            return
        left = max(0, int(round(self.timer_end - time.monotonic())))
        colour = "#b00020" if left <= 30 else "#222"
        text = f"{left // 60}:{left % 60:02d} left" if left else "time is up"
        self.timer_label.value = (
            f"<span class='csikit-timer' style='font-size:1.6em;font-weight:bold;color:{colour}'>{esc(text)}</span>"
        )

    # --- refreshing -----------------------------------------------------------------

    def tick(self) -> None:
        """One poll: timer, agenda states, participation and results if anything changed."""
        self._draw_timer()
        self.refresh()
        self.results.flush()

    def refresh(self) -> None:
        if not self.selected:
            return
        revision = self.store.revision(self.code, self.selected)
        if revision == self._fingerprint:
            return
        self._fingerprint = revision
        status = self.store.status(self.code, self.selected)
        a = status.activity
        for key, state in self.store.states(self.code).items():
            if key in self.agenda_buttons:
                self.agenda_buttons[key].description = self._label(self.workshop.activity(key).title, state)
        self.heading.value = (
            f"<div style='color:#555'>Step {int(a.step)} · {esc(a.step.question)}</div>"
            f"<h3 style='margin:2px 0'>{esc(a.title)} <span class='csikit-state' style='font-size:.7em;color:#555'>"
            f"[{esc(a.kind.value.replace('_', ' '))} · {status.state.value}"
            f"{' · anonymous' if a.anonymous else ''}]</span></h3>"
            + (f"<div>{esc(a.prompt)}</div>" if a.prompt else "")
        )
        s = status.state
        self.open_button.disabled = s not in (ActivityState.DRAFT, ActivityState.LOCKED)
        self.open_button.description = "Reopen" if s is ActivityState.LOCKED else "Open"
        self.lock_button.disabled = s is not ActivityState.OPEN
        self.reveal_button.disabled = s is not ActivityState.LOCKED
        kept = self.store.restorable(self.code, self.selected) if s is ActivityState.DRAFT else None
        self.restore_button.layout.display = "" if kept else "none"
        self.restore_button.tooltip = f"Bring back {kept.total} deleted answers" if kept else ""
        done, partly, joined = self.store.progress(self.code, self.selected)
        finished, phones = self.store.done_count(self.code, self.selected)
        self.participation.value = participation_html(
            done, partly, finished, joined, kind_of(a.kind).answered_verb, phones=phones
        )
        self._read_live_toggle()
        self.join.show_roster(self.store.participants(self.code))
        if self.panels.selected_index == 1:  # closed, it is brought up to date when opened
            self.paper.refresh()
        self.merge.refresh()
        self.results.update(status)

    def close(self) -> None:
        if getattr(self, "_task", None) is not None:
            self._task.cancel()
        super().close()


class ResetConfirm(W.VBox):
    """The question a Reset asks: how many answers it deletes; twice for a revealed activity."""

    def __init__(self, app: FacilitatorApp):
        super().__init__()
        self.add_class("csikit-confirm")
        self.app = app
        self.stage = ""
        self.question = W.HTML()
        self.yes = button("", app.confirm_reset, style="danger")
        self.no = button("Cancel: keep the answers", app.cancel_reset)
        self.children = [self.question, W.HBox([self.yes, self.no])]
        self.hide()

    def ask(self, state: ActivityState, count) -> None:
        self.count = count
        if state is ActivityState.REVEALED:
            self.stage = "revealed"
            self._show("Its results have been revealed: everyone has seen them. Reset it anyway?", "Continue to reset")
        else:
            self.ask_count()

    def ask_count(self) -> None:
        self.stage = "count"
        n = self.count
        what = (
            "no answers yet"
            if not n.total
            else (f"{n.total} answer{'s' * (n.total != 1)} from {n.people} {'person' if n.people == 1 else 'people'}")
        )
        self._show(
            f"Reset deletes {what} and returns the activity to draft. "
            "You can undo it until the activity is opened again.",
            f"Delete {n.total} answers" if n.total else "Reset",
        )

    def _show(self, question: str, yes: str) -> None:
        title = self.app.workshop.activity(self.app.selected).title
        self.question.value = (
            f"<div class='csikit-confirm-question' role='alert' style='font-size:1.1em'>"
            f"<b>Reset “{esc(title)}”?</b> {esc(question)}</div>"
        )
        self.yes.description = yes
        self.layout.display = ""

    def hide(self) -> None:
        self.stage = ""
        self.layout.display = "none"


def facilitator_app(store_url: str = "", code: str = "", join_url: str = "", *, interval: float = POLL_S) -> W.Widget:
    """The facilitator app as Voila serves it; settings come from ``csikit serve``'s environment."""
    store_url = store_url or os.environ.get("CSIKIT_STORE", "")
    code = code or os.environ.get("CSIKIT_WORKSHOP", "")
    join_url = join_url or os.environ.get("CSIKIT_PARTICIPANT_URL", "")
    workshop_path = os.environ.get("CSIKIT_WORKSHOP_PATH", "")
    try:
        if not store_url or not code:
            raise CsiError("Start the facilitator app with csikit serve (it needs a store and a workshop).")
        return FacilitatorApp(Store(store_url), code, join_url=join_url, workshop_path=workshop_path, interval=interval)
    except CsiError as exc:
        return W.HTML(f"<h3>Cannot start the facilitator app</h3><p>{esc(exc)}</p>")


__all__ = ["FacilitatorApp", "facilitator_app", "qr_png"]
