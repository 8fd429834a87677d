"""`board: ORG/NUMBER`, `timezone` and `schedules` in a repository's `.github/boardwatch.yml`."""

from __future__ import annotations

import pytest

from service.engine import RulesetHolder, load_override
from service.engine.loader import board_settings

DEFAULTS = RulesetHolder.load("rules").ruleset


def test_board_alone_names_the_board_and_keeps_the_field_names() -> None:
    merged = load_override(DEFAULTS, "version: 1\nboard: acme/7\n").unwrap()
    assert merged.board.project == "acme/7"
    assert merged.board.status_options == DEFAULTS.board.status_options


def test_the_board_settings_of_a_tracker_file() -> None:
    text = (
        "version: 1\nboard: {project: acme/7, status_field: Status}\n"
        'timezone: Europe/Berlin\nschedules: {digest: "0 9 * * 5"}\n'
        "targets: [{name: Pages, label: 'type: web', at_least: 2, per: week}]\n"
    )
    found = board_settings(text)
    assert found is not None
    assert (found.project, found.timezone) == ("acme/7", "Europe/Berlin")
    assert (found.schedules.digest, found.schedules.monthly) == ("0 9 * * 5", None)
    assert found.targets is not None and [t.name for t in found.targets] == ["Pages"]
    assert board_settings("version: 1\n") is None
    assert board_settings("version: 1\nboard: nope\n") is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "version: 1\nboard: acme\n",
            ".github/boardwatch.yml:2:1: board.project: 'acme': expected ORG/NUMBER from the "
            "board's URL, e.g. acme/7",
        ),
        (
            "version: 1\nboard: acme/7\ntimezone: Mars/Olympus\n",
            ".github/boardwatch.yml:3:1: timezone: unknown time zone 'Mars/Olympus': use an IANA "
            "name such as Europe/Berlin or UTC",
        ),
        (
            "version: 1\nboard: acme/7\nschedules: {digest: every monday}\n",
            ".github/boardwatch.yml:3:13: schedules.digest: 'every monday' is not a cron schedule "
            "(e.g. `0 8 * * 1`, Monday 08:00)",
        ),
        (
            "version: 1\ntimezone: UTC\n",
            ".github/boardwatch.yml:1:1: timezone, schedules and targets belong to a board: "
            "add `board: ORG/NUMBER` to this file",
        ),
        (
            "version: 1\nboard: acme/7\nschedules: {weekly: '0 8 * * 1'}\n",
            ".github/boardwatch.yml:3:13: schedules.weekly: unknown key `weekly`; expected one "
            "of: digest, monthly, reconcile",
        ),
    ],
)
def test_bad_board_settings_are_errors_with_file_and_line(text: str, error: str) -> None:
    result = load_override(DEFAULTS, text)
    assert [str(e) for e in result.errors] == [error]
