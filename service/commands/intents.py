"""Slash commands as intents (pure): what the person asked for, as wanted state and a reply.

A command changes nothing by itself. `resolve` turns the commands of one comment into a
`Desired` (the same model the rules produce), note changes and the lines of a reply; the
pipeline then plans rules and intents together and writes once. So `/status Done` and a
rule that wants a label cost one read and one write path, and one value comparison.

Commands run in order, each seeing what the ones before it asked for (`/assign @a` then
`/unassign @a` leaves @a unassigned). Permission is decided by the caller (a read).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from service.commands.help import help_text
from service.commands.parser import (
    USAGE,
    Assign,
    Blocked,
    Command,
    Estimate,
    Help,
    Highlight,
    ParseError,
    RecordMetric,
    RegenerateDigest,
    SetStatus,
    SetTarget,
    SetType,
    Unassign,
    Unblock,
)
from service.domain.models import Board, FieldValue, Permission
from service.durations import format_hours
from service.engine.changes import Answer
from service.engine.desired import Desired, RuleResult
from service.engine.model import TYPE_PREFIX, Ruleset
from service.engine.native import dependency_reason
from service.engine.snapshot import Snapshot
from service.store.notes import BLOCKED_REASON, HIGHLIGHT

ALLOWED: frozenset[Permission] = frozenset({"triage", "write", "maintain", "admin"})
# Commands run per comment (or new issue body). One comment of 2,000 `/estimate` lines made
# 2,003 GitHub writes; nobody needs more than a handful at once. The rest get one line in
# the reply saying how many were ignored.
MAX_COMMANDS = 10
# GitHub refuses comment bodies over 65,536 characters. A reply is cut well below that,
# leaving room for the hidden marker the gateway adds and the note saying it was cut.
MAX_REPLY = 60_000
# The label that makes an issue a digest issue, where `/digest` works.
DIGEST_LABEL = "digest"


class CommandLine(BaseModel):
    """How one command line went, stored on the delivery's outcome."""

    model_config = ConfigDict(frozen=True)

    line: str
    ok: bool
    message: str


class MetricIntent(BaseModel):
    """A metric value a command gives; the pipeline stores it with who gave it and where."""

    model_config = ConfigDict(frozen=True)

    metric: str
    value: float
    day: date


class DeclaredMetrics(BaseModel):
    """The metrics the targets file declares (name -> unit), or why it could not be read."""

    model_config = ConfigDict(frozen=True)

    units: Mapping[str, str] = Field(default_factory=dict)
    problem: str | None = None


class Intents(BaseModel):
    """What the commands of one comment ask for; empty when there were none."""

    model_config = ConfigDict(frozen=True)

    desired: Desired = Field(default_factory=lambda: Desired(results=()))
    notes: dict[str, str | None] = Field(
        default_factory=dict, description="note key -> new value; None deletes it"
    )
    lines: tuple[CommandLine, ...] = ()
    # How the commands went; the bot reacts so only to a comment, not to an issue's body.
    reaction: Answer | None = None
    reply: str | None = None
    regenerate_digest: bool = False
    metrics: tuple[MetricIntent, ...] = ()
    ignored: int = Field(default=0, description="commands past MAX_COMMANDS, not run")

    @property
    def asked_for_change(self) -> bool:
        return bool(self.desired_changes() or self.notes or self.regenerate_digest or self.metrics)

    def desired_changes(self) -> bool:
        d = self.desired
        return bool(d.labels or d.fields or d.assignees or d.unassigned or d.on_board)


class CommandFailed(Exception):
    """What went wrong with one command, in words for the person who wrote it."""


def wants_change(command: Command | ParseError) -> bool:
    """Whether the command would change something (and so needs permission)."""
    if isinstance(command, ParseError):
        return command.command not in ("", "help")
    return not isinstance(command, Help)


class _Asked:
    """The wants of the commands so far; each command reads and extends them."""

    def __init__(self, snapshot: Snapshot, metrics: DeclaredMetrics, today: date) -> None:
        self.snapshot = snapshot
        self.declared = metrics
        self.today = today
        self.metrics: list[MetricIntent] = []
        self.labels: dict[str, bool] = {}
        self.fields: dict[str, FieldValue] = {}
        self.assignees = list(snapshot.issue.assignees)
        self.notes: dict[str, str | None] = {}
        self.digest = False

    def has_label(self, name: str) -> bool:
        key = name.casefold()
        for label, present in self.labels.items():
            if label.casefold() == key:
                return present
        return self.snapshot.has_label(name)

    def current_labels(self) -> list[str]:
        gone = {name.casefold() for name, present in self.labels.items() if not present}
        kept = [name for name in self.snapshot.issue.labels if name.casefold() not in gone]
        known = {name.casefold() for name in kept}
        return kept + [n for n, present in self.labels.items() if present and n not in known]

    def desired(self) -> Desired:
        before = {login.casefold() for login in self.snapshot.issue.assignees}
        after = {login.casefold() for login in self.assignees}
        return Desired(
            results=(),
            labels=dict(self.labels),
            on_board=True if self.fields else None,
            fields=dict(self.fields),
            assignees=tuple(a for a in self.assignees if a.casefold() not in before),
            unassigned=tuple(a for a in self.snapshot.issue.assignees if a.casefold() not in after),
        )


