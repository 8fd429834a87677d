"""The migrations create exactly the schema the code describes, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.store import Store
from service.store.database import migrate
from service.store.schema import metadata


def test_migrations_match_the_schema_and_run_twice(store: Store) -> None:
    migrate(store.engine)  # a second start (another replica) changes nothing
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
