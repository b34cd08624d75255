"""The presenter view: what the room's projector shows while the facilitator runs the workshop.

A third page of the facilitator server (same token, ``?view=presenter``). It has no
controls: it follows the store — the activity the facilitator opened, its state, how
many answered and are done, the countdown, and the results once revealed (or live, while
the facilitator's "show live results" switch is on). It never shows ids or names:
a projected screen is seen by everyone, so only the question, counts and charts appear,
and an activity with fewer answers than the workshop's ``min_group`` shows
:data:`csikit.rules.TOO_FEW` instead of results.

Sizes are in viewport units (``vw``/``vh`` with ``clamp``): text is at least 24 px on a
1920×1080 projector and the whole page fits 1280×720 without scrolling. Charts are drawn
for the projector (:data:`csikit.figures.PROJECTOR`): a PNG as large as the results area at
1920×1080, so it shows at 1:1 and its text too is at least 24 px.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from urllib.parse import parse_qs

import ipywidgets as W

from .. import clock, rules
from ..display import NO_MATH
from ..errors import CsiError
from ..model import ActivityState, ActivityStatus
from ..store import Store
from .common import esc, start_polling
from .facilitator import POLL_S, facilitator_app, qr_png
from .rings import ring_svg

log = logging.getLogger("csikit.widgets")

#: Seconds between chart redraws while results show live during voting (a chart takes
#: ≈ 1 s to draw; state changes and the reveal draw at once).
LIVE_CHART_EVERY = 2.0
#: Resolution of a projected chart: the projector size's PNG (1440×580 px) is as wide as the
#: results area of a 1920×1080 screen, so it is shown at 1:1 there and scaled down on smaller ones.
CHART_DPI = 120
#: The size the presenter's charts are drawn at (``figures.PROJECTOR``).
CHART_SIZE = "projector"
#: Ideas shown as notes at most (more would need text under 24 px at 1080p); the rest are counted.
MAX_NOTES = 24

#: What the room reads while an activity is in each state and no results show.
STATE_WORDS = {
    ActivityState.OPEN: "Answer on your phone",
    ActivityState.LOCKED: "Answers are closed",
    ActivityState.REVEALED: "Results",
}
WAITING = "Results appear here when the facilitator reveals them."
NOT_DRAWN_HERE = "The results could not be drawn here; the facilitator's screen has them."

PRESENTER_CSS = """
<style>
/* the whole viewport, above Voila's page: nothing scrolls, nothing else shows */
.csikit-presenter { position: fixed !important; inset: 0; z-index: 1000; margin: 0 !important;
  box-sizing: border-box; padding: 2vh 2.5vw; background: #fff; color: #111; overflow: hidden;
  font-family: "DejaVu Sans", Arial, sans-serif; font-size: clamp(18px, 1.7vw, 56px); line-height: 1.25;
  display: flex; flex-direction: column; gap: 1.5vh; }
.csikit-presenter .jupyter-widgets { margin: 0 !important; }
.csikit-presenter .widget-html, .csikit-presenter .widget-html-content { font-size: inherit; line-height: inherit;
  height: auto; white-space: normal; overflow-wrap: anywhere; font-family: inherit; color: inherit; }
