"""Recover missed deliveries: ask GitHub to redeliver what failed (it never does by itself).

The App API lists every delivery attempt. A delivery (one GUID) is missed when none of its
attempts got a 2xx answer and the store does not hold it either (an answer can time out
on GitHub's side after the delivery was stored). One redelivery per missed GUID.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.domain.models import HookDelivery
from service.gateway.protocol import AppGateway
from service.store.deliveries import DeliveryQueue

log = logging.getLogger(__name__)

_SINCE_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta | None:
    """A look-back window in calendar time: `30m`, `24h`, `3d` (24 h days), `1w`."""
    match = _SINCE_RE.match(text)
    if match is None or int(match.group(1)) == 0:
        return None
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass
class RecoverReport:
    seen: int = 0
    missed: list[HookDelivery] = field(default_factory=list)
    redelivered: list[str] = field(default_factory=list)


def missed_deliveries(attempts: list[HookDelivery], stored: set[str]) -> list[HookDelivery]:
    """The newest attempt of each GUID that never succeeded and is not in the store."""
    newest: dict[str, HookDelivery] = {}
    succeeded: set[str] = set()
    for attempt in attempts:
        if 200 <= attempt.status_code < 300:
            succeeded.add(attempt.guid)
        best = newest.get(attempt.guid)
        if best is None or attempt.delivered_at > best.delivered_at:
            newest[attempt.guid] = attempt
    return sorted(
        (a for guid, a in newest.items() if guid not in succeeded and guid not in stored),
        key=lambda a: a.delivered_at,
    )


def recover(
    app: AppGateway, queue: DeliveryQueue, since: datetime, *, dry_run: bool = False
) -> RecoverReport:
    attempts = app.list_hook_deliveries(since)
    guids = {a.guid for a in attempts}
    stored = queue.known(sorted(guids))
    report = RecoverReport(seen=len(guids), missed=missed_deliveries(attempts, stored))
    for attempt in report.missed:
        if not dry_run:
            app.redeliver(attempt.id)
        report.redelivered.append(attempt.guid)
        log.info(
            "asked GitHub to redeliver %s (%s, last answer %s)",
            attempt.guid,
            attempt.event,
            attempt.status_code,
        )
    return report
