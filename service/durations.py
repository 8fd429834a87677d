"""Parse work estimates: `30m`, `3h`, `1.5h`, `2d` (a day is 8 h); a bare number is hours."""

from __future__ import annotations

import math
from dataclasses import dataclass

HOURS_PER_DAY = 8.0
# An estimate is more than nothing and at most 1,000 hours (125 working days): a bigger
# one is a typo or an attack (`/estimate` with 400 digits was an infinity that no board
# field takes), and work that big is several issues anyway.
MAX_HOURS = 1000.0
# Digits before the decimal mark: 10,000,000 minutes is already far past MAX_HOURS, so a
# longer number is refused before it is converted at all (a body line can be 65,536 digits).
_MAX_DIGITS = 7
_UNIT_HOURS = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "hr": 1.0, "d": HOURS_PER_DAY}
RANGE = f"an estimate is more than 0 and at most {MAX_HOURS:g}h"


@dataclass(frozen=True)
class NotADuration:
    """Why a text is no estimate, to follow it in a message: "`3 weeks` is not a duration"."""

    reason: str


def read_hours(text: str) -> float | NotADuration:
    """Hours in `text` within (0, MAX_HOURS], or why not. `2d` is 16 h; `1,5h` is 1.5 h."""
    written = text.strip()
    unit_at = len(written)
    while unit_at > 0 and written[unit_at - 1].isascii() and written[unit_at - 1].isalpha():
        unit_at -= 1
    unit = written[unit_at:].lower() or "h"
    whole, mark, fraction = written[:unit_at].rstrip().replace(",", ".").partition(".")
    if unit not in _UNIT_HOURS or not _decimal(whole) or (mark and not _decimal(fraction)):
        return NotADuration("is not a duration")
    if len(whole.lstrip("0")) > _MAX_DIGITS:
        return NotADuration(f"is not a duration: {RANGE}")
    # Decimals past the tenth cannot change an estimate rounded to 4 decimals of an hour.
    hours = round(float(f"{whole}.{fraction[:10] or 0}") * _UNIT_HOURS[unit], 4)
    if not math.isfinite(hours) or not 0 < hours <= MAX_HOURS:
        return NotADuration(f"is not a duration: {RANGE}")
    return hours


def _decimal(digits: str) -> bool:
    return digits.isascii() and digits.isdecimal()


def parse_hours(text: str) -> float | None:
    """Hours in `text` within (0, MAX_HOURS], or None when it is no such duration."""
    hours = read_hours(text)
    return None if isinstance(hours, NotADuration) else hours


def format_hours(hours: float) -> str:
    """`3h`, `1.5h`, `30m`: how boardwatch writes an estimate back to people."""
    if hours < 1:
        return f"{round(hours * 60)}m"
    return f"{hours:g}h"
