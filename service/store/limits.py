"""What a column can hold, read from the schema, checked before an insert.

A value the database cannot store (too long for its column, a NUL character, text that is not
Unicode, a number out of range) is the sender's mistake: intake answers 400 with the reason
instead of letting PostgreSQL or SQLite fail the insert with a 500. The same rules hold on both
databases, although SQLite would store an over-long string.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def _bits(column: Column[object]) -> int | None:
    for kind, bits in _RANGES:  # BigInteger and SmallInteger are Integers: test them first
        if isinstance(column.type, kind):
            return bits
    return None


def _number(value: int) -> str:
    digits = len(str(abs(value)))
    return str(value) if digits <= _SHOWN_DIGITS else f"a number of {digits} digits"


def problem(column: Column[object], value: object) -> str | None:
    """Why `value` cannot be stored in `column`, or None when it can."""
    if value is None:
        return None if column.nullable else "is missing"
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character (\\u0000), which the database cannot store"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode (it holds an unpaired surrogate such as \\ud800)"
        length = column.type.length if isinstance(column.type, String) else None
        if length is not None and len(value) > length:
            return f"is {len(value)} characters long; at most {length} fit"
    if isinstance(value, int) and not isinstance(value, bool):
        bits = _bits(column)
        if bits is not None and not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return (
                f"is {_number(value)}, outside the range the database holds "
                f"({-(2 ** (bits - 1))} to {2 ** (bits - 1) - 1})"
            )
    return None


def check_fits(table: Table, values: Mapping[str, object]) -> None:
    """Raise `Unstorable` for the first of `values` that its column in `table` cannot hold."""
    for name, value in values.items():
        found = problem(table.c[name], value)
        if found is not None:
            raise Unstorable(name, found)
