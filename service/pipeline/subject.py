"""The pipeline of one subject: read, evaluate rules and intents, plan once, apply, record.

Webhooks, the sweep, `boardwatch plan` and `/help` all go through `Pipeline`:

1. `read` builds the issue's snapshot from the payload, one GraphQL read of its board
   item, and the store; it writes nothing, and says what it observed (a Status or state
   that history does not know yet) as facts to record.
2. The rules are evaluated together with the intents of this event's slash commands
   (a person's command wins over a rule for the same value).
3. The difference is planned once: nothing to do means no API call.
4. The plan is applied through the gateway (or only recorded, read-only).
5. Facts are recorded (history, notes, the bot's comments) and a typed outcome returned.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from service.commands.intents import CommandLine, Intents, resolve, wants_change
from service.commands.parser import Command, ParseError
from service.commands.permissions import PermissionCache
from service.domain.markers import marker_key
from service.domain.models import Board, BoardItem, Comment, Issue, Permission
from service.engine.changes import (
    AddLabels,
    AddReaction,
    Change,
    ClearField,
    RemoveLabels,
    SetAssignees,
    SetField,
)
from service.engine.conditions import Missing
from service.engine.desired import Desired, RuleStatus, overrule
from service.engine.evaluate import evaluate
from service.engine.model import Ruleset
from service.engine.plan import plan, simulate
from service.engine.snapshot import Snapshot
from service.gateway.protocol import GitHubGateway
from service.pipeline.apply import apply
from service.store import history, notes

log = logging.getLogger(__name__)

# Notes the pipeline keeps per issue (table issue_notes).
NOTE_ACTIVITY = "last_human_activity"
# JSON {key: {"id": ID, "body": BODY}} of the bot's comments as last written (ids let an
# edit be one request with no listing; older rows hold {key: BODY}).
NOTE_COMMENTS = "bot_comments"
_OWN_NOTES = (NOTE_ACTIVITY, NOTE_COMMENTS)

# `item` of `read`/`run` when the caller has not read the board item: the pipeline reads it.
READ: Literal["read"] = "read"
ItemArg = BoardItem | None | Literal["read"]


class Observation(BaseModel):
    """A Status or open/closed state that differs from what history knows."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["status", "state"]
    old: str | None
    new: str | None
    at: datetime
    item_id: str | None = None


class BotComment(BaseModel):
    """One of the bot's marker comments as the store remembers it."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None  # None: written before ids were kept; found by marker when edited
    body: str


class Reading(BaseModel):
    """What `read` found: the snapshot, and what is worth recording about it."""

    model_config = ConfigDict(frozen=True)

    snapshot: Snapshot
    observations: tuple[Observation, ...] = ()
    comments: dict[str, BotComment] = Field(default_factory=dict)
    listed: bool = Field(default=False, description="the comments were just read from GitHub")


class CommandsOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    ran: tuple[CommandLine, ...]
    reaction: str | None
    replied: bool
    ignored: int = Field(description="commands past the cap per comment, not run")
    writes: tuple[str, ...] = Field(description="the writes the commands asked for, in words")


class Outcome(BaseModel):
    """What one run did to one issue; `record()` is what the delivery stores."""

    model_config = ConfigDict(frozen=True)

    issue: str
    rules: dict[str, RuleStatus]
    converged: bool | None = Field(default=None, description="False when rules kept changing")
    rule_errors: dict[str, str] | None = Field(
        default=None, description="rules that could not be judged (e.g. a template over budget)"
    )
    changes: tuple[dict[str, Any], ...] | None = Field(
        default=None, description="what was applied, one JSON record per change"
    )
    plan: tuple[Change, ...] | None = Field(
        default=None, description="read-only: what would be applied"
    )
    missing: dict[str, tuple[Missing, ...]] | None = Field(
        default=None, description="read-only: what each failing rule misses"
    )
    commands: CommandsOutcome | None = None
    digest: str | None = Field(default=None, description="what `/digest` regenerated")

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.plan)

    def record(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def bot_comments_from(comments: Sequence[Comment], bot_login: str | None) -> dict[str, BotComment]:
    """Key -> the bot's marker comment (`<!-- boardwatch:KEY -->`); the first one counts."""
    found: dict[str, BotComment] = {}
    for comment in comments:
        if bot_login and comment.author and comment.author != bot_login:
            continue
        key = marker_key(comment.body)
        if key and key not in found:
            found[key] = BotComment(id=comment.id, body=comment.body)
    return found


