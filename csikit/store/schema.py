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


def missing_parts(c: Connection) -> list[Table | Index]:
    """The tables and indexes added since schema 1 that a store lacks, in creation order.

    A store written by csikit 0.1.0 lacks the indexes of responses and ideas, and one
    written before resets could be undone lacks ``trash``. They are created on first use
    with no version change: an older csikit ignores them.
    """
    inspector = sa.inspect(c)
    names = set(inspector.get_table_names())
    parts: list[Table | Index] = []
    for table in metadata.sorted_tables:
        if table.name not in names:
            parts.append(table)  # with its indexes
        elif table.indexes:
            have = {ix["name"] for ix in inspector.get_indexes(table.name)}
            parts += [ix for ix in table.indexes if ix.name not in have]
    return parts


def create(c: Connection) -> None:
    """Create every table of an empty store and write its version, once even when two programs race."""
    if c.dialect.name == "postgresql":
        c.execute(sa.text(f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})"))
    if not sa.inspect(c).has_table(meta.name):
        metadata.create_all(c)
        c.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
