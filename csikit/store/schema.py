"""The store's tables and indexes (SQLAlchemy Core), one schema for SQLite and PostgreSQL,
and its version: creating it in an empty store, checking it in an existing one."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

from ..errors import StoreVersionError

#: Bump when the tables change; a store with a higher number was written by a newer csikit.
SCHEMA_VERSION = 1

metadata = MetaData()

meta = Table(
    "csikit_meta",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
)

workshops = Table(
    "workshops",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(12), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("definition", Text, nullable=False),  # the workshop file as JSON
    Column("current_activity", String(64)),
    Column("created_at", DateTime, nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("state", String(10), nullable=False),
    Column("changed_at", DateTime, nullable=False),
    UniqueConstraint("workshop_id", "key"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("source", String(16), nullable=False),  # "file" or "idea"
    UniqueConstraint("activity_id", "key"),
)

participants = Table(
    "participants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token", String(64), nullable=False, unique=True),
    Column("joined_at", DateTime, nullable=False),
)

responses = Table(
    "responses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("participant_id", ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("criterion", String(64), nullable=False, default=""),
    Column("value", Integer, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("updated_at", DateTime, nullable=False),
    # 0-based place the item was shown in to this participant (csikit.order); NULL when entered
    # by the facilitator or written before fair order (older stores gain the column on open)
    Column("position", Integer, nullable=True),
    UniqueConstraint("participant_id", "item_id", "criterion"),
    # (activity, participant): a voter's own answers are one index range, not a scan of the
    # whole activity (without ANALYZE SQLite would pick an index on activity_id alone)
    Index("ix_responses_activity_participant", "activity_id", "participant_id"),
)

ideas = Table(
    "ideas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("participant_id", ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("merged_into", Integer),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_ideas_activity_participant", "activity_id", "participant_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("activity_key", String(64)),
    Column("action", String(20), nullable=False),
    Column("actor", String(60), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("at", DateTime, nullable=False),
)

# Answers deleted by a reset, kept until the activity is opened again so a slip can be undone
# (created on first use in stores written before it existed: no schema version change).
trash = Table(
    "trash",
    metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("from_state", String(10), nullable=False),
    Column("data", Text, nullable=False),  # items, ideas and responses as JSON
    Column("at", DateTime, nullable=False),
)

# The facilitator's merges of duplicate ideas, newest last, so the last one can be undone
# (created on first use in older stores, like ``trash``).
idea_merges = Table(
    "idea_merges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("keep", Integer, nullable=False),
    Column("duplicates", Text, nullable=False),  # JSON list of idea ids
    Column("moved", Text, nullable=False),  # JSON: what the merge moved, for its undo
    Column("actor", String(60), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("undone_at", DateTime, nullable=True),
)

# "I'm done" marks of participants on the current activity (the ready ring); a reset clears them.
done_marks = Table(
    "done_marks",
    metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("participant_id", ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True),
    Column("at", DateTime, nullable=False),
)

# The facilitator's "show live results" switch per activity (no row: off).
live_results = Table(
    "live_results",
    metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("shown", Integer, nullable=False),  # 1 on, 0 off
    Column("changed_at", DateTime, nullable=False),
)

# Participants without a phone whose answers the facilitator enters ("Paper 1", ...).
paper_participants = Table(
    "paper_participants",
    metadata,
    Column("participant_id", ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True),
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, ... within the workshop
    Column("added_by", String(60), nullable=False),
    UniqueConstraint("workshop_id", "number"),
)

initiatives = Table(
    "initiatives",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("owner", Text, nullable=False),
    Column("kpi", String(64), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("data", Text, nullable=False),  # the whole record as JSON
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workshop_id", "key"),
)

# Every version of every register row, oldest first, written in the transaction that
# writes the row: what the register said on a past date (created on first use, like ``trash``).
# origin: "file" (from the workshop file), "store" (saved in csikit), "backfill" (the row
# as an older store held it, recorded when it is first changed here).
initiative_history = Table(
    "initiative_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("data", Text, nullable=False),  # the whole record as JSON, as in ``initiatives``
    Column("at", DateTime, nullable=False),
    Index("ix_initiative_history_workshop_key", "workshop_id", "key"),
)

measurements = Table(
    "measurements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("kpi", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("recorded_at", DateTime, nullable=False),
    UniqueConstraint("workshop_id", "kpi", "day"),
)


#: A PostgreSQL advisory lock: two programs creating the schema of one empty database take turns.
_CREATE_LOCK = 7314


def stored_version(c: Connection) -> int:
    """The schema version written in a store (0 when none is)."""
    raw = c.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(raw or 0)


def check_version(c: Connection, shown: str) -> None:
    """Refuse a store written by a newer csikit (its tables may mean something else).

    Raises
    ------
    StoreVersionError
        The store's version is above :data:`SCHEMA_VERSION`; the message says to upgrade.
    """
    version = stored_version(c)
    if version > SCHEMA_VERSION:
        msg = (
            f"The store {shown} was written by a newer csikit (schema {version}; this csikit "
            f"reads schema {SCHEMA_VERSION}). Upgrade csikit: pip install -U csikit"
        )
        raise StoreVersionError(msg)


#: Nullable columns added to schema-1 tables since; older stores gain them on open.
ADDED_COLUMNS = (responses.c.position,)


def missing_parts(c: Connection) -> list[Table | Index | Column]:
    """The tables, columns and indexes added since schema 1 that a store lacks, in creation order.

    A store written by csikit 0.1.0 lacks the indexes of responses and ideas, one written
    before resets could be undone lacks ``trash``, one written before fair order lacks
    ``responses.position``. They are created on first use with no version change: an
    older csikit ignores them (the added columns are nullable, so its inserts still work).
    """
    inspector = sa.inspect(c)
    names = set(inspector.get_table_names())
    parts: list[Table | Index | Column] = []
    for table in metadata.sorted_tables:
        if table.name not in names:
            parts.append(table)  # with its indexes
            continue
        have_columns = {col["name"] for col in inspector.get_columns(table.name)}
        parts += [col for col in ADDED_COLUMNS if col.table is table and col.name not in have_columns]
        if table.indexes:
            have = {ix["name"] for ix in inspector.get_indexes(table.name)}
            parts += [ix for ix in table.indexes if ix.name not in have]
    return parts


def add_column(c: Connection, column: Column) -> None:
    """``ALTER TABLE … ADD COLUMN`` for a nullable column, unless another program just added it."""
    if column.name in {col["name"] for col in sa.inspect(c).get_columns(column.table.name)}:
        return
    quote = c.dialect.identifier_preparer.quote
    kind = column.type.compile(dialect=c.dialect)
    c.execute(sa.text(f"ALTER TABLE {quote(column.table.name)} ADD COLUMN {quote(column.name)} {kind}"))


def create(c: Connection) -> None:
    """Create every table of an empty store and write its version, once even when two programs race."""
    if c.dialect.name == "postgresql":
        c.execute(sa.text(f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})"))
    if not sa.inspect(c).has_table(meta.name):
        metadata.create_all(c)
        c.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
