"""Readers: time to read a worst-case 65,536-character issue body and comment.

Issue 12's target: under 50 ms each. A body is read as one evaluation reads it (sections,
a filled section, a `Key: value` line, tasks, the estimate: one parse, cached); a comment
as the webhook handler reads it (every command line, parsed). Each round starts with an
empty parse cache. Times are medians of rounds. The last column is markdown-it alone on
every line of the text, as if there were no MAX_LINES: what that cap buys. For the record,
`--old` times the regexes that read bodies and comments before issue 12 on small versions
of their worst cases (the 4,000-space heading of the issue took them 128 s).

    .venv/bin/python -m bench.readers [--rounds 7] [--old]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.support import table
from service.commands.parser import parse_commands
from service.engine import body

N = body.MAX_TEXT
TARGET_MS = 50.0


def _fit(text: str) -> str:
    return text[:N]


# Each shape is 65,536 characters: what GitHub lets anyone who may open an issue write.
SHAPES: dict[str, str] = {
    "long heading line (`# a` + spaces + `b`)": "# a" + " " * (N - 4) + "b",
    "all spaces": " " * N,
    "all `#`": "#" * N,
    "all backticks": "`" * N,
    "`>` nested on one line": ">" * N,
    "`[` nested": "[" * N,
    "`> ` nested, 1 line": "> " * (N // 2),
    "`>` lines nesting deeper": _fit("".join(">" * i + " x\n" for i in range(1, 400))),
    "nested lists, 1 level more a line": _fit("".join("  " * i + "- x\n" for i in range(256))),
    "`<pre>` repeated": _fit("<pre>" * N),
    "fence lines (```` ``` ````)": _fit("```\n" * N),
    "one fence, short lines": _fit("```\n" + "a\n" * N),
    "paragraph, short lines": _fit("a\n" * N),
    "`Key: value` lines": _fit("Key: value\n" * N),
    "empty headings (`#` lines)": _fit("#\n" * N),
    "task list items (`- [ ] a`)": _fit("- [ ] a\n" * N),
    "list items (`- a`)": _fit("- a\n" * N),
    "command lines (`/estimate 3h`)": _fit("/estimate 3h\n" * N),
}


def _evaluate(text: str) -> None:
    """What one evaluation of the default rules asks of a body."""
    body.section_filled(text, "Copy")
    body.sections(text)
    body.line_value(text, "Blocked by")
    body.tasks(text)
    body.body_estimate(text)


def _comment(text: str) -> None:
    parse_commands(text, "alice")


def _uncapped(text: str) -> None:
    body._MARKDOWN.parse(text)


@dataclass(frozen=True)
class Timing:
    wall_ms: float  # median over rounds
    cpu_ms: float  # median over rounds: this process's CPU time, without waiting for a core


def _time(read: Callable[[str], None], text: str, rounds: int) -> Timing:
    wall, cpu = [], []
    for _ in range(rounds):
        body._read.cache_clear()  # every round parses afresh
        started, started_cpu = time.perf_counter(), time.process_time()
        read(text)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return Timing(statistics.median(wall), statistics.median(cpu))


# The regexes body.py and parser.py used before issue 12, kept here only to be timed.
_OLD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_OLD_COMMAND = re.compile(r"^ {0,3}/([a-z]+)(?:[ \t]+(.*?))?[ \t]*$", re.IGNORECASE)


def _old(pattern: re.Pattern[str], text: str) -> float:
    started = time.perf_counter()
    pattern.match(text)
    return (time.perf_counter() - started) * 1000


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.readers")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--old", action="store_true", help="also time the pre-issue-12 regexes")
    options = parser.parse_args(argv)

    rows = []
    for name, text in SHAPES.items():
        as_body = _time(_evaluate, text, options.rounds)
        as_comment = _time(_comment, text, options.rounds)
        uncapped = _time(_uncapped, text, 3)
        worst = max(as_body.cpu_ms, as_comment.cpu_ms)
        rows.append(
            (
                name,
                f"{text.count(chr(10)) + 1:,}",
                f"{as_body.wall_ms:.1f}",
                f"{as_body.cpu_ms:.1f}",
                f"{as_comment.wall_ms:.1f}",
                f"{as_comment.cpu_ms:.1f}",
                "within" if worst < TARGET_MS else "OVER",
                f"{uncapped.cpu_ms:.0f}",
            )
        )
    header = (
        "65,536 characters of",
        "lines",
        "body wall ms",
        "body CPU ms",
        "comment wall ms",
        "comment CPU ms",
        f"CPU < {TARGET_MS:g} ms",
        "markdown-it alone on all lines, CPU ms",
    )
    out = table(header, rows)
    out += (
        f"\n\nMedians of {options.rounds} rounds (the last column: 3), parse cache emptied "
        f"before every round; the first {body.MAX_LINES:,} lines are read. CPU is this "
        "process's CPU time; on a shared machine the wall time adds the wait for a core."
    )
    if options.old:
        old = []
        for spaces in (100, 200, 400):
            ms = _old(_OLD_HEADING, "# a" + " " * spaces + "b")
            old.append((f"heading regex, `# a` + {spaces} spaces + `b`", f"{ms:.0f}"))
        for spaces in (4_000, 8_000):
            ms = _old(_OLD_COMMAND, "/status a" + " " * spaces + "b")
            old.append((f"command regex, `/status a` + {spaces:,} spaces + `b`", f"{ms:.0f}"))
        out += "\n\nBefore issue 12 (one run each):\n\n" + table(("old regex, input", "ms"), old)
    return out


if __name__ == "__main__":
    print(main(sys.argv[1:]))
