"""Workshop definitions written into the store, with their activities and items."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import select

import csikit.store.schema as t

from .. import convert
from ..model import ActivityState, Workshop
from .core import StoreCore, now
from .register import initiative_row, insert_measurements, record_version


class Workshops(StoreCore):
    """Syncing a workshop file into the store, and the codes of the workshops it holds."""

    def sync_workshop(self, workshop: Workshop) -> None:
        """Write a workshop definition into the store; keeps all state and responses.

        New activities start as drafts; initiatives and measurements of the file are
        added when missing (edits made in the store are not overwritten).
        """
        definition = dataclasses.replace(workshop, initiatives=(), measurements=())
        payload = json.dumps(convert.to_plain(definition), sort_keys=True)
        at = now()
        with self._write() as c:
            wid = c.execute(select(t.workshops.c.id).where(t.workshops.c.code == workshop.code)).scalar()
            if wid is None:
                wid = c.execute(
                    t.workshops.insert().values(
                        code=workshop.code, title=workshop.title, definition=payload, created_at=at
                    )
                ).inserted_primary_key[0]
            else:
                c.execute(
                    t.workshops.update().where(t.workshops.c.id == wid).values(title=workshop.title, definition=payload)
                )
            for pos, activity in enumerate(workshop.agenda):
                aid = c.execute(
                    select(t.activities.c.id).where(
                        t.activities.c.workshop_id == wid, t.activities.c.key == activity.id
                    )
                ).scalar()
                if aid is None:
                    aid = c.execute(
                        t.activities.insert().values(
                            workshop_id=wid,
                            key=activity.id,
                            position=pos,
                            state=ActivityState.DRAFT.value,
                            changed_at=at,
                        )
                    ).inserted_primary_key[0]
                else:
                    c.execute(t.activities.update().where(t.activities.c.id == aid).values(position=pos))
                self._add_items(c, aid, workshop.items_of(activity), "file")
            have = set(c.execute(select(t.initiatives.c.key).where(t.initiatives.c.workshop_id == wid)).scalars())
            for ini in workshop.initiatives:
                if ini.id not in have:
                    row = initiative_row(ini, at)
                    c.execute(t.initiatives.insert().values(workshop_id=wid, **row))
                    record_version(c, wid, ini.id, "file", row["data"], at)
            insert_measurements(c, wid, workshop.measurements, replace=False)
            self._notify(c, workshop.code)
        self._definitions.pop(workshop.code, None)
        self._touch_signal(f"sync {workshop.code}")

    def workshop_codes(self) -> list[str]:
        with self._read() as c:
            return list(c.execute(select(t.workshops.c.code).order_by(t.workshops.c.id)).scalars())