def remembered_comments(text: str) -> dict[str, BotComment]:
    """The bot's comments as the store remembers them (either format it was written in)."""
    stored: dict[str, object] = json.loads(text)
    return {
        key: BotComment(body=value) if isinstance(value, str) else BotComment.model_validate(value)
        for key, value in stored.items()
    }


def _reply_key(comment_id: int | None) -> str:
    # One reply per commanding comment, found by marker: a retried delivery edits it.
    return f"reply-{comment_id}" if comment_id else "reply-issue"


class Decision(BaseModel):
    """What one run decided (pure): the snapshot the commands' notes apply to, the wants of
    rules and commands together, and the changes that reach them."""

    model_config = ConfigDict(frozen=True)

    snapshot: Snapshot
    desired: Desired
    changes: tuple[Change, ...]
    asked: tuple[Change, ...] = Field(description="the changes the commands alone ask for")


def decide(
    ruleset: Ruleset, snapshot: Snapshot, intents: Intents, comment_id: int | None = None
) -> Decision:
    """Evaluate the rules on the state the commands lead to, let the commands overrule the
    rules where they disagree, and plan the whole difference once (pure)."""
    if intents.notes:
        kept = {k: v for k, v in snapshot.notes.items() if k not in intents.notes}
        added = {k: v for k, v in intents.notes.items() if v is not None}
        snapshot = snapshot.model_copy(update={"notes": {**kept, **added}})
    asked = plan(snapshot, intents.desired)
    after = simulate(snapshot, asked, status_field=ruleset.board.status_field)
    desired = overrule(evaluate(ruleset, after), intents.desired)
    if intents.reply is not None:
        comments = {**desired.comments, _reply_key(comment_id): intents.reply}
        desired = desired.model_copy(update={"comments": comments})
    changes: list[Change] = plan(snapshot, desired)
    if intents.reaction is not None and comment_id is not None:
        changes.append(AddReaction(comment_id=comment_id, content=intents.reaction))
    return Decision(snapshot=snapshot, desired=desired, changes=tuple(changes), asked=tuple(asked))


