"""`next_change(ruleset, snapshot)`: the next moment time alone may change a verdict (pure).

Rules act on events, but some verdicts change with nothing happening: a rule's grace
period ends (`grace_minutes` after the issue was opened), an item crosses an `idle_for` /
`active_within` limit (from the last activity by a person) or an `in_status_for` limit
(from when the Status was set). Each of those is a known moment; the earliest one still
ahead is when the issue should be evaluated again.

The answer may be early, never late: a moment of a rule whose other tests do not hold then
merely costs one evaluation that changes nothing (and names the next moment).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from service.engine.conditions import holds
from service.engine.model import Condition, Duration, Rule, Ruleset
from service.engine.snapshot import Snapshot


def _conditions(condition: Condition) -> list[Condition]:
    """`condition` and every condition nested in it (`all`, `any`, `not`)."""
    found = [condition]
    for sub in [*(condition.all_ or []), *(condition.any_ or [])]:
        found += _conditions(sub)
    if condition.not_ is not None:
        found += _conditions(condition.not_)
    return found


def _after(start: datetime | None, span: Duration | None) -> list[datetime]:
    return [start + span.delta] if start is not None and span is not None else []


def crossings(condition: Condition, snapshot: Snapshot) -> list[datetime]:
    """The moments at which one of `condition`'s time tests turns (past ones included)."""
    activity, status_since = snapshot.last_activity(), snapshot.status_since
    found: list[datetime] = []
    for part in _conditions(condition):
        found += _after(activity, part.idle_for)
        found += _after(activity, part.active_within)
        found += _after(status_since, part.in_status_for)
    return found


def _rule_moments(rule: Rule, ruleset: Ruleset, snapshot: Snapshot) -> list[datetime]:
    on_when = crossings(rule.when, snapshot)
    # A rule whose `when` has no time test and does not hold stays out until an event.
    if not on_when and not holds(rule.when, snapshot, ruleset.board):
        return []
    found = on_when + crossings(rule.require, snapshot)
    created = snapshot.issue.created_at
    if rule.grace_minutes and created is not None:
        found.append(created + timedelta(minutes=rule.grace_minutes))
    return found


def next_change(ruleset: Ruleset, snapshot: Snapshot) -> datetime | None:
    """The earliest moment after `snapshot.now` at which a rule's verdict may change with no
    event; None when time alone changes nothing."""
    ahead = [
        moment
        for rule in ruleset.rules
        for moment in _rule_moments(rule, ruleset, snapshot)
        if moment > snapshot.now
    ]
    return min(ahead, default=None)
