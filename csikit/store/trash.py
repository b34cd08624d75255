"""Answers a reset deleted, kept aside until the activity is opened again, so a slip can be
undone: how many an activity holds, putting them aside, bringing them back.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Connection

import csikit.store.schema as t

from ..model import ActivityState
from .core import now


@dataclasses.dataclass(frozen=True)
class AnswerCount:
    """Answers an activity holds (or a reset deleted): responses, ideas, and the people who gave them."""

    responses: int
    ideas: int
    people: int

    @property
    def total(self) -> int:
        return self.responses + self.ideas


def count_answers(c: Connection, aid: int) -> AnswerCount:
    """The responses and ideas an activity holds, and how many people gave them."""
    people: set[int] = set()
    counts = []
    for table in (t.responses, t.ideas):
        pids = c.execute(select(table.c.participant_id).where(table.c.activity_id == aid)).scalars().all()
        counts.append(len(pids))
        people.update(pids)
    return AnswerCount(counts[0], counts[1], len(people))


def put_aside(c: Connection, aid: int, state: ActivityState) -> str:
    """Move an activity's answers (and the items participants brought) into the trash; the audit detail."""
    rows = {
        "items": c.execute(select(t.items).where(t.items.c.activity_id == aid, t.items.c.source != "file")).all(),
        "ideas": c.execute(select(t.ideas).where(t.ideas.c.activity_id == aid)).all(),
        "responses": c.execute(select(t.responses).where(t.responses.c.activity_id == aid)).all(),
    }
    data = {name: [_to_json(r) for r in found] for name, found in rows.items()}
    empty(c, aid)
    if data["ideas"] or data["responses"]:
        c.execute(t.trash.insert().values(activity_id=aid, from_state=state.value, data=json.dumps(data), at=now()))
    c.execute(t.responses.delete().where(t.responses.c.activity_id == aid))
    c.execute(t.ideas.delete().where(t.ideas.c.activity_id == aid))
    c.execute(t.items.delete().where(t.items.c.activity_id == aid, t.items.c.source != "file"))
    return "deleted " + count_words(_trash_count(data))


def kept(c: Connection, aid: int) -> AnswerCount | None:
    """What the trash holds for an activity; None when nothing (or the store has no trash table)."""
    if not sa.inspect(c).has_table(t.trash.name):
        return None
    raw = c.execute(select(t.trash.c.data).where(t.trash.c.activity_id == aid)).scalar()
    return None if raw is None else _trash_count(json.loads(raw))


def take_back(c: Connection, aid: int) -> tuple[ActivityState, str] | None:
    """Put an activity's trashed answers back; (the state it was reset from, the audit detail),
    or None when the trash holds nothing for it."""
    row = c.execute(select(t.trash).where(t.trash.c.activity_id == aid)).first()
    if row is None:
        return None
    data = json.loads(row.data)
    for table, rows in ((t.items, data["items"]), (t.ideas, data["ideas"]), (t.responses, data["responses"])):
        if rows:
            c.execute(table.insert(), [_from_json(table, r) for r in rows])
    empty(c, aid)
    return ActivityState(row.from_state), count_words(_trash_count(data))


def empty(c: Connection, aid: int) -> None:
    """Forget what the trash holds for an activity (a reset is final once it is opened again)."""
    c.execute(t.trash.delete().where(t.trash.c.activity_id == aid))


def count_words(n: AnswerCount) -> str:
    """``"3 answers and 1 idea from 2 people"``."""
    parts = [f"{n.responses} answer{'s' * (n.responses != 1)}"] if n.responses or not n.ideas else []
    parts += [f"{n.ideas} idea{'s' * (n.ideas != 1)}"] if n.ideas else []
    return f"{' and '.join(parts)} from {n.people} {'person' if n.people == 1 else 'people'}"


def _trash_count(data: dict) -> AnswerCount:
    people = {r["participant_id"] for name in ("responses", "ideas") for r in data[name]}
    return AnswerCount(len(data["responses"]), len(data["ideas"]), len(people))


def _to_json(row) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row._mapping.items()}


def _from_json(table: sa.Table, row: dict) -> dict:
    return {
        k: (datetime.fromisoformat(v) if isinstance(table.c[k].type, sa.DateTime) and v else v) for k, v in row.items()
    }
