"""Where a report's status history comes from: this process's database, or a service's `/history`.

The digest Action has no database: it reads the history of the service that records it
(`BOARDWATCH_HISTORY_URL`, `BOARDWATCH_REPORT_TOKEN`). When that cannot be done the report is
still made, and says which figures are missing and why, instead of showing empty ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from pydantic import ValidationError
from sqlalchemy import Engine

from service.history_api import MAX_PAGE, HistoryPage
from service.store import history
from service.store.history import HistoryEntry

# 2.5 million changes: far more than a board records in years; past it the page loop stops.
MAX_PAGES = 500
TIMEOUT_SECONDS = 30.0
SETUP_HINT = (
    "set BOARDWATCH_HISTORY_URL (the service's /history address) and BOARDWATCH_REPORT_TOKEN"
)


@dataclass(frozen=True)
class History:
    entries: list[HistoryEntry] = field(default_factory=list)
    # Why there is no history (shown in the report); None when it was read.
    missing: str | None = None


def from_store(engine: Engine) -> History:
    return History(history.load_history(engine))


def _shown(url: httpx.URL) -> str:
    """The address without credentials or query, for messages."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def from_service(
    url: str | None, token: str | None, *, transport: httpx.BaseTransport | None = None
) -> History:
    """Every entry the service has, page by page; on any failure, no entries and the reason."""
    if not url:
        return History(missing=f"this report was made without boardwatch's history: {SETUP_HINT}")
    try:
        address = httpx.URL(url)
    except httpx.InvalidURL:
        return History(missing=f"BOARDWATCH_HISTORY_URL is not a web address: {SETUP_HINT}")
    if address.scheme not in ("http", "https") or not address.host:
        return History(missing=f"BOARDWATCH_HISTORY_URL is not a web address: {SETUP_HINT}")
    shown = _shown(address)
    if not token:
        return History(missing=f"BOARDWATCH_REPORT_TOKEN is not set, so {shown} cannot be read")
    entries: list[HistoryEntry] = []
    after = 0
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport, headers=headers) as client:
        for _ in range(MAX_PAGES):
            try:
                answer = client.get(address, params={"after": after, "limit": MAX_PAGE})
            except httpx.HTTPError as exc:
                return History(missing=f"{shown} could not be reached ({type(exc).__name__})")
            if answer.status_code == 401:
                return History(
                    missing=f"{shown} refused BOARDWATCH_REPORT_TOKEN (HTTP 401): "
                    "use the token the service has"
                )
            if answer.status_code == 404:
                return History(
                    missing=f"{shown} answered 404: check the address, and that the service "
                    "has BOARDWATCH_REPORT_TOKEN set (the endpoint is off without it)"
                )
            if answer.status_code != 200:
                return History(missing=f"{shown} answered HTTP {answer.status_code}")
            try:
                page = HistoryPage.model_validate_json(answer.content)
            except ValidationError:
                return History(missing=f"{shown} did not answer with status history")
            entries += page.entries
            if page.next_after is None:
                # Pages come in the order rows were recorded; reports read them by time.
                return History(sorted(entries, key=lambda e: e.changed_at))
            after = page.next_after
    return History(missing=f"{shown} has more than {MAX_PAGES * MAX_PAGE} changes to read")
