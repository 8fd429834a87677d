"""Rule files: every error with its exact file:line:col and field; overrides; last good rules."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engine import RulesError, RulesetHolder, load_override, load_rules, load_text
from service.engine.loader import MAX_ERROR_CHARS, render_errors
from tests.engine.hostile import HOSTILE, Hostile
from tests.engine.support import default_rules

HEAD = "version: 1\nowned_labels:\n  needs-triage: {color: fbca04}\nrules:\n"


def _errors(tmp_path: Path, text: str, name: str = "default.yml") -> list[str]:
    (tmp_path / name).write_text(text)
    result = load_rules(tmp_path)
    assert result.ruleset is None
    return [str(e).replace(str(tmp_path) + "/", "") for e in result.errors]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            "  - name: a\n    description: a\n    require:\n"
            "      labels:\n        count_prefix: 3\n",
            "default.yml:9:9: rules[0].require.labels.count_prefix: expected a mapping",
        ),
        (
            "  - name: a\n    description: a\n    require: {status: {emtpy: true}}\n",
            "default.yml:7:24: rules[0].require.status.emtpy: unknown key `emtpy`; "
            "did you mean `empty`? expected one of: is, one_of, none_of, empty",
        ),
        (
            "  - name: a\n    description: a\n    when: {state: opne}\n    require: {}\n",
            "default.yml:7:12: rules[0].when.state: expected 'open' or 'closed', not 'opne'",
        ),
        (
            "  - name: a\n    require: {}\n",
            "default.yml:5:5: rules[0].description: required, but missing",
        ),
        (
            "  - name: Triage Rule\n    description: a\n    require: {}\n",
            "default.yml:5:5: rules[0].name: 'Triage Rule': "
            "use lower-case letters, digits, `-` and `_`",
        ),
        (
            "  - name: a\n    description: a\n    require: {fields: {Due: {lt: [1]}}}\n",
            "default.yml:7:30: rules[0].require.fields.Due.lt: "
            "expected a number or a date (YYYY-MM-DD) or text",
        ),
        (
            "  - name: a\n    description: a\n    require: {}\n"
            "    while_failing: {archive_item: true, unarchive_item: true}\n",
            "default.yml:8:5: rules[0].while_failing: "
            "archive_item and unarchive_item contradict each other: keep one",
        ),
        (
            "  - name: a\n    description: a\n    require: {}\n    grace_minutes: -5\n",
            "default.yml:8:5: rules[0].grace_minutes: must be at least 0",
        ),
        (
            "  - name: a\n    description: a\n    require: {}\n"
            "  - name: a\n    description: b\n    require: {}\n",
            "default.yml:8:5: rules[1].name: a rule named 'a' exists",
        ),
        (
            "  - name: a\n    description: a\n    require: {}\n"
            "    while_failing: {remove_labels: [needs-triage, urgent]}\n",
            "default.yml:8:51: rules[0].while_failing.remove_labels[1]: "
            "the bot only removes labels it owns; add 'urgent' to owned_labels",
        ),
        (
            "  - name: a\n    description: a\n    require: {}\n    comment: {body: '{{ oops '}\n",
            "default.yml:8:15: rules[0].comment.body: template error on its line 1: "
            "unexpected end of template, expected 'end of print statement'.",
        ),
        (
            "  - name: a\n    description: [a\n",
            "default.yml:7:1: invalid YAML: a `[` list that is never closed with `]` "
            "(it began on line 6)",
        ),
    ],
)
def test_error_names_file_line_column_and_field(tmp_path: Path, rules: str, expected: str) -> None:
    assert _errors(tmp_path, HEAD + rules) == [expected]


@pytest.mark.parametrize("case", HOSTILE, ids=[h.name for h in HOSTILE])
def test_hostile_files_are_refused_with_a_readable_error(case: Hostile) -> None:
    result = load_text(case.text, "boardwatch.yml")
    assert result.ruleset is None
    [error] = result.errors
    assert str(error).startswith("boardwatch.yml" + case.error)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            "  - name: a\n    description: a\n    require: {}\n"
            "    while_failing: {add_labels: [needs-triag]}\n",
            "default.yml:8:34: rules[0].while_failing.add_labels[0]: label 'needs-triag' is "
            "neither in owned_labels nor in labels; did you mean 'needs-triage'? "
            "declare it in one of them",
        ),
        (
            "  - name: a\n    description: a\n    require: {}\n"
            "    once_holding: {add_labels: [shiny]}\n",
            "default.yml:8:33: rules[0].once_holding.add_labels[0]: label 'shiny' is "
            "neither in owned_labels nor in labels; declare it in one of them",
        ),
    ],
)
def test_added_labels_must_be_owned_or_declared(tmp_path: Path, rules: str, expected: str) -> None:
    assert _errors(tmp_path, HEAD + rules) == [expected]


def test_declared_labels_may_be_added_in_any_case(tmp_path: Path) -> None:
    text = (
        'version: 1\nlabels: {"type: Blog": {color: "0e8a16"}}\nrules:\n'
        "  - name: a\n    description: a\n    require: {}\n"
        '    while_failing: {add_labels: ["type: blog"]}\n'
    )
    assert load_text(text).ok


def test_yaml_12_reads_a_colour_as_a_number(tmp_path: Path) -> None:
    text = "version: 1\nlabels:\n  video: {color: 5319e7}\n"
    assert _errors(tmp_path, text) == [
        "default.yml:3:11: labels.video.color: "
        "expected text; YAML reads this value as a number: put it in quotes"
    ]


def test_error_text_is_cut_and_counts_what_was_left_out() -> None:
    text = "version: 1\n" + "".join(f"k: {n}\n" for n in range(2000))
    result = load_text(text, "boardwatch.yml")
    assert len(result.errors) == 1999
    shown = render_errors(result.errors)
    assert len(shown) <= MAX_ERROR_CHARS + 40
    assert shown.startswith("boardwatch.yml:3:1: duplicate key `k` (first on line 2)")
    assert shown.endswith("more errors")


def test_a_long_value_is_shortened_in_its_error(tmp_path: Path) -> None:
    [error] = _errors(
        tmp_path,
        "version: 1\nrules:\n  - {name: a, description: a, "
        "require: {}, when: {state: " + "x" * 5000 + "}}\n",
    )
    assert len(error) < 200 and "…" in error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="[]{}:-&*!|>'\"\n\t #%@`,?ab0.e", max_size=400))
def test_any_text_gives_rules_or_errors_never_an_exception(text: str) -> None:
    result = load_text("version: 1\n" + text)
    assert result.ok or result.errors
    assert all(len(str(e)) < 1_000 for e in result.errors)


def test_every_error_is_reported(tmp_path: Path) -> None:
    text = HEAD + (
        "  - name: a\n    description: a\n    require: {state: shut}\n"
        "  - name: b\n    require: {assignees: 1}\n"
    )
    assert _errors(tmp_path, text) == [
        "default.yml:7:15: rules[0].require.state: expected 'open' or 'closed', not 'shut'",
        "default.yml:8:5: rules[1].description: required, but missing",
        "default.yml:9:15: rules[1].require.assignees: expected a mapping",
    ]


def test_unknown_status_option(tmp_path: Path) -> None:
    text = (
        "version: 1\nboard: {status_options: [Todo, Done]}\nrules:\n"
        "  - name: a\n    description: a\n    require: {any: [{status: {is: Doing}}]}\n"
    )
    assert _errors(tmp_path, text) == [
        "default.yml:6:31: rules[0].require.any[0].status.is: "
        "Status has no option 'Doing'; options: Todo, Done"
    ]


def test_wrong_version_and_not_a_mapping(tmp_path: Path) -> None:
    assert _errors(tmp_path, "version: 2\n") == ["default.yml:1:1: version: expected 1, not 2"]
    assert _errors(tmp_path, "- just a list\n") == [
        "default.yml:1:1: expected a mapping with `version: 1` and `rules:`"
    ]


def test_duplicate_names_across_files(tmp_path: Path) -> None:
    rule = "  - {name: a, description: a, require: {}}\n"
    (tmp_path / "one.yml").write_text("version: 1\nrules:\n" + rule)
    assert _errors(tmp_path, "version: 1\nrules:\n" + rule, "two.yml") == [
        "two.yml:3:6: rules[0].name: a rule named 'a' is already in one.yml"
    ]


def test_missing_folder() -> None:
    [error] = load_rules("/nonexistent/rules").errors
    assert str(error) == "/nonexistent/rules: no such file or folder"


def test_default_rules_are_valid() -> None:
    result = load_rules("rules")
    assert result.ok, result.errors
    assert result.ruleset is not None and len(result.ruleset.rules) == 14
    assert set(result.ruleset.owned_labels) == {
        "needs-triage",
        "needs-estimate",
        "incomplete",
        "needs-info",
        "stale",
    }
    assert {n for n in result.ruleset.labels if n.startswith("type: ")} == {
        f"type: {t}" for t in ("blog", "social", "video", "event", "email", "web")
    }


# -- repository overrides -----------------------------------------------------------------


def test_override_replaces_adds_and_disables() -> None:
    base = default_rules()
    text = """version: 1
