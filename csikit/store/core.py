"""What every part of the store builds on: the engine and its transactions, the schema
check, the room signal, the stored workshop definitions, activity rows under their
locks, and the one writer of audit rows.

Each concern of :class:`~csikit.store.Store` (lifecycle, answers, ideas, register, ...)
is a subclass of :class:`StoreCore` in its own module; ``Store`` combines them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Connection

import csikit.store.engine as engine
import csikit.store.room_signal as room_signal
import csikit.store.schema as t

from .. import clock, convert, rules
from ..errors import InvalidResponse, NotFound, StoreError
from ..model import ActivityState, ActivityStatus, Item, Workshop
from .prepared import Cursor, transaction
from .queries import Q

#: PostgreSQL advisory-lock namespace of activities: (ACTIVITY_LOCK, activity id).
ACTIVITY_LOCK = 7315
#: The audit columns' widths: a longer actor is cut, never refused (PostgreSQL would refuse it).
ACTOR_CHARS = t.events.c.actor.type.length
ACTION_CHARS = t.events.c.action.type.length


def now() -> datetime:
    """UTC now, naive (how every time is stored): :func:`csikit.clock.utcnow`, the one clock tests move."""
    return clock.utcnow()


def not_synced(key: str) -> NotFound:
    """The error for an activity of the workshop file that the store does not hold yet."""
    return NotFound(f"Activity {key!r} is not in the store yet; restart the facilitator app to sync the workshop.")


def audit_actor(actor: str) -> str:
    """Who acted, as the audit column holds it: text, stripped, cut to :data:`ACTOR_CHARS`.

    Raises
    ------
    InvalidResponse
        The actor is not text, is empty, or holds a NUL character (PostgreSQL stores none).
    """
    return rules.clean_text(actor, "actor", sys.maxsize)[:ACTOR_CHARS].rstrip()


class StoreCore:
    """Connections, schema and the lookups every concern of the store shares
    (opened with a store URL, as :class:`~csikit.store.Store`)."""

    def __init__(self, url: str):
        self._url = engine.parse_url(url)
        self.shown = self._url.render_as_string(hide_password=True)
        self.signal_path = room_signal.signal_path(engine.sqlite_file(self._url, self.shown))
        self.engine = engine.create_engine(self._url, self.shown)
        self._definitions: dict[str, tuple[int, Workshop]] = {}
        self._item_cache: dict[int, tuple[datetime, dict[str, int], dict[int, str]]] = {}
        #: Names of tables and columns a read-only older store lacks (normally empty).
        self._lacking: set[str] = set()
        self._prepare()

    # --- connections ---------------------------------------------------------------

    @property
    def url_for_kernels(self) -> str:
        """The full URL (with password) to hand to kernels through their environment."""
        return self._url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self._url.get_backend_name() == "sqlite"

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn:
            conn.execution_options(csikit_write=True)
            with conn.begin():
                yield conn

    def _fast(self, *, write: bool):
        """A transaction for the hot paths (a vote, a poll): prepared statements on the
        driver's cursor (see :mod:`csikit.store.prepared`), same rules and errors."""
        return transaction(self.engine, write=write, explain=lambda exc: StoreError(self._explain(exc)))

    def _errors(self):
        """Driver errors inside become a :class:`StoreError` that says what to do."""
        return engine.translated(self.shown)

    def _explain(self, exc: Exception) -> str:
        return engine.explain(exc, self.shown)

    def _prepare(self) -> None:
        """Create the schema in an empty store; check and complete it in an existing one."""
        with self._read() as c:
            names = set(sa.inspect(c).get_table_names())
            if t.meta.name in names:
                t.check_version(c, self.shown)
                missing = t.missing_parts(c)
        if t.meta.name in names:
            if missing:
                self._add_missing(missing)
            return
        if names:
            msg = f"The store {self.shown} holds other tables and no csikit schema; choose an empty database or file."
            raise StoreError(msg)
        with self._write() as c:
            t.create(c)

    def _add_missing(self, parts: list[sa.Table | sa.Index | sa.Column]) -> None:
        """Create tables, columns and indexes added since schema 1 (see :func:`schema.missing_parts`)."""
        try:
            with self._write() as c:
                if not self.is_sqlite:  # two programs upgrading one database take turns
                    c.execute(sa.text(f"SELECT pg_advisory_xact_lock({t._CREATE_LOCK})"))
                for part in parts:
                    if isinstance(part, sa.Column):
                        t.add_column(c, part)
                    else:
                        part.create(c, checkfirst=True)
        except StoreError:
            # a read-only store works without them: it reads (and votes) without the indexes,
            # more slowly, and a reset there fails with its own message
            pass
        with self._read() as c:
            self._lacking = {p.name for p in t.missing_parts(c) if not isinstance(p, sa.Index)}

    def close(self) -> None:
        self.engine.dispose()

    def schema_version(self) -> int:
        with self._read() as c:
            return t.stored_version(c)

    # --- the room signal ------------------------------------------------------------

    def signal(self) -> tuple[int, int, int] | None:
        """A fingerprint of the room signal: it changes whenever the facilitator changes what
        every phone shows (an open, lock, reveal, reset or restore, a timer, a synced file).

        One ``os.stat`` of ``<store>.signal`` (a few µs, no SQL), so hundreds of participant
        kernels can check it every second and query the store only when it changed.
        ``(0, 0, 0)`` while the file does not exist yet; None when the store has no signal
        (PostgreSQL: servers on several machines share no file) — then poll the store.
        A writer that does not touch the signal (another program, an older csikit) is
        caught by the participants' slow fallback poll, never missed for good.
        """
        return room_signal.fingerprint(self.signal_path)

    def _touch_signal(self, what: str) -> None:
        """Tell the phones something they show changed (called after the change committed)."""
        room_signal.touch(self.signal_path, what)

    def _notify(self, c: Connection, code: str) -> None:
        """PostgreSQL: ``NOTIFY csikit_room, '<code>'`` inside the change's transaction, so every
        room process listening (``csikit.room``) hears it when, and only if, the change commits.
        SQLite has the room signal instead (:meth:`_touch_signal`, after the commit)."""
        if not self.is_sqlite:
            c.execute(sa.text("SELECT pg_notify(:channel, :code)"), {"channel": room_signal.CHANNEL, "code": code})

    # --- workshop definitions and activity rows -------------------------------------

    def workshop(self, code: str) -> Workshop:
        """The workshop definition as stored (without register and measurements)."""
        return self._definition(code)[1]

    def _definition(self, code: str) -> tuple[int, Workshop]:
        if code not in self._definitions:
            with self._read() as c:
                row = c.execute(
                    select(t.workshops.c.id, t.workshops.c.definition).where(t.workshops.c.code == code)
                ).first()
            if row is None:
                raise NotFound(f"There is no workshop with code {code!r} in {self.shown}; check the code.")
            self._definitions[code] = (row.id, convert.build(Workshop, json.loads(row.definition)))
        return self._definitions[code]

    def _wid(self, code: str) -> int:
        return self._definition(code)[0]

    def _activity_row(self, c: Connection, code: str, key: str, *, lock: bool = False, exclusive: bool = False):
        """The activity's row; with ``lock`` (a response or idea) or ``exclusive`` (a
        facilitator's transition), read under the activity's lock.

        PostgreSQL: responses share a transaction-level advisory lock on the activity and a
        transition takes it alone. PostgreSQL queues those requests fairly, so a transition
        waits only for the responses already in flight and none commits after it. (A row
        lock FOR SHARE let a steady stream of voters starve the facilitator's lock, whose
        audit timestamp then preceded responses stored after it.) SQLite: BEGIN IMMEDIATE
        already serialises every write.
        """
        wid, ws = self._definition(code)
        ws.activity(key)  # raises NotFound with a clear message
        where = {"wid": wid, "key": key}
        row = c.execute(Q.activity.statement, where).first()
        if row is None:
            raise not_synced(key)
        if (lock or exclusive) and not self.is_sqlite:
            fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
            c.execute(
                sa.text(f"SELECT {fn}(CAST(:ns AS integer), CAST(:id AS integer))"), {"ns": ACTIVITY_LOCK, "id": row.id}
            )
            row = c.execute(
                Q.activity.statement, where
            ).first()  # read again under the lock: the state may have changed
        return row

    def _activity_fast(self, cur: Cursor, code: str, key: str) -> tuple:
        """``_activity_row`` for reads on a prepared-statement cursor: (id, state, changed_at)."""
        wid, ws = self._definition(code)
        ws.activity(key)
        row = cur.first(Q.activity, wid=wid, key=key)
        if row is None:
            raise not_synced(key)
        return row

    def status(self, code: str, key: str) -> ActivityStatus:
        """An activity's state and current items."""
        _, ws = self._definition(code)
        with self._fast(write=False) as cur:
            aid, state, changed = self._activity_fast(cur, code, key)
            items = cur.all(Q.item_texts, aid=aid)
        return ActivityStatus(
            ws.activity(key), ActivityState(state), tuple(Item(k, text) for k, text in items), changed
        )

    @staticmethod
    def _add_items(c: Connection, aid: int, new: tuple[Item, ...] | list[Item], source: str) -> None:
        """Append the items an activity does not have yet, after the ones it has."""
        rows = c.execute(select(t.items.c.key, t.items.c.position).where(t.items.c.activity_id == aid)).all()
        have = {r.key for r in rows}
        pos = max((r.position for r in rows), default=-1)
        for item in new:
            if item.id not in have:
                pos += 1
                c.execute(
                    t.items.insert().values(activity_id=aid, key=item.id, text=item.text, position=pos, source=source)
                )
                have.add(item.id)

    def _participant(self, c: Connection, code: str, pid: int) -> None:
        """Refuse an id that is not a participant of this workshop (it may be forged)."""
        if not isinstance(pid, bool) and isinstance(pid, int):
            if c.execute(Q.participant.statement, {"pid": pid, "wid": self._wid(code)}).first() is not None:
                return
        raise InvalidResponse("You are not a participant of this workshop; join again.")

    # --- the audit trail ------------------------------------------------------------

    @staticmethod
    def _log_event(
        c: Connection,
        wid: int,
        action: str,
        activity: str | None,
        actor: str,
        detail: str = "",
        at: datetime | None = None,
    ) -> None:
        """The one writer of audit rows; the actor is checked and cut by :func:`audit_actor`."""
        c.execute(
            t.events.insert().values(
                workshop_id=wid,
                activity_key=activity or None,
                action=action[:ACTION_CHARS],
                actor=audit_actor(actor),
                detail=detail,
                at=at or now(),
            )
        )
