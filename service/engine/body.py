"""Read what people wrote in an issue body: sections, `Key: value` lines, task lists, estimate."""

from __future__ import annotations

import re

from service.durations import parse_hours

_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_TASK_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[( |x|X)\]")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
# What GitHub writes into an issue-form section the author left empty.
_NO_RESPONSE = "_no response_"


def _lines_outside_code(body: str) -> list[tuple[str, bool]]:
    """Each line with whether it is inside a fenced code block (headings there don't count)."""
    out: list[tuple[str, bool]] = []
    fenced = False
    for line in body.splitlines():
        if _FENCE_RE.match(line):
            fenced = not fenced
            out.append((line, True))
            continue
        out.append((line, fenced))
    return out


def sections(body: str) -> dict[str, str]:
    """Heading (case-folded) -> its text, up to the next heading of the same or a higher level."""
    lines = _lines_outside_code(body)
    headings = [
        (index, len(m.group(1)), m.group(2).strip())
        for index, (line, fenced) in enumerate(lines)
        if not fenced and (m := _HEADING_RE.match(line))
    ]
    found: dict[str, str] = {}
    for position, (index, level, title) in enumerate(headings):
        end = next(
            (i for i, lvl, _ in headings[position + 1 :] if lvl <= level),
            len(lines),
        )
        text = "\n".join(line for line, _ in lines[index + 1 : end]).strip()
        found.setdefault(title.casefold(), text)
    return found


def section_filled(body: str, name: str) -> bool:
    """The section exists and has text other than issue forms' `_No response_`."""
    text = sections(body).get(name.strip().casefold())
    return bool(text) and text.strip().casefold() != _NO_RESPONSE


def line_value(body: str, key: str) -> str | None:
    """The value of a `Key: value` line (case-insensitive key, `**Key:**` allowed), or None."""
    pattern = re.compile(
        r"^\s*(?:[-*]\s+)?\**" + re.escape(key.strip()) + r"\**\s*:\**\s*(.*?)\s*$",
        re.IGNORECASE,
    )
    for line, fenced in _lines_outside_code(body):
        if not fenced and (m := pattern.match(line)) and m.group(1):
            return m.group(1)
    return None


def tasks(body: str) -> tuple[int, int]:
    """(done, open) counts of task-list items outside code blocks."""
    done = still_open = 0
    for line, fenced in _lines_outside_code(body):
        if not fenced and (m := _TASK_RE.match(line)):
            if m.group(1) == " ":
                still_open += 1
            else:
                done += 1
    return done, still_open


def body_estimate(body: str, key: str = "Estimate") -> float | None:
    """Hours from an `Estimate: 3h` line, else from an issue-form `### Estimate` section."""
    value = line_value(body, key)
    if value is not None and (hours := parse_hours(value)) is not None:
        return hours
    text = sections(body).get(key.casefold(), "")
    first = text.strip().splitlines()[0] if text.strip() else ""
    return parse_hours(first) if first else None