owned_labels:
  stale: {color: "000000", description: quiet}
rules:
  - name: stale
    description: Two weeks, not one.
    when: {state: open, status: {is: In Progress}}
    require: {active_within: {days: 14}}
    while_failing: {add_labels: [stale]}
  - name: has-owner
    description: Everything has an owner.
    require: {assignees: {ge: 1}}
disable: [social-post]
"""
    merged = load_override(base, text).unwrap()
    names = [r.name for r in merged.rules]
    assert "social-post" not in names
    assert names[names.index("tracked-task") + 1] == "stale"  # replaced in place
    assert names[-1] == "has-owner"
    stale = merged.rule("stale")
    assert stale is not None and stale.require.active_within is not None
    assert stale.require.active_within.days == 14
    assert merged.owned_labels["stale"].color == "000000"
    assert merged.owned_labels["needs-triage"] == base.owned_labels["needs-triage"]
    assert merged.board == base.board  # not given: the defaults' board stays


def test_override_errors_name_the_repository_file() -> None:
    result = load_override(default_rules(), "version: 1\ndisable: [nope]\n")
    [error] = result.errors
    assert str(error).startswith(
        ".github/boardwatch.yml:2:11: disable[0]: no rule named 'nope' to disable; rules: on-board"
    )


def test_override_may_only_remove_owned_labels() -> None:
    text = (
        "version: 1\nrules:\n  - name: x\n    description: x\n    require: {}\n"
        "    once_holding: {remove_labels: [bug]}\n"
    )
    [error] = load_override(default_rules(), text).errors
    assert str(error) == (
        ".github/boardwatch.yml:6:36: rules[0].once_holding.remove_labels[0]: "
        "the bot only removes labels it owns; add 'bug' to owned_labels"
    )


# -- the last good rules ------------------------------------------------------------------

GOOD = "version: 1\nrules:\n  - {name: a, description: a, require: {}}\n"


def test_holder_refuses_to_start_with_invalid_rules(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text("version: 1\nrules: 3\n")
    with pytest.raises(RulesError, match=r"r\.yml:2:1: rules: expected a list"):
        RulesetHolder.load(tmp_path)


def test_holder_keeps_last_good_rules_and_logs_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "r.yml").write_text(GOOD)
    holder = RulesetHolder.load(tmp_path)
    (tmp_path / "r.yml").write_text(GOOD.replace("require: {}", "require: {state: x}"))
    with caplog.at_level(logging.ERROR):
        errors = holder.reload()
    assert [e.path for e in errors] == ["rules[0].require.state"]
    assert [r.name for r in holder.ruleset.rules] == ["a"]
    assert "INVALID RULES" in caplog.text and "r.yml:3:" in caplog.text
    (tmp_path / "r.yml").write_text(GOOD.replace("name: a", "name: b"))
    assert holder.reload() == []
    assert [r.name for r in holder.ruleset.rules] == ["b"]


def test_holder_per_repository_rules(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "r.yml").write_text(GOOD)
    holder = RulesetHolder.load(tmp_path)
    assert holder.for_repository("o/r", None) is holder.ruleset
    extra = "version: 1\nrules:\n  - {name: z, description: z, require: {}}\n"
    assert [r.name for r in holder.for_repository("o/r", extra).rules] == ["a", "z"]
    with caplog.at_level(logging.ERROR):
        kept = holder.for_repository("o/r", "version: 1\nrules: nope\n")
    assert [r.name for r in kept.rules] == ["a", "z"]  # that repository's last good rules
    assert "o/r:.github/boardwatch.yml:2:1: rules: expected a list" in caplog.text


def test_the_holder_watches_the_rule_files(tmp_path, caplog) -> None:
    import shutil
    import threading
    import time

    from service.engine.holder import RulesetHolder

    folder = tmp_path / "rules"
    shutil.copytree("rules", folder, ignore=shutil.ignore_patterns("issue-forms"))
    holder = RulesetHolder.load(folder)
    stop = threading.Event()
    watcher = threading.Thread(target=holder.watch, args=(stop, 0.05), daemon=True)
    watcher.start()
    try:
        text = (folder / "default.yml").read_text()
        (folder / "default.yml").write_text(text.replace("name: stale", "name: idle"))
        deadline = time.monotonic() + 5
        while holder.ruleset.rule("idle") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert holder.ruleset.rule("idle") is not None
        (folder / "default.yml").write_text("version: 1\nrules: [oops\n")
        time.sleep(0.5)
        assert holder.ruleset.rule("idle") is not None  # the last good rules stay
        assert "INVALID RULES" in caplog.text
    finally:
        stop.set()
        watcher.join(2)
