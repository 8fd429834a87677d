"""Re-evaluate one issue: load its snapshot, run the rules, apply the plan, record it all.

The webhook payload is read first; GitHub is asked only for what the payload lacks: the
board item (one GraphQL read), and the bot's comments only when the store does not
already know them and the issue has comments at all.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from service.engine.apply import apply
from service.engine.changes import AddLabels, Change, ClearField, SetField
from service.engine.desired import RuleResult
from service.engine.evaluate import evaluate
from service.engine.model import Ruleset
from service.engine.plan import plan, simulate
from service.engine.snapshot import Snapshot
from service.gateway.markers import marker_key
from service.gateway.models import Board, BoardItem, Issue
from service.gateway.protocol import GitHubGateway
from service.store import history, notes

log = logging.getLogger(__name__)

# Notes the evaluation keeps per issue (table issue_notes).
NOTE_ACTIVITY = "last_human_activity"
NOTE_COMMENTS = "bot_comments"  # JSON {rule: body} of the bot's comments as last written


@dataclass
class Evaluation:
    """What one issue needs from the rest of the process."""

    gateway: GitHubGateway
    engine: Engine
    ruleset: Ruleset
    board: Board | None
    bot_login: str | None
    now: datetime
    delivery_id: str | None = None
    # Labels known to exist in a repository, so each is ensured once per process.
    ensured_labels: set[tuple[str, str]] | None = None
    # `boardwatch plan`: read GitHub and the store, change neither.
    read_only: bool = False


def bot_comments_from(comments: list[Any], bot_login: str | None) -> dict[str, str]:
    """Rule name -> body of the bot's marker comments (`<!-- boardwatch:RULE -->`)."""
    found: dict[str, str] = {}
    for comment in comments:
        if bot_login and comment.author and comment.author != bot_login:
            continue
        key = marker_key(comment.body)
        if key:
            found[key] = comment.body
    return found


def last_human_activity(ev: Evaluation, issue: Issue, recorded: dict[str, str]) -> datetime | None:
    """When a person last touched the issue, as recorded from webhooks.

    Before the first recorded event, GitHub's `updated_at` is the best bound there is;
    it may include the bot's own changes, so a rule about inactivity errs on the side
    of not nagging.
    """
    if NOTE_ACTIVITY in recorded:
        return datetime.fromisoformat(recorded[NOTE_ACTIVITY])
    return issue.updated_at


def note_human_activity(engine: Engine, issue: Issue, at: datetime, actor: str | None) -> None:
    notes.set_note(engine, issue.repo, issue.number, NOTE_ACTIVITY, at.isoformat(), actor=actor)


def _known_comments(ev: Evaluation, issue: Issue, recorded: dict[str, str]) -> dict[str, str]:
    if NOTE_COMMENTS in recorded:
        return json.loads(recorded[NOTE_COMMENTS])
    if issue.comments == 0:
        return {}
    comments = bot_comments_from(ev.gateway.list_comments(issue.repo, issue.number), ev.bot_login)
    if not ev.read_only:
        notes.set_note(ev.engine, issue.repo, issue.number, NOTE_COMMENTS, json.dumps(comments))
    return comments


def forget_comments(engine: Engine, issue: Issue) -> None:
    """A comment was deleted by someone: read the bot's comments again next time."""
    notes.delete_note(engine, issue.repo, issue.number, NOTE_COMMENTS)


def observe(
    ev: Evaluation, issue: Issue, item: BoardItem | None, *, actor: str | None, source: str
) -> datetime | None:
    """Record a Status or open/closed state that differs from history's last one (unless
    read-only); returns since when the issue has its current Status, as far as history knows."""
    status_seen = history.last(ev.engine, issue.repo, issue.number, "status")
    last_status, status_since = status_seen or (None, None)
    if item is not None:
        raw = item.value(ev.ruleset.board.status_field)
        status = str(raw) if raw is not None else None
        if status != last_status:
            status_since = ev.now
            if not ev.read_only:
                history.record_status(
                    ev.engine,
                    repo=issue.repo,
                    number=issue.number,
                    item_id=item.id,
                    old=last_status,
                    new=status,
                    at=ev.now,
                    actor=actor,
                    source=source,
                    delivery_id=ev.delivery_id,
                )
    state_seen = history.last(ev.engine, issue.repo, issue.number, "state")
    last_state = state_seen[0] if state_seen else None
    changed = issue.state != last_state and (last_state is not None or issue.state == "closed")
    if changed and not ev.read_only:
        history.record_state(
            ev.engine,
            repo=issue.repo,
            number=issue.number,
            old=last_state,
            new=issue.state,
            at=issue.closed_at if issue.state == "closed" and issue.closed_at else ev.now,
            actor=actor,
            source=source,
            delivery_id=ev.delivery_id,
        )
    return status_since


