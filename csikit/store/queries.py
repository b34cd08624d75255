"""The statements of the store's hot paths (a vote, a poll), built once with bind parameters.

Building ``select(...).where(col == value)`` anew costs more CPU than SQLite takes to
run it; a prebuilt statement only looks up its compiled form (benchmarks/store_throughput.py),
and :class:`~csikit.store.prepared.Prepared` runs it on the driver's cursor.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select

import csikit.store.schema as t

from .prepared import Prepared


class Q:
    """The hot-path statements, each a :class:`Prepared` (``Q.activity.statement`` is the SQLAlchemy one)."""

    P = sa.bindparam
    activity = select(t.activities.c.id, t.activities.c.state, t.activities.c.changed_at).where(
        t.activities.c.workshop_id == P("wid"), t.activities.c.key == P("key")
    )
    participant = (
        select(t.participants.c.id)
        .where(t.participants.c.id == P("pid"), t.participants.c.workshop_id == P("wid"))
        .with_for_update()
    )
    voter = (
        select(t.activities.c.id, t.activities.c.state, t.activities.c.changed_at)
        .join(
            t.participants,
            sa.and_(t.participants.c.id == P("pid"), t.participants.c.workshop_id == t.activities.c.workshop_id),
        )
        .where(t.activities.c.workshop_id == P("wid"), t.activities.c.key == P("key"))
        .with_for_update(of=t.participants)
    )
    items = select(t.items.c.key, t.items.c.id).where(t.items.c.activity_id == P("aid")).order_by(t.items.c.position)
    item_texts = (
        select(t.items.c.key, t.items.c.text).where(t.items.c.activity_id == P("aid")).order_by(t.items.c.position)
    )
    mine = select(t.responses.c.id, t.responses.c.item_id, t.responses.c.criterion, t.responses.c.value).where(
        t.responses.c.activity_id == P("aid"), t.responses.c.participant_id == P("pid")
    )
    insert_response = t.responses.insert().values(
        activity_id=P("aid"),
        participant_id=P("pid"),
        item_id=P("iid"),
        criterion=P("criterion"),
        comment=P("comment"),
        value=P("value"),
        updated_at=P("now", type_=sa.DateTime),
        position=P("position"),
    )
    insert_response_unplaced = t.responses.insert().values(  # a read-only older store has no position column
        activity_id=P("aid"),
        participant_id=P("pid"),
        item_id=P("iid"),
        criterion=P("criterion"),
        comment=P("comment"),
        value=P("value"),
        updated_at=P("now", type_=sa.DateTime),
    )
    insert_event = t.events.insert().values(
        workshop_id=P("wid"),
        activity_key=P("key"),
        action=P("action"),
        actor=P("actor"),
        detail=P("detail"),
        at=P("now", type_=sa.DateTime),
    )
    update_response = (
        t.responses.update()
        .where(t.responses.c.id == P("rid"))
        .values(value=P("value"), updated_at=P("now", type_=sa.DateTime))
    )
    update_response_comment = (
        t.responses.update()
        .where(t.responses.c.id == P("rid"))
        .values(value=P("value"), updated_at=P("now", type_=sa.DateTime), comment=P("comment"))
    )
    delete_response = t.responses.delete().where(t.responses.c.id == P("rid"))
    current = (
        select(t.workshops.c.current_activity, t.activities.c.state, t.activities.c.changed_at)
        .select_from(
            t.workshops.outerjoin(
                t.activities,
                sa.and_(
                    t.activities.c.workshop_id == t.workshops.c.id, t.activities.c.key == t.workshops.c.current_activity
                ),
            )
        )
        .where(t.workshops.c.id == P("wid"))
    )
    response_count = select(func.count(), func.max(t.responses.c.updated_at)).where(
        t.responses.c.activity_id == P("aid")
    )
    idea_count = select(func.count(), func.max(t.ideas.c.updated_at)).where(t.ideas.c.activity_id == P("aid"))
    answers = (
        select(
            t.responses.c.participant_id,
            t.items.c.key,
            t.responses.c.criterion,
            t.responses.c.value,
            t.responses.c.comment,
            t.responses.c.position,
        )
        .join(t.items, t.items.c.id == t.responses.c.item_id)
        .where(t.responses.c.activity_id == P("aid"))
        .order_by(t.responses.c.participant_id, t.items.c.position, t.responses.c.criterion)
    )
    my_answers = answers.where(t.responses.c.participant_id == P("pid"))
    answers_unplaced = answers.with_only_columns(*answers.selected_columns[:-1], sa.null().label("position"))
    my_answers_unplaced = answers_unplaced.where(t.responses.c.participant_id == P("pid"))
    # done marks and the live switch of one activity, in one statement (revision() polls it)
    room_state = select(
        select(func.count()).select_from(t.done_marks).where(t.done_marks.c.activity_id == P("aid")).scalar_subquery(),
        select(func.max(t.done_marks.c.at)).where(t.done_marks.c.activity_id == P("aid")).scalar_subquery(),
        select(t.live_results.c.shown).where(t.live_results.c.activity_id == P("aid")).scalar_subquery(),
        select(t.live_results.c.changed_at).where(t.live_results.c.activity_id == P("aid")).scalar_subquery(),
    )
    shared_lock = sa.text("SELECT pg_advisory_xact_lock_shared(CAST(:ns AS integer), CAST(:id AS integer))")
    joined = select(func.count()).select_from(t.participants).where(t.participants.c.workshop_id == P("wid"))


for _name, _value in list(vars(Q).items()):
    if isinstance(_value, sa.sql.ClauseElement):
        setattr(Q, _name, Prepared(_value))
