"""`X-Hub-Signature-256` verification against every configured secret (for rotation)."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from pydantic import SecretStr

PREFIX = "sha256="


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.digest(secret.encode(), body, "sha256")


def sign(secret: str, body: bytes) -> str:
    """The header value GitHub sends for `body` signed with `secret`."""
    return PREFIX + _mac(secret, body).hex()


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
        expected = _mac(secret.get_secret_value(), body)
        matched |= hmac.compare_digest(expected, given)
    return matched