def load_snapshot(
    ev: Evaluation,
    issue: Issue,
    item: BoardItem | bool | None = True,
    *,
    actor: str | None = None,
    source: str = "observed",
) -> tuple[Snapshot, BoardItem | None]:
    """The issue's snapshot. `item=True`: read the board item; else use the one given.

    A Status or state that differs from history is recorded first (by `actor`, from
    `source`), so time in status counts from this change, not from the one before.
    """
    if item is True:
        item = (
            ev.gateway.get_item(ev.board, issue.node_id)
            if ev.board is not None and issue.node_id
            else None
        )
    board_item: BoardItem | None = item if isinstance(item, BoardItem) else None
    status_since = observe(ev, issue, board_item, actor=actor, source=source)
    recorded = notes.get_notes(ev.engine, issue.repo, issue.number)
    snapshot = Snapshot(
        issue=issue,
        item=board_item,
        now=ev.now,
        last_human_activity=last_human_activity(ev, issue, recorded),
        status_since=status_since,
        notes={k: v for k, v in recorded.items() if k not in (NOTE_ACTIVITY, NOTE_COMMENTS)},
        bot_comments=_known_comments(ev, issue, recorded),
    )
    return snapshot, board_item


def rule_results(ev: Evaluation, issue: Issue) -> tuple[RuleResult, ...]:
    """How every rule stands on the issue right now (reads, never writes)."""
    snapshot, _ = load_snapshot(ev, issue)
    return evaluate(ev.ruleset, snapshot).results


def _ensure_labels(ev: Evaluation, issue: Issue, changes: list[Change]) -> None:
    """Create the bot's labels (colour, description) before first use in a repository."""
    specs = {**ev.ruleset.labels, **ev.ruleset.owned_labels}
    for change in changes:
        if not isinstance(change, AddLabels):
            continue
        for label in change.labels:
            key = (issue.repo, label.casefold())
            spec = specs.get(label)
            if spec is None or (ev.ensured_labels is not None and key in ev.ensured_labels):
                continue
            ev.gateway.ensure_label(issue.repo, label, spec.color, spec.description)
            if ev.ensured_labels is not None:
                ev.ensured_labels.add(key)


def reevaluate(
    ev: Evaluation,
    issue: Issue,
    item: BoardItem | bool | None = True,
    *,
    actor: str | None = None,
    source: str = "observed",
) -> dict[str, Any]:
    """Run the rules on one issue and make GitHub match them; returns the outcome record."""
    snapshot, board_item = load_snapshot(ev, issue, item, actor=actor, source=source)
    desired = evaluate(ev.ruleset, snapshot)
    changes = plan(snapshot, desired)
    outcome: dict[str, Any] = {
        "issue": f"{issue.repo}#{issue.number}",
        "rules": {r.name: r.status for r in desired.results},
    }
    if errors := {r.name: r.error for r in desired.results if r.error}:
        log.warning("rule errors on %s#%d: %s", issue.repo, issue.number, errors)
        outcome["rule_errors"] = errors
    if not desired.converged:
        log.warning("rules do not settle on %s#%d; applied one pass", issue.repo, issue.number)
        outcome["converged"] = False
    if ev.read_only:
        outcome["missing"] = {
            r.name: [m.model_dump(mode="json") for m in r.missing]
            for r in desired.results
            if r.failing
        }
        outcome["plan"] = [c.model_dump(mode="json") for c in changes]
        return outcome
    if not changes:
        outcome["changes"] = []
        return outcome
    _ensure_labels(ev, issue, changes)
    outcome["changes"] = apply(changes, ev.gateway, ev.board, issue, item=board_item)
    after = simulate(snapshot, changes, status_field=ev.ruleset.board.status_field)
    if after.bot_comments != snapshot.bot_comments:
        notes.set_note(
            ev.engine, issue.repo, issue.number, NOTE_COMMENTS, json.dumps(after.bot_comments)
        )
    status_field = ev.ruleset.board.status_field.casefold()
    if any(
        isinstance(c, SetField | ClearField) and c.field.casefold() == status_field for c in changes
    ):
        observe(ev, issue, after.item, actor=ev.bot_login, source="rule")
    return outcome
