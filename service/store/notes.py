"""Facts about an issue that GitHub does not keep (e.g. the reason given by `/blocked`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select

from service.domain.models import Issue
from service.store.schema import NOTE_KEY_LENGTH, issue_notes
from service.store.sql import Bind, execute, fetch, insert, utc

# The reason given with `/blocked`; the blocked-reason rule and the digest read it.
BLOCKED_REASON = "blocked_reason"
# The sentence given with `/highlight`; the digest of the period it was given in shows it.
HIGHLIGHT = "highlight"
# When a person last acted on the issue (ISO time), written by the pipeline from people's
# events only: the bot's own labels, fields and comments never move it.
ACTIVITY = "last_human_activity"
KEY_LENGTH = NOTE_KEY_LENGTH


def human_activity(recorded: Mapping[str, str], issue: Issue) -> datetime | None:
    """When a person last acted on the issue, from its notes: what rules and reports both use.

    Before the first recorded event, GitHub's `updated_at` is the best bound there is; it may
    include the bot's own changes, so a rule about inactivity errs on the side of not nagging.
    """
    activity = recorded.get(ACTIVITY)
    return datetime.fromisoformat(activity) if activity else issue.updated_at


def get_notes(bind: Bind, repo: str, number: int) -> dict[str, str]:
    """Every note of the issue, {key: value}; {} when it has none."""
    query = select(issue_notes.c.key, issue_notes.c.value).where(
        issue_notes.c.repo == repo, issue_notes.c.number == number
    )
    return {row.key: row.value for row in fetch(bind, query)}


def set_note(
    bind: Bind, repo: str, number: int, key: str, value: str, actor: str | None = None
) -> None:
    """Write note `key` of the issue, replacing an earlier value; `actor` is who gave it."""
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"note key {key!r}: use 1 to {KEY_LENGTH} characters")
    values = {"value": value, "actor": actor, "updated_at": datetime.now(UTC)}
    statement = (
        insert(bind, issue_notes)
        .values(repo=repo, number=number, key=key, **values)
        .on_conflict_do_update(index_elements=["repo", "number", "key"], set_=values)
    )
    execute(bind, statement)


def delete_note(bind: Bind, repo: str, number: int, key: str) -> None:
    """Forget note `key` of the issue (nothing happens when there is none)."""
    execute(
        bind,
        delete(issue_notes).where(
            issue_notes.c.repo == repo, issue_notes.c.number == number, issue_notes.c.key == key
        ),
    )


@dataclass(frozen=True)
class Note:
    """One note with who wrote it and when (last written)."""

    value: str
    actor: str | None
    at: datetime


def dated_notes(bind: Bind, key: str) -> dict[tuple[str, int], Note]:
    """Every issue's note `key` with its writer and time, as {(repo, number): Note}."""
    query = select(
        issue_notes.c.repo,
        issue_notes.c.number,
        issue_notes.c.value,
        issue_notes.c.actor,
        issue_notes.c.updated_at,
    ).where(issue_notes.c.key == key)
    return {
        (row.repo, row.number): Note(row.value, row.actor, utc(row.updated_at))
        for row in fetch(bind, query)
    }


def notes_by_issue(
    bind: Bind, *, without: Collection[str] = ()
) -> dict[tuple[str, int], dict[str, str]]:
    """Every issue's notes but the keys `without`, as {(repo, number): {key: value}}."""
    query = select(issue_notes.c.repo, issue_notes.c.number, issue_notes.c.key, issue_notes.c.value)
    if without:
        query = query.where(issue_notes.c.key.not_in(list(without)))
    found: dict[tuple[str, int], dict[str, str]] = {}
    for row in fetch(bind, query):
        found.setdefault((row.repo, row.number), {})[row.key] = row.value
    return found
