"""`/metric` arguments and CSV cells: plain finite numbers and YYYY-MM-DD days only (table)."""

from __future__ import annotations

from datetime import date

import pytest

from service.commands.metric_input import NotAValue, read_day, read_value
from service.commands.parser import ParseError, RecordMetric, parse_commands


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),
        (" 1234.5 ", 1234.5),
        ("-3", -3.0),
        ("0.000001", 0.000001),
        ("999999999999999", 999999999999999.0),
        ("1e3", "is not a plain number"),
        ("nan", "is not a plain number"),
        ("inf", "is not a plain number"),
        ("1,234", "is not a plain number"),
        ("12.", "is not a plain number"),
        (".5", "is not a plain number"),
        ("1_000", "is not a plain number"),
        ("١٢", "is not a plain number"),  # Arabic-Indic digits are digits, but not ours
        ("12 EUR", "is not a plain number"),
        ("1" * 16, "has too many digits"),
        ("0.1234567", "has too many digits"),
    ],
)
def test_read_value(text: str, expected: float | str) -> None:
    if isinstance(expected, float):
        assert read_value(text) == expected
    else:
        with pytest.raises(NotAValue, match=expected):
            read_value(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2028-02-29", date(2028, 2, 29)),
        ("2026-02-30", "is not a day of the calendar"),
        ("20261120", "is not a date YYYY-MM-DD"),
        ("2026-W47-1", "is not a date YYYY-MM-DD"),
        ("2026-1-5", "is not a date YYYY-MM-DD"),
        ("", "is not a date YYYY-MM-DD"),
    ],
)
def test_read_day(text: str, expected: date | str) -> None:
    if isinstance(expected, date):
        assert read_day(text) == expected
    else:
        with pytest.raises(NotAValue, match=expected):
            read_day(text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/metric emails 12", ("emails", 12.0, None)),
        ("/metric MQLs 4.5 2026-11-20", ("mqls", 4.5, date(2026, 11, 20))),
        ("/metric emails", "give a metric, a value and optionally a date"),
        ("/metric emails 1 2 3", "give a metric, a value and optionally a date"),
        ("/metric emails twelve", "`twelve` is not a plain number"),
        ("/metric emails 12 tomorrow", "`tomorrow` is not a date YYYY-MM-DD"),
    ],
)
def test_parse_metric(line: str, expected: tuple | str) -> None:
    [command] = parse_commands(line, "alice")
    if isinstance(expected, tuple):
        assert isinstance(command, RecordMetric)
        assert (command.metric, command.value, command.day) == expected
    else:
        assert isinstance(command, ParseError) and command.command == "metric"
        assert expected in command.message
        assert "Write `/metric emails 12 [2026-11-20]`" in command.message
