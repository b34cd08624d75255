"""The people in the room: joining, rejoining with a token, the list of them."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

import csikit.store.schema as t

from .. import rules
from ..errors import NotFound
from ..model import Participant
from .core import StoreCore, now


class Participants(StoreCore):
    """Participants of a workshop, each known by a private rejoin token."""

    def join(self, code: str, name: str = "") -> Participant:
        """Add a participant; the returned token lets them rejoin after a reload."""
        wid = self._wid(code)
        name = rules.clean_name(name)
        with self._write() as c:
            return add_participant(c, wid, name)

    def rejoin(self, code: str, token: str) -> Participant:
        """The participant a rejoin token belongs to."""
        wid = self._wid(code)
        with self._read() as c:
            row = c.execute(
                select(t.participants).where(
                    t.participants.c.token == str(token)[:64], t.participants.c.workshop_id == wid
                )
            ).first()
        if row is None:
            raise NotFound("This rejoin link is not valid for this workshop; join again with your name.")
        return Participant(row.id, row.name, row.token)

    def participants(self, code: str) -> list[Participant]:
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(
                select(t.participants).where(t.participants.c.workshop_id == wid).order_by(t.participants.c.id)
            ).all()
        return [Participant(r.id, r.name, r.token) for r in rows]


def add_participant(c: Connection, wid: int, name: str) -> Participant:
    """Insert a participant (``name`` already cleaned) with a new rejoin token."""
    token = secrets.token_urlsafe(12)
    pid = c.execute(
        t.participants.insert().values(workshop_id=wid, name=name, token=token, joined_at=now())
    ).inserted_primary_key[0]
    return Participant(pid, name, token)


def phones_joined(c: Connection, wid: int, lacking: frozenset[str] | set[str] = frozenset()) -> int:
    """How many people joined the workshop with a phone (paper participants left out)."""
    query = select(func.count()).select_from(t.participants).where(t.participants.c.workshop_id == wid)
    if "paper_participants" not in lacking:
        paper = select(t.paper_participants.c.participant_id).where(t.paper_participants.c.workshop_id == wid)
        query = query.where(t.participants.c.id.not_in(paper))
    return int(c.execute(query).scalar())
