"""uvicorn with the limits it lacks: a request-read timeout and a cap on open connections.

uvicorn bounds an idle connection only *after* an answer (`timeout_keep_alive`, which any
byte of data resets) and answers 503 past `limit_concurrency` only once a request arrives.
A client that connects and sends nothing, or one header byte every few seconds, was held
open for good: 3,000 such connections all stayed open. `BoundedHttpProtocol` adds:

- a read timeout: from the moment a connection opens (or its previous answer is sent), the
  client has `read_seconds` to send the request line and headers, and then again
  `read_seconds` to send the body; otherwise the connection is closed. Data arriving in
  dribbles does not reset it.
- a connection cap: a connection beyond `max_connections` open at once is closed as soon as
  it is accepted, before any byte of it is read.

uvicorn's own keep-alive timeout still closes an idle connection after an answer.
It subclasses uvicorn's httptools protocol (uvicorn[standard] installs httptools), through
uvicorn's documented `http=` option, which takes a protocol class.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.settings import Settings

log = logging.getLogger(__name__)


class BoundedHttpProtocol(HttpToolsProtocol):
    read_seconds: float = 10.0
    max_connections: int = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.warning("more than %d open connections: one refused", self.max_connections)
            transport.close()
            return
        self._arm_read_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read_timer()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm_read_timer()  # the body gets its own `read_seconds`

    def on_message_complete(self) -> None:
        self._cancel_read_timer()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Waiting for the next request (uvicorn armed its keep-alive timer): its headers
        # must come within `read_seconds` too, whatever dribbles in meanwhile.
        if self.timeout_keep_alive_task is not None and not self.transport.is_closing():
            self._arm_read_timer()

    def _arm_read_timer(self) -> None:
        self._cancel_read_timer()
        self._read_timer = self.loop.call_later(self.read_seconds, self._read_timed_out)

    def _cancel_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            self.transport.close()


# Files the process keeps open besides its connections: the database, the worker processes'
# pipes, logs, the listening socket, and connections past the cap, open until closed.
RESERVED_FILES = 256


@dataclass(frozen=True)
class FileLimit:
    """The open-file limit to set (None: leave it) and the connection cap it leaves room for."""

    soft: int | None
    connections: int


def file_limit(wanted: int, soft: int, hard: int) -> FileLimit:
    """Room for `wanted` connections under the process's open-file limit (`soft`, raisable up to
    `hard`; RLIM_INFINITY is unlimited): raise the soft limit as far as needed and allowed, and
    cap the connections lower when even the hard limit leaves no room for them.

    Without this, a cap above the limit (the common soft limit is 1,024) makes `accept` fail
    with EMFILE, and uvicorn logs an error for each attempt instead of closing the extra one.
    """
    needed = wanted + RESERVED_FILES
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return FileLimit(None, wanted)
    raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    return FileLimit(raised, max(min(wanted, raised - RESERVED_FILES), 1))


def connection_cap(wanted: int) -> int:
    """Raise this process's open-file limit for `wanted` connections; the cap that fits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = file_limit(wanted, soft, hard)
    if limit.soft is not None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit.soft, hard))
    if limit.connections < wanted:
        log.warning(
            "BOARDWATCH_HTTP_MAX_CONNECTIONS is %d, but the open-file limit (hard: %d) leaves "
            "room for %d: no more connections than that are kept open. Raise the hard limit "
            "(ulimit -Hn, the container's nofile) to allow more.",
            wanted,
            hard,
            limit.connections,
        )
    return limit.connections


def bounded_protocol(settings: Settings) -> type[BoundedHttpProtocol]:
    """The protocol class with this deployment's limits (the open-file limit raised to fit)."""
    return type(
        "BoundedHttpProtocol",
        (BoundedHttpProtocol,),
        {
            "read_seconds": settings.http_read_seconds,
            "max_connections": connection_cap(settings.http_max_connections),
        },
    )


def server(app: Any, settings: Settings, *, host: str, port: int) -> uvicorn.Server:
    """The uvicorn server of `boardwatch serve`, with every limit of the settings."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=bounded_protocol(settings),
        timeout_keep_alive=settings.http_keepalive_seconds,
        # No `limit_concurrency`: requests in progress never outnumber open connections,
        # which the protocol caps already (and it closes the extra one before reading it).
        log_config=None,
        access_log=False,
    )
    return uvicorn.Server(config)
