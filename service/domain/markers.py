"""The hidden marker that makes a comment the bot's one comment for a key:
`<!-- boardwatch:KEY -->`. Written, found and stripped only here.

Comments are people's text: markers are found with plain string searches, linear in the
comment's length (a regex with adjacent quantifiers took 1.3 s on 8,000 spaces).
"""

from __future__ import annotations

from collections.abc import Iterator

_OPEN, _CLOSE, _NAME = "<!--", "-->", "boardwatch:"


def marker(key: str) -> str:
    return f"<!-- boardwatch:{key} -->"


def _markers(body: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, key) of each marker, in order."""
    position, close = 0, -1
    while (start := body.find(_OPEN, position)) >= 0:
        inside = start + len(_OPEN)
        if close < inside:  # the first `-->` after this opening; reused while still ahead
            close = body.find(_CLOSE, inside)
            if close < 0:
                return
        text = body[inside:close].strip()
        key = text[len(_NAME) :] if text.startswith(_NAME) else None
        if key is not None and ">" not in key:
            yield start, close + len(_CLOSE), key.strip()
            position = close + len(_CLOSE)
        else:
            position = inside


def marker_key(body: str) -> str | None:
    """The key of the first marker in `body`; None when it has none."""
    first = next(_markers(body), None)
    return (first[2] or None) if first is not None else None


def without_markers(body: str) -> str:
    """`body` without its markers, for comparing what people see."""
    kept, position = [], 0
    for start, end, _ in _markers(body):
        kept.append(body[position:start])
        position = end
    kept.append(body[position:])
    return "".join(kept).strip()
