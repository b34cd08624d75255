"""The CSI register (initiatives) and KPI measurements of a workshop."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import NotFound
from ..model import Initiative, Measurement
from . import schema as t
from .core import StoreCore, now


class Register(StoreCore):
    """Initiatives of the CSI register and measurements of the workshop's KPIs."""

    def initiatives(self, code: str) -> list[Initiative]:
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(select(t.initiatives.c.data).where(t.initiatives.c.workshop_id == wid).order_by(t.initiatives.c.key)).scalars().all()
        return [convert.build(Initiative, json.loads(r)) for r in rows]

    def save_initiative(self, code: str, initiative: Initiative, actor: str = "facilitator") -> None:
        """Add or replace one row of the CSI register (validated by the model)."""
        wid, ws = self._definition(code)
        if initiative.kpi and initiative.kpi not in {k.id for k in ws.kpis}:
            raise NotFound(f"KPI {initiative.kpi!r} is not one of this workshop's KPIs.")
        with self._write() as c:
            row = initiative_row(initiative, now())
            found = c.execute(select(t.initiatives.c.id).where(t.initiatives.c.workshop_id == wid, t.initiatives.c.key == initiative.id)).scalar()
            if found is None:
                c.execute(t.initiatives.insert().values(workshop_id=wid, **row))
            else:
                c.execute(t.initiatives.update().where(t.initiatives.c.id == found).values(**row))
            self._log_event(c, wid, "register", None, actor, f"{initiative.id} {initiative.state.value}")

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
            rows = c.execute(select(t.measurements).where(t.measurements.c.workshop_id == wid).order_by(t.measurements.c.kpi, t.measurements.c.day)).all()
        return [Measurement(r.kpi, r.day, r.value, r.source) for r in rows]


def insert_measurements(c: Connection, wid: int, rows: Iterable[Measurement], *, replace: bool) -> int:
    """Insert measurements; one for a KPI and day already stored replaces it only with ``replace``.
    Returns how many were written."""
    at = now()
    existing = {
        (r.kpi, r.day): r.id
        for r in c.execute(select(t.measurements.c.id, t.measurements.c.kpi, t.measurements.c.day).where(t.measurements.c.workshop_id == wid))
    }
    count = 0
    for m in rows:
        key = (m.kpi, m.date)
        if key in existing:
            if replace:
                c.execute(t.measurements.update().where(t.measurements.c.id == existing[key]).values(value=m.value, source=m.source, recorded_at=at))
                count += 1
            continue
        c.execute(t.measurements.insert().values(workshop_id=wid, kpi=m.kpi, day=m.date, value=m.value, source=m.source, recorded_at=at))
        existing[key] = -1
        count += 1
    return count


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