def _field(board: Board | None, snapshot: Snapshot, name: str) -> str:
    if board is None:
        raise CommandFailed("no board is configured (BOARDWATCH_PROJECT), so there is no field")
    if snapshot.issue.node_id is None:
        raise CommandFailed("GitHub did not say which issue this is; try again")
    spec = board.field(name)
    if spec is None:
        raise CommandFailed(f"the board has no `{name}` field")
    return spec.name


def _status(board: Board | None, snapshot: Snapshot, ruleset: Ruleset, wanted: str) -> str:
    name = _field(board, snapshot, ruleset.board.status_field)
    assert board is not None
    spec = board.field(name)
    option = spec.option(wanted) if spec is not None else None
    if option is None:
        names = ", ".join(f"`{o.name}`" for o in (spec.options if spec else ()))
        raise CommandFailed(f"`{wanted}` is not a Status of this board; choose one of {names}")
    return option.name


def _type_label(ruleset: Ruleset, wanted: str) -> str:
    known = [name for name in ruleset.labels if name.casefold().startswith(TYPE_PREFIX)]
    label = next((n for n in known if n.casefold() == f"{TYPE_PREFIX}{wanted}".casefold()), None)
    if label is None:
        names = ", ".join(f"`{n.removeprefix(TYPE_PREFIX)}`" for n in known)
        raise CommandFailed(f"`{wanted}` is not a work type; choose one of {names}")
    return label


def _one(
    asked: _Asked, command: Command, board: Board | None, ruleset: Ruleset, digest_ok: bool
) -> str:
    """Add one command's wants to `asked`; returns what it asks for, in words."""
    snapshot, names = asked.snapshot, ruleset.board
    if isinstance(command, Estimate):
        field = _field(board, snapshot, names.estimate_field)
        asked.fields[field] = command.hours
        return f"{field} set to {format_hours(command.hours)}"
    if isinstance(command, SetTarget):
        field = _field(board, snapshot, names.target_field)
        asked.fields[field] = command.date
        return f"{field} set to {command.date.isoformat()}"
    if isinstance(command, SetStatus | Blocked | Unblock):
        if isinstance(command, SetStatus):
            wanted = command.status
        else:
            wanted = (
                names.blocked_status if isinstance(command, Blocked) else names.in_progress_status
            )
        status = _status(board, snapshot, ruleset, wanted)
        field = _field(board, snapshot, names.status_field)
        asked.fields[field] = status
        if isinstance(command, Blocked):
            asked.notes[BLOCKED_REASON] = command.reason
            return f"Status set to {status}: {command.reason}"
        if isinstance(command, Unblock):
            asked.notes[BLOCKED_REASON] = None
            if (still := dependency_reason(snapshot.issue)) is not None:
                return f"Status set to {status}; GitHub still shows it {still}"
        return f"Status set to {status}"
    if isinstance(command, Assign | Unassign):
        named = {login.casefold() for login in command.logins}
        if isinstance(command, Unassign):
            asked.assignees = [x for x in asked.assignees if x.casefold() not in named]
        else:
            have = {x.casefold() for x in asked.assignees}
            asked.assignees += [x for x in command.logins if x.casefold() not in have]
        return f"assignees: {', '.join('@' + x for x in asked.assignees) or 'none'}"
    if isinstance(command, SetType):
        label = _type_label(ruleset, command.type)
        for other in asked.current_labels():
            if other.casefold().startswith(TYPE_PREFIX) and other.casefold() != label.casefold():
                asked.labels[other] = False
        asked.labels[label] = True
        return f"labelled `{label}`"
    if isinstance(command, Highlight):
        asked.notes[HIGHLIGHT] = command.sentence
        return f"highlighted in the next digest: {command.sentence}"
    if isinstance(command, RegenerateDigest):
        if not asked.has_label(DIGEST_LABEL):
            raise CommandFailed("`/digest` works in a digest issue (labelled `digest`) only")
        if not digest_ok:
            raise CommandFailed("digests need BOARDWATCH_PROJECT and BOARDWATCH_REPOSITORY set")
        asked.digest = True
        return "digest regenerated"
    if isinstance(command, RecordMetric):
        return _metric(asked, command)
    raise AssertionError(f"unhandled command {command!r}")


# A value dated later than tomorrow is a typo (time zones put "today" a day apart at most).
FUTURE_DAYS = 1


