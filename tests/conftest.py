"""Shared pytest fixtures for csikit."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pgserver  # tests/pgserver.py; tests/ is on sys.path (no __init__.py)
import pytest

# =============================================================================
# PostgreSQL (tests/pgserver.py)
#
#   pg_url     session: URL of a throwaway PostgreSQL server's `csikit_test`
#              database, or $CSIKIT_TEST_PG_URL when that is set.
#   store_url  per test, parametrised ["sqlite", "postgresql"]: a fresh, empty
#              store URL (a new SQLite file, or a new PostgreSQL database that
#              is dropped afterwards). The postgresql param is marked
#              `postgres`, so `-m "not postgres"` runs the SQLite half only.
#
# Without PostgreSQL's binaries these tests are skipped locally and fail in CI
# (CI=true), where `.ci/run` installs PostgreSQL.
# =============================================================================


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = pgserver.url_from_env()
    if url:
        yield url
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed: python3 -m pip install -e '.[test]'")
    try:
        server = pgserver.PgServer.start()
    except pgserver.PgUnavailable as e:
        _unavailable(str(e))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.sqlite"
        return
    from sqlalchemy.engine import make_url

    base = request.getfixturevalue("pg_url")
    name = f"t_{uuid.uuid4().hex}"
    pgserver.create_database(base, name)
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        pgserver.drop_database(base, name)


# =============================================================================
# end of PostgreSQL fixtures
# =============================================================================
