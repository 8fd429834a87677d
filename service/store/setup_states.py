"""One-time `state` values of the `/setup` manifest flow, kept in the store with an expiry.

GitHub sends the browser back to `/setup/callback` with the `state` the setup page gave it,
possibly to another replica: the value lives in the database, is taken once, and is refused
(and purged) after it expires.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, delete, func, select

from service.store.limits import problem
from service.store.schema import setup_states
from service.store.sql import reading, utc

# Who started the flow: the admin (who may replace configured credentials) or anyone (allowed
# only while none are configured). The table has no column for it, so the value carries it as
# a prefix: only values this store wrote are ever accepted, so the prefix cannot be forged.
Starter = Literal["admin", "anyone"]
_PREFIX: dict[Starter, str] = {"admin": "a.", "anyone": "o."}
TTL = timedelta(hours=1)  # time a started setup may take on GitHub's side
# Unexpired states kept at most: anyone may start a setup while it is open, and each start
# writes a row, so a flood is refused instead of filling the database.
MAX_OPEN = 1000


class TooManySetups(RuntimeError):
    """More setups are under way than `MAX_OPEN`; the next may start when some expire."""


class SetupStates:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(
        self,
        starter: Starter,
        *,
        ttl: timedelta = TTL,
        now: datetime | None = None,
        limit: int = MAX_OPEN,
    ) -> str:
        """A new state for a flow `starter` begins; expired states are purged on the way.

        Raises `TooManySetups` when `limit` unexpired states exist already.
        """
        now = now or datetime.now(UTC)
        value = _PREFIX[starter] + secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            conn.execute(delete(setup_states).where(setup_states.c.expires_at <= now))
            if conn.execute(select(func.count()).select_from(setup_states)).scalar_one() >= limit:
                raise TooManySetups(f"{limit} setups are under way; try again within an hour")
            conn.execute(
                setup_states.insert().values(state=value, created_at=now, expires_at=now + ttl)
            )
        return value

    def take(self, value: str, *, now: datetime | None = None) -> Starter | None:
        """Who started the flow of `value`, once; None when unknown, used or expired."""
        if not value or problem(setup_states.c.state, value) is not None:
            return None  # nothing this store wrote; not even worth a query
        now = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            found = conn.execute(
                delete(setup_states)
                .where(setup_states.c.state == value)
                .returning(setup_states.c.expires_at)
            ).first()
            conn.execute(delete(setup_states).where(setup_states.c.expires_at <= now))
        if found is None or utc(found.expires_at) <= now:
            return None
        return "admin" if value.startswith(_PREFIX["admin"]) else "anyone"

    def count(self) -> int:
        """How many states are kept (expired ones are purged as states are issued and taken)."""
        with reading(self.engine) as conn:
            return int(conn.execute(select(func.count()).select_from(setup_states)).scalar_one())
