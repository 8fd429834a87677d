"""The hidden marker that makes a comment the bot's one comment for a key:
`<!-- boardwatch:KEY -->`. Written, found and stripped only here."""

from __future__ import annotations

import re

_MARKER = re.compile(r"<!--\s*boardwatch:([^>]*?)\s*-->")


def marker(key: str) -> str:
    return f"<!-- boardwatch:{key} -->"


def marker_key(body: str) -> str | None:
    """The key of the first marker in `body`; None when it has none."""
    found = _MARKER.search(body)
    return found.group(1).strip() or None if found else None


def without_markers(body: str) -> str:
    """`body` without its markers, for comparing what people see."""
    return _MARKER.sub("", body).strip()
