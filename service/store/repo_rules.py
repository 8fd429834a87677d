"""Rules carried by repositories (`.github/boardwatch.yml`), as last read from GitHub."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import Engine, select

from service.store.schema import repo_rules
from service.store.sql import execute, insert, reading


class RepoRules(BaseModel):
    repo: str
    source: str | None  # None: the repository has no rule file
    sha: str | None = None
    error: str | None = None
    good_source: str | None = None  # the last text that loaded without error
    good_sha: str | None = None
    board: str | None = None  # `board: ORG/NUMBER` of the good text: a tracker of that board
    installation_id: int | None = None  # the installation that sees the repository

    @property
    def applies(self) -> str:
        """Which rules evaluation uses for this repository, in words."""
        if self.good_source is None:
            return "the default rules"
        return f"the rules of {self.good_sha}" if self.good_sha else "its last good rules"


def get(engine: Engine, repo: str) -> RepoRules | None:
    """What was last read for `repo`; None when it was never read."""
    with reading(engine) as conn:
        row = conn.execute(select(repo_rules).where(repo_rules.c.repo == repo)).mappings().first()
    return RepoRules.model_validate(dict(row)) if row else None


def trackers(engine: Engine) -> list[RepoRules]:
    """Every repository whose last good rules name a board, by name (tracker of that board)."""
    query = select(repo_rules).where(repo_rules.c.board.is_not(None)).order_by(repo_rules.c.repo)
    with reading(engine) as conn:
        rows = conn.execute(query).mappings().all()
    return [RepoRules.model_validate(dict(row)) for row in rows]


def put(engine: Engine, rules: RepoRules) -> None:
    values = {**rules.model_dump(), "updated_at": datetime.now(UTC)}
    statement = insert(engine, repo_rules).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["repo"], set_={k: v for k, v in values.items() if k != "repo"}
    )
    execute(engine, statement)
