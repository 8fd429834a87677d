"""Facts about an issue that GitHub does not keep (e.g. the reason given by `/blocked`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from service.store.schema import issue_notes

Bind = Engine | Connection

# The reason given with `/blocked`; the blocked-reason rule and the digest read it.
BLOCKED_REASON = "blocked_reason"
KEY_LENGTH = issue_notes.c.key.type.length or 64


def _run(bind: Bind, statement):
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return conn.execute(statement)
    return bind.execute(statement)


def get_notes(bind: Bind, repo: str, number: int) -> dict[str, str]:
    """Every note of the issue, {key: value}; {} when it has none."""
    query = select(issue_notes.c.key, issue_notes.c.value).where(
        issue_notes.c.repo == repo, issue_notes.c.number == number
    )
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return dict(conn.execute(query).all())
    return dict(bind.execute(query).all())


def set_note(
    bind: Bind, repo: str, number: int, key: str, value: str, actor: str | None = None
) -> None:
    """Write note `key` of the issue, replacing an earlier value; `actor` is who gave it."""
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"note key {key!r}: use 1 to {KEY_LENGTH} characters")
    dialect = bind.dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(issue_notes)
    values = {"value": value, "actor": actor, "updated_at": datetime.now(UTC)}
    statement = insert.values(repo=repo, number=number, key=key, **values).on_conflict_do_update(
        index_elements=["repo", "number", "key"], set_=values
    )
    _run(bind, statement)


def delete_note(bind: Bind, repo: str, number: int, key: str) -> None:
    """Forget note `key` of the issue (nothing happens when there is none)."""
    _run(
        bind,
        delete(issue_notes).where(
            issue_notes.c.repo == repo, issue_notes.c.number == number, issue_notes.c.key == key
        ),
    )


def notes_with_key(bind: Bind, key: str) -> dict[tuple[str, int], dict[str, str]]:
    """Every issue's note `key`, as {(repo, number): {key: value}} (for reports)."""
    query = select(issue_notes.c.repo, issue_notes.c.number, issue_notes.c.value).where(
        issue_notes.c.key == key
    )
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            rows = conn.execute(query).all()
    else:
        rows = bind.execute(query).all()
    return {(repo, number): {key: value} for repo, number, value in rows}
