"""Real `boardwatch serve` / `boardwatch worker` processes for scale and crash tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Process:
    kind: str
    popen: subprocess.Popen
    url: str | None = None
    log: Path | None = None

    def kill(self) -> None:
        """SIGKILL: no clean-up, no goodbye (a crashed machine)."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Cluster:
    env: dict[str, str]
    folder: Path
    processes: list[Process] = field(default_factory=list)
    # Run in each child before it starts (e.g. resource limits).
    preexec_fn: Callable[[], None] | None = None

    def _start(self, kind: str, args: list[str], module: str = "service.cli") -> Process:
        log = self.folder / f"{kind}-{len(self.processes)}.log"
        popen = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
            stdin=subprocess.DEVNULL,
            preexec_fn=self.preexec_fn,
        )
        process = Process(kind, popen, log=log)
        self.processes.append(process)
        return process

    def serve(self, module: str = "service.cli", **env: str) -> Process:
        """`boardwatch serve` (or the same CLI from `module`, which may patch it first)."""
        port = free_port()
        saved = dict(self.env)
        self.env.update(env)
        process = self._start("serve", ["serve", "--port", str(port)], module)
        self.env = saved
        process.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(process.url + "/readyz", timeout=1).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            if process.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start:\n{process.log.read_text()}")
            time.sleep(0.1)

    def worker(self) -> Process:
        return self._start("worker", ["worker"])

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