def _metric(asked: _Asked, command: RecordMetric) -> str:
    declared = asked.declared
    if declared.problem is not None:
        raise CommandFailed(f"no metric is known: the targets file is invalid ({declared.problem})")
    unit = declared.units.get(command.metric)
    if unit is None:
        known = ", ".join(f"`{name}`" for name in declared.units) or "none"
        raise CommandFailed(
            f"`{command.metric[:40]}` is not a metric of the targets file (declared: {known})"
        )
    day = command.day or asked.today
    if day > asked.today + timedelta(days=FUTURE_DAYS):
        raise CommandFailed(f"{day.isoformat()} is in the future")
    asked.metrics.append(MetricIntent(metric=command.metric, value=command.value, day=day))
    return f"{command.metric} on {day.isoformat()}: {command.value:g}{f' {unit}' if unit else ''}"


def _not_permitted(actor: str, repo: str, permission: Permission) -> str:
    has = (
        "you are not a collaborator"
        if permission == "none"
        else f"your permission is `{permission}`"
    )
    return (
        f"@{actor} thanks! Only people with triage, write, maintain or admin permission "
        f"on {repo} can change issues, the board or the team's metrics with commands, "
        f"and {has}. "
        "Someone on the team can run the command for you."
    )


def resolve(
    commands: Sequence[Command | ParseError],
    *,
    snapshot: Snapshot,
    ruleset: Ruleset,
    board: Board | None,
    actor: str,
    permission: Permission | None,
    rule_results: Callable[[], Sequence[RuleResult]],
    digest_ok: bool = False,
    metrics: DeclaredMetrics | None = None,
    today: date | None = None,
) -> Intents:
    """The intents of `commands`, written by `actor` whose permission is `permission`.

    `permission` None: not looked up, because no command would change anything. Someone
    without permission gets one reply for the whole comment and nothing is asked for.
    `rule_results` is called only for `/help`. `metrics` are the declared ones `/metric`
    may give a value of; `today` (the team's) dates a value given without a date.
    """
    if not commands:
        return Intents()
    ignored = max(0, len(commands) - MAX_COMMANDS)
    commands = commands[:MAX_COMMANDS]
    help_asked = any(isinstance(c, Help) for c in commands)
    if permission is not None and permission not in ALLOWED:
        parts = [_not_permitted(actor, snapshot.issue.repo, permission)]
        if help_asked:
            parts.append(help_text(ruleset, rule_results()))
        return Intents(
            lines=tuple(
                CommandLine(line=c.line, ok=False, message=f"not permitted ({permission})")
                for c in commands
            ),
            reaction="confused",
            reply=capped("\n\n".join(parts)),
            ignored=ignored,
        )
    asked = _Asked(snapshot, metrics or DeclaredMetrics(), today or snapshot.now.date())
    lines: list[CommandLine] = []
    errors: list[str] = []
    extra: list[str] = []
    for command in commands:
        if isinstance(command, ParseError):
            errors.append(command.message)
            lines.append(CommandLine(line=command.line, ok=False, message=command.message))
        elif isinstance(command, Help):
            if not extra:  # the same help twice says nothing new
                extra.append(help_text(ruleset, rule_results()))
            lines.append(CommandLine(line=command.line, ok=True, message="help"))
        else:
            try:
                done = _one(asked, command, board, ruleset, digest_ok)
            except CommandFailed as exc:
                errors.append(f"`{command.line}`: {exc}. Write {USAGE[command.name]}.")
                lines.append(CommandLine(line=command.line, ok=False, message=str(exc)))
                continue
            lines.append(CommandLine(line=command.line, ok=True, message=done))
    reply = None
    if errors or extra or ignored:
        parts = [f"@{actor}"]
        if errors:
            parts.append("Some commands did not work:\n" + "\n".join(f"- {e}" for e in errors))
        if ignored:
            parts.append(_ignored(ignored))
        reply = capped("\n\n".join(parts + extra))
    return Intents(
        desired=asked.desired(),
        notes=asked.notes,
        lines=tuple(lines),
        reaction="confused" if errors or ignored else "+1",
        reply=reply,
        regenerate_digest=asked.digest,
        metrics=tuple(asked.metrics),
        ignored=ignored,
    )


def _ignored(count: int) -> str:
    what = "command was" if count == 1 else "commands were"
    return (
        f"{count:,} more {what} ignored: at most {MAX_COMMANDS} commands run per comment. "
        "Write the rest in another comment."
    )


def capped(reply: str) -> str:
    """`reply`, cut with a note if it is longer than MAX_REPLY characters."""
    if len(reply) <= MAX_REPLY:
        return reply
    note = f"\n\n… (cut here: a reply has at most {MAX_REPLY:,} characters)"
    return reply[: MAX_REPLY - len(note)] + note
