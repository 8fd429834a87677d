"""A bounded cache of REST read answers, for conditional requests.

GitHub answers a GET carrying `If-None-Match` (or `If-Modified-Since`) with `304 Not
Modified` and no body when nothing changed, and a 304 does not count against the rate limit.
So the gateway keeps the last answer of each URL with its `ETag` / `Last-Modified`, sends
them back, and on a 304 answers from here.

Entries are keyed by (scope, URL): the scope names whose credentials read the answer (an
App installation, a token), so one installation never receives what another one read. The
cache is per process and bounded in bytes (least recently used entries go first); writes
are never cached. Bodies are kept as the JSON text GitHub sent: a string cannot be changed
by a caller, and its length is what the bound counts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

# A few hundred bytes of bookkeeping per entry (key, headers, object overhead), counted so
# that a flood of tiny answers cannot grow the cache past its bound either.
ENTRY_OVERHEAD = 512


@dataclass(frozen=True)
class CachedAnswer:
    """The last 200 answer of one URL: its validators, the headers a caller reads, its body."""

    etag: str | None
    last_modified: str | None
    link: str | None  # the `Link` header of a listing page (its next page)
    text: str

    @property
    def size(self) -> int:
        return len(self.text) + ENTRY_OVERHEAD

    def validators(self) -> dict[str, str]:
        """The request headers that make the next GET of this URL conditional."""
        if self.etag:
            return {"If-None-Match": self.etag}
        if self.last_modified:
            return {"If-Modified-Since": self.last_modified}
        return {}


class ConditionalCache:
    """Least-recently-used answers by (scope, URL), at most `max_bytes` in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # One answer may take at most an eighth of the bound, so one huge file read cannot
        # push out every issue the workers are busy with.
        self.max_entry = max_bytes // 8
        self._entries: OrderedDict[tuple[str, str], CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, scope: str, url: str) -> CachedAnswer | None:
        with self._lock:
            found = self._entries.get((scope, url))
            if found is not None:
                self._entries.move_to_end((scope, url))
            return found

    def put(self, scope: str, url: str, answer: CachedAnswer) -> None:
        """Keep `answer` (when it has a validator and fits), evicting the oldest as needed."""
        key = (scope, url)
        with self._lock:
            self._drop(key)
            if answer.validators() and answer.size <= self.max_entry:
                self._entries[key] = answer
                self._bytes += answer.size
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, str]) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
