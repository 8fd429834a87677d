"""The one place every GitHub call passes: metrics, and the cost of the current delivery."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from service.metrics import GITHUB_CALLS

CallKind = Literal["rest", "graphql"]


@dataclass
class CallLedger:
    """GitHub calls made while one delivery (or one command) was processed."""

    reads: int = 0
    writes: int = 0
    # Reads GitHub answered `304 Not Modified` (counted in `reads` too): they cost no rate
    # limit, the gateway answered them from its conditional-request cache.
    not_modified: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    planned_writes: list[dict[str, object]] = field(default_factory=list)  # dry-run only

    def as_outcome(self) -> dict[str, object]:
        out: dict[str, object] = {
            "reads": self.reads,
            "writes": self.writes,
            "calls": dict(sorted(self.by_operation.items())),
        }
        if self.not_modified:
            out["not_modified"] = self.not_modified
        if self.planned_writes:
            out["planned_writes"] = list(self.planned_writes)
        return out


_current: ContextVar[CallLedger | None] = ContextVar("boardwatch_call_ledger", default=None)


@contextmanager
def ledger() -> Iterator[CallLedger]:
    """Collect the calls made inside the block (per thread / task) into a fresh ledger."""
    book = CallLedger()
    token = _current.set(book)
    try:
        yield book
    finally:
        _current.reset(token)


def record_call(kind: CallKind, operation: str, status: str, *, write: bool) -> None:
    """Count one HTTP request to GitHub: call this once per request actually sent."""
    GITHUB_CALLS.labels(kind=kind, operation=operation, status=status).inc()
    book = _current.get()
    if book is not None:
        if write:
            book.writes += 1
        else:
            book.reads += 1
            if status == "304":
                book.not_modified += 1
        book.by_operation[operation] += 1


def record_planned_write(operation: str, arguments: dict[str, object]) -> None:
    """In dry-run, note a write that was not sent (arguments must be JSON-serialisable)."""
    book = _current.get()
    if book is not None:
        book.planned_writes.append({"operation": operation, **arguments})
