"""`boardwatch rules check [PATH]`: validate rule files, print every error, exit 1 on any."""

from __future__ import annotations

from pathlib import Path

import typer

from service.cli.server import load_settings
from service.engine.loader import LoadResult, RuleError, load_override, load_rules

app = typer.Typer(help="Check rule files.", no_args_is_help=True)


@app.command("check")
def check(
    path: Path | None = typer.Argument(
        None,
        help="A folder of *.yml rule files, or one rule file "
        "(default: BOARDWATCH_RULES_DIR, else the rules shipped with boardwatch).",
        show_default=False,
    ),
    over: Path | None = typer.Option(
        None,
        "--over",
        help="Check PATH as a repository's .github/boardwatch.yml over these default rules.",
    ),
) -> None:
    """Validate rule files: prints `file:line:col: field: message` for every error."""
    if path is None:
        path = load_settings().rules_dir
    result = _load(path, over)
    if not result.ok or result.ruleset is None:
        for error in result.errors:
            typer.echo(str(error))
        count = len(result.errors)
        plural = "s" if count != 1 else ""
        typer.echo(f"{count} error{plural}; the rules were not accepted.", err=True)
        raise typer.Exit(1)
    ruleset = result.ruleset
    typer.echo(
        f"OK: {len(ruleset.rules)} rules from {len(result.files)} file(s) "
        f"({', '.join(r.name for r in ruleset.rules)}); "
        f"{len(ruleset.owned_labels)} owned labels."
    )


def _load(path: Path, over: Path | None) -> LoadResult:
    if over is None:
        return load_rules(path)
    defaults = load_rules(over)
    if not defaults.ok or defaults.ruleset is None:
        return defaults
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        error = RuleError(str(path), None, None, "", f"cannot read: {exc.strerror}")
        return LoadResult(None, (error,))
    return load_override(defaults.ruleset, text, str(path))
