"""The rules engine: rule files in, desired state out, minimal changes planned (pure core).

Entry points, in the order the worker uses them:

    from service.engine import RulesetHolder, Snapshot, evaluate, plan

    holder = RulesetHolder.load(settings.rules_dir)        # RulesError: refuse to start
    ruleset = holder.for_repository(repo, good_text)  # its last good rule file, or None
    snapshot = Snapshot(issue=issue, item=item, now=now, last_human_activity=...,
                        status_since=..., notes=..., bot_comments=...)
    desired = evaluate(ruleset, snapshot)       # per-rule results + wanted state (pure)
    changes = plan(snapshot, desired)           # [] when nothing to do: make no call

The engine does no I/O: `service.pipeline` reads, applies the plan and records.

`simulate(snapshot, changes)` previews the state after a plan (dry-run, `boardwatch plan`).
The rule format is `service.engine.model`; `load_rules(path)` returns errors as values.
"""

from service.engine.changes import (
    AddLabels,
    AddReaction,
    AddToBoard,
    ArchiveItem,
    Change,
    ClearField,
    DeleteComment,
    RemoveLabels,
    SetAssignees,
    SetField,
    UnarchiveItem,
    UpsertComment,
)
from service.engine.conditions import Missing
from service.engine.desired import Desired, RuleResult
from service.engine.evaluate import evaluate
from service.engine.holder import RulesetHolder
from service.engine.loader import (
    LoadResult,
    RuleError,
    RulesError,
    load_override,
    load_rules,
    load_text,
)
from service.engine.model import Rule, RuleFile, Ruleset
from service.engine.plan import plan, simulate
from service.engine.snapshot import Snapshot

__all__ = [
    "AddLabels",
    "AddReaction",
    "AddToBoard",
    "ArchiveItem",
    "Change",
    "ClearField",
    "DeleteComment",
    "Desired",
    "LoadResult",
    "Missing",
    "RemoveLabels",
    "Rule",
    "RuleError",
    "RuleFile",
    "RuleResult",
    "RulesError",
    "Ruleset",
    "RulesetHolder",
    "SetAssignees",
    "SetField",
    "Snapshot",
    "UnarchiveItem",
    "UpsertComment",
    "evaluate",
    "load_override",
    "load_rules",
    "load_text",
    "plan",
    "simulate",
]
