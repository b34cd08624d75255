"""The PostgreSQL test fixtures themselves: a server starts and takes SQL through SQLAlchemy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.postgres, pytest.mark.server]


def test_select_one_through_sqlalchemy_psycopg(pg_url):
    url = sa.engine.make_url(pg_url)
    assert url.drivername == "postgresql+psycopg"
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
            assert conn.execute(sa.text("select current_database()")).scalar_one() == url.database
    finally:
        engine.dispose()


def test_store_url_is_fresh_and_writable(store_url):
    engine = sa.create_engine(store_url)
    try:
        with engine.begin() as conn:
            assert sa.inspect(conn).get_table_names() == []
            conn.execute(sa.text("create table t (x integer)"))
            conn.execute(sa.text("insert into t values (1), (2)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("select sum(x) from t")).scalar_one() == 3
    finally:
        engine.dispose()
