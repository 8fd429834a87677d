"""Highlights: what the team wants said at the meeting, from `/highlight` or a label (pure).

`/highlight <sentence>` on an issue records the sentence (a later one replaces it); the
digest of the period it was written in shows it, with who wrote it. An issue with the
highlight label (`reports.highlight_label`) shows its title instead, in the digest of the
period it was finished in, or, while it is open, of the period it was last updated in (the
label itself updates it). So each highlight is read out once, at the next meeting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from service.reports.periods import Period
from service.reports.rows import Entry, Row
from service.store.notes import Note


class Highlight(BaseModel):
    row: Row
    sentence: str
    by: str | None = None  # who wrote `/highlight`; None when the label put it in
    at: datetime


def _labelled_at(entry: Entry, label: str) -> datetime | None:
    wanted = label.casefold()
    if not any(name.casefold() == wanted for name in entry.issue.labels):
        return None
    if entry.finished is not None:
        return entry.finished
    return entry.issue.updated_at if entry.issue.state == "open" else None


def build_highlights(
    entries: Sequence[Entry], *, notes: Mapping[tuple[str, int], Note], label: str, period: Period
) -> list[Highlight]:
    """The highlights of `period`, oldest first; a sentence wins over the label's title."""
    found: list[Highlight] = []
    for entry in entries:
        note = notes.get(entry.key)
        if note is not None and period.contains(note.at):
            found.append(Highlight(row=entry.row(), sentence=note.value, by=note.actor, at=note.at))
            continue
        at = _labelled_at(entry, label)
        if at is not None and period.contains(at):
            found.append(Highlight(row=entry.row(), sentence=entry.issue.title, at=at))
    return sorted(found, key=lambda h: (h.at, h.row.number))
