"""Which webhook deliveries count as missed and are asked for again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.domain.models import HookDelivery
from service.recover import missed_deliveries, parse_since

T0 = datetime(2026, 11, 22, 12, tzinfo=UTC)


def attempt(id_: int, guid: str, code: int, minutes: int = 0) -> HookDelivery:
    return HookDelivery(
        id=id_,
        guid=guid,
        delivered_at=T0 + timedelta(minutes=minutes),
        redelivery=minutes > 0,
        status="OK" if code < 300 else "failed",
        status_code=code,
        event="issues",
        action="opened",
    )


@pytest.mark.parametrize(
    ("attempts", "stored", "expected_ids"),
    [
        ([attempt(1, "a", 200)], set(), []),
        ([attempt(1, "a", 502)], set(), [1]),
        ([attempt(1, "a", 0)], set(), [1]),  # timed out: no answer at all
        ([attempt(1, "a", 502), attempt(2, "a", 202, 5)], set(), []),  # a redelivery worked
        ([attempt(1, "a", 502), attempt(2, "a", 504, 5)], set(), [2]),  # newest attempt only
        ([attempt(1, "a", 0)], {"a"}, []),  # stored before GitHub gave up waiting
        ([attempt(3, "b", 500, 9), attempt(1, "a", 500)], set(), [1, 3]),  # oldest first
    ],
)
def test_missed_deliveries(attempts, stored, expected_ids) -> None:
    assert [a.id for a in missed_deliveries(attempts, stored)] == expected_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("0h", None),
        ("soon", None),
        ("1.5h", None),
    ],
)
def test_parse_since(text: str, expected: timedelta | None) -> None:
    assert parse_since(text) == expected
