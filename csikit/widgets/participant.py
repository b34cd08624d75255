"""The participant app: join, then answer whatever the facilitator has opened.

Kept light on purpose — no pandas, seaborn or matplotlib — because one participant
kernel is the unit of memory that limits how many people one server holds.
Every action a person can take is a method (``join``, ``submit``, ``add``, ``rate`` …).
"""

from __future__ import annotations

import dataclasses
import random
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

import ipywidgets as W

from ..errors import CsiError, NotFound
from ..kinds import kind_of
from ..kinds.phone import ClosedView, DoneButton, ResultsView
from ..model import ActivityState, ActivityStatus, Participant
from ..store import Store, room_signal
from .common import (
    PHONE_CSS,
    StatusLine,
    button,
    close_tree,
    esc,
    guarded,
    html,
    start_polling,
)
from .identity import PhoneLink

#: The join form stays hidden until the browser said whether it remembers this person
#: (PhoneLink), and shows by itself after 4 s should the browser never say (no JavaScript).
JOIN_CSS = """<style>
.csikit-join-pending { visibility: hidden; animation: csikit-join-show 0s linear 4s forwards; }
@keyframes csikit-join-show { to { visibility: visible; } }
</style>"""
#: With the room signal (SQLite, :meth:`Store.signal`) a phone reads the store only when the
#: signal changed, and at least this often in case a change came without it (another program).
FALLBACK_POLL_S = 10.0
#: How often a screen re-reads this person's own answers between changes of the room (an
#: open dot vote follows the dots another tab of the same person gave; its clicks are
#: relative, so a stale screen only shows old figures, it never loses a dot).
FOLLOW_S = 5.0
#: Seconds after a screen changed (or the person joined) before the phone builds, in the
#: background, the screen of the next activity on the agenda; random so a room that joined
#: together does not build together. When the facilitator opens that activity the phone
#: shows what it built: one message through the server instead of a whole screen of widgets.
AHEAD_DELAY_S = (1.0, 4.0)
#: Seconds after the facilitator selected an activity (its Open usually follows within a
#: few seconds) before the phone builds that activity's screen ahead.
HINT_DELAY_S = (0.0, 1.0)


