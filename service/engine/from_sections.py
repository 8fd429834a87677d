"""Form answers into board fields and labels: read a body section by the field's type (pure).

GitHub writes each answer of an issue form under `### <label>`, and `_No response_` for an
answer left empty. The actions `fill_field_from_section` and `add_label_from_section` read
those answers here:

    fill = fill_field(spec, snapshot, ruleset.board)   # Fill(value=date(2026, 12, 1))
    pick = pick_label(spec, snapshot, ruleset)         # Pick(label="type: blog")

Each returns what to write (None: nothing to do) or, when the answer cannot be read as what
the field or label needs, a `Missing` the rule reports instead of writing anything. A field
that has a value, or an issue that has a label with the prefix, is left alone: a person's
later change wins over the form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from service.domain.models import BoardField, FieldOption, FieldValue
from service.durations import parse_hours
from service.engine.body import sections
from service.engine.conditions import Missing
from service.engine.model import (
    Actions,
    BoardNames,
    FieldFromSection,
    LabelFromSection,
    Ruleset,
)
from service.engine.native import type_labels
from service.engine.snapshot import Snapshot

# What GitHub writes into an issue-form section the author left empty (case-folded).
NO_RESPONSE = "_no response_"
# The longest answer written into a text field; a longer one is a problem, not cut short.
MAX_TEXT = 1024
# Answers are quoted in comments at most this long, and only the start of one is read.
SHOWN = 40
READ = 200


@dataclass(frozen=True)
class Fill:
    """The value for the board field, or why there is none; both None: nothing to do."""

    value: FieldValue | None = None
    problem: Missing | None = None


@dataclass(frozen=True)
class Pick:
    """The label to add, or why there is none; both None: nothing to do."""

    label: str | None = None
    problem: Missing | None = None


def answer(body: str, section: str) -> str | None:
    """The text under the section's heading; None when absent, blank or `_No response_`."""
    text = sections(body).get(section.strip().casefold())
    if text is None:
        return None
    text = text.strip()
    return None if not text or text.casefold() == NO_RESPONSE else text


def shown(text: str) -> str:
    """`text` safe to quote in a comment's code span: one line, no backticks, short."""
    line = " ".join(text[:READ].split()).replace("`", "'")
    return line if len(line) <= SHOWN else line[: SHOWN - 1] + "…"


def _strict_date(text: str) -> date | None:
    """A date written exactly `YYYY-MM-DD` (not `20261201`, `2026-W48-1` or `2026-12-1`)."""
    digits = text[:4] + text[5:7] + text[8:]
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not digits.isascii():
        return None
    if not digits.isdigit():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # e.g. 2026-02-30
        return None


def _number(text: str) -> float | None:
    """A plain decimal number (`3`, `2.5`, `-1`); not `nan`, `inf`, `1_000` or other digits."""
    if len(text) > SHOWN or not text.isascii() or "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def board_field(name: str, snapshot: Snapshot, board: BoardNames) -> BoardField | None:
    """The board's field `name`; without the board's fields, what the ruleset says it is.

    The worker passes the board's fields. Without them (previews, reports) the ruleset's
    names tell: the target field is a date, the estimate a number, Status a single-select
    of `status_options`; any other field is read as text.
    """
    wanted = name.strip().casefold()
    if snapshot.board_fields:
        return next((f for f in snapshot.board_fields if f.name.casefold() == wanted), None)
    if wanted == board.target_field.casefold():
        return BoardField(id="", name=name, data_type="DATE")
    if wanted == board.estimate_field.casefold():
        return BoardField(id="", name=name, data_type="NUMBER")
    if wanted == board.status_field.casefold():
        options = tuple(FieldOption(id="", name=o) for o in board.status_options)
        return BoardField(id="", name=name, data_type="SINGLE_SELECT", options=options)
    return BoardField(id="", name=name, data_type="TEXT")


