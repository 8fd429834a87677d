"""Metric values in the store, on SQLite and PostgreSQL: a command's value replaced where it
was given, the CSV's values replaced as a whole (and not rewritten when unchanged)."""

from __future__ import annotations

from datetime import date

from service.store import Store
from service.store.metrics import MetricValue, load_values, record_command, replace_csv

DAY = date(2026, 11, 17)


def given(value: float, origin: str, *, day: date = DAY, source="command", line=None):
    return MetricValue(
        metric="emails", day=day, value=value, source=source, origin=origin, line=line, actor="bob"
    )


def test_a_value_given_again_in_the_same_comment_replaces_it(store: Store) -> None:
    engine = store.engine
    record_command(engine, "acme/tracker", given(3, "https://x/1#issuecomment-1"))
    record_command(engine, "acme/tracker", given(4, "https://x/1#issuecomment-2"))
    record_command(engine, "Acme/Tracker", given(5, "https://x/1#issuecomment-1"))
    values = load_values(engine, "acme/tracker")
    assert sorted((v.origin[-1], v.value) for v in values) == [("1", 5.0), ("2", 4.0)]
    assert all(v.recorded_at is not None and v.recorded_at.tzinfo for v in values)
    assert load_values(engine, "acme/tracker", since=date(2026, 11, 18)) == []


def test_the_csv_values_are_replaced_as_a_whole(store: Store) -> None:
    engine = store.engine
    record_command(engine, "acme/tracker", given(1, "https://x/1#issuecomment-1"))
    first = [given(7, "f@a", source="csv", line=2), given(8, "f@a", source="csv", line=3)]
    assert replace_csv(engine, "acme/tracker", first) is True
    # the same rows read again (before a digest, under another sha): nothing written
    again = [v.model_copy(update={"origin": "f@b"}) for v in first]
    assert replace_csv(engine, "acme/tracker", again) is False
    assert {v.origin for v in load_values(engine, "acme/tracker") if v.source == "csv"} == {"f@a"}
    assert replace_csv(engine, "acme/tracker", [given(9, "f@c", source="csv", line=2)]) is True
    assert sorted((v.source, v.value) for v in load_values(engine, "acme/tracker")) == [
        ("command", 1.0),
        ("csv", 9.0),
    ]
