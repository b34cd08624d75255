"""Ideas participants send to an ideas activity, and the facilitator's merge of duplicates."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .. import rules
from ..errors import InvalidResponse, NotFound
from ..model import Activity, ActivityKind, ActivityState, Idea
from . import schema as t
from .core import StoreCore, now


class Ideas(StoreCore):
    """Sending, editing, withdrawing, listing and merging ideas."""

    def add_idea(self, code: str, participant: int, activity: str, text: str) -> Idea:
        """Submit an idea to an open ideas activity."""
        text = rules.clean_idea(text)
        _, ws = self._definition(code)
        definition = ws.activity(activity)
        if definition.kind is not ActivityKind.IDEAS:
            raise InvalidResponse("This activity takes votes, not ideas.")
        with self._write() as c:
            row = self._open_for(c, code, participant, definition)
            count = c.execute(select(func.count()).select_from(t.ideas).where(t.ideas.c.activity_id == row.id, t.ideas.c.participant_id == participant)).scalar()
            limit = definition.max_ideas or 5
            if count >= limit:
                raise InvalidResponse(f"You have sent {limit} ideas, the most this activity takes; edit one instead.")
            at = now()
            iid = c.execute(t.ideas.insert().values(activity_id=row.id, participant_id=participant, text=text, created_at=at, updated_at=at)).inserted_primary_key[0]
        return Idea(iid, activity, participant, text)

    def edit_idea(self, code: str, participant: int, activity: str, idea: int, text: str | None) -> None:
        """Change (or, with ``text=None``, withdraw) one's own idea while the activity is open."""
        if text is not None:
            text = rules.clean_idea(text)
        definition = self.workshop(code).activity(activity)
        with self._write() as c:
            row = self._open_for(c, code, participant, definition)
            where = sa.and_(t.ideas.c.id == idea, t.ideas.c.activity_id == row.id, t.ideas.c.participant_id == participant)
            if c.execute(select(t.ideas.c.id).where(where)).first() is None:
                raise InvalidResponse("That idea is not yours or no longer exists.")
            if text is None:
                c.execute(t.ideas.delete().where(where))
            else:
                c.execute(t.ideas.update().where(where).values(text=text, updated_at=now()))

    def _open_for(self, c: Connection, code: str, participant: int, definition: Activity):
        """The activity's row, locked, once the participant is known and the activity is open."""
        self._participant(c, code, participant)
        row = self._activity_row(c, code, definition.id, lock=True)
        rules.require_open(definition, ActivityState(row.state))
        return row

    def ideas(self, code: str, activity: str, *, participant: int | None = None) -> list[Idea]:
        """Ideas submitted to an activity, oldest first."""
        with self._read() as c:
            row = self._activity_row(c, code, activity)
            q = select(t.ideas).where(t.ideas.c.activity_id == row.id).order_by(t.ideas.c.id)
            if participant is not None:
                q = q.where(t.ideas.c.participant_id == participant)
            rows = c.execute(q).all()
        return [Idea(r.id, activity, r.participant_id, r.text, r.merged_into) for r in rows]

    def merge_ideas(self, code: str, activity: str, keep: int, duplicates: list[int], actor: str = "facilitator") -> None:
        """Mark ideas as duplicates of ``keep`` (they are kept, but not voted on)."""
        wid = self._wid(code)
        with self._write() as c:
            row = self._activity_row(c, code, activity)
            ids = set(c.execute(select(t.ideas.c.id).where(t.ideas.c.activity_id == row.id)).scalars())
            if keep not in ids or not set(duplicates) <= ids or keep in duplicates:
                raise NotFound("Those ideas are not all in this activity.")
            c.execute(t.ideas.update().where(t.ideas.c.id.in_(duplicates)).values(merged_into=keep))
            self._log_event(c, wid, "merged", activity, actor, f"{sorted(duplicates)} into {keep}")
