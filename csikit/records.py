"""What happens in a workshop, as the store records it: people in the room, their answers and
ideas, the facilitator's actions, and KPI readings. Frozen dataclasses, no I/O; the store
builds them from its rows (:mod:`csikit.model` re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Participant:
    """Someone in the room, known by a private token that lets them rejoin."""

    id: int
    name: str
    token: str


@dataclass(frozen=True)
class Response:
    """One participant's value for one item (and criterion) of one activity."""

    activity: str
    participant: int
    item: str
    criterion: str
    value: int
    comment: str = ""
    position: int | None = None  # 0-based place the item was shown in to this participant (fair order)


@dataclass(frozen=True)
class Idea:
    """A short text a participant submitted to an ideas activity."""

    id: int
    activity: str
    participant: int
    text: str
    merged_into: int | None = None


@dataclass(frozen=True)
class Event:
    """A facilitator action kept in the audit trail."""

    at: datetime
    action: str
    activity: str
    actor: str
    detail: str = ""


@dataclass(frozen=True)
class Measurement:
    """A KPI value at a date."""

    kpi: str
    date: date
    value: float
    source: str = ""
