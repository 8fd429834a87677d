"""The store's tables (SQLAlchemy Core); the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# One row per webhook delivery, keyed by GitHub's X-GitHub-Delivery id (reused on redelivery).
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("event", String(64), nullable=False),
    Column("action", String(64)),
    # What the delivery is about, e.g. `issue:OWNER/NAME#12` or `item:PVTI_...`; the worker never
    # runs two deliveries of one subject at once.
    Column("subject", String(255), nullable=False),
    Column("installation_id", BigInteger),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),  # the raw body, as GitHub sent it
    # queued | running | done | failed | ignored
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("available_at", DateTime(timezone=True), nullable=False),  # not claimed before this
    Column("lease_owner", String(128)),
    Column("lease_until", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("outcome", JSON),  # what the worker did, with its GitHub API cost
)
Index("ix_deliveries_claim", deliveries.c.status, deliveries.c.available_at)
Index("ix_deliveries_subject", deliveries.c.subject, deliveries.c.status)
Index("ix_deliveries_received", deliveries.c.received_at)

# A subject is held by at most one worker at a time; the row is the lock (with a lease).
subject_leases = Table(
    "subject_leases",
    metadata,
    Column("subject", String(255), primary_key=True),
    Column("delivery_id", String(64), nullable=False),
    Column("owner", String(128), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=False),
)

# Every observed change of an issue's board Status and open/closed state: GitHub keeps no
# Status history, so this is the only source of time-in-status and cycle time.
status_history = Table(
    "status_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(255), nullable=False),
    Column("number", Integer, nullable=False),
    Column("item_id", String(128)),
    # "status" (board Status) or "state" (open/closed)
    Column("kind", String(16), nullable=False),
    Column("old_value", String(255)),
    Column("new_value", String(255)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(255)),
    Column("source", String(32), nullable=False),  # "webhook", "observed", "command"
    Column("delivery_id", String(64)),
)
Index(
    "ix_history_issue",
    status_history.c.repo,
    status_history.c.number,
    status_history.c.changed_at,
)
Index("ix_history_changed", status_history.c.changed_at)

# Free-form facts about an issue that GitHub does not keep, e.g. the reason given by `/blocked`.
NOTE_KEY_LENGTH = 64
issue_notes = Table(
    "issue_notes",
    metadata,
    Column("repo", String(255), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("key", String(NOTE_KEY_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(255)),
)

# Which scheduled reports were posted, so several replicas post each period only once.
report_posts = Table(
    "report_posts",
    metadata,
    Column("kind", String(32), primary_key=True),  # "weekly", "monthly", "reconcile", ...
    Column("period", String(32), primary_key=True),  # "2026-W47", "2026-11", ...
    Column("claimed_by", String(128), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("issue_number", Integer),
    Column("finished_at", DateTime(timezone=True)),
)

# Rules carried by a repository in `.github/boardwatch.yml`, re-read when a push changes it.
repo_rules = Table(
    "repo_rules",
    metadata,
    Column("repo", String(255), primary_key=True),
    Column("source", Text),  # the YAML text, None when the repository has no such file
    Column("sha", String(64)),
    Column("error", Text),  # why the last read was refused (None when `source` is valid)
    # The last text that loaded without error, kept apart from the last text seen, so the last
    # good rules survive a restart and apply on every replica.
    Column("good_source", Text),
    Column("good_sha", String(64)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # `board: ORG/NUMBER` of the last good text: the repository is a tracker of that board.
    Column("board", String(255)),
    # The installation that can see the repository (None: a token), for its board's jobs.
    Column("installation_id", BigInteger),
    Index("ix_repo_rules_board", "board"),
)

# The `state` of a GitHub App manifest flow started on `/setup`: any replica may finish it,
# and it is refused (and purged) once it expires.
setup_states = Table(
    "setup_states",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_setup_states_expires", setup_states.c.expires_at)

# The team's metric values (traffic, MQLs, emails sent), one row per reported value: from a
# `/metric` command (origin: the comment's address) or a row of the tracker's metrics CSV
# (origin: `path@sha`, with its line). A period's value is computed from these by the reports.
metric_values = Table(
    "metric_values",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(255), nullable=False),  # the tracker the value was given in
    Column("metric", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("actor", String(255)),  # who gave it (the commenter, the pusher)
    Column("source", String(16), nullable=False),  # "command" | "csv"
    Column("origin", String(512), nullable=False),
    Column("line", Integer),  # the CSV line; None for a command
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_metric_values_repo", metric_values.c.repo, metric_values.c.metric, metric_values.c.day)
# How many times a board's field definitions were seen to change (a `projects_v2` event, an
# item event naming a field or option the board did not have): every process compares it with
# the version its cached fields were read at, so one event refreshes them everywhere.
board_versions = Table(
    "board_versions",
    metadata,
    Column("board", String(255), primary_key=True),  # `ORG/NUMBER`, casefolded
    Column("version", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
