"""Issue notes in the store (the `/blocked` reason), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from service.store import Store, notes

REPO = "acme/tracker"


def test_a_note_is_written_replaced_and_deleted(store: Store) -> None:
    engine = store.engine
    assert notes.get_notes(engine, REPO, 7) == {}
    notes.set_note(engine, REPO, 7, "blocked_reason", "legal review", "alice")
    notes.set_note(engine, REPO, 7, "blocked_reason", "the printer", "bob")
    notes.set_note(engine, REPO, 8, "blocked_reason", "budget", "bob")
    assert notes.get_notes(engine, REPO, 7) == {"blocked_reason": "the printer"}
    notes.set_note(engine, REPO, 8, "bot_comments", "{}")
    assert notes.notes_by_issue(engine, without=["bot_comments"]) == {
        (REPO, 7): {"blocked_reason": "the printer"},
        (REPO, 8): {"blocked_reason": "budget"},
    }
    assert notes.notes_by_issue(engine)[(REPO, 8)] == {
        "blocked_reason": "budget",
        "bot_comments": "{}",
    }
    notes.delete_note(engine, REPO, 7, "blocked_reason")
    notes.delete_note(engine, REPO, 7, "blocked_reason")  # twice: nothing to do, no error
    assert notes.get_notes(engine, REPO, 7) == {}
    assert notes.get_notes(engine, REPO, 8) == {"blocked_reason": "budget", "bot_comments": "{}"}


def test_notes_take_part_in_a_callers_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        notes.set_note(conn, REPO, 1, "blocked_reason", "legal", "alice")
        assert notes.get_notes(conn, REPO, 1) == {"blocked_reason": "legal"}
        raise RuntimeError("rolled back")
    assert notes.get_notes(store.engine, REPO, 1) == {}


@pytest.mark.parametrize("key", ["", "k" * 65])
def test_a_key_that_does_not_fit_is_refused(sqlite_store: Store, key: str) -> None:
    with pytest.raises(ValueError, match="use 1 to 64 characters"):
        notes.set_note(sqlite_store.engine, REPO, 1, key, "x")