@dataclass
class Pipeline:
    """Everything one subject's evaluation needs, for one installation and ruleset."""

    gateway: GitHubGateway
    engine: Engine
    ruleset: Ruleset
    board: Board | None
    bot_login: str | None
    now: datetime
    permissions: PermissionCache
    delivery_id: str | None = None
    # Labels known to exist in a repository, so each is ensured once per process.
    ensured_labels: set[tuple[str, str]] = field(default_factory=set)
    # `/digest` in a digest issue; None when no board or tracker is configured.
    regenerate_digest: Callable[[Issue], str] | None = None
    # `boardwatch plan`: read GitHub and the store, change neither.
    read_only: bool = False

    # -- 1. read ---------------------------------------------------------------------------
    def read(self, issue: Issue, item: ItemArg = READ, *, fresh_comments: bool = False) -> Reading:
        """The issue's snapshot; writes nothing. `fresh_comments`: list the bot's comments
        again (someone deleted a comment), whatever the store remembers."""
        if item == READ:
            item = (
                self.gateway.get_item(self.board, issue.node_id)
                if self.board is not None and issue.node_id
                else None
            )
        board_item = item if isinstance(item, BoardItem) else None
        recorded = notes.get_notes(self.engine, issue.repo, issue.number)
        observations, status_since = self._observe(issue, board_item)
        listed = False
        if NOTE_COMMENTS in recorded and not fresh_comments:
            known = remembered_comments(recorded[NOTE_COMMENTS])
        elif issue.comments == 0:
            known = {}
        else:
            listed = True
            known = bot_comments_from(
                self.gateway.list_comments(issue.repo, issue.number), self.bot_login
            )
        activity = recorded.get(NOTE_ACTIVITY)
        snapshot = Snapshot(
            issue=issue,
            item=board_item,
            now=self.now,
            # Before the first recorded event, GitHub's `updated_at` is the best bound there
            # is; it may include the bot's own changes, so a rule about inactivity errs on
            # the side of not nagging.
            last_human_activity=datetime.fromisoformat(activity) if activity else issue.updated_at,
            status_since=status_since,
            notes={k: v for k, v in recorded.items() if k not in _OWN_NOTES},
            bot_comments={key: comment.body for key, comment in known.items()},
            board_fields=self.board.fields if self.board is not None else (),
        )
        return Reading(snapshot=snapshot, observations=observations, comments=known, listed=listed)

    def _observe(
        self, issue: Issue, item: BoardItem | None
    ) -> tuple[tuple[Observation, ...], datetime | None]:
        """What differs from history, and since when the issue has its current Status."""
        found: list[Observation] = []
        last_status, status_since = history.last(
            self.engine, issue.repo, issue.number, "status"
        ) or (None, None)
        if item is not None:
            raw = item.value(self.ruleset.board.status_field)
            status = str(raw) if raw is not None else None
            if status != last_status:
                status_since = self.now
                found.append(
                    Observation(
                        kind="status", old=last_status, new=status, at=self.now, item_id=item.id
                    )
                )
        seen = history.last(self.engine, issue.repo, issue.number, "state")
        last_state = seen[0] if seen else None
        if issue.state != last_state and (last_state is not None or issue.state == "closed"):
            at = issue.closed_at if issue.state == "closed" and issue.closed_at else self.now
            found.append(Observation(kind="state", old=last_state, new=issue.state, at=at))
        return tuple(found), status_since

    # -- the whole run ---------------------------------------------------------------------
    def run(
        self,
        issue: Issue,
        item: ItemArg = READ,
        *,
        commands: Sequence[Command | ParseError] = (),
        actor: str | None = None,
        source: str = "observed",
        comment_id: int | None = None,
        activity_at: datetime | None = None,
        fresh_comments: bool = False,
    ) -> Outcome:
        """Make GitHub match the rules and the commands for `issue`; returns the outcome.

        `actor` did what the event reports (None: nobody, e.g. the sweep); `activity_at`
        records it as a person's activity; `commands` are theirs.
        """
        reading = self.read(issue, item, fresh_comments=fresh_comments)
        intents = self._intents(reading.snapshot, commands, actor)
        decision = decide(self.ruleset, reading.snapshot, intents, comment_id)
        snapshot, desired, changes = decision.snapshot, decision.desired, decision.changes
        if not desired.converged:
            log.warning("rules do not settle on %s#%d; applied one pass", issue.repo, issue.number)
        errors = {r.name: r.error for r in desired.results if r.error}
        if errors:
            log.warning("rule errors on %s#%d: %s", issue.repo, issue.number, errors)
        outcome = Outcome(
            issue=f"{issue.repo}#{issue.number}",
            rules={r.name: r.status for r in desired.results},
            converged=False if not desired.converged else None,
            rule_errors=errors or None,
            commands=_commands_outcome(intents, decision.asked) if intents.lines else None,
        )
        if self.read_only:
            return outcome.model_copy(
                update={
                    "plan": tuple(changes),
                    "missing": {r.name: r.missing for r in desired.results if r.failing},
                }
            )
        self._record_reading(issue, reading, actor, source, activity_at)
        ids = {key: c.id for key, c in reading.comments.items() if c.id is not None}
        applied = self._apply(issue, snapshot, list(changes), ids, listed=reading.listed)
        digest = None
        if intents.regenerate_digest and self.regenerate_digest is not None:
            digest = self.regenerate_digest(issue)
        self._record_run(issue, snapshot, list(changes), intents, actor, _ids_after(ids, applied))
        return outcome.model_copy(update={"changes": tuple(applied), "digest": digest})

    # -- 2. intents ------------------------------------------------------------------------
    def _intents(
        self,
        snapshot: Snapshot,
        commands: Sequence[Command | ParseError],
        actor: str | None,
    ) -> Intents:
        if not commands or not actor:
            return Intents()
        if self.bot_login and actor.casefold() == self.bot_login.casefold():
            return Intents()  # the bot's own words are never obeyed
        permission: Permission | None = None
        if any(wants_change(c) for c in commands):
            permission = self.permissions.get(self.gateway, snapshot.issue.repo, actor)
        return resolve(
            commands,
            snapshot=snapshot,
            ruleset=self.ruleset,
            board=self.board,
            actor=actor,
            permission=permission,
            rule_results=lambda: evaluate(self.ruleset, snapshot).results,
            digest_ok=self.regenerate_digest is not None,
        )

    # -- 4. apply --------------------------------------------------------------------------
    def _apply(
        self,
        issue: Issue,
        snapshot: Snapshot,
        changes: list[Change],
        comment_ids: dict[str, int],
        *,
        listed: bool,
    ) -> list[dict[str, Any]]:
        if not changes:
            return []
        self._ensure_labels(issue, changes)
        return apply(
            changes,
            self.gateway,
            self.board,
            issue,
            item=snapshot.item,
            comment_ids=comment_ids,
            comments_listed=listed,
        )

    def _ensure_labels(self, issue: Issue, changes: list[Change]) -> None:
        """Create the bot's labels (colour, description) before first use in a repository."""
        specs = {**self.ruleset.labels, **self.ruleset.owned_labels}
        for change in changes:
            if not isinstance(change, AddLabels):
                continue
            for label in change.labels:
                key = (issue.repo, label.casefold())
                spec = specs.get(label)
                if spec is None or key in self.ensured_labels:
                    continue
                self.gateway.ensure_label(issue.repo, label, spec.color, spec.description)
                self.ensured_labels.add(key)

    # -- 5. record -------------------------------------------------------------------------
    def _record_reading(
        self,
        issue: Issue,
        reading: Reading,
        actor: str | None,
        source: str,
        activity_at: datetime | None,
    ) -> None:
        """Facts learnt by reading, recorded before any write, so a failed write keeps them."""
        if activity_at is not None:
            notes.set_note(
                self.engine,
                issue.repo,
                issue.number,
                NOTE_ACTIVITY,
                activity_at.isoformat(),
                actor=actor,
            )
        for seen in reading.observations:
            self._history(issue, seen, actor=actor, source=source)
        if reading.listed:
            self._remember_comments(issue, reading.comments)

    def _record_run(
        self,
        issue: Issue,
        snapshot: Snapshot,
        changes: list[Change],
        intents: Intents,
        actor: str | None,
        comment_ids: dict[str, int],
    ) -> None:
        for key, value in intents.notes.items():
            if value is None:
                notes.delete_note(self.engine, issue.repo, issue.number, key)
            else:
                notes.set_note(self.engine, issue.repo, issue.number, key, value, actor)
        status_field = self.ruleset.board.status_field
        after = simulate(snapshot, changes, status_field=status_field)
        if after.bot_comments != snapshot.bot_comments:
            self._remember_comments(
                issue,
                {
                    key: BotComment(id=comment_ids.get(key), body=body)
                    for key, body in after.bot_comments.items()
                },
            )
        status = status_field.casefold()
        if any(
            isinstance(c, SetField | ClearField) and c.field.casefold() == status for c in changes
        ):
            by_command = any(name.casefold() == status for name in intents.desired.fields)
            raw = after.field(status_field)
            self._history(
                issue,
                Observation(
                    kind="status",
                    old=_text(snapshot.field(status_field)),
                    new=_text(raw),
                    at=self.now,
                    item_id=after.item.id if after.item else None,
                ),
                actor=actor if by_command else self.bot_login,
                source="command" if by_command else "rule",
            )

    def _history(self, issue: Issue, seen: Observation, *, actor: str | None, source: str) -> None:
        history.record(
            self.engine,
            kind=seen.kind,
            repo=issue.repo,
            number=issue.number,
            item_id=seen.item_id,
            old=seen.old,
            new=seen.new,
            at=seen.at,
            actor=actor,
            source=source,
            delivery_id=self.delivery_id,
        )

    def _remember_comments(self, issue: Issue, comments: dict[str, BotComment]) -> None:
        text = json.dumps({key: c.model_dump() for key, c in comments.items()})
        notes.set_note(self.engine, issue.repo, issue.number, NOTE_COMMENTS, text)


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _in_words(change: Change) -> list[str]:
    """A write a command asked for, as the outcome lists it."""
    if isinstance(change, SetField):
        return [f"board {change.field} = {change.value}"]
    if isinstance(change, ClearField):
        return [f"board {change.field} cleared"]
    if isinstance(change, AddLabels):
        return [f"label + {name}" for name in change.labels]
    if isinstance(change, RemoveLabels):
        return [f"label - {name}" for name in change.labels]
    if isinstance(change, SetAssignees):
        return [f"assignees = {', '.join(change.logins) or 'none'}"]
    return []


def _commands_outcome(intents: Intents, asked: Sequence[Change]) -> CommandsOutcome:
    writes = [words for change in asked for words in _in_words(change)]
    writes += [
        f"note {key} = {value}" if value is not None else f"note {key} deleted"
        for key, value in intents.notes.items()
    ]
    return CommandsOutcome(
        ran=intents.lines,
        reaction=intents.reaction,
        replied=intents.reply is not None,
        ignored=intents.ignored,
        writes=tuple(writes),
    )


def _ids_after(before: dict[str, int], applied: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The bot's comment ids once `applied` is done: created ones added, deleted ones gone."""
    ids = dict(before)
    for record in applied:
        if record.get("kind") not in ("upsert_comment", "delete_comment"):
            continue
        result = record.get("result") or {}
        if result.get("action") == "deleted":
            ids.pop(record["key"], None)
        elif result.get("comment_id"):
            ids[record["key"]] = result["comment_id"]
    return ids
