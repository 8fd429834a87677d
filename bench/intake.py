"""Intake against a bare FastAPI endpoint (issue 17), side by side in one run.

Three servers, each one uvicorn process on loopback: `bench.bare` (reads the body, answers
202), `boardwatch serve` on SQLite and `boardwatch serve` on PostgreSQL (web only, signed
deliveries, each 202 after its row is committed). The payload is GitHub's real
`issues.opened` example from the corpora, each request with its own delivery id.

Per round and server, with wrk (apt-get install wrk):
- the maximum rate: closed loop, 2 threads, 16 connections;
- the latency at half the bare server's maximum rate of the same round: wrk paced by a
  per-request delay over 64 connections (wrk has no open-loop mode: a request waits for the
  previous answer on its connection, so the achieved rate is shown next to the target).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.support import (
    PG_URL,
    ROOT,
    answers_health,
    free_ports,
    median,
    serve_process,
    stop,
    table,
)
from service.intake.signature import sign

SECRET = "bench-secret"
PAYLOAD = ROOT.parent / "shared" / "corpora" / "webhooks" / "issues" / "opened.json"
PACED_CONNECTIONS = 64

# Each request: the same signed body, its own delivery id (a thread id and a counter).
_SCRIPT = """
local body = io.open("{body}", "rb"):read("*a")
local counter = 0
local prefix = ""
local pause = {pause}
function init(args)
  prefix = tostring(math.random(1, 2000000000)) .. "-" .. tostring(os.time())
end
function request()
  counter = counter + 1
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["X-GitHub-Event"] = "issues"
  headers["X-GitHub-Delivery"] = prefix .. "-" .. counter
  headers["X-Hub-Signature-256"] = "{signature}"
  return wrk.format("POST", "/webhook", headers, body)
end
if pause > 0 then
  function delay()
    return pause
  end
end
"""

_NAMES = {"bare": "bare FastAPI 202", "before": "boardwatch serve, SQLite, before ({ref})"}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass(frozen=True)
class Load:
    rate: float  # answers per second
    p50: float  # ms
    p99: float  # ms
    failed: int  # non-2xx answers, socket errors and timeouts


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if found is None:
        raise ValueError(f"wrk printed a latency this script cannot read: {value!r}")
    number, unit = found.groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, *, seconds: float, connections: int, threads: int, pause_ms: int = 0) -> Load:
    """Run wrk against `url`/webhook; `pause_ms` between the requests of each connection."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    script = _SCRIPT.format(
        body=PAYLOAD, signature=sign(SECRET, PAYLOAD.read_bytes()), pause=pause_ms
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                lua.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    failed = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        failed += sum(int(n) for n in errors.groups())
    return Load(rate, p50, p99, failed)


@contextmanager
def bare_process(port: int) -> Iterator[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare:app",
            "--port",
            str(port),
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not answers_health(base, process):
            raise RuntimeError("the bare server did not start")
        yield base
    finally:
        stop(process, 15)


@contextmanager
def pg_schema() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The files of commit `ref` of this repository, in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        yield Path(folder)


@contextmanager
def server(kind: str, before: Path | None = None) -> Iterator[str]:
    """A running server of `kind` (bare, SQLite, PostgreSQL, or SQLite from the `before`
    checkout) on a fresh database; its URL."""
    (port,) = free_ports(1)
    if kind == "bare":
        with bare_process(port) as url:
            yield url
        return
    env = {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOARDWATCH_DRY_RUN": "true",
        "BOARDWATCH_WORKERS": "0",
    }
    if kind in ("SQLite", "before"):
        with tempfile.TemporaryDirectory() as folder:
            env["BOARDWATCH_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
            # Only the `before` row runs the old checkout; SQLite is this one.
            old = before if kind == "before" and before is not None else ROOT
            # Its own default rules too: the installed package would give it this checkout's.
            env["BOARDWATCH_RULES_DIR"] = str(old / "rules")
            with serve_process(env, port, cwd=old) as served:
                yield served.url
    else:
        with pg_schema() as url:
            env["BOARDWATCH_DATABASE_URL"] = url
            with serve_process(env, port) as served:
                yield served.url


def measure(
    kind: str, seconds: float, paced_rate: float | None, before: Path | None = None
) -> tuple[Load, Load | None]:
    """(maximum, paced at `paced_rate`) for one server; the bare one sets the pace."""
    with server(kind, before) as url:
        wrk(url, seconds=1, connections=16, threads=2)  # warm-up
        top = wrk(url, seconds=seconds, connections=16, threads=2)
        rate = paced_rate if paced_rate is not None else top.rate / 2
        pause = max(round(PACED_CONNECTIONS * 1000 / rate) - 1, 1)
        paced = wrk(url, seconds=seconds, connections=PACED_CONNECTIONS, threads=2, pause_ms=pause)
    return top, paced


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench intake")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--before", metavar="REF", help="also measure `serve` on SQLite as of this git commit"
    )
    args = parser.parse_args(argv)
    kinds = ["bare", "SQLite", "PostgreSQL"] + (["before"] if args.before else [])
    runs: dict[str, list[tuple[Load, Load | None]]] = {kind: [] for kind in kinds}
    targets: list[float] = []
    with ExitStack() as stack:
        before = stack.enter_context(checkout(args.before)) if args.before else None
        for _ in range(args.rounds):
            bare_top, bare_paced = measure("bare", args.seconds, None)
            runs["bare"].append((bare_top, bare_paced))
            targets.append(bare_top.rate / 2)
            for kind in kinds[1:]:
                runs[kind].append(measure(kind, args.seconds, bare_top.rate / 2, before))
    bare_rate = median([top.rate for top, _ in runs["bare"]])
    rows = []
    for kind in kinds:
        tops = [top for top, _ in runs[kind]]
        paced = [p for _, p in runs[kind] if p is not None]
        rate = median([t.rate for t in tops])
        rows.append(
            [
                _NAMES.get(kind, f"boardwatch serve, {kind}").format(ref=args.before),
                f"{rate:,.0f}",
                f"{rate / bare_rate:.2f}",
                f"{median([t.p50 for t in tops]):.1f}",
                f"{median([t.p99 for t in tops]):.1f}",
                f"{median([p.rate for p in paced]):,.0f}",
                f"{median([p.p50 for p in paced]):.1f}",
                f"{median([p.p99 for p in paced]):.1f}",
                sum(t.failed for t in tops) + sum(p.failed for p in paced),
                ", ".join(f"{t.rate:,.0f}" for t in tops),
            ]
        )
    header = [
        "server",
        "max req/s (median)",
        "vs bare",
        "p50 ms at max",
        "p99 ms at max",
        "paced: achieved req/s",
        "paced p50 ms",
        "paced p99 ms",
        "non-2xx/errors",
        "max req/s per round",
    ]
    return table(header, rows) + (
        f"\n\n{args.rounds} rounds, the three servers one after the other in each. Max: wrk, "
        f"{args.seconds:g} s, 2 threads, 16 connections. Paced: half the bare server's maximum "
        f"of the same round (targets {', '.join(f'{t:,.0f}' for t in targets)} req/s), wrk over "
        f"{PACED_CONNECTIONS} connections with a pause between requests. Payload: "
        f"issues/opened.json ({PAYLOAD.stat().st_size:,} bytes), signed. One uvicorn process "
        "each, web only; wrk on the same 2 cores."
    )


if __name__ == "__main__":
    print(main())
