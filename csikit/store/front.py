"""The shared store: the only module that talks SQL.

One schema and one code path for SQLite (a file, the default) and PostgreSQL (by
URL). Every rule that protects the data is enforced here, each in one transaction:
SQLite transactions that read then write start with ``BEGIN IMMEDIATE`` (a deferred
transaction fails under concurrent writers); PostgreSQL locks the participant's row.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, Engine, make_url

from . import records, rules
from . import schema as t
from .errors import InvalidResponse, NotFound, StoreError, StoreVersionError, TransitionError
from .model import (
    TRANSITIONS,
    ActivityKind,
    ActivityState,
    ActivityStatus,
    Event,
    Idea,
    Initiative,
    Item,
    Measurement,
    Participant,
    Response,
    Workshop,
)
from .prepared import Cursor, Prepared, transaction
from .schema import SCHEMA_VERSION

STORE_FILE = "csikit.sqlite"
BUSY_TIMEOUT_S = 30
#: PostgreSQL advisory-lock namespace of activities: (_ACTIVITY_LOCK, activity id).
_ACTIVITY_LOCK = 7315
#: The room signal (SQLite): a small file beside the store that every change a phone must
#: follow appends a line to (see :meth:`Store.signal`); it starts again past this size.
SIGNAL_SUFFIX = ".signal"
SIGNAL_MAX_BYTES = 64 * 1024


class _Q:
    """The statements of the hot paths (a vote, a poll), built once with bind parameters.

    Building ``select(...).where(col == value)`` anew costs more CPU than SQLite takes to
    run it; a prebuilt statement only looks up its compiled form (benchmarks/store_throughput.py).
    """

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
        .join(t.participants, sa.and_(t.participants.c.id == P("pid"), t.participants.c.workshop_id == t.activities.c.workshop_id))
        .where(t.activities.c.workshop_id == P("wid"), t.activities.c.key == P("key"))
        .with_for_update(of=t.participants)
    )
    items = select(t.items.c.key, t.items.c.id).where(t.items.c.activity_id == P("aid")).order_by(t.items.c.position)
    item_texts = select(t.items.c.key, t.items.c.text).where(t.items.c.activity_id == P("aid")).order_by(t.items.c.position)
    mine = select(t.responses.c.id, t.responses.c.item_id, t.responses.c.criterion, t.responses.c.value).where(
        t.responses.c.activity_id == P("aid"), t.responses.c.participant_id == P("pid")
    )
    insert_response = t.responses.insert().values(
        activity_id=P("aid"), participant_id=P("pid"), item_id=P("iid"), criterion=P("criterion"),
        comment=P("comment"), value=P("value"), updated_at=P("now", type_=sa.DateTime),
    )
    update_response = (
        t.responses.update().where(t.responses.c.id == P("rid")).values(value=P("value"), updated_at=P("now", type_=sa.DateTime))
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
                sa.and_(t.activities.c.workshop_id == t.workshops.c.id, t.activities.c.key == t.workshops.c.current_activity),
            )
        )
        .where(t.workshops.c.id == P("wid"))
    )
    response_count = select(func.count(), func.max(t.responses.c.updated_at)).where(t.responses.c.activity_id == P("aid"))
    idea_count = select(func.count(), func.max(t.ideas.c.updated_at)).where(t.ideas.c.activity_id == P("aid"))
    answers = (
        select(t.responses.c.participant_id, t.items.c.key, t.responses.c.criterion, t.responses.c.value, t.responses.c.comment)
        .join(t.items, t.items.c.id == t.responses.c.item_id)
        .where(t.responses.c.activity_id == P("aid"))
        .order_by(t.responses.c.participant_id, t.items.c.position, t.responses.c.criterion)
    )
    my_answers = answers.where(t.responses.c.participant_id == P("pid"))
    shared_lock = sa.text("SELECT pg_advisory_xact_lock_shared(CAST(:ns AS integer), CAST(:id AS integer))")
    joined = select(func.count()).select_from(t.participants).where(t.participants.c.workshop_id == P("wid"))


for _name, _value in list(vars(_Q).items()):
    if isinstance(_value, sa.sql.ClauseElement):
        setattr(_Q, _name, Prepared(_value))


def default_store_url(workshop_dir: str | Path) -> str:
    """The SQLite file beside a workshop file (git-ignored)."""
    p = Path(workshop_dir)
    folder = p if p.is_dir() or p.suffix not in (".yaml", ".yml") else p.parent
    return f"sqlite:///{(folder / STORE_FILE).resolve()}"


def open_store(url: str) -> Store:
    """Open (and create, if new) the store at ``url``."""
    return Store(url)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    """Workshop state shared by every kernel: activities, participants, responses,
    ideas, the audit trail, the CSI register and KPI measurements.

    Parameters
    ----------
    url
        ``sqlite:///path/to/file.sqlite`` or ``postgresql+psycopg://user@host/db``.
    """

    def __init__(self, url: str):
        try:
            self._url = make_url(url)
        except (sa.exc.ArgumentError, ValueError):
            msg = f"{url!r} is not a store URL; use sqlite:///path/file.sqlite or postgresql+psycopg://user@host/db"
            raise StoreError(msg) from None
        self.shown = self._url.render_as_string(hide_password=True)
        self.signal_path: Path | None = None  # set by _engine for SQLite
        self.engine = self._engine()
        self._definitions: dict[str, tuple[int, Workshop]] = {}
        self._item_cache: dict[int, tuple[datetime, dict[str, int], dict[int, str]]] = {}
        self._prepare()

    # --- connections ---------------------------------------------------------------

    @property
    def url_for_kernels(self) -> str:
        """The full URL (with password) to hand to kernels through their environment."""
        return self._url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self._url.get_backend_name() == "sqlite"

    def _engine(self) -> Engine:
        backend = self._url.get_backend_name()
        if backend == "sqlite":
            db = self._url.database or ""
            if db in ("", ":memory:"):
                raise StoreError("An SQLite store must be a file (kernels share it): sqlite:///path/file.sqlite")
            # a URI filename (sqlite:///file:path?mode=ro&uri=true) names its file after "file:"
            path = db[len("file:"):] if db.startswith("file:") and self._url.query.get("uri") == "true" else db
            folder = Path(path).expanduser().resolve().parent
            if not folder.is_dir():
                msg = f"The folder {folder} for the store {self.shown} does not exist; create it or choose another --store."
                raise StoreError(msg)
            self.signal_path = folder / (Path(path).name + SIGNAL_SUFFIX)
            engine = sa.create_engine(self._url, connect_args={"timeout": BUSY_TIMEOUT_S})
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        if backend == "postgresql":
            return sa.create_engine(self._url, pool_size=1, max_overflow=4, pool_pre_ping=True)
        raise StoreError(f"{self.shown}: csikit stores live in SQLite or PostgreSQL, not {backend}.")

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
        driver's cursor (see :mod:`csikit.prepared`), same rules and errors."""
        return transaction(self.engine, write=write, explain=lambda exc: StoreError(self._explain(exc)))

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.DatabaseError, sa.exc.InterfaceError) as exc:
            raise StoreError(self._explain(exc)) from None

    def _explain(self, exc: Exception) -> str:
        text = str(getattr(exc, "orig", exc)).lower()
        where = f"The store {self.shown}"
        if "locked" in text or "busy" in text:
            return f"{where} stayed locked by another program for {BUSY_TIMEOUT_S} s; close it and try again."
        if "readonly" in text or "read-only" in text:
            return f"{where} is read-only; make the file and its folder writable, or choose another --store."
        if "unable to open" in text:
            return f"{where} cannot be opened; check that its folder exists and is writable."
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return f"{where} is damaged or is not a csikit store; restore a backup or choose another --store."
        if "connection" in text or "could not" in text or "refused" in text:
            return f"{where} cannot be reached: {str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}"
        return f"{where} failed: {str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}"

    def _prepare(self) -> None:
        with self._read() as c:
            names = set(sa.inspect(c).get_table_names())
            if "csikit_meta" in names:
                self._check_version(c)
                missing = [ix for table in (t.responses, t.ideas) for ix in table.indexes
                           if ix.name not in {i["name"] for i in sa.inspect(c).get_indexes(table.name)}]
        if "csikit_meta" in names:
            if missing:
                self._add_indexes(missing)
            if "trash" not in names:
                self._add_tables([t.trash])
            return
        if names:
            msg = f"The store {self.shown} holds other tables and no csikit schema; choose an empty database or file."
            raise StoreError(msg)
        with self._write() as c:
            if not self.is_sqlite:
                c.execute(sa.text("SELECT pg_advisory_xact_lock(7314)"))
            if not sa.inspect(c).has_table("csikit_meta"):
                t.metadata.create_all(c)
                c.execute(t.meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))

    def _add_tables(self, missing: list[sa.Table]) -> None:
        """Tables added since schema 1 (created on first use; an older csikit ignores them)."""
        try:
            with self._write() as c:
                for table in missing:
                    table.create(c, checkfirst=True)
        except StoreError:
            pass  # a read-only store works without them; a reset there fails with its own message

    def _add_indexes(self, missing: list[sa.Index]) -> None:
        """Indexes added since schema 1 (a store written by csikit 0.1.0 lacks them)."""
        try:
            with self._write() as c:
                for ix in missing:
                    ix.create(c, checkfirst=True)
        except StoreError:
            pass  # a read-only store reads (and votes) without them, more slowly

    def _check_version(self, c: Connection) -> None:
        raw = c.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).scalar()
        version = int(raw or 0)
        if version > SCHEMA_VERSION:
            msg = (
                f"The store {self.shown} was written by a newer csikit (schema {version}; this csikit "
                f"reads schema {SCHEMA_VERSION}). Upgrade csikit: pip install -U csikit"
            )
            raise StoreVersionError(msg)

    def close(self) -> None:
        self.engine.dispose()

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
        if self.signal_path is None:
            return None
        try:
            st = os.stat(self.signal_path)
        except OSError:
            return (0, 0, 0)
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _touch_signal(self, what: str) -> None:
        """Tell the phones something they show changed (called after the change committed).

        Appends one line, so the file's size grows with every touch (a change never goes
        unseen for a coarse mtime); past :data:`SIGNAL_MAX_BYTES` it starts again.
        Failing to write it (a read-only folder) is harmless: phones fall back to polling.
        """
        if self.signal_path is None:
            return
        line = f"{time.time():.3f} {what}\n".encode()
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            try:
                if os.stat(self.signal_path).st_size > SIGNAL_MAX_BYTES:
                    flags = (flags & ~os.O_APPEND) | os.O_TRUNC
            except OSError:
                pass
            fd = os.open(self.signal_path, flags, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            pass

    def schema_version(self) -> int:
        with self._read() as c:
            return int(c.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).scalar())

    # --- workshops ---------------------------------------------------------------------

    def sync_workshop(self, workshop: Workshop) -> None:
        """Write a workshop definition into the store; keeps all state and responses.

        New activities start as drafts; initiatives and measurements of the file are
        added when missing (edits made in the store are not overwritten).
        """
        definition = dataclasses.replace(workshop, initiatives=(), measurements=())
        payload = json.dumps(records.to_plain(definition), sort_keys=True)
        now = _now()
        with self._write() as c:
            wid = c.execute(select(t.workshops.c.id).where(t.workshops.c.code == workshop.code)).scalar()
            if wid is None:
                wid = c.execute(
                    t.workshops.insert().values(
                        code=workshop.code, title=workshop.title, definition=payload, created_at=now
                    )
                ).inserted_primary_key[0]
            else:
                c.execute(t.workshops.update().where(t.workshops.c.id == wid).values(title=workshop.title, definition=payload))
            for pos, activity in enumerate(workshop.agenda):
                aid = c.execute(
                    select(t.activities.c.id).where(t.activities.c.workshop_id == wid, t.activities.c.key == activity.id)
                ).scalar()
                if aid is None:
                    aid = c.execute(
                        t.activities.insert().values(
                            workshop_id=wid, key=activity.id, position=pos, state=ActivityState.DRAFT.value, changed_at=now
                        )
                    ).inserted_primary_key[0]
                else:
                    c.execute(t.activities.update().where(t.activities.c.id == aid).values(position=pos))
                self._add_items(c, aid, workshop.items_of(activity), "file")
            have = set(c.execute(select(t.initiatives.c.key).where(t.initiatives.c.workshop_id == wid)).scalars())
            for ini in workshop.initiatives:
                if ini.id not in have:
                    c.execute(t.initiatives.insert().values(workshop_id=wid, **_initiative_row(ini, now)))
            self._insert_measurements(c, wid, workshop.measurements, replace=False)
        self._definitions.pop(workshop.code, None)
        self._touch_signal(f"sync {workshop.code}")

    def workshop(self, code: str) -> Workshop:
        """The workshop definition as stored (without register and measurements)."""
        return self._definition(code)[1]

    def workshop_codes(self) -> list[str]:
        with self._read() as c:
            return list(c.execute(select(t.workshops.c.code).order_by(t.workshops.c.id)).scalars())

    def _definition(self, code: str) -> tuple[int, Workshop]:
        if code not in self._definitions:
            with self._read() as c:
                row = c.execute(select(t.workshops.c.id, t.workshops.c.definition).where(t.workshops.c.code == code)).first()
            if row is None:
                raise NotFound(f"There is no workshop with code {code!r} in {self.shown}; check the code.")
            self._definitions[code] = (row.id, records.build(Workshop, json.loads(row.definition)))
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
        row = c.execute(_Q.activity.statement, where).first()
        if row is None:
            raise _not_synced(key)
        if (lock or exclusive) and not self.is_sqlite:
            fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
            c.execute(sa.text(f"SELECT {fn}(CAST(:ns AS integer), CAST(:id AS integer))"), {"ns": _ACTIVITY_LOCK, "id": row.id})
            row = c.execute(_Q.activity.statement, where).first()  # read again under the lock: the state may have changed
        return row

    def _activity_fast(self, cur: Cursor, code: str, key: str) -> tuple:
        """``_activity_row`` for reads on a prepared-statement cursor: (id, state, changed_at)."""
        wid, ws = self._definition(code)
        ws.activity(key)
        row = cur.first(_Q.activity, wid=wid, key=key)
        if row is None:
            raise _not_synced(key)
        return row

    def _items(self, cur: Cursor, aid: int, changed: datetime | None, need) -> tuple[dict[str, int], dict[int, str]]:
        """An activity's items {key: id} and {id: key}, read once per opening.

        Items change when an activity opens or is reset (which moves ``changed_at``) and
        when a restarted facilitator app syncs an edited file (which does not), so an
        item not in the cached list is looked up again before it is called unknown
        (``changed=None`` reads them again).
        """
        got = self._item_cache.get(aid)
        if got is None or got[0] != changed or not set(need) <= got[1].keys():
            items = dict(cur.all(_Q.items, aid=aid))
            got = self._item_cache[aid] = (changed, items, {iid: key for key, iid in items.items()})
        return got[1], got[2]

    @staticmethod
    def _add_items(c: Connection, aid: int, new: tuple[Item, ...] | list[Item], source: str) -> None:
        rows = c.execute(select(t.items.c.key, t.items.c.position).where(t.items.c.activity_id == aid)).all()
        have = {r.key for r in rows}
        pos = max((r.position for r in rows), default=-1)
        for item in new:
            if item.id not in have:
                pos += 1
                c.execute(t.items.insert().values(activity_id=aid, key=item.id, text=item.text, position=pos, source=source))
                have.add(item.id)

    # --- the facilitator's lifecycle -------------------------------------------------

    def open_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Open an activity for responses and show it to every participant."""
        return self._transition(code, key, "open", actor)

    def lock_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Stop responses; what was given is kept."""
        return self._transition(code, key, "lock", actor)

    def reveal_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Show the results to participants."""
        return self._transition(code, key, "reveal", actor)

    def reset_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Back to draft; deletes the activity's responses and ideas.

        What is deleted is kept aside until the activity is opened again:
        :meth:`restore_activity` undoes the reset until then.
        """
        return self._transition(code, key, "reset", actor)

    def answer_count(self, code: str, key: str) -> AnswerCount:
        """How many answers (responses and ideas) an activity holds, and from how many people."""
        with self._read() as c:
            aid = self._activity_row(c, code, key).id
            people: set[int] = set()
            counts = []
            for table in (t.responses, t.ideas):
                pids = c.execute(select(table.c.participant_id).where(table.c.activity_id == aid)).scalars().all()
                counts.append(len(pids))
                people.update(pids)
        return AnswerCount(counts[0], counts[1], len(people))

    def restorable(self, code: str, key: str) -> AnswerCount | None:
        """What a reset of this activity deleted and :meth:`restore_activity` would bring back."""
        with self._read() as c:
            aid = self._activity_row(c, code, key).id
            if not sa.inspect(c).has_table(t.trash.name):
                return None
            raw = c.execute(select(t.trash.c.data).where(t.trash.c.activity_id == aid)).scalar()
        return None if raw is None else _trash_count(json.loads(raw))

    def restore_activity(self, code: str, key: str, actor: str = "facilitator") -> ActivityStatus:
        """Undo the last reset of a draft activity: its answers and state come back."""
        wid, ws = self._definition(code)
        activity = ws.activity(key)
        with self._write() as c:
            row = self._activity_row(c, code, key, exclusive=True)
            kept = c.execute(select(t.trash).where(t.trash.c.activity_id == row.id)).first()
            if kept is None or ActivityState(row.state) is not ActivityState.DRAFT:
                msg = f"There is nothing to restore for “{activity.title}”: it was not reset, or it was opened since."
                raise TransitionError(msg)
            data = json.loads(kept.data)
            for table, rows in ((t.items, data["items"]), (t.ideas, data["ideas"]), (t.responses, data["responses"])):
                if rows:
                    c.execute(table.insert(), [_from_json(table, r) for r in rows])
            c.execute(t.trash.delete().where(t.trash.c.activity_id == row.id))
            now = _now()
            c.execute(t.activities.update().where(t.activities.c.id == row.id).values(state=kept.from_state, changed_at=now))
            self._log_event(c, wid, "restored", key, actor, _count_words(_trash_count(data)))
        self._item_cache.pop(row.id, None)
        self._touch_signal(f"restored {code} {key}")
        return self.status(code, key)

    def set_timer(self, code: str, key: str, end: datetime | None, actor: str = "facilitator") -> None:
        """Start (``end``: UTC, naive) or stop (None) the countdown participants see for an activity."""
        wid = self._wid(code)
        with self._write() as c:
            row = self._activity_row(c, code, key)
            # the change time moves, so every participant's poll (one cheap query) notices the timer
            c.execute(t.activities.update().where(t.activities.c.id == row.id).values(changed_at=_now()))
            self._log_event(c, wid, "timer", key, actor, end.isoformat(timespec="seconds") if end else "")
        self._touch_signal(f"timer {code} {key}")

    def timer(self, code: str, key: str) -> datetime | None:
        """When the countdown of an activity ends (UTC, naive), or None when none runs."""
        wid = self._wid(code)
        with self._read() as c:
            detail = c.execute(
                select(t.events.c.detail)
                .where(t.events.c.workshop_id == wid, t.events.c.activity_key == key, t.events.c.action == "timer")
                .order_by(t.events.c.id.desc()).limit(1)
            ).scalar()
        try:
            return datetime.fromisoformat(detail) if detail else None
        except ValueError:
            return None

    @staticmethod
    def _log_event(c: Connection, wid: int, action: str, activity: str | None, actor: str, detail: str = "",
                   at: datetime | None = None) -> None:
        """The one writer of audit rows (the actor column holds 60 characters)."""
        c.execute(t.events.insert().values(workshop_id=wid, activity_key=activity or None, action=action[:20],
                                           actor=str(actor)[:60], detail=detail, at=at or _now()))

    def _trash_answers(self, c: Connection, aid: int, state: ActivityState) -> str:
        """Move an activity's answers aside (a reset); returns the audit detail."""
        rows = {
            "items": c.execute(select(t.items).where(t.items.c.activity_id == aid, t.items.c.source != "file")).all(),
            "ideas": c.execute(select(t.ideas).where(t.ideas.c.activity_id == aid)).all(),
            "responses": c.execute(select(t.responses).where(t.responses.c.activity_id == aid)).all(),
        }
        data = {name: [_to_json(r) for r in found] for name, found in rows.items()}
        c.execute(t.trash.delete().where(t.trash.c.activity_id == aid))
        if data["ideas"] or data["responses"]:
            c.execute(t.trash.insert().values(activity_id=aid, from_state=state.value, data=json.dumps(data), at=_now()))
        c.execute(t.responses.delete().where(t.responses.c.activity_id == aid))
        c.execute(t.ideas.delete().where(t.ideas.c.activity_id == aid))
        c.execute(t.items.delete().where(t.items.c.activity_id == aid, t.items.c.source != "file"))
        return "deleted " + _count_words(_trash_count(data))

    def _transition(self, code: str, key: str, action: str, actor: str) -> ActivityStatus:
        sources, target = TRANSITIONS[action]
        wid, ws = self._definition(code)
        activity = ws.activity(key)
        with self._write() as c:
            row = self._activity_row(c, code, key, exclusive=True)
            state = ActivityState(row.state)
            if state not in sources:
                allowed = " or ".join(s.value for s in sources)
                msg = f"Cannot {action} “{activity.title}”: it is {state.value}, and only {allowed} activities can be {_past(action)}."
                raise TransitionError(msg)
            detail = ""
            if action == "open":
                self._materialise_items(c, code, row.id, activity)
                c.execute(t.trash.delete().where(t.trash.c.activity_id == row.id))  # a reset is final once reopened
            if action == "reset":
                detail = self._trash_answers(c, row.id, state)
            now = _now()
            c.execute(t.activities.update().where(t.activities.c.id == row.id).values(state=target.value, changed_at=now))
            if action in ("open", "reveal"):
                c.execute(t.workshops.update().where(t.workshops.c.id == wid).values(current_activity=key))
            self._log_event(c, wid, _past(action), key, actor, detail, at=now)  # the audit row's time is the change's
        self._touch_signal(f"{_past(action)} {code} {key}")
        return self.status(code, key)

    def _materialise_items(self, c: Connection, code: str, aid: int, activity) -> None:
        """Bring in items that come from participants or the register when an activity opens."""
        src = activity.items_from
        if not src:
            return
        wid, ws = self._definition(code)
        if src == "initiatives":
            rows = c.execute(
                select(t.initiatives.c.key, t.initiatives.c.title)
                .where(t.initiatives.c.workshop_id == wid, t.initiatives.c.state.in_(("new", "approved")))
                .order_by(t.initiatives.c.key)
            ).all()
            self._add_items(c, aid, [Item(r.key, r.title) for r in rows], "open")
            return
        if src not in {a.id for a in ws.agenda}:
            return
        source = self._activity_row(c, code, src)
        if ws.activity(src).kind is ActivityKind.IDEAS:
            rows = c.execute(
                select(t.ideas.c.id, t.ideas.c.text)
                .where(t.ideas.c.activity_id == source.id, t.ideas.c.merged_into.is_(None))
                .order_by(t.ideas.c.id)
            ).all()
            self._add_items(c, aid, [Item(f"idea-{r.id}", r.text) for r in rows], "open")
        else:
            rows = c.execute(select(t.items).where(t.items.c.activity_id == source.id).order_by(t.items.c.position)).all()
            self._add_items(c, aid, [Item(r.key, r.text) for r in rows], "open")

    def status(self, code: str, key: str) -> ActivityStatus:
        """An activity's state and current items."""
        _, ws = self._definition(code)
        with self._fast(write=False) as cur:
            aid, state, changed = self._activity_fast(cur, code, key)
            items = cur.all(_Q.item_texts, aid=aid)
        return ActivityStatus(ws.activity(key), ActivityState(state), tuple(Item(k, text) for k, text in items), changed)

    def states(self, code: str) -> dict[str, ActivityState]:
        """The state of every activity, in agenda order."""
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(select(t.activities.c.key, t.activities.c.state).where(t.activities.c.workshop_id == wid).order_by(t.activities.c.position)).all()
        return {r.key: ActivityState(r.state) for r in rows}

    def current_key(self, code: str) -> tuple[str | None, str | None, datetime | None]:
        """The activity shown to participants, its state and when it last changed (one cheap query)."""
        wid = self._wid(code)
        with self._fast(write=False) as cur:
            row = cur.first(_Q.current, wid=wid)
        return row if row else (None, None, None)

    def current(self, code: str) -> ActivityStatus | None:
        """The activity the facilitator last opened or revealed, if any."""
        key, _, _ = self.current_key(code)
        return self.status(code, key) if key else None

    def events(self, code: str) -> list[Event]:
        """The audit trail, oldest first."""
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(select(t.events).where(t.events.c.workshop_id == wid).order_by(t.events.c.id)).all()
        return [Event(r.at, r.action, r.activity_key or "", r.actor, r.detail) for r in rows]

    def log_event(self, code: str, action: str, activity: str = "", detail: str = "", actor: str = "facilitator") -> None:
        wid = self._wid(code)
        with self._write() as c:
            self._log_event(c, wid, action, activity, actor, detail)

    # --- participants --------------------------------------------------------------

    def join(self, code: str, name: str = "") -> Participant:
        """Add a participant; the returned token lets them rejoin after a reload."""
        wid = self._wid(code)
        name = rules.clean_name(name)
        token = secrets.token_urlsafe(12)
        with self._write() as c:
            pid = c.execute(t.participants.insert().values(workshop_id=wid, name=name, token=token, joined_at=_now())).inserted_primary_key[0]
        return Participant(pid, name, token)

    def rejoin(self, code: str, token: str) -> Participant:
        """The participant a rejoin token belongs to."""
        wid = self._wid(code)
        with self._read() as c:
            row = c.execute(select(t.participants).where(t.participants.c.token == str(token)[:64], t.participants.c.workshop_id == wid)).first()
        if row is None:
            raise NotFound("This rejoin link is not valid for this workshop; join again with your name.")
        return Participant(row.id, row.name, row.token)

    def participants(self, code: str) -> list[Participant]:
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(select(t.participants).where(t.participants.c.workshop_id == wid).order_by(t.participants.c.id)).all()
        return [Participant(r.id, r.name, r.token) for r in rows]

    def _participant(self, c: Connection, code: str, pid: int) -> None:
        if not isinstance(pid, bool) and isinstance(pid, int):
            if c.execute(_Q.participant.statement, {"pid": pid, "wid": self._wid(code)}).first() is not None:
                return
        raise InvalidResponse("You are not a participant of this workshop; join again.")

    # --- responses -----------------------------------------------------------------

    def respond(
        self,
        code: str,
        participant: int,
        activity: str,
        values: Mapping[str | tuple[str, str], int],
        comments: Mapping[str, str] | None = None,
        *,
        delta: bool = False,
    ) -> dict[tuple[str, str], int]:
        """Record a participant's values for some items of an open activity.

        ``values`` maps an item key, or ``(item key, criterion)``, to a value; it
        replaces the participant's earlier values for those items. A dot vote of 0
        removes the item's dots. Returns all of the participant's values after the change.
        With ``delta`` (dot votes only), ``values`` are changes (+1: one dot more, −1: one
        less) added to the stored values inside the transaction, so a click on a stale
        screen (a second tab) counts against what the store holds, not what the screen showed.

        Raises
        ------
        ResponseRefused
            Closed activity, unknown item, value out of range, over budget, unknown participant.
        """
        new = rules.normalise(values)
        notes = {k: rules.clean_comment(v) for k, v in (comments or {}).items()}
        _, ws = self._definition(code)
        definition = ws.activity(activity)
        wid = self._wid(code)
        known = not isinstance(participant, bool) and isinstance(participant, int)
        with self._fast(write=True) as cur:
            row = cur.first(_Q.voter, pid=participant, wid=wid, key=activity) if known else None
            if row is None:
                self._activity_fast(cur, code, activity)  # a missing activity says so
                raise InvalidResponse("You are not a participant of this workshop; join again.")
            if not self.is_sqlite:  # the activity's shared lock, as _activity_row(lock=True)
                cur.run(_Q.shared_lock, ns=_ACTIVITY_LOCK, id=row[0])
                row = cur.first(_Q.activity, wid=wid, key=activity)  # read again under the lock
            aid, state, changed = row
            rules.require_open(definition, ActivityState(state))
            items, keys = self._items(cur, aid, changed, need=notes.keys() | {k[0] for k in new})
            unknown = set(notes) - set(items)
            if unknown:
                raise InvalidResponse("That item is not part of this activity; reload the page.")
            existing, ids = {}, {}
            mine = cur.all(_Q.mine, aid=aid, pid=participant)
            if any(r[1] not in keys for r in mine):
                items, keys = self._items(cur, aid, None, need=())
            for rid, iid, criterion, value in mine:
                existing[keys[iid], criterion] = value
                ids[keys[iid], criterion] = rid
            if delta:
                new = _apply_delta(definition, existing, new)
            merged = rules.merge_responses(definition, definition.criteria(ws.objectives), list(items), existing, new)
            now = _now()
            for key in set(ids) - set(merged):
                cur.run(_Q.delete_response, rid=ids[key])
            for key, value in merged.items():
                noted = key[0] in notes
                if existing.get(key) == value and not noted:
                    continue
                if key not in ids:
                    cur.run(_Q.insert_response, aid=aid, pid=participant, iid=items[key[0]], criterion=key[1],
                            comment=notes.get(key[0], ""), value=value, now=now)
                elif noted:
                    cur.run(_Q.update_response_comment, rid=ids[key], value=value, now=now, comment=notes[key[0]])
                else:
                    cur.run(_Q.update_response, rid=ids[key], value=value, now=now)
        return merged

    def record_assessment(self, code: str, activity: str, assessor: str,
                          values: Mapping[tuple[str, str], int], actor: str = "facilitator") -> Participant:
        """Add an outside assessor's maturity levels to a maturity activity, whatever its state.

        The assessor joins as a participant of its own; values are range-checked like any response.
        """
        _, ws = self._definition(code)
        definition = ws.activity(activity)
        if definition.kind is not ActivityKind.MATURITY:
            raise InvalidResponse("Only maturity activities take outside assessments.")
        new = rules.normalise(values)
        wid = self._wid(code)
        name = rules.clean_name(assessor)
        with self._write() as c:
            row = self._activity_row(c, code, activity, lock=True)
            items = dict(c.execute(select(t.items.c.key, t.items.c.id).where(t.items.c.activity_id == row.id)).all())
            merged = rules.merge_responses(definition, definition.criteria(ws.objectives), list(items), {}, new)
            now = _now()
            pid = c.execute(t.participants.insert().values(workshop_id=wid, name=name, token=secrets.token_urlsafe(12), joined_at=now)).inserted_primary_key[0]
            for (item, criterion), value in merged.items():
                c.execute(t.responses.insert().values(activity_id=row.id, participant_id=pid, item_id=items[item], criterion=criterion, value=value, comment="", updated_at=now))
            self._log_event(c, wid, "imported", activity, actor, f"{len(merged)} levels from {name}")
        return Participant(pid, name, "")

    def my_responses(self, code: str, participant: int, activity: str) -> dict[tuple[str, str], tuple[int, str]]:
        """A participant's own values and comments, by (item, criterion)."""
        return {(r.item, r.criterion): (r.value, r.comment) for r in self.responses(code, activity, participant=participant)}

    def responses(self, code: str, activity: str, *, participant: int | None = None) -> list[Response]:
        """Every response to an activity (analysis reads these)."""
        with self._fast(write=False) as cur:
            aid = self._activity_fast(cur, code, activity)[0]
            if participant is None:
                rows = cur.all(_Q.answers, aid=aid)
            else:
                rows = cur.all(_Q.my_answers, aid=aid, pid=participant)
        return [Response(activity, *r) for r in rows]

    def participation(self, code: str, activity: str) -> tuple[int, int]:
        """(participants who answered this activity, participants who joined)."""
        wid = self._wid(code)
        with self._read() as c:
            row = self._activity_row(c, code, activity)
            table = t.ideas if self.workshop(code).activity(activity).kind is ActivityKind.IDEAS else t.responses
            answered = c.execute(select(func.count(sa.distinct(table.c.participant_id))).where(table.c.activity_id == row.id)).scalar()
            joined = c.execute(select(func.count()).select_from(t.participants).where(t.participants.c.workshop_id == wid)).scalar()
        return int(answered), int(joined)

    def progress(self, code: str, activity: str) -> tuple[int, int, int]:
        """(participants who answered every item and criterion, those who answered only some,
        participants who joined). Ideas and dot votes have no partial answers: one idea or one
        dot is an answer."""
        definition = self.workshop(code).activity(activity)
        answered, joined = self.participation(code, activity)
        if definition.kind in (ActivityKind.IDEAS, ActivityKind.DOT_VOTE):
            return answered, 0, joined
        status = self.status(code, activity)
        cells = len(status.items) * len(definition.criteria(self.workshop(code).objectives) or [""])
        with self._read() as c:
            aid = self._activity_row(c, code, activity).id
            counts = c.execute(select(func.count()).where(t.responses.c.activity_id == aid)
                               .group_by(t.responses.c.participant_id)).scalars().all()
        done = sum(n >= cells for n in counts)
        return done, len(counts) - done, joined

    # --- ideas ------------------------------------------------------------------------

    def add_idea(self, code: str, participant: int, activity: str, text: str) -> Idea:
        """Submit an idea to an open ideas activity."""
        text = rules.clean_idea(text)
        _, ws = self._definition(code)
        definition = ws.activity(activity)
        if definition.kind is not ActivityKind.IDEAS:
            raise InvalidResponse("This activity takes votes, not ideas.")
        with self._write() as c:
            self._participant(c, code, participant)
            row = self._activity_row(c, code, activity, lock=True)
            rules.require_open(definition, ActivityState(row.state))
            count = c.execute(select(func.count()).select_from(t.ideas).where(t.ideas.c.activity_id == row.id, t.ideas.c.participant_id == participant)).scalar()
            limit = definition.max_ideas or 5
            if count >= limit:
                raise InvalidResponse(f"You have sent {limit} ideas, the most this activity takes; edit one instead.")
            now = _now()
            iid = c.execute(t.ideas.insert().values(activity_id=row.id, participant_id=participant, text=text, created_at=now, updated_at=now)).inserted_primary_key[0]
        return Idea(iid, activity, participant, text)

    def edit_idea(self, code: str, participant: int, activity: str, idea: int, text: str | None) -> None:
        """Change (or, with ``text=None``, withdraw) one's own idea while the activity is open."""
        if text is not None:
            text = rules.clean_idea(text)
        definition = self.workshop(code).activity(activity)
        with self._write() as c:
            self._participant(c, code, participant)
            row = self._activity_row(c, code, activity, lock=True)
            rules.require_open(definition, ActivityState(row.state))
            where = sa.and_(t.ideas.c.id == idea, t.ideas.c.activity_id == row.id, t.ideas.c.participant_id == participant)
            if c.execute(select(t.ideas.c.id).where(where)).first() is None:
                raise InvalidResponse("That idea is not yours or no longer exists.")
            if text is None:
                c.execute(t.ideas.delete().where(where))
            else:
                c.execute(t.ideas.update().where(where).values(text=text, updated_at=_now()))

    def ideas(self, code: str, activity: str, *, participant: int | None = None) -> list[Idea]:
        """Ideas submitted to an activity, oldest first."""
        with self._read() as c:
            row = self._activity_row(c, code, activity)
            q = select(t.ideas).where(t.ideas.c.activity_id == row.id).order_by(t.ideas.c.id)
            if participant is not None:
                q = q.where(t.ideas.c.participant_id == participant)
            rows = c.execute(q).all()
        return [Idea(r.id, activity, r.participant_id, r.text, r.merged_into) for r in rows]

    def merge_ideas(self, code: str, activity: str, keep: int, duplicates: list[int], actor: str = "facilitator") -> None:
        """Mark ideas as duplicates of ``keep`` (they are kept, but not voted on)."""
        wid = self._wid(code)
        with self._write() as c:
            row = self._activity_row(c, code, activity)
            ids = set(c.execute(select(t.ideas.c.id).where(t.ideas.c.activity_id == row.id)).scalars())
            if keep not in ids or not set(duplicates) <= ids or keep in duplicates:
                raise NotFound("Those ideas are not all in this activity.")
            c.execute(t.ideas.update().where(t.ideas.c.id.in_(duplicates)).values(merged_into=keep))
            self._log_event(c, wid, "merged", activity, actor, f"{sorted(duplicates)} into {keep}")

    # --- the CSI register and KPI measurements --------------------------------------

    def initiatives(self, code: str) -> list[Initiative]:
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(select(t.initiatives.c.data).where(t.initiatives.c.workshop_id == wid).order_by(t.initiatives.c.key)).scalars().all()
        return [records.build(Initiative, json.loads(r)) for r in rows]

    def save_initiative(self, code: str, initiative: Initiative, actor: str = "facilitator") -> None:
        """Add or replace one row of the CSI register (validated by the model)."""
        wid, ws = self._definition(code)
        if initiative.kpi and initiative.kpi not in {k.id for k in ws.kpis}:
            raise NotFound(f"KPI {initiative.kpi!r} is not one of this workshop's KPIs.")
        now = _now()
        with self._write() as c:
            row = _initiative_row(initiative, now)
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
            return self._insert_measurements(c, wid, rows, replace=True)

    @staticmethod
    def _insert_measurements(c: Connection, wid: int, rows, *, replace: bool) -> int:
        now = _now()
        existing = {
            (r.kpi, r.day): r.id
            for r in c.execute(select(t.measurements.c.id, t.measurements.c.kpi, t.measurements.c.day).where(t.measurements.c.workshop_id == wid))
        }
        count = 0
        for m in rows:
            key = (m.kpi, m.date)
            if key in existing:
                if replace:
                    c.execute(t.measurements.update().where(t.measurements.c.id == existing[key]).values(value=m.value, source=m.source, recorded_at=now))
                    count += 1
                continue
            c.execute(t.measurements.insert().values(workshop_id=wid, kpi=m.kpi, day=m.date, value=m.value, source=m.source, recorded_at=now))
            existing[key] = -1
            count += 1
        return count

    def measurements(self, code: str) -> list[Measurement]:
        wid = self._wid(code)
        with self._read() as c:
            rows = c.execute(select(t.measurements).where(t.measurements.c.workshop_id == wid).order_by(t.measurements.c.kpi, t.measurements.c.day)).all()
        return [Measurement(r.kpi, r.day, r.value, r.source) for r in rows]

    def revision(self, code: str, activity: str) -> tuple:
        """A cheap fingerprint of an activity's state and answers: it changes when anything does."""
        wid = self._wid(code)
        with self._fast(write=False) as cur:
            aid, state, changed = self._activity_fast(cur, code, activity)
            r = cur.first(_Q.response_count, aid=aid)
            i = cur.first(_Q.idea_count, aid=aid)
            p = cur.first(_Q.joined, wid=wid)[0]
        return (state, changed, r, i, p)


