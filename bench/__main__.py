"""`python -m bench [NAME [OPTIONS]]`: run one benchmark (or all) and print markdown tables."""

from __future__ import annotations

import importlib
import sys

BENCHES = [
    "intake",
    "digest",
    "scale",
    "readers",
    "starvation",
    "reaction",
    "burst",
    "boardsize",
    "calls",
]


def run(argv: list[str]) -> None:
    if argv and not argv[0].startswith("-"):
        names, options = [argv[0]], argv[1:]
    else:
        names, options = BENCHES, argv
    for name in names:
        if name not in BENCHES:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}")
        print(f"## {name}\n")
        print(importlib.import_module(f"bench.{name}").main(options))
        print()


run(sys.argv[1:])
