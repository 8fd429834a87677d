"""Real webhook payloads from the corpora, and signed requests the way GitHub sends them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from service.intake.signature import sign

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "webhooks"
SECRET = "test-webhook-secret"


def corpus_files() -> list[Path]:
    """Every payload example: `<event>/<action>[.variant].json`."""
    return sorted(p for p in CORPUS.glob("*/*.json"))


def corpus_event(path: Path) -> str:
    return path.parent.name


def headers(
    body: bytes, event: str, *, delivery: str | None = None, secret: str | None = SECRET
) -> dict[str, str]:
    out = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "User-Agent": "GitHub-Hookshot/test",
    }
    if secret is not None:
        out["X-Hub-Signature-256"] = sign(secret, body)
    return out


def encode(payload: dict) -> bytes:
    return json.dumps(payload).encode()
