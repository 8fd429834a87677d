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
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine

from service.commands.intents import (
    CommandLine,
    DeclaredMetrics,
    Intents,
    resolve,
    wants_change,
)
from service.commands.parser import Command, ParseError, RecordMetric
from service.commands.permissions import PermissionCache
from service.domain.markers import marker_key
from service.domain.models import Board, BoardItem, Comment, Issue, Permission
from service.engine.changes import (
    AddLabels,
    AddReaction,
    Change,
    ClearField,
    DeleteComment,
    RemoveLabels,
    SetAssignees,
    SetField,
    UpsertComment,
)
from service.engine.conditions import Missing
from service.engine.desired import Desired, RuleStatus, overrule
from service.engine.evaluate import evaluate
from service.engine.model import Ruleset
from service.engine.moments import next_change
from service.engine.plan import plan, simulate
from service.engine.snapshot import Snapshot
from service.gateway.protocol import GitHubGateway
from service.pipeline.apply import apply
from service.store import history, notes
from service.store import metrics as metric_values
from service.store.deliveries import DeliveryQueue, issue_subject
from service.store.metrics import MetricValue
from service.store.reviews import Review, plan_review
from service.store.sql import reading

log = logging.getLogger(__name__)

# Notes the pipeline keeps per issue (table issue_notes).
NOTE_ACTIVITY = notes.ACTIVITY
# JSON {key: {"id": ID, "body": BODY}} of the bot's comments as last written (ids let an
# edit be one request with no listing; older rows hold {key: BODY}).
NOTE_COMMENTS = "bot_comments"
_OWN_NOTES = (NOTE_ACTIVITY, NOTE_COMMENTS)
# What the boards an issue is on disagree about (JSON of `Contested`), as last seen by an
# event that read all its boards: a sweep of one board leaves those alone too.
NOTE_CONTESTED = "contested"

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
    review_at: datetime | None = Field(
        default=None,
        description="when time alone may change a rule's verdict: the issue is evaluated "
        "again then (scheduled, unless read-only)",
    )
    contested_labels: tuple[str, ...] | None = Field(
        default=None,
        description="labels another board's rules want otherwise: left as they are, reported",
    )
    contested_comments: tuple[str, ...] | None = Field(
        default=None, description="rule comments another board's rules want otherwise: left"
    )

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


class Contested(BaseModel):
    """What the boards an issue is on want otherwise: left as it is by every board's run."""

    model_config = ConfigDict(frozen=True)

    labels: frozenset[str] = frozenset()  # lower-case label names
    comments: frozenset[str] = frozenset()  # comment keys (rule names)

    def __or__(self, other: Contested) -> Contested:
        return Contested(labels=self.labels | other.labels, comments=self.comments | other.comments)

    def __bool__(self) -> bool:
        return bool(self.labels or self.comments)

    @classmethod
    def from_note(cls, text: str | None) -> Contested:
        if not text:
            return cls()
        try:
            return cls.model_validate_json(text)
        except ValueError:
            return cls()  # a note this version cannot read: nothing is contested

    def note(self) -> str:
        return json.dumps({"labels": sorted(self.labels), "comments": sorted(self.comments)})


def contested_between(wants: Sequence[Desired]) -> Contested:
    """Labels one board wants present and another absent, and rule comments the boards want
    differently (one a body, another none or another body) (pure)."""
    present = {label.casefold() for want in wants for label, on in want.labels.items() if on}
    absent = {label.casefold() for want in wants for label, on in want.labels.items() if not on}
    bodies: dict[str, set[str | None]] = {}
    for want in wants:
        for key, body in want.comments.items():
            bodies.setdefault(key, set()).add(body)
    comments = {key for key, seen in bodies.items() if len(seen) > 1}
    return Contested(labels=frozenset(present & absent), comments=frozenset(comments))


