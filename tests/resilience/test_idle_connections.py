"""Idle and dribbling connections are closed: a real `serve` with small limits, on loopback.

Before issue 12 nothing bounded a connection that sent no request: 3,000 were all held open.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.processes import Cluster, Process
from tests.support.webhooks import SECRET, headers

pytestmark = pytest.mark.slow

LIMIT = 20
READ_SECONDS = 1.0
KEEPALIVE_SECONDS = 1


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    tmp_path = tmp_path_factory.mktemp("idle")
    cluster = Cluster(
        {
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "BOARDWATCH_DRY_RUN": "true",
            "BOARDWATCH_WORKERS": "0",
            "BOARDWATCH_DATABASE_URL": f"sqlite:///{tmp_path}/idle.db",
            "BOARDWATCH_SECRETS_FILE": str(tmp_path / "none.json"),
            "BOARDWATCH_HTTP_MAX_CONNECTIONS": str(LIMIT),
            "BOARDWATCH_HTTP_READ_SECONDS": str(READ_SECONDS),
            "BOARDWATCH_HTTP_KEEPALIVE_SECONDS": str(KEEPALIVE_SECONDS),
        },
        tmp_path,
    )
    try:
        yield cluster.serve()
    finally:
        cluster.stop()


def connect(web: Process) -> socket.socket:
    host, port = web.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def closed(sock: socket.socket) -> bool:
    """Whether the server has closed this connection (EOF or reset), without waiting."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(4096) == b""
    except OSError:
        return True


def wait_closed(socks: list[socket.socket], seconds: float) -> int:
    """How many of `socks` are closed after at most `seconds` (returns early when all are)."""
    deadline = time.monotonic() + seconds
    done: set[int] = set()
    while time.monotonic() < deadline and len(done) < len(socks):
        done |= {i for i, s in enumerate(socks) if i not in done and closed(s)}
        time.sleep(0.02)
    return len(done)


def webhook_answer(web: Process) -> int:
    body = json.dumps({"action": "opened", "issue": {"number": 1}}).encode()
    answer = httpx.post(f"{web.url}/webhook", content=body, headers=headers(body, "issues"))
    return answer.status_code


def test_connections_beyond_the_limit_are_closed_at_once_and_idle_ones_after_the_read_timeout(
    web: Process,
) -> None:
    socks = [connect(web) for _ in range(3 * LIMIT)]
    try:
        time.sleep(READ_SECONDS / 4)
        # Those beyond the limit are closed without waiting for the timeout...
        assert [closed(s) for s in socks].count(True) == 2 * LIMIT
        # ... and the others once they have sent no request for READ_SECONDS.
        assert wait_closed(socks, READ_SECONDS * 5) == len(socks)
        assert webhook_answer(web) == 202  # the service itself is none the worse
    finally:
        for sock in socks:
            sock.close()


def test_a_client_dribbling_its_headers_is_closed_after_the_read_timeout(web: Process) -> None:
    sock = connect(web)
    try:
        sock.sendall(b"POST /webhook HTTP/1.1\r\nHost: boardwatch\r\n")
        started = time.monotonic()
        # One header byte every 0.1 s: data keeps coming, so only a read timeout that data
        # does not reset can end it.
        while not closed(sock) and time.monotonic() - started < READ_SECONDS * 10:
            try:
                sock.sendall(b"X")
            except OSError:
                break
            time.sleep(0.1)
        assert time.monotonic() - started < READ_SECONDS * 5
    finally:
        sock.close()


def test_a_keep_alive_connection_is_closed_when_idle_after_its_answer(web: Process) -> None:
    sock = connect(web)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: boardwatch\r\n\r\n")
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        assert not closed(sock)  # kept alive for a next request...
        assert wait_closed([sock], KEEPALIVE_SECONDS * 5) == 1  # ... but not for ever
    finally:
        sock.close()
