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


def bounded_protocol(settings: Settings) -> type[BoundedHttpProtocol]:
    """The protocol class with this deployment's limits."""
    return type(
        "BoundedHttpProtocol",
        (BoundedHttpProtocol,),
        {
            "read_seconds": settings.http_read_seconds,
            "max_connections": settings.http_max_connections,
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