def _apply_delta(activity, existing: Mapping[tuple[str, str], int], changes: Mapping[tuple[str, str], int]) -> dict:
    """Dot-vote changes (+1/−1) added to the stored values; the caller then checks budget and cap."""
    if activity.kind is not ActivityKind.DOT_VOTE:
        raise InvalidResponse("Only a dot vote takes one dot more or less; choose a value instead.")
    out = {}
    for key, change in changes.items():
        if isinstance(change, bool) or not isinstance(change, int):
            raise InvalidResponse("Add or take off whole dots.")
        value = existing.get(key, 0) + change
        if value < 0:
            raise InvalidResponse("There is no dot on that item to take off.")
        out[key] = value
    return out


def _initiative_row(ini: Initiative, now: datetime) -> dict:
    return {
        "key": ini.id,
        "title": ini.title,
        "state": ini.state.value,
        "owner": ini.owner,
        "kpi": ini.kpi,
        "priority": ini.priority,
        "data": json.dumps(records.to_plain(ini), sort_keys=True),
        "updated_at": now,
    }


@dataclasses.dataclass(frozen=True)
class AnswerCount:
    """Answers an activity holds (or a reset deleted): responses, ideas, and the people who gave them."""

    responses: int
    ideas: int
    people: int

    @property
    def total(self) -> int:
        return self.responses + self.ideas


