"""Participants' answers: a vote or rating under every rule of its activity, an outside
assessment, and what was answered (all of it, one person's, how many people)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, select

import csikit.store.schema as t

from .. import order, rules
from ..errors import InvalidResponse
from ..kinds import kind_of
from ..model import ActivityState, Participant, Response
from .core import ACTIVITY_LOCK, StoreCore, now
from .participants import add_participant, phones_joined
from .prepared import Cursor
from .queries import Q


class AnswerStore(StoreCore):
    """Responses to an activity's items: writing them (the hot path) and reading them."""

    def respond(
        self,
        code: str,
        participant: int,
        activity: str,
        values: Mapping[str | tuple[str, str], int],
        comments: Mapping[str, str] | None = None,
        *,
        delta: bool = False,
    ) -> dict[tuple[str, str], int]:
        """Record a participant's values for some items of an open activity.

        ``values`` maps an item key, or ``(item key, criterion)``, to a value; it
        replaces the participant's earlier values for those items. A dot vote of 0
        removes the item's dots. Returns all of the participant's values after the change.
        With ``delta`` (dot votes only), ``values`` are changes (+1: one dot more, −1: one
        less) added to the stored values inside the transaction, so a click on a stale
        screen (a second tab) counts against what the store holds, not what the screen showed.

        Each new response records the position its item was shown in to this participant
        (:func:`csikit.order.positions`, the order the phone shows).

        Raises
        ------
        ResponseRefused
            Closed activity, unknown item, value out of range, over budget, unknown participant.
        """
        return self._answer(code, participant, activity, values, comments, delta=delta)

    def _answer(
        self,
        code: str,
        participant: int,
        activity: str,
        values: Mapping[str | tuple[str, str], int],
        comments: Mapping[str, str] | None = None,
        *,
        delta: bool = False,
        entered_by: tuple[str, str] | None = None,
    ) -> dict[tuple[str, str], int]:
        """:meth:`respond`, or with ``entered_by=(actor, audit detail)`` the facilitator's entry
        for a paper participant: no position (the paper's order is not known) and an
        ``entered`` audit row in the same transaction."""
        new = rules.normalise(values)
        notes = {k: rules.clean_comment(v) for k, v in (comments or {}).items()}
        _, ws = self._definition(code)
        definition = ws.activity(activity)
        wid = self._wid(code)
        known = not isinstance(participant, bool) and isinstance(participant, int)
        with self._fast(write=True) as cur:
            row = cur.first(Q.voter, pid=participant, wid=wid, key=activity) if known else None
            if row is None:
                self._activity_fast(cur, code, activity)  # a missing activity says so
                raise InvalidResponse("You are not a participant of this workshop; join again.")
            if not self.is_sqlite:  # the activity's shared lock, as _activity_row(lock=True)
                cur.run(Q.shared_lock, ns=ACTIVITY_LOCK, id=row[0])
                row = cur.first(Q.activity, wid=wid, key=activity)  # read again under the lock
            aid, state, changed = row
            rules.require_open(definition, ActivityState(state))
            items, keys = self._items(cur, aid, changed, need=notes.keys() | {k[0] for k in new})
            unknown = set(notes) - set(items)
            if unknown:
                raise InvalidResponse("That item is not part of this activity; reload the page.")
            existing, ids = {}, {}
            mine = cur.all(Q.mine, aid=aid, pid=participant)
            if any(r[1] not in keys for r in mine):
                items, keys = self._items(cur, aid, None, need=())
            for rid, iid, criterion, value in mine:
                existing[keys[iid], criterion] = value
                ids[keys[iid], criterion] = rid
            if delta:
                new = kind_of(definition.kind).changes(definition, existing, new)
            merged = rules.merge_responses(definition, definition.criteria(ws.objectives), list(items), existing, new)
            at = now()
            for key in set(ids) - set(merged):
                cur.run(Q.delete_response, rid=ids[key])
            shown = None  # item -> position, computed at the first new response only (a seeded shuffle, no query)
            for key, value in merged.items():
                noted = key[0] in notes
                if existing.get(key) == value and not noted:
                    continue
                if key not in ids:
                    if "position" in self._lacking:  # a read-only older store: the insert fails with its message
                        cur.run(
                            Q.insert_response_unplaced,
                            aid=aid,
                            pid=participant,
                            iid=items[key[0]],
                            criterion=key[1],
                            comment=notes.get(key[0], ""),
                            value=value,
                            now=at,
                        )
                        continue
                    if shown is None:
                        shown = {} if entered_by else order.positions(definition, list(items), participant)
                    cur.run(
                        Q.insert_response,
                        aid=aid,
                        pid=participant,
                        iid=items[key[0]],
                        criterion=key[1],
                        comment=notes.get(key[0], ""),
                        value=value,
                        now=at,
                        position=shown.get(key[0]),
                    )
                elif noted:
                    cur.run(Q.update_response_comment, rid=ids[key], value=value, now=at, comment=notes[key[0]])
                else:
                    cur.run(Q.update_response, rid=ids[key], value=value, now=at)
            if entered_by is not None:
                actor, detail = entered_by
                cur.run(Q.insert_event, wid=wid, key=activity, action="entered", actor=actor, detail=detail, now=at)
        return merged

    def record_assessment(
        self, code: str, activity: str, assessor: str, values: Mapping[tuple[str, str], int], actor: str = "facilitator"
    ) -> Participant:
        """Add an outside assessor's maturity levels to a maturity activity, whatever its state.

        The assessor joins as a participant of its own; values are range-checked like any response.
        """
        _, ws = self._definition(code)
        definition = ws.activity(activity)
        if not kind_of(definition.kind).assesses_maturity:
            raise InvalidResponse("Only maturity activities take outside assessments.")
        new = rules.normalise(values)
        wid = self._wid(code)
        name = rules.clean_name(assessor)
        with self._write() as c:
            row = self._activity_row(c, code, activity, lock=True)
            items = dict(c.execute(select(t.items.c.key, t.items.c.id).where(t.items.c.activity_id == row.id)).all())
            merged = rules.merge_responses(definition, definition.criteria(ws.objectives), list(items), {}, new)
            pid = add_participant(c, wid, name).id
            at = now()
            for (item, criterion), value in merged.items():
                c.execute(
                    t.responses.insert().values(
                        activity_id=row.id,
                        participant_id=pid,
                        item_id=items[item],
                        criterion=criterion,
                        value=value,
                        comment="",
                        updated_at=at,
                    )
                )
            self._log_event(c, wid, "imported", activity, actor, f"{len(merged)} levels from {name}")
        return Participant(pid, name, "")

    def my_responses(self, code: str, participant: int, activity: str) -> dict[tuple[str, str], tuple[int, str]]:
        """A participant's own values and comments, by (item, criterion)."""
        return {
            (r.item, r.criterion): (r.value, r.comment) for r in self.responses(code, activity, participant=participant)
        }

    def responses(self, code: str, activity: str, *, participant: int | None = None) -> list[Response]:
        """Every response to an activity (analysis reads these)."""
        with self._fast(write=False) as cur:
            aid = self._activity_fast(cur, code, activity)[0]
            placed = "position" not in self._lacking
            if participant is None:
                rows = cur.all(Q.answers if placed else Q.answers_unplaced, aid=aid)
            else:
                rows = cur.all(Q.my_answers if placed else Q.my_answers_unplaced, aid=aid, pid=participant)
        return [Response(activity, *r) for r in rows]

    def participation(self, code: str, activity: str) -> tuple[int, int]:
        """(participants who answered this activity, participants in it).

        Everyone who joined with a phone is in every activity; a paper participant only in
        the activities the facilitator entered answers for (so four phones and two paper
        sheets of an earlier vote read "3 of 4", not "3 of 6").
        """
        wid = self._wid(code)
        with self._read() as c:
            row = self._activity_row(c, code, activity)
            table = t.ideas if kind_of(self.workshop(code).activity(activity).kind).collects_ideas else t.responses
            answered = c.execute(
                select(func.count(sa.distinct(table.c.participant_id))).where(table.c.activity_id == row.id)
            ).scalar()
            joined = phones_joined(c, wid, self._lacking)
            if "paper_participants" not in self._lacking:
                paper = select(t.paper_participants.c.participant_id).where(t.paper_participants.c.workshop_id == wid)
                joined += c.execute(
                    select(func.count(sa.distinct(table.c.participant_id))).where(
                        table.c.activity_id == row.id, table.c.participant_id.in_(paper)
                    )
                ).scalar()
        return int(answered), int(joined)

    def progress(self, code: str, activity: str) -> tuple[int, int, int]:
        """(participants who answered every item and criterion, those who answered only some,
        participants who joined). Ideas, dot votes and polls have no partial answers: one idea,
        one dot or one choice is an answer (the kind's ``whole_answer``)."""
        definition = self.workshop(code).activity(activity)
        answered, joined = self.participation(code, activity)
        if kind_of(definition.kind).whole_answer:
            return answered, 0, joined
        status = self.status(code, activity)
        cells = len(status.items) * len(definition.criteria(self.workshop(code).objectives) or [""])
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            counts = (
                c.execute(
                    select(func.count()).where(t.responses.c.activity_id == aid).group_by(t.responses.c.participant_id)
                )
                .scalars()
                .all()
            )
        done = sum(n >= cells for n in counts)
        return done, len(counts) - done, joined

    def revision(self, code: str, activity: str) -> tuple:
        """A cheap fingerprint of an activity's state and answers: it changes when anything does
        (a response, an idea, a join, an "I'm done" mark, the live-results switch)."""
        wid = self._wid(code)
        with self._fast(write=False) as cur:
            aid, state, changed = self._activity_fast(cur, code, activity)
            r = cur.first(Q.response_count, aid=aid)
            i = cur.first(Q.idea_count, aid=aid)
            p = cur.first(Q.joined, wid=wid)[0]
            room = None if self._lacking & {"done_marks", "live_results"} else cur.first(Q.room_state, aid=aid)
        return (state, changed, r, i, p, room)

    def _items(self, cur: Cursor, aid: int, changed: datetime | None, need) -> tuple[dict[str, int], dict[int, str]]:
        """An activity's items {key: id} and {id: key}, read once per opening.

        Items change when an activity opens or is reset (which moves ``changed_at``) and
        when a restarted facilitator app syncs an edited file (which does not), so an
        item not in the cached list is looked up again before it is called unknown
        (``changed=None`` reads them again).
        """
        got = self._item_cache.get(aid)
        if got is None or got[0] != changed or not set(need) <= got[1].keys():
            items = dict(cur.all(Q.items, aid=aid))
            got = self._item_cache[aid] = (changed, items, {iid: key for key, iid in items.items()})
        return got[1], got[2]
