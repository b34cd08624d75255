"""The store's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL."""

from __future__ import annotations

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
