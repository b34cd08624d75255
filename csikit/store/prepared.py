"""Statements of the store's hot paths, compiled once and run on the driver's cursor.

Part of :mod:`csikit.store` (the only package that talks SQL). A vote is a handful of
tiny statements; through SQLAlchemy's execution layer each costs 50–70 µs of Python
against 5–10 µs in SQLite itself, and the connection checkout and transaction
events as much again, so a validated vote cost ~0.6 ms, all of it inside the write
lock every other voter waits for (benchmarks/store_throughput.py). Here SQLAlchemy
still writes the SQL for the dialect in use (one schema, one statement for SQLite
and PostgreSQL) and converts values with the column types; only the execution goes
straight to the DBAPI cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.sql import ClauseElement


class Prepared:
    """One statement, compiled once per dialect, with its bind and result converters."""

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self._by_dialect: dict[str, tuple[str, tuple[str, ...] | None, dict, list]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict, list]:
        got = self._by_dialect.get(dialect.name)
        if got is None:
            comp = self.statement.compile(dialect=dialect)
            order = tuple(comp.positiontup) if comp.positional else None
            binds = {}
            for name, bind in comp.binds.items():
                proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    binds[name] = proc
            results = []
            for col in getattr(self.statement, "selected_columns", ()):
                results.append(col.type.dialect_impl(dialect).result_processor(dialect, None))
            got = self._by_dialect[dialect.name] = (comp.string, order, binds, results)
        return got


class Cursor:
    """Runs :class:`Prepared` statements inside one transaction of one DBAPI connection."""

    def __init__(self, dbapi_connection: Any, dialect: Dialect):
        self._cur = dbapi_connection.cursor()
        self._dialect = dialect

    def _execute(self, q: Prepared, params: Mapping[str, Any]):
        sql, order, binds, results = q.compiled(self._dialect)
        if binds:
            params = {k: (binds[k](v) if k in binds else v) for k, v in params.items()}
        self._cur.execute(sql, tuple(params[n] for n in order) if order is not None else params)
        return results

    def run(self, q: Prepared, **params: Any) -> None:
        self._execute(q, params)

    def all(self, q: Prepared, **params: Any) -> list[tuple]:
        results = self._execute(q, params)
        rows = self._cur.fetchall()
        if any(results):
            rows = [tuple(p(v) if p else v for p, v in zip(results, row, strict=True)) for row in rows]
        return rows

    def first(self, q: Prepared, **params: Any) -> tuple | None:
        rows = self.all(q, **params)
        return rows[0] if rows else None

    def close(self) -> None:
        self._cur.close()


@contextmanager
def transaction(engine: Engine, *, write: bool, explain: Callable[[Exception], Exception]) -> Iterator[Cursor]:
    """One transaction on a pooled connection; SQLite writes start with ``BEGIN IMMEDIATE``.

    Driver errors are turned into ``explain(error)``; a csikit error raised inside
    rolls the transaction back and passes through.
    """
    dbapi = engine.dialect.loaded_dbapi
    begin = ("BEGIN IMMEDIATE" if write else "BEGIN") if engine.dialect.name == "sqlite" else None
    try:
        conn = engine.raw_connection()
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy wraps the driver's error
        raise explain(exc) from None
    try:
        cur = Cursor(conn.driver_connection, engine.dialect)
        try:
            if begin:
                cur._cur.execute(begin)
            yield cur
            conn.driver_connection.commit()
        except BaseException:
            try:
                conn.driver_connection.rollback()
            except dbapi.Error:
                pass
            raise
        finally:
            cur.close()
    except dbapi.Error as exc:
        raise explain(exc) from None
    finally:
        conn.close()
