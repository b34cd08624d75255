"""The facilitator's lifecycle of an activity: open, lock, reveal, reset and its undo,
and what the room is shown now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

import csikit.store.schema as t
import csikit.store.trash as trash

from ..errors import TransitionError
from ..kinds import kind_of
from ..model import TRANSITIONS, ActivityState, ActivityStatus, InitiativeState, Item
from .core import StoreCore, now
from .queries import Q
from .room_state import clear_done
from .trash import AnswerCount


class Lifecycle(StoreCore):
    """The facilitator's transitions of an activity, each one transaction with its audit row."""

    def open_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Open an activity for responses and show it to every participant."""
        return self._transition(code, key, "open", actor)

    def lock_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Stop responses; what was given is kept."""
        return self._transition(code, key, "lock", actor)

    def reveal_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Show the results to participants."""
        return self._transition(code, key, "reveal", actor)

    def reset_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Back to draft; deletes the activity's responses and ideas.

        What is deleted is kept aside until the activity is opened again:
        :meth:`restore_activity` undoes the reset until then.
        """
        return self._transition(code, key, "reset", actor)

    def answer_count(self, code: str, key: str) -> AnswerCount:
        """How many answers (responses and ideas) an activity holds, and from how many people."""
        with self._read() as c:
            return trash.count_answers(c, self._activity_row(c, code, key).id)

    def restorable(self, code: str, key: str) -> AnswerCount | None:
        """What a reset of this activity deleted and :meth:`restore_activity` would bring back."""
        with self._read() as c:
            return trash.kept(c, self._activity_row(c, code, key).id)

    def restore_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Undo the last reset of a draft activity: its answers and state come back."""
        wid, ws = self._definition(code)
        activity = ws.activity(key)
        with self._write() as c:
            row = self._activity_row(c, code, key, exclusive=True)
            back = trash.take_back(c, row.id) if ActivityState(row.state) is ActivityState.DRAFT else None
            if back is None:
                msg = f"There is nothing to restore for “{activity.title}”: it was not reset, or it was opened since."
                raise TransitionError(msg)
            state, detail = back
            c.execute(
                t.activities.update().where(t.activities.c.id == row.id).values(state=state.value, changed_at=now())
            )
            self._log_event(c, wid, "restored", key, actor, detail)
            self._notify(c, code)
        self._item_cache.pop(row.id, None)
        self._touch_signal(f"restored {code} {key}")
        return self.status(code, key)

    def _transition(self, code: str, key: str, action: str, actor: str) -> ActivityStatus:
        sources, target = TRANSITIONS[action]
        wid, ws = self._definition(code)
        activity = ws.activity(key)
        with self._write() as c:
            row = self._activity_row(c, code, key, exclusive=True)
            state = ActivityState(row.state)
            if state not in sources:
                allowed = " or ".join(s.value for s in sources)
                msg = (
                    f"Cannot {action} “{activity.title}”: it is {state.value}, "
                    f"and only {allowed} activities can be {_past(action)}."
                )
                raise TransitionError(msg)
            detail = ""
            if action == "open":
                self._materialise_items(c, code, row.id, activity)
                trash.empty(c, row.id)  # a reset is final once reopened
            if action == "reset":
                detail = trash.put_aside(c, row.id, state)
                clear_done(c, row.id)  # "I'm done" marks belong to the answers just put aside
            at = now()
            c.execute(
                t.activities.update().where(t.activities.c.id == row.id).values(state=target.value, changed_at=at)
            )
            if action in ("open", "reveal"):
                c.execute(t.workshops.update().where(t.workshops.c.id == wid).values(current_activity=key))
            self._log_event(c, wid, _past(action), key, actor, detail, at=at)  # the audit row's time is the change's
            self._notify(c, code)
        self._touch_signal(f"{_past(action)} {code} {key}")
        return self.status(code, key)

    def _materialise_items(self, c: Connection, code: str, aid: int, activity) -> None:
        """Bring in items that come from participants or the register when an activity opens."""
        src = activity.items_from
        if not src:
            return
        wid, ws = self._definition(code)
        if src == "initiatives":
            rows = c.execute(
                select(t.initiatives.c.key, t.initiatives.c.title)
                .where(
                    t.initiatives.c.workshop_id == wid,
                    t.initiatives.c.state.in_([s.value for s in InitiativeState.not_started_states()]),
                )
                .order_by(t.initiatives.c.key)
            ).all()
            self._add_items(c, aid, [Item(r.key, r.title) for r in rows], "open")
            return
        if src not in {a.id for a in ws.agenda}:
            return
        source = self._activity_row(c, code, src)
        if kind_of(ws.activity(src).kind).collects_ideas:
            rows = c.execute(
                select(t.ideas.c.id, t.ideas.c.text)
                .where(t.ideas.c.activity_id == source.id, t.ideas.c.merged_into.is_(None))
                .order_by(t.ideas.c.id)
            ).all()
            self._add_items(c, aid, [Item(f"idea-{r.id}", r.text) for r in rows], "open")
        else:
            rows = c.execute(
                select(t.items).where(t.items.c.activity_id == source.id).order_by(t.items.c.position)
            ).all()
            self._add_items(c, aid, [Item(r.key, r.text) for r in rows], "open")

    def states(self, code: str) -> dict[str, ActivityState]:
        """The state of every activity, in agenda order."""
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(
                select(t.activities.c.key, t.activities.c.state)
                .where(t.activities.c.workshop_id == wid)
                .order_by(t.activities.c.position)
            ).all()
        return {r.key: ActivityState(r.state) for r in rows}

    def current_key(self, code: str) -> tuple[str | None, str | None, datetime | None]:
        """The activity shown to participants, its state and when it last changed (one cheap query)."""
        wid = self._wid(code)
        with self._fast(write=False) as cur:
            row = cur.first(Q.current, wid=wid)
        return row if row else (None, None, None)

    def current(self, code: str) -> ActivityStatus | None:
        """The activity the facilitator last opened or revealed, if any."""
        key, _, _ = self.current_key(code)
        return self.status(code, key) if key else None


def _past(action: str) -> str:
    return {"open": "opened", "lock": "locked", "reveal": "revealed", "reset": "reset"}[action]
