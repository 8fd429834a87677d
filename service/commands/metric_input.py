"""Reading a metric value and its day as a person writes them (`/metric` and the CSV): pure.

Numbers are plain decimals (`12`, `-3`, `1234.5`): no exponents, `inf`, `nan`, thousands
separators or units, so what is stored is what was meant, and always finite.
"""

from __future__ import annotations

from datetime import date

MAX_WHOLE_DIGITS = 15
MAX_FRACTION_DIGITS = 6
NUMBER_FORM = "a plain number such as 12 or 1234.5"
DAY_FORM = "a date YYYY-MM-DD"


class NotAValue(ValueError):
    """Why a text is not a metric value or a day, in words."""


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def read_value(text: str) -> float:
    """The number `text` writes; NotAValue otherwise."""
    body = text.strip()
    whole, dot, fraction = body.removeprefix("-").partition(".")
    if not _digits(whole) or (dot and not _digits(fraction)):
        raise NotAValue(f"`{text[:40]}` is not {NUMBER_FORM}")
    if len(whole) > MAX_WHOLE_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
        raise NotAValue(
            f"`{text[:40]}` has too many digits (at most {MAX_WHOLE_DIGITS} before the point "
            f"and {MAX_FRACTION_DIGITS} after)"
        )
    return float(body)


def read_day(text: str) -> date:
    """The day `text` writes as YYYY-MM-DD (only that form); NotAValue otherwise."""
    parts = text.strip().split("-")
    if [len(p) for p in parts] != [4, 2, 2] or not all(_digits(p) for p in parts):
        raise NotAValue(f"`{text[:40]}` is not {DAY_FORM}")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise NotAValue(f"`{text[:40]}` is not a day of the calendar") from None
