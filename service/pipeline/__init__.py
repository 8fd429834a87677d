"""One pipeline per subject: read, evaluate rules and intents, plan once, apply, record.

`subject.py` holds the pipeline and its pure decision; `apply.py` sends a plan through the
GitHub gateway. Webhook handlers, the sweep, `boardwatch plan` and `/help` all use it.
"""

from service.pipeline.subject import (
    READ,
    BotComment,
    CommandsOutcome,
    Decision,
    Outcome,
    Pipeline,
    Reading,
    decide,
)

__all__ = [
    "READ",
    "BotComment",
    "CommandsOutcome",
    "Decision",
    "Outcome",
    "Pipeline",
    "Reading",
    "decide",
]
