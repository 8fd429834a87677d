"""`X-Hub-Signature-256` verification against every configured secret (for rotation)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from pydantic import SecretStr

PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value GitHub sends for `body` signed with `secret`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid(header: str | None, body: bytes, secrets: Sequence[SecretStr]) -> bool:
    """True when `header` is the HMAC-SHA256 of `body` under one of `secrets`."""
    if not header or not header.startswith(PREFIX):
        return False
    try:
        given = bytes.fromhex(header[len(PREFIX) :])
    except ValueError:
        return False
    # Check every secret (no early exit) so timing says nothing about which one matched.
    matched = False
    for secret in secrets:
        expected = hmac.digest(secret.get_secret_value().encode(), body, "sha256")
        matched |= hmac.compare_digest(expected, given)
    return matched
