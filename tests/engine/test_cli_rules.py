"""`boardwatch rules check`: every error with its place and exit 1, or a short OK."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from service.cli.main import app

runner = CliRunner()


def test_check_default_rules() -> None:
    result = runner.invoke(app, ["rules", "check", "rules"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 14 rules from 1 file(s) (on-board, triage,")


def test_check_prints_every_error_and_fails(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "version: 1\nrules:\n  - name: a\n    description: a\n    require: {state: shut}\n"
    )
    (tmp_path / "b.yml").write_text("version: 3\n")
    result = runner.invoke(app, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{tmp_path}/a.yml:5:15: rules[0].require.state: expected 'open' or 'closed', not 'shut'",
        f"{tmp_path}/b.yml:1:1: version: expected 1, not 3",
    ]
    assert "2 errors" in result.stderr


def test_check_one_file(tmp_path: Path) -> None:
    path = tmp_path / "boardwatch.yml"
    path.write_text("version: 1\nrules: []\n")
    result = runner.invoke(app, ["rules", "check", str(path)])
    assert result.exit_code == 0 and result.output.startswith("OK: 0 rules")


def test_check_repository_file_over_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "boardwatch.yml"
    path.write_text("version: 1\ndisable: [stale, nope]\n")
    result = runner.invoke(app, ["rules", "check", str(path), "--over", "rules"])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:2:18: disable[1]: no rule named 'nope' to disable")
    path.write_text("version: 1\ndisable: [stale]\n")
    result = runner.invoke(app, ["rules", "check", str(path), "--over", "rules"])
    assert result.exit_code == 0 and result.output.startswith("OK: 13 rules")


def test_check_explains_a_yaml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "boardwatch.yml"
    path.write_text("version: 1\nrules:\n\t- name: a\n")
    result = runner.invoke(app, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:3:1: invalid YAML: a tab character; YAML indents with spaces only: "
        "replace the tab with spaces"
    ]


def test_check_refuses_an_unknown_template_variable_and_a_misspelt_label(tmp_path: Path) -> None:
    path = tmp_path / "boardwatch.yml"
    path.write_text(
        "version: 1\nrules:\n  - name: a\n    description: a\n    require: {}\n"
        "    while_failing: {add_labels: [needs-estmate]}\n"
        "    comment:\n      body: |\n        Hello\n        {{ issue.titel }}\n"
    )
    result = runner.invoke(app, ["rules", "check", str(path), "--over", "rules"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"{path}:8:7: rules[0].comment.body: template error on its line 2: "
        "`issue` has no `titel`; it has: assignees, author,"
    )
    assert len(lines) == 1  # label errors come once the files themselves are valid
    path.write_text(path.read_text().replace("issue.titel", "issue.title"))
    result = runner.invoke(app, ["rules", "check", str(path), "--over", "rules"])
    assert result.stdout.splitlines() == [
        f"{path}:6:34: rules[0].while_failing.add_labels[0]: label 'needs-estmate' is neither "
        "in owned_labels nor in labels; did you mean 'needs-estimate'? declare it in one of them"
    ]
