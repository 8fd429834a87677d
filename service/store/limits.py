"""What a column can hold, read from the schema, checked before an insert.

A value the database cannot store (too long for its column, a NUL character, text that is not
Unicode, a number out of range) is the sender's mistake: intake answers 400 with the reason
instead of letting PostgreSQL or SQLite fail the insert with a 500. The same rules hold on both
databases, although SQLite would store an over-long string.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Integer, SmallInteger, String, Table

# Signed ranges of the integer column types (PostgreSQL's; SQLite's INTEGER is 64-bit).
_RANGES: tuple[tuple[type, int], ...] = ((SmallInteger, 16), (BigInteger, 64), (Integer, 32))
_SHOWN_DIGITS = 30  # a longer number is described by its length, not written out


class Unstorable(ValueError):
    """`field` holds a value its column cannot store; `reason` says why, for the sender."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class _Limit:
    """What one column holds, read once from the schema (intake checks every delivery)."""

    nullable: bool
    length: int | None  # characters, for a String with a length
    bits: int | None  # signed width, for an integer


@functools.cache
def _limit(column: Column[object]) -> _Limit:
    bits = next((bits for kind, bits in _RANGES if isinstance(column.type, kind)), None)
    length = column.type.length if isinstance(column.type, String) else None
    return _Limit(nullable=bool(column.nullable), length=length, bits=bits)


@functools.cache
def _limits(table: Table) -> dict[str, _Limit]:
    return {column.name: _limit(column) for column in table.columns}


def _number(value: int) -> str:
    digits = len(str(abs(value)))
    return str(value) if digits <= _SHOWN_DIGITS else f"a number of {digits} digits"


def _problem(limit: _Limit, value: object) -> str | None:
    if value is None:
        return None if limit.nullable else "is missing"
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character (\\u0000), which the database cannot store"
        # Only text outside ASCII can hold an unpaired surrogate; the test is a fast scan.
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "is not valid Unicode (it holds an unpaired surrogate such as \\ud800)"
        if limit.length is not None and len(value) > limit.length:
            return f"is {len(value)} characters long; at most {limit.length} fit"
    if isinstance(value, int) and not isinstance(value, bool) and limit.bits is not None:
        bits = limit.bits
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return (
                f"is {_number(value)}, outside the range the database holds "
                f"({-(2 ** (bits - 1))} to {2 ** (bits - 1) - 1})"
            )
    return None


def problem(column: Column[object], value: object) -> str | None:
    """Why `value` cannot be stored in `column`, or None when it can."""
    return _problem(_limit(column), value)


def check_fits(table: Table, values: Mapping[str, object]) -> None:
    """Raise `Unstorable` for the first of `values` that its column in `table` cannot hold."""
    limits = _limits(table)
    for name, value in values.items():
        found = _problem(limits[name], value)
        if found is not None:
            raise Unstorable(name, found)
