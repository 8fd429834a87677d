"""REST through PyGithub's requester: one counted, retried HTTP request per call.

PyGithub brings the HTTP stack, authentication (tokens, App installation tokens refreshed
before expiry) and Enterprise base URLs. boardwatch sends requests through its requester
rather than its lazy objects so that each request is exactly one counted call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import requests
from github import Github, GithubException

from service import redact
from service.gateway.accounting import record_call
from service.gateway.conditional import CachedAnswer, ConditionalCache
from service.gateway.dry_run import planned_rest
from service.gateway.errors import GitHubError, NotFound, Unreachable
from service.gateway.retry import RetryPolicy, wait_for

# Every REST path the gateway uses (templates as in GitHub's OpenAPI description); a test
# checks each against the REST description in the corpora.
REST_PATHS = {
    "get_user": ("GET", "/user"),
    "get_app": ("GET", "/app"),
    "repo_installation": ("GET", "/repos/{owner}/{repo}/installation"),
    "get_repo": ("GET", "/repos/{owner}/{repo}"),
    "get_issue": ("GET", "/repos/{owner}/{repo}/issues/{issue_number}"),
    "list_issues": ("GET", "/repos/{owner}/{repo}/issues"),
    "create_issue": ("POST", "/repos/{owner}/{repo}/issues"),
    "update_issue": ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"),
    "add_labels": ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    "remove_label": ("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    "get_label": ("GET", "/repos/{owner}/{repo}/labels/{name}"),
    "create_label": ("POST", "/repos/{owner}/{repo}/labels"),
    "list_comments": ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    "create_comment": ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    "update_comment": ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    "delete_comment": ("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    "add_reaction": ("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
    "get_permission": ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    "get_content": ("GET", "/repos/{owner}/{repo}/contents/{path}"),
    "put_content": ("PUT", "/repos/{owner}/{repo}/contents/{path}"),
    "get_ref": ("GET", "/repos/{owner}/{repo}/git/ref/{ref}"),
    "create_ref": ("POST", "/repos/{owner}/{repo}/git/refs"),
    "list_pulls": ("GET", "/repos/{owner}/{repo}/pulls"),
    "create_pull": ("POST", "/repos/{owner}/{repo}/pulls"),
    "list_hook_deliveries": ("GET", "/app/hook/deliveries"),
    "redeliver": ("POST", "/app/hook/deliveries/{delivery_id}/attempts"),
    "manifest_conversion": ("POST", "/app-manifests/{code}/conversions"),
}
_PARAM = re.compile(r"\{(\w+)\}")
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def path_for(operation: str, **params: Any) -> str:
    """The URL path of `operation` with its parameters URL-quoted (label names: `type: blog`)."""
    _, template = REST_PATHS[operation]
    keep = {"owner", "repo", "path"}  # already safe, or a path whose slashes must stay

    def fill(match: re.Match[str]) -> str:
        value = str(params[match.group(1)])
        if match.group(1) == "path":
            return quote(value, safe="/")
        return value if match.group(1) in keep else quote(value, safe="")

    return _PARAM.sub(fill, template)


# Writes that create something new each time they are sent. After an answer that leaves
# open whether GitHub did it (5xx, timeout) they are not sent again: a second comment or
# issue would be visible to people. The delivery is retried as a whole instead, and the
# upsert by marker then finds what the first attempt made. Rate-limit refusals are retried:
# GitHub did nothing.
NOT_REPEATABLE = frozenset({"create_issue", "create_comment"})
_NO_ANSWER = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class RestClient:
    def __init__(
        self,
        github: Github,
        policy: RetryPolicy,
        *,
        dry_run: bool = False,
        cache: ConditionalCache | None = None,
        scope: str = "",
    ) -> None:
        self._requester = github.requester
        self.policy = policy
        self.dry_run = dry_run  # writes are recorded, not sent
        # Reads are sent conditionally when `cache` is given; `scope` names the credentials
        # (installation, token) so that no answer is ever served to other credentials.
        self._cache = cache
        self._scope = scope

    def call(
        self,
        operation: str,
        *,
        params: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        url: str | None = None,
    ) -> tuple[dict[str, Any], Any]:
        """One request (retried as the policy allows); returns (headers, JSON data)."""
        verb, _ = REST_PATHS[operation]
        target = url or path_for(operation, **(params or {}))
        write = verb != "GET"
        if write:
            body = redact.current().value(body)  # no secret ever reaches a comment or an issue
            if self.dry_run:
                return planned_rest(operation, params, body)
        cache = None if write else self._cache
        key = _cache_key(target, query)
        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            cached = cache.get(self._scope, key) if cache is not None else None
            try:
                status, headers, output = self._requester.requestJson(
                    verb,
                    target,
                    parameters=query,
                    headers=cached.validators() if cached is not None else None,
                    input=body,
                )
            except GithubException as exc:
                # Raised before the request left: fetching an App installation token failed.
                record_call("rest", operation, str(exc.status), write=write)
                raise GitHubError(
                    operation, f"authentication: {_message(exc.data)}", exc.status
                ) from None
            except _NO_ANSWER as exc:
                record_call("rest", operation, "error", write=write)
                backoff = wait_for(None, {}, "", attempt, base=self.policy.base) or 0.0
                repeatable = operation not in NOT_REPEATABLE
                next_wait = self.policy.pause(backoff, waited) if repeatable else None
                if next_wait is None:
                    raise Unreachable(operation, f"no answer: {type(exc).__name__}") from None
                waited = next_wait
                continue
            record_call("rest", operation, str(status), write=write)
            if status == 304 and cached is not None:
                # Unchanged since the answer we keep (and not charged by GitHub).
                kept = {"link": cached.link} if cached.link else {}
                return {**headers, **kept}, _parse(cached.text)
            data = _parse(output)
            if status < 400:
                if cache is not None and status == 200:
                    cache.put(self._scope, key, _answer(headers, output))
                return headers, data
            message = _message(data)
            if status == 404:
                raise NotFound(operation, message, 404)
            delay = wait_for(status, headers, message, attempt, base=self.policy.base)
            if status >= 500 and operation in NOT_REPEATABLE:
                delay = None
            next_wait = self.policy.pause(delay, waited) if delay is not None else None
            if next_wait is None:
                raise GitHubError(operation, message, status)
            waited = next_wait

    def pages(
        self, operation: str, *, params: dict[str, Any], query: dict[str, Any] | None = None
    ) -> list[Any]:
        """Every item of a listed collection, 100 a page, following `Link: rel="next"`."""
        return list(self.iter_pages(operation, params=params, query=query))

    def iter_pages(
        self, operation: str, *, params: dict[str, Any], query: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """The items of `pages`, each page requested only once the one before is consumed."""
        headers, data = self.call(
            operation, params=params, query={**(query or {}), "per_page": 100}
        )
        while True:
            yield from data
            following = next_link(headers)
            if following is None:
                return
            headers, data = self.call(operation, url=following)


def _cache_key(target: str, query: dict[str, Any] | None) -> str:
    """The URL as requested, with its query in a stable order."""
    if not query:
        return target
    return f"{target}?{urlencode(sorted((k, str(v)) for k, v in query.items()))}"


def _header(headers: dict[str, Any], name: str) -> str | None:
    return next((str(v) for k, v in headers.items() if k.lower() == name), None)


def _answer(headers: dict[str, Any], output: str) -> CachedAnswer:
    return CachedAnswer(
        etag=_header(headers, "etag"),
        last_modified=_header(headers, "last-modified"),
        link=_header(headers, "link"),
        text=output,
    )


def next_link(headers: dict[str, Any]) -> str | None:
    """The URL of the next page from a `Link` header, None on the last page."""
    match = _NEXT.search(_header(headers, "link") or "")
    return match.group(1) if match else None


def _parse(output: str) -> Any:
    if not output:
        return None
    try:
        return json.loads(output)
    except ValueError:
        return output[:300]  # an HTML error page from a proxy: keep its start as the message


def _message(data: Any) -> str:
    if isinstance(data, dict):
        text = str(data.get("message") or data)
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            # 422 answers say what was invalid in `errors`, not in `message`.
            details = "; ".join(
                str(e.get("message") or f"{e.get('field')} {e.get('code')}")
                if isinstance(e, dict)
                else str(e)
                for e in errors
            )
            text = f"{text} ({details})"
        return text
    return str(data or "no message")
