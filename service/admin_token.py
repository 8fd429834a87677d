"""The admin token: read from an `Authorization: Bearer` header, compared in constant time.

Whatever is sent (empty, huge, any characters) is compared as UTF-8 bytes: a token never
causes a 500, and the time taken says nothing about how much of it matched.
"""

from __future__ import annotations

import hmac

from fastapi.security import HTTPBearer
from pydantic import SecretStr

# Declared on the admin routes (and the optional ones of /setup) so the OpenAPI document, and
# /docs, show them as needing the token; the routes decide between 401 and 404 themselves.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="adminToken",
    description="BOARDWATCH_ADMIN_TOKEN, sent as `Authorization: Bearer <token>`",
)


def _bytes(text: str) -> bytes:
    # surrogatepass: even text holding an unpaired surrogate becomes bytes, never an error
    return text.encode("utf-8", "surrogatepass")


def matches(given: str | None, expected: SecretStr | None) -> bool:
    """Whether `given` is the configured token (never, when none is configured or sent)."""
    if not given or expected is None:
        return False
    return hmac.compare_digest(_bytes(given), _bytes(expected.get_secret_value()))
