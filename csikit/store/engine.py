"""The store's two backends: where an SQLite store lives, its engine and pragmas, the
PostgreSQL pool, and driver errors turned into sentences that say what to do.

SQLite transactions that read then write start with ``BEGIN IMMEDIATE`` (a deferred
transaction fails under concurrent writers), so pysqlite's own transaction handling
is switched off and every ``BEGIN`` is issued here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ..errors import StoreError

#: The SQLite file of a workshop folder (git-ignored).
STORE_FILE = "csikit.sqlite"
#: How long a writer waits for another one's lock before it gives up, in seconds.
BUSY_TIMEOUT_S = 30


def default_store_url(workshop_dir: str | Path) -> str:
    """The SQLite file beside a workshop file (git-ignored)."""
    p = Path(workshop_dir)
    folder = p if p.is_dir() or p.suffix not in (".yaml", ".yml") else p.parent
    return f"sqlite:///{(folder / STORE_FILE).resolve()}"


def parse_url(url: str) -> URL:
    """The store URL, or a :class:`StoreError` that shows the two forms it may take."""
    try:
        return make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        msg = f"{url!r} is not a store URL; use sqlite:///path/file.sqlite or postgresql+psycopg://user@host/db"
        raise StoreError(msg) from None


def sqlite_file(url: URL, shown: str) -> Path | None:
    """The file of an SQLite store (its folder must exist), or None for PostgreSQL.

    Raises
    ------
    StoreError
        An in-memory SQLite store (kernels could not share it), or a missing folder.
    """
    if url.get_backend_name() != "sqlite":
        return None
    db = url.database or ""
    if db in ("", ":memory:"):
        raise StoreError("An SQLite store must be a file (kernels share it): sqlite:///path/file.sqlite")
    # a URI filename (sqlite:///file:path?mode=ro&uri=true) names its file after "file:"
    path = Path(db[len("file:") :] if db.startswith("file:") and url.query.get("uri") == "true" else db)
    folder = path.expanduser().resolve().parent
    if not folder.is_dir():
        msg = f"The folder {folder} for the store {shown} does not exist; create it or choose another --store."
        raise StoreError(msg)
    return folder / path.name


def create_engine(url: URL, shown: str) -> Engine:
    """An engine for an SQLite file (WAL, busy timeout, our own BEGIN) or a PostgreSQL server.

    Raises
    ------
    StoreError
        Any other backend, or an SQLite store :func:`sqlite_file` refuses.
    """
    backend = url.get_backend_name()
    if backend == "sqlite":
        sqlite_file(url, shown)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        try:
            return sa.create_engine(url, pool_size=1, max_overflow=4, pool_pre_ping=True)
        except (ModuleNotFoundError, sa.exc.NoSuchModuleError):  # the driver is an extra: say so, not nine frames
            msg = (
                f"{shown}: PostgreSQL stores need the driver {url.get_driver_name()!r}, which is not installed; "
                "install csikit's PostgreSQL extra: pip install 'csikit[postgres]' "
                "(in a checkout: pip install -e '.[postgres]')."
            )
            raise StoreError(msg) from None
    raise StoreError(f"{shown}: csikit stores live in SQLite or PostgreSQL, not {backend}.")


@contextmanager
def translated(shown: str) -> Iterator[None]:
    """Driver errors inside become a :class:`StoreError` whose message says what to do."""
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.DatabaseError, sa.exc.InterfaceError) as exc:
        raise StoreError(explain(exc, shown)) from None


def explain(exc: Exception, shown: str) -> str:
    """One sentence on a driver error: what went wrong with the store ``shown`` and what to do."""
    said = str(getattr(exc, "orig", exc))
    text = said.lower()
    first = (said.strip().splitlines() or [""])[0]
    where = f"The store {shown}"
    if "locked" in text or "busy" in text:
        return f"{where} stayed locked by another program for {BUSY_TIMEOUT_S} s; close it and try again."
    if "readonly" in text or "read-only" in text:
        return f"{where} is read-only; make the file and its folder writable, or choose another --store."
    if "unable to open" in text:
        return f"{where} cannot be opened; check that its folder exists and is writable."
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"{where} is damaged or is not a csikit store; restore a backup or choose another --store."
    if "connection" in text or "could not" in text or "refused" in text:
        return f"{where} cannot be reached: {first}"
    return f"{where} failed: {first}"


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