def _read(text: str, target: BoardField, board: BoardNames) -> tuple[FieldValue | None, str]:
    """The answer as the field's value, or None and what was expected instead."""
    if target.data_type == "DATE":
        return _strict_date(text), "a date written YYYY-MM-DD, e.g. 2026-12-01"
    if target.data_type == "NUMBER":
        if target.name.casefold() == board.estimate_field.casefold():
            hours = parse_hours(text) if len(text) <= SHOWN else None
            return hours, "a duration such as 30m, 3h or 2d (a day is 8h)"
        return _number(text), "a number"
    if target.data_type == "SINGLE_SELECT":
        names = ", ".join(o.name for o in target.options)
        if not target.options:  # a Status with no known options: the board decides
            return " ".join(text.split()), "an option"
        option = target.option(text)
        return (option.name if option else None), f"one of: {names}"
    if target.data_type == "TEXT":
        line = " ".join(text.split())
        return (line if len(line) <= MAX_TEXT else None), f"text of at most {MAX_TEXT} characters"
    return None, ""


def fill_field(spec: FieldFromSection, snapshot: Snapshot, board: BoardNames) -> Fill:
    """What `fill_field_from_section` writes into the field, if anything."""
    if snapshot.field(spec.field) is not None:
        return Fill()
    text = answer(snapshot.issue.body, spec.section)
    if text is None:
        return Fill()
    target = board_field(spec.field, snapshot, board)
    if target is None:
        return Fill(
            problem=Missing(
                text=f"a board field `{spec.field}` for the **{spec.section}** answer",
                fix=f"add `{spec.field}` to the board (`boardwatch init` creates the fields "
                "the ruleset names), or correct the rule",
            )
        )
    value, expected = _read(text, target, board)
    if value is not None:
        return Fill(value=value)
    if not expected:
        return Fill(
            problem=Missing(
                text=f"a `{target.name}` field boardwatch can fill (it is "
                f"{target.data_type.lower()})",
                fix="boardwatch fills date, number, single-select and text fields: "
                "point the rule at one of those",
            )
        )
    return Fill(
        problem=Missing(
            text=f"a **{spec.section}** boardwatch can read: `{shown(text)}` is not {expected}",
            fix=f"edit the **{spec.section}** answer in the description, "
            f"or set `{target.name}` on the board",
        )
    )


def pick_label(spec: LabelFromSection, snapshot: Snapshot, ruleset: Ruleset) -> Pick:
    """What `add_label_from_section` adds, if anything: a declared label, in its spelling."""
    prefix = spec.prefix.casefold()
    # An issue typed with GitHub's issue types has its type: no label is added beside it.
    if any(label.casefold().startswith(prefix) for label in type_labels(snapshot.issue)):
        return Pick()
    text = answer(snapshot.issue.body, spec.section)
    if text is None:
        return Pick()
    declared = [
        name
        for name in {**ruleset.labels, **ruleset.owned_labels}
        if name.casefold().startswith(prefix)
    ]
    said = " ".join(text[:READ].split()).casefold()
    # A dropdown option may be the bare type (`blog`) or the whole label (`type: blog`).
    wanted = {said, prefix + said}
    found = next((name for name in declared if name.casefold() in wanted), None)
    if found is not None:
        return Pick(label=found)
    options = ", ".join(name[len(spec.prefix) :] for name in declared)
    return Pick(
        problem=Missing(
            text=f"a **{spec.section}** boardwatch can read: `{shown(text)}` "
            f"is not one of: {options}",
            fix=f"edit the **{spec.section}** answer in the description, "
            f"or add the `{spec.prefix}…` label that fits",
        )
    )


def problems(actions: Actions, snapshot: Snapshot, ruleset: Ruleset) -> tuple[Missing, ...]:
    """Answers these actions would copy but cannot read: the rule reports them as missing."""
    found: list[Missing] = []
    if actions.fill_field_from_section is not None:
        fill = fill_field(actions.fill_field_from_section, snapshot, ruleset.board)
        if fill.problem is not None:
            found.append(fill.problem)
    if actions.add_label_from_section is not None:
        pick = pick_label(actions.add_label_from_section, snapshot, ruleset)
        if pick.problem is not None:
            found.append(pick.problem)
    return tuple(found)
