"""When to retry a GitHub call, and how long to wait: rate limits, 5xx, timeouts.

One policy for REST and GraphQL. Every wait is bounded by `max_wait` seconds in total
for one call; after that the call fails with the last error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

SECONDARY_LIMIT_WAIT = 60.0  # GitHub: wait at least a minute when no Retry-After is given
# GraphQL answers a spent primary limit with HTTP 200 and an error of one of these types.
GRAPHQL_RATE_LIMIT_TYPES = frozenset({"RATE_LIMITED", "RATE_LIMIT"})


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _retry_after(value: str, now: float) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds, or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def limit_wait(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait a rate-limit answer asks for (`Retry-After`, or the primary limit's reset)."""
    clock = now if now is not None else time.time()
    retry_after = _header(headers, "retry-after")
    if retry_after is not None:
        seconds = _retry_after(retry_after, clock)
        if seconds is not None:
            return seconds
    reset = _header(headers, "x-ratelimit-reset")
    if _header(headers, "x-ratelimit-remaining") == "0" and reset and reset.strip().isdigit():
        # One second past the reset: GitHub's clock and ours differ a little.
        return max(float(reset) - clock, 0.0) + 1.0
    return None


def wait_for(
    status: int | None,
    headers: Mapping[str, str],
    body: str,
    attempt: int,
    *,
    base: float = 1.0,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before retrying, or None when the answer must not be retried.

    `status` None means no answer (timeout, connection error). `attempt` counts from 1.
    """
    if status in (403, 429):
        asked = limit_wait(headers, now=now)
        if asked is not None:
            return asked
        if status == 429 or "secondary rate limit" in body.lower():
            return float(SECONDARY_LIMIT_WAIT * (2 ** (attempt - 1)))
        return None  # a real permission problem: retrying cannot help
    if status is None or status >= 500:
        return float(base * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
    return None


def graphql_limit_wait(
    headers: Mapping[str, str], attempt: int, *, now: float | None = None
) -> float:
    """The wait after a GraphQL `RATE_LIMITED` error (sent with HTTP 200)."""
    asked = limit_wait(headers, now=now)
    if asked is None:
        reset = _header(headers, "x-ratelimit-reset")
        if reset and reset.strip().isdigit():
            clock = now if now is not None else time.time()
            asked = max(float(reset) - clock, 0.0) + 1.0
    return asked if asked is not None else SECONDARY_LIMIT_WAIT * (2 ** (attempt - 1))


@dataclass
class RetryPolicy:
    max_wait: float = 120.0
    base: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def pause(self, delay: float, waited: float) -> float | None:
        """Sleep `delay` if the budget allows; returns the new total waited, or None."""
        if waited + delay > self.max_wait:
            return None
        self.sleep(delay)
        return waited + delay
