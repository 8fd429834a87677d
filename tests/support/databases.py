"""Fixture `store`: a fresh, migrated store on SQLite and on PostgreSQL (127.0.0.1:5432/test).

Each PostgreSQL test gets its own schema, dropped afterwards, so tests never see each
other's rows. Outside CI a missing PostgreSQL server skips those tests with the reason;
in CI (CI=true) it fails them, since `.ci/run` starts the server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from service.store import Store

PG_ROOT = os.environ.get("BOARDWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ROOT, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {PG_ROOT} is not reachable: {type(exc).__name__}"
    return None


def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped afterwards."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ROOT)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_ROOT}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/boardwatch.db"
    else:
        yield from pg_schema_url()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path}/boardwatch.db")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL schema for tests that run their own processes against it."""
    yield from pg_schema_url()
