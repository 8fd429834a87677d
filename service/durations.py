"""Parse work estimates: `30m`, `3h`, `1.5h`, `2d` (a day is 8 h); a bare number is hours."""

from __future__ import annotations

import re

HOURS_PER_DAY = 8.0
_UNIT_HOURS = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "hr": 1.0, "d": HOURS_PER_DAY}
_DURATION_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(m|min|h|hr|d)?\s*$", re.IGNORECASE)


def parse_hours(text: str) -> float | None:
    """Hours in `text`, or None when it is not a duration. `2d` is 16 h; `1,5h` is 1.5 h."""
    match = _DURATION_RE.match(text)
    if match is None:
        return None
    amount = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "h").lower()
    return round(amount * _UNIT_HOURS[unit], 4)


def format_hours(hours: float) -> str:
    """`3h`, `1.5h`, `30m`: how boardwatch writes an estimate back to people."""
    if hours < 1:
        return f"{round(hours * 60)}m"
    return f"{hours:g}h"
