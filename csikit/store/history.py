"""What the store held at a past moment: answers given by then, the register as it stood
(its history), and activity states replayed from the audit trail.

The rule these implement is written once, in :mod:`csikit.quarters` ("as of a quarter").
The SQL reads are a concern of :class:`~csikit.store.Store`; the replays are pure
functions of records, so :class:`~csikit.store.as_of.StoreAsOf` and the tests share them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select

import csikit.store.schema as t

from .. import convert
from ..model import ActivityState, Event, Idea, Initiative, InitiativeState, Response
from .core import StoreCore

#: Audit actions that change an activity's state, and the state each leaves it in
#: (``restored``: the state it was reset from).
LIFECYCLE = {
    "opened": ActivityState.OPEN,
    "locked": ActivityState.LOCKED,
    "revealed": ActivityState.REVEALED,
    "reset": ActivityState.DRAFT,
    "restored": None,
}
DECIDED = ("locked", "revealed")


@dataclass(frozen=True)
class Version:
    """One recorded version of a register row: ``origin`` file, store or backfill."""

    key: str
    origin: str
    at: datetime
    initiative: Initiative


class History(StoreCore):
    """Reads of the store bounded by a moment (UTC, naive), for views "as of" a quarter."""

    def responses_until(self, code: str, activity: str, until: datetime) -> list[Response]:
        """The responses to an activity last changed by ``until`` (one changed later is left out:
        its value at ``until`` is not kept)."""
        r, i = t.responses, t.items
        placed = "position" not in self._lacking
        cols = [
            r.c.participant_id,
            i.c.key,
            r.c.criterion,
            r.c.value,
            r.c.comment,
            r.c.position if placed else sa.null().label("position"),
        ]
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            rows = c.execute(
                select(*cols)
                .join(i, i.c.id == r.c.item_id)
                .where(r.c.activity_id == aid, r.c.updated_at <= until)
                .order_by(r.c.participant_id, i.c.position, r.c.criterion)
            ).all()
        return [Response(activity, *row) for row in rows]

    def ideas_until(self, code: str, activity: str, until: datetime) -> list[Idea]:
        """The ideas typed by ``until``, grouped as the facilitator's merges had them then."""
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            rows = c.execute(
                select(t.ideas)
                .where(t.ideas.c.activity_id == aid, t.ideas.c.created_at <= until)
                .order_by(t.ideas.c.id)
            ).all()
            merges = []
            if "idea_merges" not in self._lacking:
                merges = c.execute(
                    select(t.idea_merges).where(t.idea_merges.c.activity_id == aid).order_by(t.idea_merges.c.id)
                ).all()
        into = merged_on({r.id: r.merged_into for r in rows}, merges, until)
        return [Idea(r.id, activity, r.participant_id, r.text, into.get(r.id)) for r in rows]

    def joined_until(self, code: str, until: datetime) -> int:
        """How many participants had joined by ``until``."""
        wid = self._wid(code)
        with self._read() as c:
            return int(
                c.execute(
                    select(func.count())
                    .select_from(t.participants)
                    .where(t.participants.c.workshop_id == wid, t.participants.c.joined_at <= until)
                ).scalar()
            )

    def register_versions(self, code: str) -> list[Version]:
        """Every recorded version of every register row, oldest first.

        A row an older csikit wrote (no history, or a change after its last version) counts
        as a ``backfill`` version at its ``updated_at``.
        """
        wid = self._wid(code)
        h = t.initiative_history
        with self._read() as c:
            rows = c.execute(
                select(t.initiatives.c.key, t.initiatives.c.data, t.initiatives.c.updated_at).where(
                    t.initiatives.c.workshop_id == wid
                )
            ).all()
            kept = (
                []
                if h.name in self._lacking
                else c.execute(
                    select(h.c.key, h.c.origin, h.c.data, h.c.at).where(h.c.workshop_id == wid).order_by(h.c.at, h.c.id)
                ).all()
            )
        versions = [Version(v.key, v.origin, v.at, _initiative(v.data)) for v in kept]
        last = {v.key: v.at for v in versions}
        for r in rows:
            if r.key not in last or r.updated_at > last[r.key]:
                versions.append(Version(r.key, "backfill", r.updated_at, _initiative(r.data)))
        return sorted(versions, key=lambda v: v.at)

    def initiatives_until(self, code: str, until: datetime) -> list[Initiative]:
        """The register as it stood at ``until`` (:func:`register_on`), in id order."""
        return register_on(self.register_versions(code), until)


