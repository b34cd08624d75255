"""The audit trail of a workshop, and the countdown it carries (a timer is an audit row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

import csikit.store.schema as t

from ..model import Event
from .core import StoreCore, now


class Audit(StoreCore):
    """Reading and adding audit rows; starting and reading an activity's countdown."""

    def events(self, code: str) -> list[Event]:
        """The audit trail, oldest first."""
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(select(t.events).where(t.events.c.workshop_id == wid).order_by(t.events.c.id)).all()
        return [Event(r.at, r.action, r.activity_key or "", r.actor, r.detail) for r in rows]

    def log_event(
        self, code: str, action: str, activity: str = "", detail: str = "", actor: str = "facilitator"
    ) -> None:
        """Add a row to the audit trail (a note, an export, an import)."""
        wid = self._wid(code)
        with self._write() as c:
            self._log_event(c, wid, action, activity, actor, detail)

    def set_timer(self, code: str, key: str, end: datetime | None, actor: str = "facilitator") -> None:
        """Start (``end``: UTC, naive) or stop (None) the countdown participants see for an activity."""
        wid = self._wid(code)
        with self._write() as c:
            row = self._activity_row(c, code, key)
            # the change time moves, so every participant's poll (one cheap query) notices the timer
            c.execute(t.activities.update().where(t.activities.c.id == row.id).values(changed_at=now()))
            self._log_event(c, wid, "timer", key, actor, end.isoformat(timespec="seconds") if end else "")
            self._notify(c, code)
        self._touch_signal(f"timer {code} {key}")

    def timer(self, code: str, key: str) -> datetime | None:
        """When the countdown of an activity ends (UTC, naive), or None when none runs."""
        wid = self._wid(code)
        with self._read() as c:
            detail = c.execute(
                select(t.events.c.detail)
                .where(t.events.c.workshop_id == wid, t.events.c.activity_key == key, t.events.c.action == "timer")
                .order_by(t.events.c.id.desc())
                .limit(1)
            ).scalar()
        try:
            return datetime.fromisoformat(detail) if detail else None
        except ValueError:
            return None