class ParticipantApp(W.VBox):
    """Join screen, then the activity the facilitator has opened; follows the facilitator.

    Parameters
    ----------
    store, code
        The shared store and the workshop's join code.
    token
        A rejoin token from a personal link: the participant gets their identity back.
        Without one, the browser's remembered token (``PhoneLink``) does the same.
    poll
        Follow the facilitator with a polling task once the person joined (off in tests:
        call ``tick()`` as the poll does, or ``refresh()`` to read the store now). A
        preheated kernel nobody has taken yet does not poll at all.
    """

    def __init__(self, store: Store, code: str, *, token: str = "", link_base: str = "", poll: bool = True, interval: float = 1.0):
        super().__init__()
        self.add_class("csikit-app").add_class("csikit-participant")
        self.store, self.code = store, code
        self.workshop = store.workshop(code)
        self.link_base = link_base
        self.participant: Participant | None = None
        self.status = StatusLine()
        self.title = W.HTML(f"<h3 style='margin:4px 0'>{esc(self.workshop.title)}</h3>")
        self.who = W.HTML()
        self.timer = W.HTML().add_class("csikit-countdown")
        self.timer_end: datetime | None = None
        self.body = W.VBox()
        self.view: W.Widget | None = None
        self.panel: W.Widget | None = None  # the current activity's own view (answers), if any
        self._ahead: tuple | None = None  # ((activity, items), view, panel) built ahead
        self._ahead_due = float("inf")  # monotonic: when to build the next activity's screen
        self._hint: str | None = None  # the activity the facilitator selected, about to open
        self._retired: list[W.Widget] = []  # screens no longer shown, closed when the room is quiet
        self._seen: tuple | None = None
        self._poll, self._interval, self._task = poll, interval, None
        self._signal: tuple | None = None  # the room signal when the store was last read
        self._next_full = self._next_follow = 0.0  # monotonic: the fallback read, the next follow
        self.identity = PhoneLink(code, self._from_browser)
        self.refused_link = False  # a link for another workshop: this page stays a dead end
        self.children = [W.HTML(PHONE_CSS), self.title, self.who, self.status, self.timer, self.body, self.identity]
        if token:
            try:
                self.participant = store.rejoin(code, token)
            except NotFound as exc:
                self.status.show(str(exc), "error")
        if self.participant is None:
            self._show_join()
        else:
            self._joined()

    # --- joining ---------------------------------------------------------------

    def _show_join(self) -> None:
        self.name_box = W.Text(placeholder="Your name (optional)", description="", layout=W.Layout(width="100%"))
        self.join_button = button("Join", lambda: self.join(self.name_box.value), style="primary", width="100%")
        self.join_form = W.VBox([
            W.HTML(JOIN_CSS),
            W.Label("Type a name others will see, or leave it empty to stay anonymous."),
            self.name_box,
            self.join_button,
        ], layout=W.Layout(width="100%"))
        if not self.identity.checked:
            # until the browser has said whether it remembers this person, a Join tap would
            # make a second one of them; CSS shows the form anyway after a few seconds
            self.join_form.add_class("csikit-join-pending")
        self.body.children = [self.join_form]

    def _from_browser(self, token: str) -> bool:
        """The browser's remembered token arrived (``""``: none). False: unknown, forget it."""
        if self.refused_link:
            return True
        if self.participant is not None:
            self.identity.remember(self.participant.token)  # this page's person, from a link or a join
            return True
        accepted = True
        if token:
            try:
                self.participant = self.store.rejoin(self.code, token)
            except NotFound:
                accepted = False  # a stale or forged token: the normal join screen, no message
            except CsiError as exc:
                self.status.show(str(exc), "error")
        if self.participant is not None:
            self._joined()
        elif getattr(self, "join_form", None) is not None:
            self.join_form.remove_class("csikit-join-pending")
        return accepted

    @guarded
    def join(self, name: str = "") -> None:
        """Join the workshop under ``name`` (may be empty)."""
        self.participant = self.store.join(self.code, name)
        self.status.show("You're in. Keep this page open; it follows the facilitator.", "ok")
        self._joined()

    def rejoin_link(self) -> str:
        """A personal link that brings this participant back after a reload."""
        query = urlencode({"code": self.code, "p": self.participant.token}) if self.participant else ""
        return f"{self.link_base}?{query}"

    def _joined(self) -> None:
        p = self.participant
        self.identity.remember(p.token)  # this browser brings the same person back after a reload
        name = p.name or f"anonymous #{p.id}"
        link = self.rejoin_link()
        self.who.value = (
            f"<div class='csikit-who'>Joined as <b>{esc(name)}</b> · "
            f"<a href='{esc(link)}' target='_self'>your rejoin link</a> "
            "<span style='color:#666'>(this browser remembers you; the link brings you back on another device)</span></div>"
        )
        self._seen = None
        self._signal, self._next_full = self.store.signal(), time.monotonic() + FALLBACK_POLL_S
        self.refresh()
        if self._poll and self._task is None:
            self._task = start_polling(self.tick, self._interval, status=self.status)

    # --- following the facilitator -------------------------------------------------

    def tick(self) -> None:
        """The poll, every second once joined: usually one ``os.stat`` and no SQL.

        The store is read when the room signal changed (the facilitator opened, locked,
        revealed, reset, restored or timed an activity), every :data:`FALLBACK_POLL_S`
        seconds anyway, and on every tick when the store has no signal (PostgreSQL).
        Between reads the countdown is redrawn from what is known, and the person's own
        answers are followed every :data:`FOLLOW_S` seconds.
        """
        if self.participant is None:
            return
        now = time.monotonic()
        signal = self.store.signal()
        if signal is None or signal != self._signal or now >= self._next_full:
            self._signal, self._next_full = signal, now + FALLBACK_POLL_S  # read before the store: no change slips between
            self.refresh(follow=now >= self._next_follow)
            self._heard_next()
            return
        self._draw_timer()
        if now >= self._next_follow:
            self._follow_panel()
        if now >= self._ahead_due:
            self.prepare_next()

    def refresh(self, follow: bool = True) -> None:
        """Read the store now: show the facilitator's current activity if it changed, and
        (``follow``) what this person's other tabs answered."""
        if self.participant is None:
            return
        seen = self.store.current_key(self.code)
        if seen == self._seen:
            self._draw_timer()
            if follow:
                self._follow_panel()
            return
        same_view = self._seen is not None and seen[:2] == self._seen[:2]
        if same_view and seen[2] != self._seen[2] and self._items_changed(seen[0]):
            same_view = False  # the facilitator merged ideas this activity votes on: one item per group now
        if self._seen is not None and not same_view:
            self.status.clear()  # what was said about the last activity (or state) no longer applies
        self._seen = seen
        key = seen[0]
        self.timer_end = self.store.timer(self.code, key) if key and seen[1] == ActivityState.OPEN.value else None
        self._draw_timer()
        if same_view:
            if follow:
                self._follow_panel()
            return  # only the countdown changed: keep the view (and what the person was typing)
        if key is None:
            self._show(W.Label("Waiting for the facilitator to open the first activity…"), None)
        else:
            status = self.store.status(self.code, key)
            self._show(*(self._take_ahead(status) or self._view_for(status)))

    def _items_changed(self, key: str | None) -> bool:
        """The open activity's items are no longer those on screen (a merge of ideas folded two)."""
        shown = getattr(self.panel, "items", None)
        if key is None or shown is None:
            return False
        return {i.id for i in self.store.status(self.code, key).items} != {i.id for i in shown}

    def _show(self, view: W.Widget, panel: W.Widget | None) -> None:
        if self.view is not None:
            self._retired.append(self.view)
        self.view, self.panel = view, panel
        self._hint = None
        self.body.children = [view]
        self._ahead_due = time.monotonic() + random.uniform(*AHEAD_DELAY_S)

    # --- the next activity's screen, built while the room is quiet ---------------------

    def prepare_next(self) -> None:
        """Build the screen of the activity about to open now, unshown, and close old screens.

        The activity about to open is the one the facilitator selected (announced through
        the room signal), else the agenda's next.

        Opening an activity used to build its screen on every phone at the same moment,
        and each widget is a message through the one server: a room of 40 waited for
        2,400 of them. A screen built ahead is shown with one message. It is used only if
        the activity opens with the same items (``items_from`` activities get theirs at
        the open, so they are built then).
        """
        self._ahead_due = float("inf")
        for old in self._retired:
            close_tree(old, keep=self.panel)
        self._retired.clear()
        key = self._next_key()
        if self.participant is None or key is None or (self._ahead and self._ahead[0][0] == key):
            return
        status = self.store.status(self.code, key)
        a = status.activity
        if status.state is not ActivityState.DRAFT or (a.items_from and not kind_of(a.kind).collects_ideas):
            return
        if self._ahead:
            close_tree(self._ahead[1])
        view, panel = self._view_for(dataclasses.replace(status, state=ActivityState.OPEN))
        self._ahead = ((key, status.items), view, panel)

    def _heard_next(self) -> None:
        """The facilitator selected an activity to open next: build its screen soon."""
        key = room_signal.announced(self.store.signal_path, self.code)
        if key and self._seen and key != self._seen[0] and not (self._ahead and self._ahead[0][0] == key):
            self._hint = key
            self._ahead_due = min(self._ahead_due, time.monotonic() + random.uniform(*HINT_DELAY_S))

    def _next_key(self) -> str | None:
        if self._hint:
            return self._hint
        agenda = [a.id for a in self.workshop.agenda]
        current = self._seen[0] if self._seen else None
        if current not in agenda:
            return agenda[0] if agenda and current is None else None
        i = agenda.index(current) + 1
        return agenda[i] if i < len(agenda) else None

    def _take_ahead(self, status: ActivityStatus) -> tuple[W.Widget, W.Widget | None] | None:
        ahead, self._ahead = self._ahead, None
        if ahead and status.state is ActivityState.OPEN and ahead[0] == (status.activity.id, status.items):
            return ahead[1], ahead[2]
        if ahead:
            self._retired.append(ahead[1])
        return None

    def _follow_panel(self) -> None:
        """Another tab of this person may have answered: a view that can follow the store does."""
        self._next_follow = time.monotonic() + FOLLOW_S
        panel = getattr(self, "panel", None)
        follow = getattr(panel, "follow", None)
        if follow is not None and self.view is not None and panel in getattr(self.view, "children", ()):
            follow()

    def _draw_timer(self) -> None:
        """The countdown the facilitator started, coarse on purpose (one update per ≈ 15 s)."""
        self.timer.value = countdown_html(self.timer_end, _utcnow()) if self.timer_end else ""

    def _view_for(self, status: ActivityStatus) -> tuple[W.Widget, W.Widget | None]:
        """The screen for ``status`` and the activity's own view in it (``None``: nothing to answer)."""
        a = status.activity
        head = html(
            f"<div style='color:#555'>Step {int(a.step)} · {esc(a.step.question)}</div>"
            f"<h4 style='margin:4px 0'>{esc(a.title)}</h4>"
            + (f"<div>{esc(a.prompt)}</div>" if a.prompt else "")
        )
        if status.state is ActivityState.DRAFT:
            return W.VBox([head, W.Label("Not open yet.")]), None
        if status.state is ActivityState.LOCKED:
            return W.VBox([head, ClosedView(self, status)]), None
        if status.state is ActivityState.REVEALED:
            return W.VBox([head, ResultsView(self, status)]), None
        panel = kind_of(a.kind).phone_view(self, status)
        return W.VBox([head, panel, DoneButton(self, a.id)]), panel

    @property
    def done_button(self) -> DoneButton | None:
        """The "I'm done" button of the screen shown now (``None``: no open activity)."""
        return next((w for w in getattr(self.view, "children", ()) if isinstance(w, DoneButton)), None)

    def mark_done(self) -> bool:
        """Tap "I'm done" (or, done already, "Not done yet") under the open activity."""
        button = self.done_button
        return button is not None and button.toggle()

    def close(self) -> None:
        if getattr(self, "_task", None) is not None:
            self._task.cancel()
        super().close()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def countdown_html(end: datetime, now: datetime) -> str:
    """The time left, in words a glance can read: minutes while there are many, then seconds
    in steps of 15 (a phone's screen changes a few times a minute, not every second)."""
    left = (end - now).total_seconds()
    if left <= 0:
        text, colour = "Time is up", "#b00020"
    elif left > 120:
        text, colour = f"about {round(left / 60)} min left", "#333"
    else:
        step = 15 * -(-int(left) // 15)
        text, colour = f"{step // 60}:{step % 60:02d} left", "#b00020" if left <= 30 else "#333"
    return f"<div class='csikit-timer' style='font-size:1.2em;font-weight:bold;color:{colour}'>{text}</div>"
