"""When to retry a GitHub call, and how long to wait: rate limits, 5xx, timeouts.

One policy for REST and GraphQL. Every wait is bounded by `max_wait` seconds in total
for one call; after that the call fails with the last error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

SECONDARY_LIMIT_WAIT = 60.0  # GitHub: wait at least a minute when no Retry-After is given


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
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
    retry_after = _header(headers, "retry-after")
    if status in (403, 429):
        if retry_after is not None and retry_after.strip().isdigit():
            return float(retry_after)
        if _header(headers, "x-ratelimit-remaining") == "0":
            reset = _header(headers, "x-ratelimit-reset")
            if reset is not None and reset.strip().isdigit():
                return max(float(reset) - (now if now is not None else time.time()), 0.0) + 1.0
        if status == 429 or "secondary rate limit" in body.lower():
            return SECONDARY_LIMIT_WAIT * (2 ** (attempt - 1))
        return None  # a real permission problem: retrying cannot help
    if status is None or status >= 500:
        return base * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
    return None


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
