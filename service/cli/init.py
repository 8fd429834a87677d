"""`boardwatch init`: prepare the tracker's labels and the board's fields for the rules."""

from __future__ import annotations

from pathlib import Path

import typer

from service import logs
from service.boardinit import apply_init, permission_problem, plan_init, status_values_exist
from service.boards import BoardConfig, board_ruleset, configured_boards
from service.cli.server import fail, load_settings, starting
from service.formchooser import with_board_link
from service.gateway.errors import GitHubError
from service.services import Services
from service.settings import Settings

# Issue forms ship with the ruleset: BOARDWATCH_RULES_DIR/issue-forms/*.yml.
FORMS_FOLDER = "issue-forms"
FORMS_BRANCH = "boardwatch/issue-forms"


def init(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; change nothing."),
    issue_forms: bool = typer.Option(
        False, "--issue-forms", help="Also open a pull request adding the issue forms."
    ),
) -> None:
    """Check the tracker and the board; create the labels, fields and options the rules need."""
    settings = load_settings()
    logs.configure("WARNING")
    services = starting(lambda: Services.from_settings(settings))
    try:
        _init(settings, services, dry_run=dry_run, issue_forms=issue_forms)
    except GitHubError as exc:
        problem = permission_problem(exc)
        if problem is None:
            raise
        typer.echo(f"boardwatch: {problem}", err=True)
        raise typer.Exit(1) from None


def _init(settings: Settings, services: Services, *, dry_run: bool, issue_forms: bool) -> None:
    """Every configured board with its (first) tracker; the settings' tracker when no board."""
    served: list[tuple[str, BoardConfig | None]] = [
        (b.tracker, b) for b in configured_boards(services) if b.tracker is not None
    ]
    if not served and settings.repository is not None:
        served = [(settings.repository, None)]
    if not served:
        raise fail(
            "init needs BOARDWATCH_REPOSITORY (OWNER/NAME of the tracker), or a tracker whose "
            ".github/boardwatch.yml names a board (`board: ORG/NUMBER`) and was read once"
        )
    problems = False
    for index, (repo, config) in enumerate(served):
        if index:
            typer.echo("")
        problems |= _init_one(
            settings, services, repo, config, dry_run=dry_run, issue_forms=issue_forms
        )
    if problems:
        raise typer.Exit(1)


def _init_one(
    settings: Settings,
    services: Services,
    repo: str,
    config: BoardConfig | None,
    *,
    dry_run: bool,
    issue_forms: bool,
) -> bool:
    """One board and its tracker; True when a problem needs a person."""
    installation = config.installation_id if config is not None else None
    gateway = services.gateways.for_installation(installation)
    ruleset = board_ruleset(services, config) if config is not None else services.rules.ruleset
    board = gateway.get_board(config.project) if config is not None else None
    in_use = board is not None and status_values_exist(gateway, ruleset, board)
    plan = plan_init(
        ruleset, lambda name: gateway.label_exists(repo, name), board, status_in_use=in_use
    )

    typer.echo(f"Tracker {repo}: {len(plan.labels_present)} labels in place.")
    for label in plan.labels_to_create:
        typer.echo(f"  + label {label.name!r} (#{label.color})")
    if board is not None:
        project = config.project if config is not None else ""
        typer.echo(f"Board {project}: fields in place: {', '.join(plan.fields_present)}")
        for wanted in plan.fields_to_create:
            typer.echo(f"  + field {wanted.name!r} ({wanted.data_type.lower()})")
        if plan.status_options_missing:
            typer.echo(f"  + Status options {', '.join(plan.status_options_missing)}")
    for problem in plan.problems:
        typer.echo(f"  ! {problem}")
    if dry_run:
        typer.echo(f"Dry run: {plan.changes} change(s) planned, none made.")
    elif plan.changes:
        for line in apply_init(plan, gateway, repo, board, ruleset):
            typer.echo(f"done: {line}")
    else:
        typer.echo("Nothing to change: the tracker and the board are ready.")
    if issue_forms:
        folder = Path(settings.rules_dir) / FORMS_FOLDER
        forms = {
            f".github/ISSUE_TEMPLATE/{path.name}": path.read_text(encoding="utf-8")
            for path in sorted(folder.glob("*.yml"))
        }
        if not forms:
            raise fail(f"--issue-forms: no *.yml issue forms in {folder}")
        forms = with_board_link(forms, board)
        # Only what the default branch lacks: after the pull request is merged, a second run
        # proposes nothing (GitHub refuses a pull request without changes).
        forms = {path: text for path, text in forms.items() if gateway.get_file(repo, path) != text}
        if not forms:
            typer.echo("Issue forms: already in .github/ISSUE_TEMPLATE/, nothing to propose.")
        elif dry_run:
            typer.echo(f"Dry run: would open a pull request adding {', '.join(forms)}")
        else:
            url = gateway.open_pull_request(
                repo,
                branch=FORMS_BRANCH,
                title="Add issue forms for marketing requests",
                body="Issue forms matching the sections boardwatch's rules check.",
                files=forms,
            )
            typer.echo(f"issue forms: {url}")
    typer.echo("\nBy hand (the API cannot do these):")
    for step in plan.manual:
        typer.echo(f"  - {step}")
    return bool(plan.problems)


def register(app: typer.Typer) -> None:
    app.command()(init)
