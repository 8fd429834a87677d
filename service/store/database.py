"""Opening the database: engine options per dialect, and migrations at start."""

from __future__ import annotations

import logging
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from service.store.sql import READ_ONLY

log = logging.getLogger(__name__)

# Any 64-bit number, the same in every replica: PostgreSQL holds this advisory lock while
# one process migrates, so replicas starting together do not race to create tables.
_MIGRATION_LOCK = 0x626F617264  # "board"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`: SQLite in WAL mode with immediate write transactions, or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **kwargs,
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and cannot take the write lock up
    # front; take over (the SQLAlchemy-documented recipe) so that a claim is one atomic
    # BEGIN IMMEDIATE ... COMMIT and two processes never interleave it.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Reads (`sql.reading`) take no write lock: a snapshot of the WAL is all they need.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision (safe with several replicas)."""
    config = Config()
    config.set_main_option("script_location", "service.store:migrations")
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("database schema is up to date", extra={"database": engine.url.render_as_string()})
