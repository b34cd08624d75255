"""What the room shows besides the answers: participants' "I'm done" marks (the ready
ring) and the facilitator's "show live results" switch the presenter view follows.

Both live in tables created on first use in older stores (see :func:`schema.missing_parts`);
:meth:`~csikit.store.Store.revision` changes when either does, so the facilitator's
console and the presenter view pick them up on their next poll.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

import csikit.store.schema as t

from .. import rules
from ..model import ActivityState
from .core import StoreCore, audit_actor, now
from .participants import phones_joined


class RoomState(StoreCore):
    """Done marks per participant and activity, and the live-results switch per activity."""

    def mark_done(self, code: str, participant: int, activity: str, done: bool = True) -> None:
        """Mark (or, with ``done=False``, unmark) a participant as done with an open activity.

        Raises
        ------
        ActivityClosed
            The activity is not open: being done with it means nothing then.
        InvalidResponse
            Not a participant of this workshop.
        """
        definition = self.workshop(code).activity(activity)
        with self._write() as c:
            self._participant(c, code, participant)
            row = self._activity_row(c, code, activity, lock=True)
            rules.require_open(definition, ActivityState(row.state))  # refused politely unless open
            where = sa.and_(t.done_marks.c.activity_id == row.id, t.done_marks.c.participant_id == participant)
            marked = c.execute(select(t.done_marks.c.at).where(where)).first() is not None
            if done and not marked:
                c.execute(t.done_marks.insert().values(activity_id=row.id, participant_id=participant, at=now()))
            elif not done and marked:
                c.execute(t.done_marks.delete().where(where))

    def is_done(self, code: str, participant: int, activity: str) -> bool:
        """Whether the participant said "I'm done" with this activity (since its last reset)."""
        if "done_marks" in self._lacking:
            return False
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            where = sa.and_(t.done_marks.c.activity_id == aid, t.done_marks.c.participant_id == participant)
            return c.execute(select(t.done_marks.c.at).where(where)).first() is not None

    def done_participants(self, code: str, activity: str) -> set[int]:
        """Every participant who said "I'm done" with this activity, in one query (the room
        endpoint draws every phone's screen from it)."""
        if "done_marks" in self._lacking:
            return set()
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            return set(
                c.execute(select(t.done_marks.c.participant_id).where(t.done_marks.c.activity_id == aid)).scalars()
            )

    def done_count(self, code: str, activity: str) -> tuple[int, int]:
        """(participants who said they are done with this activity, people who can say it:
        those who joined with a phone; a paper participant has no "I'm done" button)."""
        wid = self._wid(code)
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            done = 0
            if "done_marks" not in self._lacking:
                done = c.execute(
                    select(func.count()).select_from(t.done_marks).where(t.done_marks.c.activity_id == aid)
                ).scalar()
            phones = phones_joined(c, wid, self._lacking)
        return int(done), phones

    def set_live_results(self, code: str, activity: str, on: bool, actor: str = "facilitator") -> None:
        """The facilitator's "show live results" switch: the presenter view shows the results
        while the activity runs (not only once revealed). Audited."""
        wid = self._wid(code)
        on = bool(on)
        audit_actor(actor)  # refused before anything changes, as the audit row would refuse it
        with self._write() as c:
            aid = self._activity_row(c, code, activity).id
            shown = c.execute(select(t.live_results.c.shown).where(t.live_results.c.activity_id == aid)).scalar()
            at = now()
            if shown is None:
                c.execute(t.live_results.insert().values(activity_id=aid, shown=int(on), changed_at=at))
            elif bool(shown) != on:
                c.execute(
                    t.live_results.update()
                    .where(t.live_results.c.activity_id == aid)
                    .values(shown=int(on), changed_at=at)
                )
            else:
                return  # no change, no audit row
            self._log_event(c, wid, "live results", activity, actor, "shown" if on else "hidden", at=at)

    def live_results(self, code: str, activity: str) -> bool:
        """Whether the presenter view shows this activity's results live (default: no)."""
        if "live_results" in self._lacking:
            return False
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            return bool(c.execute(select(t.live_results.c.shown).where(t.live_results.c.activity_id == aid)).scalar())


def clear_done(c: Connection, aid: int) -> None:
    """Forget every done mark of an activity (a reset starts it afresh)."""
    c.execute(t.done_marks.delete().where(t.done_marks.c.activity_id == aid))