def _leave_contested(changes: Sequence[Change], contested: Contested) -> tuple[Change, ...]:
    """`changes` without touching a contested label or comment (pure)."""
    if not contested:
        return tuple(changes)
    kept: list[Change] = []
    for change in changes:
        if isinstance(change, AddLabels | RemoveLabels):
            labels = tuple(x for x in change.labels if x.casefold() not in contested.labels)
            if labels:
                kept.append(change.model_copy(update={"labels": labels}))
        elif isinstance(change, UpsertComment | DeleteComment):
            if change.key not in contested.comments:
                kept.append(change)
        else:
            kept.append(change)
    return tuple(kept)


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
    # The metrics `/metric` may give values of (read when a comment has one); None: none.
    declared_metrics: Callable[[], DeclaredMetrics] | None = None
    # The team's time zone: `/metric` without a date means today there.
    timezone: str = "UTC"
    # The installation a scheduled re-evaluation acts through (None: the default one).
    installation_id: int | None = None
    # What the rules of another board the issue is on want otherwise: neither added nor
    # removed here, so two boards never undo each other's labels and comments.
    contested: Contested = field(default_factory=Contested)

    # -- 1. read ---------------------------------------------------------------------------
    def read(
        self,
        issue: Issue,
        item: ItemArg = READ,
        *,
        fresh_comments: bool = False,
        activity_at: datetime | None = None,
    ) -> Reading:
        """The issue's snapshot; writes nothing. `fresh_comments`: list the bot's comments
        again (someone deleted a comment), whatever the store remembers. `activity_at`: a
        person's activity this event reports, newer than any recorded."""
        if item == READ:
            item = (
                self.gateway.get_item(self.board, issue.node_id)
                if self.board is not None and issue.node_id
                else None
            )
        board_item = item if isinstance(item, BoardItem) else None
        # One connection for the store's part (a pool checkout, and on PostgreSQL its ping,
        # instead of one per query).
        with reading(self.engine) as conn:
            recorded = notes.get_notes(conn, issue.repo, issue.number)
            observations, status_since = self._observe(conn, issue, board_item)
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
        last_activity = notes.human_activity(recorded, issue)
        if activity_at is not None and (last_activity is None or activity_at > last_activity):
            last_activity = activity_at
        snapshot = Snapshot(
            issue=issue,
            item=board_item,
            now=self.now,
            # The same notion of activity as the reports' (people's, never the bot's).
            last_human_activity=last_activity,
            status_since=status_since,
            notes={k: v for k, v in recorded.items() if k not in _OWN_NOTES},
            bot_comments={key: comment.body for key, comment in known.items()},
            board_fields=self.board.fields if self.board is not None else (),
        )
        return Reading(snapshot=snapshot, observations=observations, comments=known, listed=listed)

    def _observe(
        self, conn: Connection, issue: Issue, item: BoardItem | None
    ) -> tuple[tuple[Observation, ...], datetime | None]:
        """What differs from history, and since when the issue has its current Status."""
        found: list[Observation] = []
        # This board's item only: an issue on two boards has a Status on each.
        last_status, status_since = history.last(
            conn, issue.repo, issue.number, "status", item_id=item.id if item else None
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
        seen = history.last(conn, issue.repo, issue.number, "state")
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
        reading = self.read(issue, item, fresh_comments=fresh_comments, activity_at=activity_at)
        intents = self._intents(reading.snapshot, commands, actor)
        decision = decide(self.ruleset, reading.snapshot, intents, comment_id)
        snapshot, desired = decision.snapshot, decision.desired
        contested = self.contested | Contested.from_note(reading.snapshot.notes.get(NOTE_CONTESTED))
        changes = _leave_contested(decision.changes, contested)
        if not desired.converged:
            log.warning("rules do not settle on %s#%d; applied one pass", issue.repo, issue.number)
        errors = {r.name: r.error for r in desired.results if r.error}
        if errors:
            log.warning("rule errors on %s#%d: %s", issue.repo, issue.number, errors)
        # The moment is the one of the state this run leaves behind (the bot's own changes
        # bring no event that would look again).
        after = simulate(snapshot, list(changes), status_field=self.ruleset.board.status_field)
        review_at = next_change(self.ruleset, after)
        outcome = Outcome(
            issue=f"{issue.repo}#{issue.number}",
            rules={r.name: r.status for r in desired.results},
            converged=False if not desired.converged else None,
            rule_errors=errors or None,
            commands=_commands_outcome(intents, decision.asked) if intents.lines else None,
            review_at=review_at,
            contested_labels=tuple(sorted(contested.labels)) or None,
            contested_comments=tuple(sorted(contested.comments)) or None,
        )
        if self.read_only:
            return outcome.model_copy(
                update={
                    "plan": tuple(changes),
                    "missing": {r.name: r.missing for r in desired.results if r.failing},
                }
            )
        self._record_reading(issue, reading, actor, source, activity_at)
        # Stored before the 👍 that confirms them; a retried delivery stores them again in place.
        self._record_metrics(issue, intents, actor, comment_id)
        ids = {key: c.id for key, c in reading.comments.items() if c.id is not None}
        applied = self._apply(issue, snapshot, list(changes), ids, listed=reading.listed)
        digest = None
        if intents.regenerate_digest and self.regenerate_digest is not None:
            digest = self.regenerate_digest(issue)
        self._record_run(issue, snapshot, list(changes), intents, actor, _ids_after(ids, applied))
        self._schedule_review(issue, review_at)
        return outcome.model_copy(update={"changes": tuple(applied), "digest": digest})

    def wants(self, issue: Issue, item: ItemArg = READ) -> Desired:
        """What this ruleset wants for `issue`, without commands; writes nothing."""
        reading = self.read(issue, item)
        return decide(self.ruleset, reading.snapshot, Intents()).desired

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
        declared = None
        if self.declared_metrics is not None and any(isinstance(c, RecordMetric) for c in commands):
            declared = self.declared_metrics()
        return resolve(
            commands,
            snapshot=snapshot,
            ruleset=self.ruleset,
            board=self.board,
            actor=actor,
            permission=permission,
            rule_results=lambda: evaluate(self.ruleset, snapshot).results,
            digest_ok=self.regenerate_digest is not None,
            metrics=declared,
            today=self.now.astimezone(ZoneInfo(self.timezone)).date(),
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
        """Facts learnt by reading, recorded before any write, so a failed write keeps them.

        One transaction for them all: one commit (on PostgreSQL, one flush of its log) before
        the first write to GitHub, not one per fact."""
        if activity_at is None and not reading.observations and not reading.listed:
            return  # no transaction at all (on SQLite it would take the write lock)
        with self.engine.begin() as conn:
            if activity_at is not None:
                notes.set_note(
                    conn,
                    issue.repo,
                    issue.number,
                    NOTE_ACTIVITY,
                    activity_at.isoformat(),
                    actor=actor,
                )
            for seen in reading.observations:
                self._history(conn, issue, seen, actor=actor, source=source)
            if reading.listed:
                self._remember_comments(conn, issue, reading.comments)

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
                self.engine,
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
                self.engine,
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

    def _record_metrics(
        self, issue: Issue, intents: Intents, actor: str | None, comment_id: int | None
    ) -> None:
        """Store the values `/metric` gave, with who gave them and where (the comment)."""
        if not intents.metrics:
            return
        where = issue.url or f"{issue.repo}#{issue.number}"
        origin = f"{where}#issuecomment-{comment_id}" if comment_id else where
        for given in intents.metrics:
            value = MetricValue(
                metric=given.metric,
                day=given.day,
                value=given.value,
                source="command",
                origin=origin,
                actor=actor,
            )
            metric_values.record_command(self.engine, issue.repo, value)

    def _schedule_review(self, issue: Issue, at: datetime | None) -> None:
        """This run knows the issue best: its moment replaces any the issue had scheduled."""
        review = (
            Review(
                repo=issue.repo,
                number=issue.number,
                node_id=issue.node_id,
                installation_id=self.installation_id,
                at=at,
            )
            if at is not None
            else None
        )
        subject = issue_subject(issue.repo, issue.number, issue.node_id)
        plan_review(DeliveryQueue(self.engine), subject, review)

    def _history(
        self,
        bind: Engine | Connection,
        issue: Issue,
        seen: Observation,
        *,
        actor: str | None,
        source: str,
    ) -> None:
        history.record(
            bind,
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

    def _remember_comments(
        self, bind: Engine | Connection, issue: Issue, comments: dict[str, BotComment]
    ) -> None:
        text = json.dumps({key: c.model_dump() for key, c in comments.items()})
        notes.set_note(bind, issue.repo, issue.number, NOTE_COMMENTS, text)


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
    writes += [f"metric {m.metric} {m.day.isoformat()} = {m.value:g}" for m in intents.metrics]
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