def _initiative(data: str) -> Initiative:
    return convert.build(Initiative, json.loads(data))


# --- replays (pure) ---------------------------------------------------------------------------


def register_on(versions: Iterable[Version], until: datetime) -> list[Initiative]:
    """The register at ``until`` from its versions: each initiative's latest version by then.

    An initiative whose first version is later: one created in the store did not exist
    yet; one from the workshop file (or a store older than the history) is its first
    version. Either way actual dates after ``until`` are taken back (:func:`initiative_on`:
    an initiative that ended later was still running then).
    """
    by_key: dict[str, list[Version]] = {}
    for v in sorted(versions, key=lambda v: v.at):
        by_key.setdefault(v.key, []).append(v)
    out = []
    for key in sorted(by_key):
        known = [v for v in by_key[key] if v.at <= until]
        if known:
            out.append(initiative_on(known[-1].initiative, until.date()))
        elif by_key[key][0].origin != "store":
            out.append(initiative_on(by_key[key][0].initiative, until.date()))
    return out


def initiative_on(i: Initiative, day: date) -> Initiative:
    """An initiative as it stood on ``day``, inferred from its actual start and end dates.

    One that ended after ``day`` was still in progress then (approved if it had not
    started); one that started after ``day`` was approved but not started.
    """
    change: dict = {}
    started = i.actual_start is not None and i.actual_start <= day
    if i.actual_end and i.actual_end > day:
        change.update(actual_end=None, closure_code=None)
        if i.state in InitiativeState.ended_states():
            change["state"] = InitiativeState.IN_PROGRESS if started else InitiativeState.APPROVED
    if i.actual_start and not started:
        change["actual_start"] = None
        if i.state in InitiativeState.started_states():
            change.update(state=InitiativeState.APPROVED, closure_code=None, actual_end=None)
    return dataclasses.replace(i, **change) if change else i


def states_on(events: Iterable[Event], keys: Iterable[str], until: datetime) -> dict[str, ActivityState]:
    """Each activity's state at ``until``, replayed from the audit trail (draft before any event)."""
    state = {k: ActivityState.DRAFT for k in keys}
    before_reset: dict[str, ActivityState] = {}
    for e in events:
        if e.at > until or e.action not in LIFECYCLE or e.activity not in state:
            continue
        if e.action == "reset":
            before_reset[e.activity] = state[e.activity]
        target = LIFECYCLE[e.action]
        state[e.activity] = before_reset.get(e.activity, ActivityState.DRAFT) if target is None else target
    return state


def decided_on(events: Iterable[Event], key: str, until: datetime) -> datetime | None:
    """When an activity was last locked or revealed by ``until``, if it was still decided then."""
    decided = saved = None
    for e in events:
        if e.at > until or e.activity != key or e.action not in LIFECYCLE:
            continue
        if e.action in DECIDED:
            decided = e.at
        elif e.action == "reset":
            saved, decided = decided, None
        elif e.action == "restored":
            decided = saved
        else:
            decided = None
    return decided


def changed_on(events: Iterable[Event], key: str, until: datetime) -> datetime | None:
    """When an activity's state last changed by ``until`` (None: never)."""
    times = [e.at for e in events if e.at <= until and e.activity == key and e.action in LIFECYCLE]
    return times[-1] if times else None


def merged_on(current: dict[int, int | None], merges, until: datetime) -> dict[int, int | None]:
    """Which idea each idea was merged into at ``until``, from today's grouping and the merges.

    Merges still in effect but made after ``until`` are taken back, newest first; merges
    made by then and undone after it are made again, oldest first (merges undo as a stack).
    """
    into = dict(current)
    for m in sorted(merges, key=lambda m: m.at, reverse=True):
        if m.at > until and m.undone_at is None:
            for idea, before in json.loads(m.moved)["ideas"].items():
                if int(idea) in into:
                    into[int(idea)] = before
    for m in sorted(merges, key=lambda m: m.at):
        if m.at <= until and m.undone_at is not None and m.undone_at > until:
            for idea in json.loads(m.duplicates):
                if idea in into:
                    into[idea] = m.keep
    return into
