"""`next_change`: the next moment time alone may change a rule's verdict (table-driven)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from service.engine.model import Ruleset
from service.engine.moments import next_change
from tests.engine.support import NOW, default_rules, snap

M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def ruleset(*rules: dict[str, Any]) -> Ruleset:
    return Ruleset.model_validate(
        {
            "version": 1,
            "rules": [
                {"name": f"r{n}", "description": "a rule", "require": {}, **rule}
                for n, rule in enumerate(rules)
            ],
        }
    )


GRACE = {"require": {"sections": ["Link"]}, "grace_minutes": 30}
STALE = {"when": {"status": {"is": "In Progress"}}, "require": {"active_within": {"days": 7}}}
IN_STATUS = {"require": {"not": {"in_status_for": {"days": 3}}}}

# (case, rules, snapshot, the moment as a span from NOW; None: time changes nothing)
CASES: list[tuple[str, tuple[dict[str, Any], ...], dict[str, Any], timedelta | None]] = [
    ("grace ends", (GRACE,), {"age": 10 * M}, 20 * M),
    ("grace already over", (GRACE,), {"age": 40 * M}, None),
    ("grace ends exactly now: already over", (GRACE,), {"age": 30 * M}, None),
    ("no grace, no time test", ({"require": {"sections": ["Link"]}},), {"age": M}, None),
    (
        "grace of a rule that does not apply",
        ({**GRACE, "when": {"state": "closed"}},),
        {"age": 10 * M},
        None,
    ),
    ("turns stale", (STALE,), {"board": {"Status": "In Progress"}, "last_activity": 2 * D}, 5 * D),
    ("stale already", (STALE,), {"board": {"Status": "In Progress"}, "last_activity": 8 * D}, None),
    ("stale rule not applying", (STALE,), {"board": {"Status": "Todo"}, "last_activity": D}, None),
    # Without a recorded activity, the creation counts.
    ("stale from creation", (STALE,), {"board": {"Status": "In Progress"}, "age": D}, 6 * D),
    ("idle_for", ({"require": {"idle_for": {"hours": 12}}},), {"last_activity": 2 * H}, 10 * H),
    ("in_status_for, nested in not", (IN_STATUS,), {"status_age": D}, 2 * D),
    ("in_status_for, status time unknown", (IN_STATUS,), {}, None),
    (
        "a time test in `when` counts though `when` does not hold yet",
        ({"when": {"in_status_for": {"hours": 4}}, "require": {"assignees": {"ge": 1}}},),
        {"status_age": H},
        3 * H,
    ),
    (
        "inside any/all",
        ({"require": {"any": [{"all": [{"active_within": {"hours": 6}}]}, {"state": "closed"}]}},),
        {"last_activity": H},
        5 * H,
    ),
    (
        "the earliest of several rules",
        (GRACE, STALE),
        {"board": {"Status": "In Progress"}, "last_activity": 7 * D - 5 * M, "age": 20 * M},
        5 * M,
    ),
    (
        "the earliest of one rule's tests",
        ({"require": {"active_within": {"hours": 5}, "in_status_for": {"hours": 2}}},),
        {"last_activity": H, "status_age": H},
        H,
    ),
]


@pytest.mark.parametrize(
    ("rules", "state", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_next_change(
    rules: tuple[dict[str, Any], ...], state: dict[str, Any], expected: timedelta | None
) -> None:
    moment = next_change(ruleset(*rules), snap(**state))
    assert moment == (NOW + expected if expected is not None else None)


def test_a_new_social_request_under_the_default_rules_is_looked_at_when_its_grace_ends() -> None:
    # Opened 10 minutes ago: social-post's 30 minutes of grace end in 20. The rules with
    # 15 minutes of grace do not apply to it (they need a board Status or an estimate).
    state = snap(age=10 * M, labels=("type: social",), body="### Copy\n\nHello")
    assert next_change(default_rules(), state) == NOW + 20 * M
