"""The `/help` reply: the commands, and how each rule stands on this issue (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from service.commands.parser import USAGE
from service.engine.desired import RuleResult
from service.engine.model import Ruleset

_MARK = {"holds": "✅ holds", "failing": "❌ not yet", "grace": "⏳ not checked yet (new issue)"}


def commands_table() -> str:
    rows = "\n".join(f"| `/{name}` | {usage} |" for name, usage in USAGE.items())
    return "| command | how |\n| --- | --- |\n" + rows


def help_text(ruleset: Ruleset, results: Sequence[RuleResult] | None) -> str:
    """The commands table, then each rule that applies to the issue and whether it holds.

    `results` None: how the rules stand is unknown, so nothing is said about them.
    """
    lines = [
        "**boardwatch commands** — write one per line in a comment:",
        "",
        commands_table(),
    ]
    if results is None:
        return "\n".join(lines)
    applying = [r for r in results if r.status != "not_applicable"]
    if not applying:
        lines += ["", "No rule applies to this issue now."]
    else:
        lines += ["", "**Rules for this issue**", ""]
        for result in applying:
            rule = ruleset.rule(result.name)
            about = rule.description if rule else result.name
            lines.append(
                f"- **{result.name}** — {about}: {_MARK.get(result.status, result.status)}"
            )
            for missing in result.missing:
                fix = f" ({missing.fix})" if missing.fix else ""
                lines.append(f"  - needs {missing.text}{fix}")
    return "\n".join(lines)