.csikit-presenter .csikit-p-head { flex: 0 0 auto; font-size: .8em; color: #444; }
.csikit-presenter .csikit-p-question { flex: 0 0 auto; }
.csikit-presenter .csikit-p-step { font-size: .8em; color: #555; }
.csikit-presenter .csikit-p-title { font-size: 2.1em; font-weight: bold; line-height: 1.12; margin: .1em 0 .15em;
  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.csikit-presenter .csikit-p-prompt { font-size: 1.1em; color: #222; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; overflow: hidden; }
.csikit-presenter .csikit-p-top { flex: 0 0 auto; display: flex; flex-direction: row; gap: 2vw;
  align-items: flex-start; }
.csikit-presenter .csikit-p-top > .csikit-p-question { flex: 1 1 0; min-width: 0; }
.csikit-presenter .csikit-p-main { flex: 1 1 0; min-height: 0; display: flex; flex-direction: row; gap: 2vw;
  align-items: stretch; }
.csikit-presenter .csikit-p-side { flex: 0 0 auto; width: 18vw; display: flex; flex-direction: column; gap: 1vh;
  align-items: center; }
.csikit-presenter .csikit-p-rings .csikit-ring { width: min(9.5vw, 15.5vh); height: auto; display: block; }
.csikit-presenter .csikit-p-rings .widget-html-content { display: flex; flex-direction: column; align-items: center;
  gap: 1vh; }
.csikit-presenter .csikit-p-state { font-size: 1em; font-weight: bold; text-align: center; }
.csikit-presenter .csikit-p-countdown { font-size: 2.2em; font-weight: bold; text-align: center;
  font-variant-numeric: tabular-nums; }
.csikit-presenter .csikit-p-countdown.csikit-p-late { color: #b00020; }
.csikit-presenter .csikit-p-results { flex: 1 1 0; min-width: 0; min-height: 0; display: flex; flex-direction: column;
  align-items: center; justify-content: center; }
.csikit-presenter .csikit-p-results img.widget-image { flex: 1 1 0; min-height: 0; width: 100%; height: 100%;
  max-width: 100%; object-fit: contain; }
.csikit-presenter .csikit-p-notes { align-self: stretch; }
.csikit-presenter .csikit-p-notes .widget-html-content > div { display: flex; flex-wrap: wrap; gap: 1.2vh 1vw;
  align-content: flex-start; }
.csikit-presenter .csikit-p-note { box-sizing: border-box; width: calc(33.3% - 1vw); background: #fff3b0;
  border: 1px solid #c9b458; border-radius: 4px; padding: .35em .55em; line-height: 1.2;
  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.csikit-presenter .csikit-p-many .csikit-p-note { width: calc(25% - 1vw); }
.csikit-presenter .csikit-p-note b { color: #555; font-weight: normal; }
.csikit-presenter .csikit-p-message { font-size: 1.3em; color: #333; text-align: center; max-width: 60vw; }
/* joining: the code and the QR code fill the screen */
.csikit-presenter .csikit-p-join { flex: 1 1 0; min-height: 0; display: flex; flex-direction: row; align-items: center;
  justify-content: center; gap: 4vw; }
.csikit-presenter .csikit-p-join img.widget-image { height: min(60vh, 40vw); width: auto; aspect-ratio: 1 / 1; }
.csikit-presenter .csikit-p-join-text { font-size: 1.4em; max-width: 42vw; }
.csikit-presenter .csikit-p-join-text .csikit-p-code { font-size: 2.4em; font-weight: bold; letter-spacing: .08em; }
/* an activity runs: the join code sits small in the top corner for late arrivals */
.csikit-presenter .csikit-p-join.csikit-p-corner { flex: 0 0 auto; gap: 1vw; justify-content: flex-end; }
.csikit-presenter .csikit-p-join.csikit-p-corner img.widget-image { height: min(14vh, 10vw); }
.csikit-presenter .csikit-p-join.csikit-p-corner .csikit-p-join-text { font-size: .8em; max-width: 12vw;
  text-align: right; }
.csikit-presenter .csikit-p-join.csikit-p-corner .csikit-p-code { font-size: 1.5em; }
.csikit-presenter .csikit-p-join.csikit-p-corner .csikit-p-url { display: none; }
</style>
"""


def _html(cls: str) -> W.HTML:
    return W.HTML().add_class(cls)


class PresenterView(W.VBox):
    """The room's screen: follows the facilitator, read-only.

    Parameters
    ----------
    store, code
        The shared store and the workshop's join code.
    join_url
        The participant link encoded in the QR code (none: only the code shows).
    interval
        Seconds between polls of the store (:data:`~csikit.widgets.facilitator.POLL_S`):
        the screen follows a click within about this long plus a redraw.
    poll
        Poll in the kernel's event loop (tests call :meth:`tick` themselves).
    """

    def __init__(self, store: Store, code: str, join_url: str = "", interval: float = POLL_S, *, poll: bool = True):
        super().__init__()
        self.add_class("csikit-presenter")
        self.add_class(NO_MATH.split()[0])
        self.add_class(NO_MATH.split()[1])
        self.store, self.code, self.join_url = store, code, join_url
        self.workshop = store.workshop(code)
        self.head = _html("csikit-p-head")
        self.head.value = f"<span class='{NO_MATH}'>{esc(self.workshop.title)}</span>"
        self.question = _html("csikit-p-question")
        self.state = _html("csikit-p-state")
        self.rings = _html("csikit-p-rings")
        self.countdown = _html("csikit-p-countdown")
        self.chart = W.Image(format="png", layout=W.Layout(display="none"))
        self.notes = W.HTML(layout=W.Layout(display="none")).add_class("csikit-p-notes")
        self.message = _html("csikit-p-message")
        self.results = W.VBox([self.chart, self.notes, self.message]).add_class("csikit-p-results")
        self.side = W.VBox([self.state, self.rings, self.countdown]).add_class("csikit-p-side")
        self.main = W.HBox([self.side, self.results]).add_class("csikit-p-main")
        self.join = self._join_box(join_url)
        self.top = W.HBox([self.question]).add_class("csikit-p-top")
        self._css = W.HTML(PRESENTER_CSS)
        #: What the screen shows: "join" (no activity running) or "activity".
        self.showing = ""
        #: Whether results (a chart) are on screen now.
        self.results_shown = False
        self.status: ActivityStatus | None = None
        self.timer_end: datetime | None = None
        self._fingerprint: object = None
        self._countdown_text = None
        self._chart_key: tuple = ()
        self._chart_at = float("-inf")
        self._pending = None
        self.tick()
        self._task = start_polling(self.tick, interval, pause_when_away=True) if poll else None

    def _join_box(self, join_url: str) -> W.Box:
        code = esc(self.workshop.code)
        where = (
            f"<div class='csikit-p-url'>Join at <b>{esc(join_url)}</b></div>"
            if join_url
            else "<div class='csikit-p-url'>Join on your phone</div>"
        )
        text = _html("csikit-p-join-text")
        text.value = f"<div class='{NO_MATH}'>{where}<div>code <span class='csikit-p-code'>{code}</span></div></div>"
        parts: list[W.Widget] = [text]
        if join_url:
            parts.insert(0, W.Image(value=qr_png(join_url), format="png").add_class("csikit-p-qr"))
        return W.HBox(parts).add_class("csikit-p-join")

    # --- following the store -----------------------------------------------------------

    def tick(self) -> None:
        """One poll: two cheap reads (the current activity and its revision); redraw only on a change."""
        key, state, changed = self.store.current_key(self.code)
        fingerprint = (key, state, changed, self.store.revision(self.code, key) if key else None)
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self.refresh(key)
        self._draw_countdown()
        self.flush()

    def refresh(self, key: str | None) -> None:
        """Redraw from the store: the activity ``key`` the room follows (None: nobody opened one)."""
        status = self.store.status(self.code, key) if key else None
        self.status = status
        if status is None or status.state is ActivityState.DRAFT:
            self._show_join()
            return
        self._show_activity(status)

    def _show_join(self) -> None:
        self.showing = "join"
        self.join.remove_class("csikit-p-corner")
        self.top.children = [self.question]
        self.children = [self._css, self.top, self.join]
        # a reset activity is a draft again, but the workshop has begun: not "the first" any more
        which = "first" if self.status is None else "next"
        self.question.value = (
            f"<div class='{NO_MATH}'><div class='csikit-p-title'>{esc(self.workshop.title)}</div>"
            f"<div class='csikit-p-prompt'>Join now: the {which} activity starts soon.</div></div>"
        )
        self.timer_end, self.results_shown, self._pending, self._chart_key = None, False, None, ()
        self.chart.layout.display = self.notes.layout.display = "none"

    def _show_activity(self, status: ActivityStatus) -> None:
        self.showing = "activity"
        a, code, s = status.activity, self.code, status.state
        self.join.add_class("csikit-p-corner")
        self.top.children = [self.question, self.join]
        self.children = [self._css, self.head, self.top, self.main]
        self.question.value = (
            f"<div class='{NO_MATH}'><div class='csikit-p-step'>Step {int(a.step)} · {esc(a.step.question)}</div>"
            f"<div class='csikit-p-title'>{esc(a.title)}</div>"
            + (f"<div class='csikit-p-prompt'>{esc(a.prompt)}</div>" if a.prompt else "")
            + "</div>"
        )
        done, partly, joined = self.store.progress(code, a.id)
        answered = done + partly
        ready, phones = self.store.done_count(code, a.id)  # paper participants have no "I'm done" button
        self.rings.value = ring_svg(answered, joined, "answered", 200) + ring_svg(ready, phones, "done", 200)
        self.state.value = f"<span>{esc(STATE_WORDS.get(s, ''))}</span>"
        # while answers are open, a countdown that ran out still says so ("time is up")
        self.timer_end = self.store.timer(code, a.id) if s is ActivityState.OPEN else None
        self._countdown_text = None
        live = s in (ActivityState.OPEN, ActivityState.LOCKED) and self.store.live_results(code, a.id)
        if s is not ActivityState.REVEALED and not live:
            self._hide_results(WAITING if s is ActivityState.OPEN else "Results appear here when they are revealed.")
        elif rules.too_few(self.workshop, answered):
            self._hide_results(rules.TOO_FEW + ".")
        else:
            try:
                self._show_results(status, live)
            except Exception:  # noqa: BLE001 - the question and the counts stay on the wall
                log.exception("csikit: the presenter's results of %r could not be computed", a.id)
                self._hide_results(NOT_DRAWN_HERE)

    def _hide_results(self, message: str) -> None:
        self.results_shown, self._pending, self._chart_key = False, None, ()
        self.chart.layout.display = self.notes.layout.display = "none"
        self.message.value = f"<div>{esc(message)}</div>"
        self.message.layout.display = ""

    def _show_results(self, status: ActivityStatus, live: bool) -> None:
        """The kind's chart of the answers, drawn now or when due (ideas: their texts as notes)."""
        from ..kinds import kind_of
        from ..kinds.base import Answers
        from ..kinds.results import results_of

        a = status.activity
        answers = Answers.read(self.store, self.code, a, status.items)
        kind = results_of(a.kind)
        if kind_of(a.kind).collects_ideas:
            frame = kind.summary(answers, self.workshop)
            self._show_notes(list(frame["text"]), list(frame["duplicates"]))
            return
        figure = kind.live(answers, self.workshop).figure
        if figure is None:
            self._hide_results("")
            return
        self.results_shown = True
        self.notes.layout.display = "none"
        self._pending = figure
        key = (a.id, status.state, live)
        if key != self._chart_key:  # a new activity, state or switch: draw at once
            self._chart_key = key
            self.flush(force=True)
        else:
            self.flush()

    def _show_notes(self, texts: list[str], duplicates: list[int]) -> None:
        """Ideas as sticky notes in HTML: text a projector shows at any size (a chart's is an image)."""
        self.results_shown, self._pending, self._chart_key = True, None, ()
        shown = texts if len(texts) <= MAX_NOTES else texts[: MAX_NOTES - 1]  # and one note counting the rest
        size = "1.1em" if len(shown) <= 6 else ".9em" if len(shown) <= 12 else ".75em"
        notes = "".join(
            f"<div class='csikit-p-note'>{esc(t)}{f' <b>+{d}</b>' if d else ''}</div>"
            for t, d in zip(shown, duplicates, strict=False)
        )
        more = f"<div class='csikit-p-note'>+ {len(texts) - len(shown)} more</div>" if len(texts) > len(shown) else ""
        many = " csikit-p-many" if len(shown) > 6 else ""
        self.notes.value = f"<div class='{NO_MATH}{many}' style='font-size:{size}'>{notes}{more}</div>"
        self.notes.layout.display = ""
        self.chart.layout.display = "none"
        self.message.value = "" if texts else "<div>No ideas yet.</div>"
        self.message.layout.display = "none" if texts else ""

    def flush(self, force: bool = False) -> None:
        """Draw the chart held back while results show live (at most every :data:`LIVE_CHART_EVERY` s)."""
        if self._pending is None or not (force or time.monotonic() - self._chart_at >= LIVE_CHART_EVERY):
            return
        from .. import charts, figures

        draw, self._pending, self._chart_at = self._pending, None, time.monotonic()
        try:
            with figures.sized(CHART_SIZE):  # the kind's chart, sized for the projector
                figure = draw()
            self.chart.value = charts.to_png(figure, dpi=CHART_DPI)
        except Exception:  # noqa: BLE001 - the facilitator's screen still has the results
            log.exception("csikit: the presenter's chart could not be drawn")
            self.chart.layout.display = "none"
            self.message.value = f"<div>{esc(NOT_DRAWN_HERE)}</div>"
            self.message.layout.display = ""
            return
        finally:
            charts.release()
        self.chart.layout.display = ""
        self.message.value = ""
        self.message.layout.display = "none"

    def _draw_countdown(self) -> None:
        if self.timer_end is None:
            text = ""
        else:
            left = max(0, int(round((self.timer_end - clock.utcnow()).total_seconds())))
            text = f"{left // 60}:{left % 60:02d}" if left else "time is up"
        if text == self._countdown_text:
            return  # one message a second at most, none while nothing counts down
        self._countdown_text = text
        self.countdown.value = f"<span>{esc(text)}</span>" if text else ""
        late = self.timer_end is not None and (self.timer_end - clock.utcnow()).total_seconds() <= 30
        (self.countdown.add_class if late else self.countdown.remove_class)("csikit-p-late")

    def close(self) -> None:
        if getattr(self, "_task", None) is not None:
            self._task.cancel()
        super().close()


def presenter_app(store_url: str = "", code: str = "", join_url: str = "", *, interval: float = POLL_S) -> W.Widget:
    """The presenter view as Voila serves it; settings come from ``csikit serve``'s environment."""
    store_url = store_url or os.environ.get("CSIKIT_STORE", "")
    code = code or os.environ.get("CSIKIT_WORKSHOP", "")
    join_url = join_url or os.environ.get("CSIKIT_PARTICIPANT_URL", "")
    try:
        if not store_url or not code:
            raise CsiError("Start the presenter view with csikit serve (it needs a store and a workshop).")
        return PresenterView(Store(store_url), code, join_url=join_url, interval=interval)
    except CsiError as exc:
        return W.HTML(f"<h3>Cannot start the presenter view</h3><p>{esc(exc)}</p>")


def room_page(store_url: str = "", code: str = "", join_url: str = "", *, query: str | None = None) -> W.Widget:
    """The facilitator server's page: the presenter view for ``?view=presenter``, else the console.

    The facilitator server preheats no kernels, so the request's query is already in the
    kernel's environment (``QUERY_STRING``) when the notebook runs.
    """
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    if parse_qs(query).get("view", [""])[0] == "presenter":
        return presenter_app(store_url, code, join_url)
    return facilitator_app(store_url, code, join_url)


__all__ = ["PresenterView", "presenter_app", "room_page"]
