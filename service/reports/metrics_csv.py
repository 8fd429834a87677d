"""The tracker's metrics CSV (`.github/boardwatch-metrics.csv`): read it, store it (pure read).

    date,metric,value
    2026-11-16,traffic,5120
    2026-11-16,mqls,14

A scheduled Action exporting from HubSpot, or a person, keeps the file; boardwatch reads it
when a push changes it and before every digest. The header names the columns (any order;
other columns are ignored). A bad row is skipped and reported with its line: in the push's
outcome, in the log, and in the digest's KPI section. Reading is bounded: the file's size,
its rows and the problems kept are capped, and every value must be a plain finite number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Collection
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine

from service.commands.metric_input import NotAValue, read_day, read_value
from service.gateway.protocol import GitHubGateway
from service.store import metrics
from service.store.metrics import MetricValue

log = logging.getLogger(__name__)

METRICS_CSV_PATH = ".github/boardwatch-metrics.csv"
MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 10_000
MAX_PROBLEMS = 20  # kept and shown; the rest are counted
COLUMNS = ("date", "metric", "value")


class CsvProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int | None  # None: the whole file
    message: str

    def __str__(self) -> str:
        where = f"{METRICS_CSV_PATH}:{self.line}" if self.line else METRICS_CSV_PATH
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class CsvRead:
    values: tuple[MetricValue, ...] = ()
    problems: tuple[CsvProblem, ...] = ()
    more_problems: int = 0  # past MAX_PROBLEMS, not kept
    refused: bool = False  # nothing could be read (too large, no header)

    def lines(self) -> list[str]:
        """The problems as `path:line: message`, and how many more there were."""
        shown = [str(p) for p in self.problems]
        if self.more_problems:
            shown.append(f"… and {self.more_problems:,} more")
        return shown


def parse_metrics_csv(
    text: str, declared: Collection[str], *, origin: str, actor: str | None = None
) -> CsvRead:
    """The values of the CSV `text` for the `declared` metrics, and the rows that are bad."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_CSV_BYTES:
        message = f"the file is {size:,} bytes; it may have at most {MAX_CSV_BYTES:,}: nothing read"
        return CsvRead(problems=(CsvProblem(line=None, message=message),), refused=True)
    values: list[MetricValue] = []
    problems: list[CsvProblem] = []
    more = 0

    def bad(line: int | None, message: str) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(CsvProblem(line=line, message=message))
        else:
            more += 1

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: dict[str, int] | None = None
    rows = 0
    refused = False
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                names = [cell.strip().lower().lstrip("\ufeff") for cell in row]
                if not all(name in names for name in COLUMNS):
                    bad(line, "the first line must be the header `date,metric,value`: nothing read")
                    refused = True
                    break
                columns = {name: names.index(name) for name in COLUMNS}
                continue
            rows += 1
            if rows > MAX_CSV_ROWS:
                bad(line, f"more than {MAX_CSV_ROWS:,} rows: the rest is not read")
                break
            cells = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
            try:
                day = read_day(cells["date"])
                value = read_value(cells["value"])
            except NotAValue as exc:
                bad(line, f"{exc}; the row is skipped")
                continue
            name = cells["metric"].lower()
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                bad(line, f"`{name[:40]}` is not a declared metric ({known}); the row is skipped")
                continue
            values.append(
                MetricValue(
                    metric=name,
                    day=day,
                    value=value,
                    source="csv",
                    origin=origin,
                    line=line,
                    actor=actor,
                )
            )
    except csv.Error as exc:
        bad(reader.line_num, f"not valid CSV ({exc}): the rest is not read")
    return CsvRead(tuple(values), tuple(problems), more, refused)


def refresh_metrics(
    engine: Engine,
    gateway: GitHubGateway,
    repo: str,
    declared: Collection[str],
    *,
    ref: str | None = None,
    actor: str | None = None,
) -> CsvRead:
    """Read `repo`'s metrics CSV (at `ref`) and store its values; no file: no CSV values.

    The values remember the commit they came from (`path@ref`), or the file's blob sha
    when no commit is known (read before a digest).
    """
    text = gateway.get_file(repo, METRICS_CSV_PATH, ref=ref)
    if text is None:
        metrics.replace_csv(engine, repo, ())
        return CsvRead()
    origin = f"{METRICS_CSV_PATH}@{ref or blob_sha(text)}"
    read = parse_metrics_csv(text, declared, origin=origin, actor=actor)
    if not read.refused:  # a file that cannot be read at all keeps the values stored before
        metrics.replace_csv(engine, repo, read.values)
    for problem in read.problems:
        log.warning("metrics CSV of %s: %s", repo, problem)
    return read


def blob_sha(text: str) -> str:
    """Git's id of a file with this content (what `git hash-object` prints)."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
