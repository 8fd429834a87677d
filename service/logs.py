"""Structured logs: one JSON object a line, carrying the delivery being processed, redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from service.redact import redact

_delivery: ContextVar[str | None] = ContextVar("boardwatch_delivery", default=None)


class _DeliveryFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "delivery"):
            record.delivery = _delivery.get()
        return True


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines with every configured secret masked: message, extra fields and tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


@contextmanager
def delivery_context(delivery_id: str) -> Iterator[None]:
    """Every log line inside the block names this delivery."""
    token = _delivery.set(delivery_id)
    try:
        yield
    finally:
        _delivery.reset(token)


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for the whole process (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingJsonFormatter(
            "{asctime}{levelname}{name}{message}{delivery}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_DeliveryFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "httpx", "httpcore", "urllib3", "github"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
