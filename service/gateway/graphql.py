"""GraphQL over httpx: named operations from `operations/*.graphql`, counted and retried."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any

import httpx

from service.gateway.accounting import record_call
from service.gateway.dry_run import planned_graphql
from service.gateway.errors import GitHubError, Unreachable
from service.gateway.retry import (
    GRAPHQL_RATE_LIMIT_TYPES,
    RetryPolicy,
    graphql_limit_wait,
    wait_for,
)

_FRAGMENT_DEF = re.compile(r"^fragment\s+(\w+)\s+on\s", re.MULTILINE)
_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_]\w*)")
_OPERATION_KIND = re.compile(r"^\s*(query|mutation|subscription)\b", re.MULTILINE)


@cache
def _fragments() -> dict[str, str]:
    text = files("service.gateway.operations").joinpath("_fragments.graphql").read_text()
    starts = [(m.group(1), m.start()) for m in _FRAGMENT_DEF.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {name: text[start:end].strip() for (name, start), end in zip(starts, ends, strict=True)}


@cache
def operation(name: str) -> str:
    """The text of operation `name`, with exactly the fragments it uses (GitHub rejects others)."""
    text = files("service.gateway.operations").joinpath(f"{name}.graphql").read_text()
    known = _fragments()
    wanted: list[str] = []
    pending = [text]
    while pending:
        for used in _SPREAD.findall(pending.pop()):
            if used in known and used not in wanted:
                wanted.append(used)
                pending.append(known[used])
    return "\n\n".join([text.strip(), *(known[f] for f in wanted)])


def operation_names() -> list[str]:
    folder = files("service.gateway.operations")
    return sorted(
        p.name.removesuffix(".graphql")
        for p in folder.iterdir()
        if p.name.endswith(".graphql") and not p.name.startswith("_")
    )


class GraphQLClient:
    def __init__(
        self,
        url: str,
        token: Callable[[], str | None],
        policy: RetryPolicy,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        dry_run: bool = False,
    ) -> None:
        self.url = url
        self.dry_run = dry_run  # mutations are recorded, not sent
        self._token = token
        self.policy = policy
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def execute(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run operation `name`; its `data`, or GitHubError (also for any `errors` entry)."""
        query = operation(name)
        write = is_mutation(name)
        if write and self.dry_run:
            return planned_graphql(name, variables)
        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            headers = {"Accept": "application/vnd.github+json"}
            token = self._token()
            if token:
                headers["Authorization"] = f"bearer {token}"
            try:
                answer = self._http.post(
                    self.url, json={"query": query, "variables": variables}, headers=headers
                )
            except httpx.TransportError as exc:
                record_call("graphql", name, "error", write=write)
                backoff = wait_for(None, {}, "", attempt, base=self.policy.base) or 0.0
                next_wait = self.policy.pause(backoff, waited)
                if next_wait is None:
                    raise Unreachable(
                        name, f"no answer from {self.url}: {type(exc).__name__}: {exc}"
                    ) from None
                waited = next_wait
                continue
            record_call("graphql", name, str(answer.status_code), write=write)
            if answer.status_code == 200:
                body = _json(name, answer)
                errors = body.get("errors") or []
                types = tuple(str(e.get("type")) for e in errors if e.get("type"))
                if errors and GRAPHQL_RATE_LIMIT_TYPES.intersection(types):
                    # The primary limit is spent: GitHub says so with HTTP 200, not 403.
                    limit = graphql_limit_wait(answer.headers, attempt)
                    next_wait = self.policy.pause(limit, waited)
                    if next_wait is None:
                        raise GitHubError(name, _messages(errors), 200, types=types)
                    waited = next_wait
                    continue
                if errors:
                    raise GitHubError(name, _messages(errors), 200, types=types)
                return body.get("data") or {}
            delay = wait_for(
                answer.status_code, answer.headers, answer.text, attempt, base=self.policy.base
            )
            next_wait = self.policy.pause(delay, waited) if delay is not None else None
            if next_wait is None:
                raise GitHubError(name, _message(answer), answer.status_code)
            waited = next_wait

    def close(self) -> None:
        self._http.close()


def is_mutation(name: str) -> bool:
    """Whether operation `name` writes (counted as a write in the call ledger)."""
    kind = _OPERATION_KIND.search(operation(name))
    return kind is not None and kind.group(1) == "mutation"


def _json(name: str, answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        raise GitHubError(
            name, f"answer is not JSON: {answer.text[:200]!r}", answer.status_code
        ) from None
    if not isinstance(body, dict):
        raise GitHubError(name, f"answer is not a JSON object: {answer.text[:200]!r}", 200)
    return body


def _messages(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message", e)) for e in errors)


def _message(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("message") or answer.text[:300])
    except ValueError:
        return answer.text[:300] or answer.reason_phrase
