"""Paper participants: people without a phone whose votes, ratings and ideas the
facilitator enters on their behalf.

A paper participant is an ordinary participant (so every count, tally and analysis
includes them) with a row in ``paper_participants`` that numbers them ("Paper 1",
"Paper 2", ...). Entries follow the same rules as a phone (an activity that is not
open refuses, the dot budget holds) and each leaves an ``entered`` row in the audit
trail naming the participant and the facilitator who entered it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

import csikit.store.schema as t

from .. import rules
from ..errors import InvalidResponse
from ..kinds import kind_of
from ..model import Idea, Participant
from .core import StoreCore, audit_actor, now
from .participants import add_participant


class Paper(StoreCore):
    """Adding paper participants and entering their answers (methods of :class:`~csikit.store.Store`)."""

    def add_paper_participant(self, code: str, name: str = "", actor: str = "facilitator") -> Participant:
        """Add someone without a phone; unnamed, they are called "Paper 1", "Paper 2", … (audited)."""
        wid = self._wid(code)
        name = rules.clean_name(name)
        audit_actor(actor)
        with self._write() as c:
            # one numbering per workshop even when two consoles add at once (PostgreSQL: row lock)
            c.execute(select(t.workshops.c.id).where(t.workshops.c.id == wid).with_for_update())
            last = c.execute(
                select(func.max(t.paper_participants.c.number)).where(t.paper_participants.c.workshop_id == wid)
            ).scalar()
            number = int(last or 0) + 1
            person = add_participant(c, wid, name or f"Paper {number}")
            c.execute(
                t.paper_participants.insert().values(
                    participant_id=person.id, workshop_id=wid, number=number, added_by=audit_actor(actor)
                )
            )
            self._log_event(c, wid, "paper joined", None, actor, person.name)
        return person

    def paper_participants(self, code: str) -> list[Participant]:
        """The workshop's paper participants, in the order they were added."""
        wid = self._wid(code)
        if "paper_participants" in self._lacking:
            return []
        with self._read() as c:
            rows = c.execute(
                select(t.participants.c.id, t.participants.c.name, t.participants.c.token)
                .join(t.paper_participants, t.paper_participants.c.participant_id == t.participants.c.id)
                .where(t.paper_participants.c.workshop_id == wid)
                .order_by(t.paper_participants.c.number)
            ).all()
        return [Participant(*r) for r in rows]

    def enter_response(
        self,
        code: str,
        participant: int,
        activity: str,
        values: Mapping[str | tuple[str, str], int],
        comments: Mapping[str, str] | None = None,
        actor: str = "facilitator",
    ) -> dict[tuple[str, str], int]:
        """Record a paper participant's vote or rating, as :meth:`respond` would (same rules),
        with an ``entered`` audit row; the responses have no position (paper has its own order).

        Raises
        ------
        ResponseRefused
            Not a paper participant, or anything :meth:`respond` refuses.
        """
        actor = audit_actor(actor)
        person = self._paper_person(code, participant)
        n = len(values)
        detail = f"{n} value{'s' * (n != 1)} for {person.name}"
        return self._answer(code, person.id, activity, values, comments, entered_by=(actor, detail))

    def enter_idea(self, code: str, participant: int, activity: str, text: str, actor: str = "facilitator") -> Idea:
        """Submit a paper participant's idea to an open ideas activity (same rules as a phone), audited."""
        actor = audit_actor(actor)
        text = rules.clean_idea(text)
        wid, ws = self._definition(code)
        definition = ws.activity(activity)
        if not kind_of(definition.kind).collects_ideas:
            raise InvalidResponse("This activity takes votes, not ideas.")
        person = self._paper_person(code, participant)
        with self._write() as c:
            row = self._open_for(c, code, person.id, definition)  # Ideas: participant known, activity open
            count = c.execute(
                select(func.count())
                .select_from(t.ideas)
                .where(t.ideas.c.activity_id == row.id, t.ideas.c.participant_id == person.id)
            ).scalar()
            limit = definition.max_ideas or 5
            if count >= limit:
                raise InvalidResponse(f"{person.name} has sent {limit} ideas, the most this activity takes.")
            at = now()
            iid = c.execute(
                t.ideas.insert().values(
                    activity_id=row.id, participant_id=person.id, text=text, created_at=at, updated_at=at
                )
            ).inserted_primary_key[0]
            self._log_event(c, wid, "entered", activity, actor, f"an idea for {person.name}", at=at)
        return Idea(iid, activity, person.id, text)

    def remove_paper_participant(self, code: str, participant: int, actor: str = "facilitator") -> None:
        """Remove a paper participant added by mistake, with their answers in open activities (audited).

        Raises
        ------
        ResponseRefused
            Not a paper participant; or they have answers or ideas in an activity that is
            locked or revealed (results people saw would change: reset that activity first),
            or an idea of theirs was merged with another.
        """
        actor = audit_actor(actor)
        person = self._paper_person(code, participant)
        wid = self._wid(code)
        with self._write() as c:
            states = dict(
                c.execute(
                    select(t.activities.c.id, t.activities.c.state).where(t.activities.c.workshop_id == wid)
                ).all()
            )
            used = {
                r
                for (r,) in c.execute(
                    select(t.responses.c.activity_id).where(t.responses.c.participant_id == person.id)
                )
            }
            ideas = c.execute(
                select(t.ideas.c.id, t.ideas.c.activity_id).where(t.ideas.c.participant_id == person.id)
            ).all()
            used |= {a for _i, a in ideas}
            if any(states.get(a) not in ("draft", "open") for a in used):
                raise InvalidResponse(
                    f"{person.name} has answers in a locked or revealed activity; reset it first, "
                    "or keep them: results people saw would change."
                )
            mine = [i for i, _a in ideas]
            if (
                mine
                and c.execute(select(func.count()).select_from(t.ideas).where(t.ideas.c.merged_into.in_(mine))).scalar()
                or c.execute(
                    select(func.count())
                    .select_from(t.ideas)
                    .where(t.ideas.c.id.in_(mine), t.ideas.c.merged_into.is_not(None))
                ).scalar()
            ):
                raise InvalidResponse(f"An idea of {person.name}'s was merged with another; undo the merge first.")
            c.execute(t.responses.delete().where(t.responses.c.participant_id == person.id))
            c.execute(t.ideas.delete().where(t.ideas.c.participant_id == person.id))
            if "done_marks" not in self._lacking:
                c.execute(t.done_marks.delete().where(t.done_marks.c.participant_id == person.id))
            c.execute(t.paper_participants.delete().where(t.paper_participants.c.participant_id == person.id))
            c.execute(t.participants.delete().where(t.participants.c.id == person.id))
            self._log_event(c, wid, "paper removed", None, actor, person.name)

    def _paper_person(self, code: str, participant: int) -> Participant:
        """The paper participant with this id; refuse a phone participant (their phone answers)."""
        if not isinstance(participant, bool) and isinstance(participant, int):
            with self._read() as c:
                found = (
                    _paper_row(c, self._wid(code), participant) if "paper_participants" not in self._lacking else None
                )
            if found is not None:
                return found
        raise InvalidResponse(
            "That is not a paper participant of this workshop; add them as a paper participant first."
        )


def _paper_row(c: Connection, wid: int, pid: int) -> Participant | None:
    row = c.execute(
        select(t.participants.c.id, t.participants.c.name, t.participants.c.token)
        .join(t.paper_participants, t.paper_participants.c.participant_id == t.participants.c.id)
        .where(t.participants.c.id == pid, t.paper_participants.c.workshop_id == wid)
    ).first()
    return None if row is None else Participant(*row)