def _trash_count(data: dict) -> AnswerCount:
    people = {r["participant_id"] for name in ("responses", "ideas") for r in data[name]}
    return AnswerCount(len(data["responses"]), len(data["ideas"]), len(people))


def _count_words(n: AnswerCount) -> str:
    parts = [f"{n.responses} answer{'s' * (n.responses != 1)}"] if n.responses or not n.ideas else []
    parts += [f"{n.ideas} idea{'s' * (n.ideas != 1)}"] if n.ideas else []
    return f"{' and '.join(parts)} from {n.people} {'person' if n.people == 1 else 'people'}"


def _to_json(row) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row._mapping.items()}


def _from_json(table: sa.Table, row: dict) -> dict:
    return {k: (datetime.fromisoformat(v) if isinstance(table.c[k].type, sa.DateTime) and v else v) for k, v in row.items()}


def _not_synced(key: str) -> NotFound:
    return NotFound(f"Activity {key!r} is not in the store yet; restart the facilitator app to sync the workshop.")


def _past(action: str) -> str:
    return {"open": "opened", "lock": "locked", "reveal": "revealed", "reset": "reset"}[action]


def _sqlite_connect(dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling is off: we issue BEGIN ourselves (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA foreign_keys=ON")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
    except Exception:  # noqa: BLE001 - a read-only store still reads; writing reports it
        pass
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("csikit_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
