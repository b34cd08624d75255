"""The CSI register (initiatives) and KPI measurements of a workshop.

Every change of a register row also writes the new version into ``initiative_history``
in the same transaction (:func:`record_version`), so the register as it stood on a past
date can be read back exactly (:mod:`csikit.store.history`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

import csikit.store.schema as t

from .. import convert
from ..errors import NotFound
from ..model import Initiative, Measurement
from .core import StoreCore, now


class Register(StoreCore):
    """Initiatives of the CSI register and measurements of the workshop's KPIs."""

    def initiatives(self, code: str) -> list[Initiative]:
        wid = self._wid(code)
        with self._read() as c:
            rows = (
                c.execute(
                    select(t.initiatives.c.data).where(t.initiatives.c.workshop_id == wid).order_by(t.initiatives.c.key)
                )
                .scalars()
                .all()
            )
        return [convert.build(Initiative, json.loads(r)) for r in rows]

    def save_initiative(self, code: str, initiative: Initiative, actor: str = "facilitator") -> None:
        """Add or replace one row of the CSI register (validated by the model)."""
        wid, ws = self._definition(code)
        if initiative.kpi and initiative.kpi not in {k.id for k in ws.kpis}:
            raise NotFound(f"KPI {initiative.kpi!r} is not one of this workshop's KPIs.")
        with self._write() as c:
            at = now()
            row = initiative_row(initiative, at)
            found = c.execute(
                select(t.initiatives.c.id, t.initiatives.c.data, t.initiatives.c.updated_at).where(
                    t.initiatives.c.workshop_id == wid, t.initiatives.c.key == initiative.id
                )
            ).first()
            if found is None:
                c.execute(t.initiatives.insert().values(workshop_id=wid, **row))
            else:
                backfill(c, wid, initiative.id, found.data, found.updated_at)
                c.execute(t.initiatives.update().where(t.initiatives.c.id == found.id).values(**row))
            record_version(c, wid, initiative.id, "store", row["data"], at)
            self._log_event(c, wid, "register", None, actor, f"{initiative.id} {initiative.state.value}", at=at)

    def add_measurements(self, code: str, rows: list[Measurement]) -> int:
        """Add KPI measurements, all or nothing; a value for the same KPI and date is replaced."""
        wid, ws = self._definition(code)
        known = {k.id for k in ws.kpis}
        bad = sorted({m.kpi for m in rows} - known)
        if bad:
            raise NotFound(f"Not KPIs of this workshop: {', '.join(bad)}; known: {', '.join(sorted(known))}.")
        with self._write() as c:
            return insert_measurements(c, wid, rows, replace=True)

    def measurements(self, code: str) -> list[Measurement]:
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(
                select(t.measurements)
                .where(t.measurements.c.workshop_id == wid)
                .order_by(t.measurements.c.kpi, t.measurements.c.day)
            ).all()
        return [Measurement(r.kpi, r.day, r.value, r.source) for r in rows]


def insert_measurements(c: Connection, wid: int, rows: Iterable[Measurement], *, replace: bool) -> int:
    """Insert measurements; one for a KPI and day already stored replaces it only with ``replace``.
    Returns how many were written."""
    at = now()
    existing = {
        (r.kpi, r.day): r.id
        for r in c.execute(
            select(t.measurements.c.id, t.measurements.c.kpi, t.measurements.c.day).where(
                t.measurements.c.workshop_id == wid
            )
        )
    }
    count = 0
    for m in rows:
        key = (m.kpi, m.date)
        if key in existing:
            if replace:
                c.execute(
                    t.measurements.update()
                    .where(t.measurements.c.id == existing[key])
                    .values(value=m.value, source=m.source, recorded_at=at)
                )
                count += 1
            continue
        c.execute(
            t.measurements.insert().values(
                workshop_id=wid, kpi=m.kpi, day=m.date, value=m.value, source=m.source, recorded_at=at
            )
        )
        existing[key] = -1
        count += 1
    return count


def record_version(c: Connection, wid: int, key: str, origin: str, data: str, at: datetime) -> None:
    """Add one version of a register row to its history (``origin``: file, store or backfill)."""
    c.execute(t.initiative_history.insert().values(workshop_id=wid, key=key, origin=origin, data=data, at=at))


def backfill(c: Connection, wid: int, key: str, data: str, updated_at: datetime) -> None:
    """Before the first change of a row an older store wrote without history, keep the row
    as it was (at its ``updated_at``), so the register before the change can still be read."""
    h = t.initiative_history
    if c.execute(select(h.c.id).where(h.c.workshop_id == wid, h.c.key == key).limit(1)).first() is None:
        record_version(c, wid, key, "backfill", data, updated_at)


def initiative_row(ini: Initiative, at: datetime) -> dict:
    """The columns of an initiative's register row (the whole record is kept as JSON)."""
    return {
        "key": ini.id,
        "title": ini.title,
        "state": ini.state.value,
        "owner": ini.owner,
        "kpi": ini.kpi,
        "priority": ini.priority,
        "data": json.dumps(convert.to_plain(ini), sort_keys=True),
        "updated_at": at,
    }
