"""Ideas participants send to an ideas activity: adding, editing and withdrawing one's own,
and reading them. Merging duplicates is :mod:`csikit.store.idea_merges`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

import csikit.store.schema as t

from .. import rules
from ..errors import InvalidResponse
from ..kinds import kind_of
from ..model import Activity, ActivityState, Idea
from .core import StoreCore, now


class IdeaStore(StoreCore):
    """Sending, editing, withdrawing, listing and merging ideas."""

    def add_idea(self, code: str, participant: int, activity: str, text: str) -> Idea:
        """Submit an idea to an open ideas activity."""
        text = rules.clean_idea(text)
        _, ws = self._definition(code)
        definition = ws.activity(activity)
        if not kind_of(definition.kind).collects_ideas:
            raise InvalidResponse("This activity takes votes, not ideas.")
        with self._write() as c:
            row = self._open_for(c, code, participant, definition)
            count = c.execute(
                select(func.count())
                .select_from(t.ideas)
                .where(t.ideas.c.activity_id == row.id, t.ideas.c.participant_id == participant)
            ).scalar()
            limit = definition.max_ideas or 5
            if count >= limit:
                raise InvalidResponse(f"You have sent {limit} ideas, the most this activity takes; edit one instead.")
            at = now()
            iid = c.execute(
                t.ideas.insert().values(
                    activity_id=row.id, participant_id=participant, text=text, created_at=at, updated_at=at
                )
            ).inserted_primary_key[0]
        return Idea(iid, activity, participant, text)

    def edit_idea(self, code: str, participant: int, activity: str, idea: int, text: str | None) -> None:
        """Change (or, with ``text=None``, withdraw) one's own idea while the activity is open."""
        if text is not None:
            text = rules.clean_idea(text)
        definition = self.workshop(code).activity(activity)
        with self._write() as c:
            row = self._open_for(c, code, participant, definition)
            where = sa.and_(
                t.ideas.c.id == idea, t.ideas.c.activity_id == row.id, t.ideas.c.participant_id == participant
            )
            if c.execute(select(t.ideas.c.id).where(where)).first() is None:
                raise InvalidResponse("That idea is not yours or no longer exists.")
            if text is None:
                c.execute(t.ideas.delete().where(where))
                # its duplicates stay one group, kept by the oldest of them
                dups = (
                    c.execute(
                        select(t.ideas.c.id)
                        .where(t.ideas.c.merged_into == idea, t.ideas.c.activity_id == row.id)
                        .order_by(t.ideas.c.id)
                    )
                    .scalars()
                    .all()
                )
                if dups:
                    c.execute(
                        t.ideas.update().where(t.ideas.c.id == dups[0]).values(merged_into=None, updated_at=now())
                    )
                    c.execute(
                        t.ideas.update().where(t.ideas.c.id.in_(dups[1:])).values(merged_into=dups[0], updated_at=now())
                    )
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
