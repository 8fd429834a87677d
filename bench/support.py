"""Shared bench helpers: start `boardwatch serve` as a real process, percentiles, tables."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BOARDWATCH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on loopback."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Served:
    url: str
    pid: int


@contextmanager
def serve_process(
    env: dict[str, str], port: int, module: str = "service.cli", *, cwd: Path = ROOT
) -> Iterator[Served]:
    """`boardwatch serve` in its own process (from `module`, which may patch it first; from
    the checkout in `cwd`); yields its URL and pid once it answers."""
    full = {**os.environ, **env, "BOARDWATCH_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", module, "serve", "--port", str(port)],
        cwd=cwd,
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not answers_health(base, process):
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"boardwatch serve did not start:\n{err}")
        yield Served(base, process.pid)
    finally:
        stop(process, 15)


def answers_health(base: str, process: subprocess.Popen[bytes], seconds: float = 30) -> bool:
    """Whether the server at `base` (run by `process`) answers /healthz within `seconds`;
    False as soon as the process has ended."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], seconds: float) -> None:
    """Ask `process` to end; kill it when it has not within `seconds`."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
