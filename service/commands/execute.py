"""Run parsed commands against GitHub for one issue: permissions, writes, reaction, reply."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from service.commands.help import help_text
from service.commands.parser import (
    USAGE,
    Assign,
    Blocked,
    Digest,
    Estimate,
    Help,
    ParseError,
    SetStatus,
    SetType,
    Target,
    Unassign,
    Unblock,
    _Command,
)
from service.durations import format_hours
from service.engine.desired import RuleResult
from service.engine.model import Ruleset
from service.gateway.errors import GitHubError
from service.gateway.models import Board, BoardItem, Issue
from service.gateway.protocol import GitHubGateway, Permission
from service.store import notes

NOTE_BLOCKED = "blocked_reason"
ALLOWED: frozenset[Permission] = frozenset({"triage", "write", "maintain", "admin"})
PERMISSION_TTL = 60.0  # seconds a looked-up permission is trusted
TYPE_PREFIX = "type: "


class _PermissionCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, Permission]] = {}
        self._lock = threading.Lock()

    def get(self, gateway: GitHubGateway, repo: str, login: str) -> Permission:
        key = (repo.casefold(), login.casefold())
        now = self.clock()
        with self._lock:
            cached = self._seen.get(key)
        if cached is not None and now - cached[0] < PERMISSION_TTL:
            return cached[1]
        permission = gateway.get_permission(repo, login)
        with self._lock:
            self._seen[key] = (now, permission)
        return permission


PERMISSIONS = _PermissionCache()


@dataclass
class CommandContext:
    gateway: GitHubGateway
    engine: Engine
    ruleset: Ruleset
    board: Board | None
    issue: Issue
    actor: str
    now: datetime
    comment_id: int | None = None  # None: the commands were in the issue's body
    regenerate_digest: Callable[[Issue], str] | None = None
    # How the rules stand on the issue (for /help), computed only when asked.
    rule_results: Callable[[Issue], Sequence[RuleResult]] | None = None
    _item: BoardItem | None = field(default=None, repr=False)


@dataclass
class CommandResult:
    ran: list[dict[str, Any]] = field(default_factory=list)
    reaction: str | None = None
    reply: str | None = None
    changed: bool = False

    def as_outcome(self) -> dict[str, Any]:
        return {"ran": self.ran, "reaction": self.reaction, "replied": self.reply is not None}


class CommandFailed(Exception):
    """What went wrong, in words for the person who wrote the command."""


def _item(ctx: CommandContext) -> tuple[Board, BoardItem]:
    if ctx.board is None:
        raise CommandFailed("no board is configured (BOARDWATCH_PROJECT), so there is no field")
    if ctx._item is None:
        if ctx.issue.node_id is None:
            raise CommandFailed("GitHub did not say which issue this is; try again")
        ctx._item = ctx.gateway.get_item(ctx.board, ctx.issue.node_id, add=True)
    if ctx._item is None:
        raise CommandFailed("the issue could not be added to the board")
    return ctx.board, ctx._item


def _set(ctx: CommandContext, field_name: str, value: Any) -> None:
    board, item = _item(ctx)
    ctx.gateway.set_field(board, item.id, field_name, value)


def _status(ctx: CommandContext, wanted: str) -> str:
    board, _ = _item(ctx)
    status_field = board.field(ctx.ruleset.board.status_field)
    if status_field is None:
        raise CommandFailed(f"the board has no `{ctx.ruleset.board.status_field}` field")
    option = status_field.option(wanted)
    if option is None:
        names = ", ".join(f"`{o.name}`" for o in status_field.options)
        raise CommandFailed(f"`{wanted}` is not a Status of this board; choose one of {names}")
    _set(ctx, status_field.name, option.name)
    return option.name


def _type(ctx: CommandContext, wanted: str) -> str:
    known = [name for name in ctx.ruleset.labels if name.casefold().startswith(TYPE_PREFIX)]
    label = next((n for n in known if n.casefold() == f"{TYPE_PREFIX}{wanted}".casefold()), None)
    if label is None:
        names = ", ".join(f"`{n.removeprefix(TYPE_PREFIX)}`" for n in known)
        raise CommandFailed(f"`{wanted}` is not a work type; choose one of {names}")
    issue, gateway = ctx.issue, ctx.gateway
    others = [
        have
        for have in issue.labels
        if have.casefold().startswith(TYPE_PREFIX) and have.casefold() != label.casefold()
    ]
    spec = ctx.ruleset.labels[label]
    gateway.ensure_label(issue.repo, label, spec.color, spec.description)
    gateway.add_labels(issue.repo, issue.number, [label], current=issue.labels)
    if others:
        gateway.remove_labels(issue.repo, issue.number, others, current=issue.labels)
    kept = [have for have in issue.labels if have not in others]
    ctx.issue = issue.model_copy(update={"labels": (*kept, label) if label not in kept else kept})
    return label


def _run_one(ctx: CommandContext, command: _Command) -> str:
    """Do one command; returns what was done, in words."""
    issue, gateway, board_names = ctx.issue, ctx.gateway, ctx.ruleset.board
    if isinstance(command, Estimate):
        _set(ctx, board_names.estimate_field, command.hours)
        return f"{board_names.estimate_field} set to {format_hours(command.hours)}"
    if isinstance(command, SetStatus):
        return f"Status set to {_status(ctx, command.status)}"
    if isinstance(command, Assign | Unassign):
        current = list(issue.assignees)
        if isinstance(command, Assign):
            logins = current + [x for x in command.logins if x not in current]
        else:
            logins = [
                x for x in current if x.casefold() not in {y.casefold() for y in command.logins}
            ]
        if logins != current:
            gateway.set_assignees(issue.repo, issue.number, logins)
            ctx.issue = issue.model_copy(update={"assignees": tuple(logins)})
        return f"assignees: {', '.join('@' + x for x in logins) or 'none'}"
    if isinstance(command, SetType):
        return f"labelled `{_type(ctx, command.type)}`"
    if isinstance(command, Blocked):
        status = _status(ctx, "Blocked")
        notes.set_note(
            ctx.engine, issue.repo, issue.number, NOTE_BLOCKED, command.reason, ctx.actor
        )
        return f"Status set to {status}: {command.reason}"
    if isinstance(command, Unblock):
        status = _status(ctx, "In Progress")
        notes.delete_note(ctx.engine, issue.repo, issue.number, NOTE_BLOCKED)
        return f"Status set to {status}"
    if isinstance(command, Target):
        _set(ctx, board_names.target_field, command.date)
        return f"{board_names.target_field} set to {command.date.isoformat()}"
    if isinstance(command, Digest):
        if "digest" not in {label.casefold() for label in issue.labels}:
            raise CommandFailed("`/digest` works in a digest issue (labelled `digest`) only")
        if ctx.regenerate_digest is None:
            raise CommandFailed("digests need BOARDWATCH_PROJECT and BOARDWATCH_REPOSITORY set")
        return ctx.regenerate_digest(issue)
    raise AssertionError(f"unhandled command {command!r}")


def execute(ctx: CommandContext, parsed: list[_Command | ParseError]) -> CommandResult:
    """Run the commands in order; react 👍 when all worked, 😕 otherwise; reply if needed."""
    result = CommandResult()
    if not parsed:
        return result
    permission = PERMISSIONS.get(ctx.gateway, ctx.issue.repo, ctx.actor)
    wants_change = any(not isinstance(c, Help | ParseError) for c in parsed)
    if wants_change and permission not in ALLOWED:
        result.reaction = "confused"
        result.reply = (
            f"@{ctx.actor} thanks! Only people with triage, write, maintain or admin "
            f"permission on {ctx.issue.repo} can change the board with commands (you have "
            f"{permission}). Someone on the team can run it for you."
        )
        result.ran = [{"line": c.line, "ok": False, "message": "not permitted"} for c in parsed]
        return _finish(ctx, result)
    errors: list[str] = []
    extra: list[str] = []
    for command in parsed:
        if isinstance(command, ParseError):
            errors.append(command.message)
            result.ran.append({"line": command.line, "ok": False, "message": command.message})
            continue
        if isinstance(command, Help):
            results = ctx.rule_results(ctx.issue) if ctx.rule_results else ()
            extra.append(help_text(ctx.ruleset, results))
            result.ran.append({"line": command.line, "ok": True, "message": "help"})
            continue
        try:
            done = _run_one(ctx, command)
        except (CommandFailed, GitHubError) as exc:
            message = f"`{command.line}`: {exc}. Write {USAGE[command.name]}."
            errors.append(message)
            result.ran.append({"line": command.line, "ok": False, "message": str(exc)})
            continue
        result.changed = True
        result.ran.append({"line": command.line, "ok": True, "message": done})
    result.reaction = "confused" if errors else "+1"
    if errors or extra:
        parts = [f"@{ctx.actor}"]
        if errors:
            parts.append("Some commands did not work:\n" + "\n".join(f"- {e}" for e in errors))
        parts += extra
        result.reply = "\n\n".join(parts)
    return _finish(ctx, result)


def _finish(ctx: CommandContext, result: CommandResult) -> CommandResult:
    repo = ctx.issue.repo
    if ctx.comment_id is not None and result.reaction is not None:
        ctx.gateway.add_reaction(repo, ctx.comment_id, result.reaction)  # type: ignore[arg-type]
    if result.reply is not None:
        # One reply per commanding comment, found by marker: a retried delivery edits it.
        key = f"reply-{ctx.comment_id}" if ctx.comment_id else "reply-issue"
        ctx.gateway.upsert_comment(repo, ctx.issue.number, key, result.reply)
    return result
