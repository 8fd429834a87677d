"""`python -m bench.pollonly serve|worker ...`: the real `boardwatch` command with the wakeup
turned off, so workers learn of new deliveries only at their poll, as before issue 17. The
baseline of `bench reaction`, measured in the same run.

Module-level code patches the worker processes' waiter away and stops `serve` from ringing
them; a spawned worker process imports this module again as its `__main__`, so workers get
it too.
"""

from __future__ import annotations

import service.worker.processes as processes
from service.cli.main import app
from service.store.group_commit import GroupCommit

processes._waiter = lambda store, bell: None  # type: ignore[assignment]
GroupCommit.on_stored = lambda self, listener: None  # type: ignore[method-assign]

if __name__ == "__main__":
    app()
