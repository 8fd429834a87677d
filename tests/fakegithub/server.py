"""`FakeGitHub`: a stateful GitHub served over real HTTP on loopback, with fault switches.

Tests read like stories: `gh.add_issue(...)`, send a webhook, then `gh.issue(...).labels`.
REST routes follow GitHub's paths; GraphQL runs against GitHub's schema (graphql.py).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakegithub import graphql
from tests.fakegithub.shapes import Shapes
from tests.fakegithub.state import (
    BUILT_IN_FIELDS,
    DEFAULT_FIELDS,
    App,
    Board,
    BoardField,
    Comment,
    HookAttempt,
    Issue,
    Item,
    ItemView,
    Label,
    Option,
    Repo,
    iso,
    next_id,
    now,
)
from tests.support.live import serving

TOKEN = "fake-token-0123456789"


@dataclass
class Call:
    method: str
    path: str
    operation: str | None  # GraphQL operation name
    write: bool
    status: int


@dataclass
class Fault:
    """Answer the next `times` matching requests with `status` (and headers), or delay them."""

    status: int | None = 502
    times: int = 1
    match: str = ""  # substring of "METHOD /path" or a GraphQL operation name; "" matches all
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"
    delay: float = 0.0
    graphql_errors: bool = False
    echo_credentials: bool = False  # quote the request's Authorization header in the message


DOCS = "https://docs.github.com/rest"


def blob_sha(text: str) -> str:
    """Git's blob id of `text`, as GitHub answers it in `sha`."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _error(
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """An error answer shaped like GitHub's: message, documentation_url, and 422 details."""
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def _invalid(resource: str, field_name: str, code: str, message: str = "") -> JSONResponse:
    detail = {"resource": resource, "field": field_name, "code": code}
    if message:
        detail["message"] = message
    return _error(422, "Validation Failed", errors=[detail])


class FakeGitHub:
    """A GitHub with state you set up and read back, served over HTTP while `running()`.

    Also `start()`/`stop()`, or `with FakeGitHub() as gh:`; `reset()` forgets all state.
    """

    def __init__(self, *, latency_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms
        self.lock = threading.RLock()
        self.base_url = ""
        self.web_url = "https://github.example"
        self._stack: ExitStack | None = None
        self._fresh()

    def _fresh(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.boards: list[Board] = []
        self.organizations: set[str] = set()
        self.users: dict[str, str] = {}  # token -> login
        self.app: App | None = None
        self.manifests: dict[str, dict[str, Any]] = {}  # conversion code -> the App's answer
        self.received_manifests: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        # Requests answered so far by kind (GraphQL or REST), for the rate-limit headers:
        # counted as they are recorded, so a long test does not rescan every call each time.
        self._answered = {True: 0, False: 0}
        self.faults: list[Fault] = []
        self.default_login = "boardwatch-bot"
        self.users[TOKEN] = self.default_login
        self.clock: Callable[[], datetime] = now

    def reset(self) -> None:
        """Forget every repository, board, App, call and fault; the server keeps running."""
        with self.lock:
            self._fresh()

    # -- lifecycle ------------------------------------------------------------------------
    @contextmanager
    def running(self) -> Iterator[FakeGitHub]:
        with serving(self.asgi()) as base:
            self.base_url = base
            yield self

    def start(self) -> FakeGitHub:
        """Serve on a free loopback port until `stop()`; `base_url` is set on return."""
        if self._stack is None:
            stack = ExitStack()
            stack.enter_context(self.running())
            self._stack = stack
        return self

    def stop(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None
            self.base_url = ""

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def graphql_url(self) -> str:
        return self.base_url + "/graphql"

    @property
    def shapes(self) -> Shapes:
        return Shapes(self.base_url, self.web_url, frozenset(self.organizations))

    def env(self, **extra: str) -> dict[str, str]:
        """Settings that point boardwatch at this fake with a token."""
        return {
            "GITHUB_API_URL": self.base_url,
            "GITHUB_GRAPHQL_URL": self.graphql_url,
            "GITHUB_TOKEN": TOKEN,
            "BOARDWATCH_DRY_RUN": "false",
            "GITHUB_MAX_WAIT": "5",
            **extra,
        }

    # -- story API: make things ------------------------------------------------------------
    def add_repo(self, full_name: str, *, collaborators: dict[str, str] | None = None) -> Repo:
        with self.lock:
            repo = Repo(full_name=full_name, node_id=f"R_{next_id()}")
            repo.collaborators.update(collaborators or {})
            repo.collaborators.setdefault(self.default_login, "admin")
            self.repos[full_name] = repo
            owner = full_name.split("/")[0]
            if owner not in self.users.values():
                self.organizations.add(owner)
            return repo

    def add_label(self, repo: str, name: str, color: str = "ededed", description: str = "") -> None:
        with self.lock:
            self.repos[repo].labels[name.casefold()] = Label(name, color, description)

    def add_issue(
        self,
        repo: str,
        *,
        title: str = "A task",
        body: str = "",
        labels: list[str] | tuple[str, ...] = (),
        assignees: list[str] | tuple[str, ...] = (),
        author: str = "alice",
        state: str = "open",
        created_at: datetime | None = None,
    ) -> Issue:
        with self.lock:
            where = self.repos[repo]
            for label in labels:
                where.labels.setdefault(label.casefold(), Label(label))
            moment = created_at or self.clock()
            issue = Issue(
                repo=repo,
                number=where.next_number,
                node_id=f"I_{next_id()}",
                title=title,
                body=body,
                author=author,
                labels=list(labels),
                assignees=list(assignees),
                state=state,
                created_at=moment,
                updated_at=moment,
                closed_at=moment if state == "closed" else None,
            )
            where.issues[issue.number] = issue
            where.next_number += 1
            return issue

    def add_comment(self, issue: Issue, body: str, *, author: str = "alice") -> Comment:
        with self.lock:
            moment = self.clock()
            comment = Comment(next_id(), f"IC_{next_id()}", author, body, moment, moment)
            issue.comments.append(comment)
            issue.updated_at = moment
            return comment

    def add_board(
        self,
        owner: str,
        number: int,
        *,
        fields: dict[str, Any] | None = None,
        title: str = "Marketing",
    ) -> Board:
        """A board; `fields` maps a name to a type ("NUMBER", "DATE", "TEXT") or options."""
        with self.lock:
            is_org = owner in self.organizations or owner not in self.users.values()
            if is_org:
                self.organizations.add(owner)
            board = Board(f"PVT_{next_id()}", owner, is_org, number, title)
            for name, kind in BUILT_IN_FIELDS:
                board.fields.append(BoardField(f"PVTF_{next_id()}", name, kind))
            for name, spec in (DEFAULT_FIELDS if fields is None else fields).items():
                if isinstance(spec, list):
                    options = [Option(f"opt_{next_id()}", o) for o in spec]
                    board.fields.append(
                        BoardField(f"PVTSSF_{next_id()}", name, "SINGLE_SELECT", options)
                    )
                else:
                    board.fields.append(BoardField(f"PVTF_{next_id()}", name, spec))
            self.boards.append(board)
            return board

    def add_item(self, board: Board, issue: Issue, **values: Any) -> Item:
        """Put `issue` on `board` with field values by name (`Status="Todo"`, `Estimate=3`)."""
        with self.lock:
            item = board.item_of(issue)
            if item is None:
                item = Item(f"PVTI_{next_id()}", issue, created_at=self.clock())
                board.items.append(item)
            for name, value in values.items():
                self.set_value(board, item, name.replace("_", " "), value)
            return item

    def add_new_item(self, board: Board, issue: Issue, **values: Any) -> Item:
        """`add_item` for an issue known not to be on `board` yet: no search of the board's
        items, so boards of 50,000 items are built in seconds."""
        with self.lock:
            item = Item(f"PVTI_{next_id()}", issue, created_at=self.clock())
            board.items.append(item)
            for name, value in values.items():
                self.set_value(board, item, name.replace("_", " "), value)
            return item

    def set_value(self, board: Board, item: Item, name: str, value: Any) -> None:
        board_field = board.field_named(name)
        if board_field is None:
            raise KeyError(f"board has no field {name!r}")
        if value is None:
            item.values.pop(board_field.id, None)
        elif board_field.data_type == "SINGLE_SELECT":
            option = next(o for o in board_field.options if o.name == value)
            item.values[board_field.id] = option.id
        elif board_field.data_type == "NUMBER":
            item.values[board_field.id] = float(value)
        else:
            item.values[board_field.id] = str(value)

    def add_file(self, repo: str, path: str, text: str, branch: str = "main") -> None:
        with self.lock:
            self.repos[repo].files.setdefault(branch, {})[path] = text

    def setup_app(
        self, slug: str = "boardwatch", installations: dict[int, str] | None = None
    ) -> App:
        """A GitHub App with a fresh RSA key; `installations` maps id -> account."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        public = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self.app = App(next_id(), slug, private, public, dict(installations or {}))
        return self.app

    def add_hook_attempt(
        self, guid: str, status_code: int, *, event: str = "issues", minutes_ago: float = 5
    ) -> HookAttempt:
        assert self.app is not None
        attempt = HookAttempt(
            next_id(),
            guid,
            datetime.now(UTC) - timedelta(minutes=minutes_ago),
            False,
            status_code,
            event,
            "opened",
        )
        self.app.hook_attempts.append(attempt)
        return attempt

    # -- story API: look ------------------------------------------------------------------
    def issue(self, repo: str, number: int) -> Issue:
        return self.repos[repo].issues[number]

    def issue_by_node(self, node_id: str) -> Issue | None:
        for repo in self.repos.values():
            for issue in repo.issues.values():
                if issue.node_id == node_id:
                    return issue
        return None

    def item_values(self, board: Board, issue: Issue) -> dict[str, Any] | None:
        """The issue's field values on `board` by field name; None when not on the board."""
        item = board.item_of(issue)
        return None if item is None else board.values_of(item)

    def item_of(self, board: Board, issue: Issue) -> ItemView | None:
        """The issue's item on `board` with values by field name; None when not on it."""
        with self.lock:
            item = board.item_of(issue)
            if item is None:
                return None
            return ItemView(item.id, item.archived, board.values_of(item))

    def comments(self, repo: str | Repo, number: int) -> list[Comment]:
        """The comments of issue `number`, oldest first."""
        name = repo.full_name if isinstance(repo, Repo) else repo
        return list(self.repos[name].issues[number].comments)

    def bot_comments(self, issue: Issue) -> list[Comment]:
        return [c for c in issue.comments if c.author == self.bot_login]

    @property
    def bot_login(self) -> str:
        return f"{self.app.slug}[bot]" if self.app else self.default_login

    def mark(self) -> int:
        """A position in the call log, for `calls_since` / `writes_since`."""
        return len(self.calls)

    def calls_since(self, mark: int = 0) -> list[Call]:
        return self.calls[mark:]

    def writes_since(self, mark: int = 0) -> list[Call]:
        return [c for c in self.calls[mark:] if c.write]

    def writes(self) -> list[Call]:
        """Every write request so far (REST non-GET, GraphQL mutations)."""
        return self.writes_since(0)

    def graphql_calls(self, mark: int = 0, operation: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls[mark:]
            if c.path == "/graphql" and (operation is None or c.operation == operation)
        ]

    # -- webhook payloads, shaped like GitHub's -------------------------------------------
    def repository_json(self, repo: Repo) -> dict[str, Any]:
        return self.shapes.repository(repo)

    def issue_json(self, issue: Issue) -> dict[str, Any]:
        return self.shapes.issue(self.repos[issue.repo], issue)

    def comment_json(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        return self.shapes.comment(issue, comment)

    def _label_json(self, repo: Repo, name: str) -> dict[str, Any]:
        return self.shapes.label(repo, name)

    def webhook(
        self,
        event: str,
        action: str | None,
        *,
        issue: Issue | None = None,
        comment: Comment | None = None,
        item: tuple[Board, Item] | None = None,
        label: str | None = None,
        sender: str = "alice",
        installation: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A webhook payload built from the current state, as GitHub would send it.

        `label` names the label of a `labeled`/`unlabeled` event; `extra` keys (`changes`,
        `assignee`, ...) are added as given. Keys follow GitHub's order: action first.
        """
        with self.lock:
            shapes = self.shapes
            payload: dict[str, Any] = {}
            if action is not None:
                payload["action"] = action
            owner = None
            if issue is not None:
                repo = self.repos[issue.repo]
                payload["issue"] = shapes.issue(repo, issue)
                if comment is not None:
                    payload["comment"] = shapes.comment(issue, comment)
                if label is not None:
                    payload["label"] = shapes.label(repo, label)
                payload["repository"] = shapes.repository(repo)
                owner = issue.repo.split("/")[0]
            if item is not None:
                board, board_item = item
                payload["projects_v2_item"] = {
                    "id": int(board_item.id.rsplit("_", 1)[-1]),
                    "node_id": board_item.id,
                    "project_node_id": board.id,
                    "content_node_id": board_item.issue.node_id,
                    "content_type": "Issue",
                    "creator": shapes.user(sender),
                    "created_at": iso(board_item.created_at),
                    "updated_at": iso(board_item.updated_at),
                    "archived_at": iso(board_item.updated_at) if board_item.archived else None,
                }
                owner = board.owner
            payload.update(extra)
            if owner is not None and owner in self.organizations:
                payload["organization"] = shapes.organization(owner)
            payload["sender"] = shapes.user(sender)
            if installation is not None:
                payload["installation"] = {"id": installation, "node_id": f"MDIz{installation}"}
            return payload

    webhook_payload = webhook

    # -- HTTP -----------------------------------------------------------------------------
    def asgi(self) -> Starlette:
        routes = [
            Route("/graphql", self._graphql, methods=["POST"]),
            Route("/user", self._get_user, methods=["GET"]),
            Route("/app", self._get_app, methods=["GET"]),
            Route("/app/installations", self._installations, methods=["GET"]),
            Route("/app/installations/{id:int}/access_tokens", self._token, methods=["POST"]),
            Route("/app/hook/deliveries", self._hook_deliveries, methods=["GET"]),
            Route("/app/hook/deliveries/{id:int}/attempts", self._redeliver, methods=["POST"]),
            Route("/app-manifests/{code}/conversions", self._manifest, methods=["POST"]),
            Route("/settings/apps/new", self._new_app_page, methods=["POST"]),
            Route("/organizations/{org}/settings/apps/new", self._new_app_page, methods=["POST"]),
            Route("/repos/{owner}/{name}/installation", self._repo_installation, methods=["GET"]),
            Route("/repos/{owner}/{name}", self._get_repo, methods=["GET"]),
            Route("/repos/{owner}/{name}/issues", self._issues, methods=["GET", "POST"]),
            Route(
                "/repos/{owner}/{name}/issues/comments/{id:int}",
                self._comment,
                methods=["GET", "PATCH", "DELETE"],
            ),
            Route(
                "/repos/{owner}/{name}/issues/comments/{id:int}/reactions",
                self._reaction,
                methods=["POST"],
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}", self._issue, methods=["GET", "PATCH"]
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}/labels",
                self._add_labels,
                methods=["GET", "POST", "PUT", "DELETE"],
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}/assignees",
                self._assignees,
                methods=["POST", "DELETE"],
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}/labels/{label:path}",
                self._remove_label,
                methods=["DELETE"],
            ),
            Route(
                "/repos/{owner}/{name}/issues/{number:int}/comments",
                self._comments,
                methods=["GET", "POST"],
            ),
            Route("/repos/{owner}/{name}/labels", self._create_label, methods=["GET", "POST"]),
            Route("/repos/{owner}/{name}/labels/{label:path}", self._get_label, methods=["GET"]),
            Route(
                "/repos/{owner}/{name}/collaborators/{login}/permission",
                self._permission,
                methods=["GET"],
            ),
            Route(
                "/repos/{owner}/{name}/contents/{path:path}",
                self._contents,
                methods=["GET", "PUT"],
            ),
            Route("/repos/{owner}/{name}/git/ref/{ref:path}", self._get_ref, methods=["GET"]),
            Route("/repos/{owner}/{name}/git/refs", self._create_ref, methods=["POST"]),
            Route("/repos/{owner}/{name}/pulls", self._pulls, methods=["GET", "POST"]),
            Route("/repos/{owner}/{name}/pulls/{number:int}", self._pull, methods=["GET"]),
        ]
        app = Starlette(routes=routes)
        fake = self

        async def middleware(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            await fake._dispatch(app, scope, receive, send)

        return middleware  # type: ignore[return-value]

    async def _dispatch(self, app: Starlette, scope: Any, receive: Any, send: Any) -> None:
        method, path = scope["method"], scope["path"]
        # The call log shows the path as sent (still URL-quoted), like GitHub's logs.
        sent_path = (scope.get("raw_path") or path.encode()).decode().split("?", 1)[0]
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        operation = None
        write = method != "GET"
        if path == "/graphql":
            try:
                sent = json.loads(body or b"{}")
                operation, write = graphql.describe(
                    sent.get("query", ""), sent.get("operationName")
                )
            except ValueError:
                operation, write = "invalid", False
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        fault = self._take_fault(f"{method} {path}", operation)
        status_holder: dict[str, int] = {}

        async def replay_receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", [])) + self._rate_headers(path)
                message = {**message, "headers": headers}
            await send(message)

        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            message = fault.message
            if fault.echo_credentials:
                sent = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
                message = f"{message} (request had Authorization: {sent})"
            if fault.graphql_errors:
                response: Response = JSONResponse({"data": None, "errors": [{"message": message}]})
            elif fault.status is not None:
                response = _error(fault.status, message, fault.headers)
            else:
                response = None  # type: ignore[assignment]
            if response is not None:
                self._record(Call(method, sent_path, operation, write, response.status_code))
                await response(scope, replay_receive, send)
                return
        if method == "GET" and path != "/graphql":
            status = await self._conditional(app, scope, replay_receive, send)
        else:
            await app(scope, replay_receive, capture_send)
            status = status_holder.get("status", 0)
        self._record(Call(method, sent_path, operation, write, status))

    async def _conditional(self, app: Starlette, scope: Any, receive: Any, send: Any) -> int:
        """A REST read as GitHub answers it: a strong `ETag` on every 200, and `304 Not
        Modified` with no body when the request's `If-None-Match` names the current one.

        The ETag covers the body and the credentials (GitHub varies answers by
        `Authorization`), so another token's ETag never matches."""
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, keep)
        status = int(started["status"])
        headers = [(k, v) for k, v in started.get("headers", []) if k.lower() != b"content-length"]
        body = b"".join(chunks)
        asked = dict(scope.get("headers", []))
        if status == 200:
            credentials = asked.get(b"authorization", b"")
            etag = f'"{hashlib.sha256(credentials + b"|" + body).hexdigest()[:40]}"'
            headers.append((b"etag", etag.encode()))
            if etag in asked.get(b"if-none-match", b"").decode("latin-1"):
                status, body = 304, b""
                headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        headers += self._rate_headers("/", not_modified=status == 304)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return status

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        if call.status != 304:  # GitHub does not charge a 304 to the rate limit
            self._answered[call.path == "/graphql"] += 1

    def not_modified(self, mark: int = 0) -> list[Call]:
        """The REST reads answered `304 Not Modified` since `mark`."""
        return [c for c in self.calls[mark:] if c.status == 304]

    def _rate_headers(self, path: str, *, not_modified: bool = False) -> list[tuple[bytes, bytes]]:
        """GitHub's budget headers; every request so far but 304s counts against 5,000 an hour."""
        used = self._answered[path == "/graphql"] + (0 if not_modified else 1)
        return [
            (b"x-ratelimit-limit", b"5000"),
            (b"x-ratelimit-remaining", str(max(0, 5000 - used)).encode()),
            (b"x-ratelimit-used", str(used).encode()),
            (b"x-ratelimit-reset", str(int(time.time()) + 3600).encode()),
            (b"x-ratelimit-resource", b"graphql" if path == "/graphql" else b"core"),
        ]

    def _take_fault(self, request: str, operation: str | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and (
                    not fault.match or fault.match in request or fault.match == operation
                ):
                    fault.times -= 1
                    return fault
        return None

    # -- fault switches -------------------------------------------------------------------
    def fail_next(self, times: int = 1, status: int = 502, match: str = "") -> None:
        self.faults.append(Fault(status=status, times=times, match=match))

    def secondary_rate_limit(self, times: int = 1, retry_after: int = 1, match: str = "") -> None:
        self.faults.append(
            Fault(
                status=403,
                times=times,
                match=match,
                headers={"Retry-After": str(retry_after)},
                message="You have exceeded a secondary rate limit. Please wait a few minutes.",
            )
        )

    def primary_rate_limit(self, times: int = 1, reset_in: int = 1, match: str = "") -> None:
        self.faults.append(
            Fault(
                status=403,
                times=times,
                match=match,
                headers={
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(int(time.time()) + reset_in),
                },
                message="API rate limit exceeded for installation ID 1.",
            )
        )

    def slow_next(self, seconds: float, times: int = 1, match: str = "") -> None:
        self.faults.append(Fault(status=None, times=times, match=match, delay=seconds))

    def graphql_error_next(self, message: str, times: int = 1, match: str = "") -> None:
        self.faults.append(Fault(times=times, match=match, message=message, graphql_errors=True))

    def echo_credentials_next(
        self, times: int = 1, status: int = 401, match: str = "", *, graphql: bool = False
    ) -> None:
        """Fail the next matching requests with an error that quotes the token they carried,
        as a careless proxy or a verbose error page does."""
        self.faults.append(
            Fault(
                status=status,
                times=times,
                match=match,
                message="Bad credentials",
                graphql_errors=graphql,
                echo_credentials=True,
            )
        )

    # -- auth -----------------------------------------------------------------------------
    def _login_of(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        token = header.split(" ", 1)[1] if " " in header else ""
        if token in self.users:
            return self.users[token]
        if self.app is not None and token in self.app.tokens:
            return f"{self.app.slug}[bot]"
        return None

    def _jwt_ok(self, request: Request) -> bool:
        if self.app is None:
            return False
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return False
        try:
            claims = jwt.decode(header[7:], self.app.public_key_pem, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return str(claims.get("iss")) == str(self.app.id)

    def _repo(self, request: Request) -> Repo | None:
        return self.repos.get(f"{request.path_params['owner']}/{request.path_params['name']}")

    # -- REST handlers --------------------------------------------------------------------
    async def _graphql(self, request: Request) -> Response:
        login = self._login_of(request)
        if login is None:
            return _error(401, "Bad credentials")
        try:
            sent = await request.json()
        except ValueError:
            return _error(400, "Problems parsing JSON")
        if not isinstance(sent, dict) or not isinstance(sent.get("query"), str):
            return JSONResponse({"errors": [{"message": "A query attribute must be specified"}]})
        with self.lock:
            return JSONResponse(graphql.execute(self, sent["query"], sent.get("variables"), login))

    async def _get_user(self, request: Request) -> Response:
        login = self._login_of(request)
        if login is None:
            return _error(401, "Requires authentication")
        return JSONResponse({"login": login, "id": 1, "type": "User"})

    async def _get_app(self, request: Request) -> Response:
        if not self._jwt_ok(request):
            return _error(401, "A JSON web token could not be decoded")
        assert self.app is not None
        return JSONResponse({"id": self.app.id, "slug": self.app.slug, "name": self.app.slug})

    async def _token(self, request: Request) -> Response:
        if not self._jwt_ok(request):
            return _error(401, "A JSON web token could not be decoded")
        assert self.app is not None
        installation = request.path_params["id"]
        if installation not in self.app.installations:
            return _error(404, "Not Found")
        token = f"ghs_{secrets.token_hex(8)}"
        self.app.tokens[token] = installation
        expires = datetime.now(UTC) + timedelta(hours=1)
        return JSONResponse({"token": token, "expires_at": iso(expires)}, status_code=201)

    async def _installations(self, request: Request) -> Response:
        if not self._jwt_ok(request):
            return _error(401, "A JSON web token could not be decoded")
        assert self.app is not None
        return JSONResponse(
            [
                {
                    "id": number,
                    "account": self.shapes.user(account),
                    "app_id": self.app.id,
                    "app_slug": self.app.slug,
                    "target_type": "Organization" if account in self.organizations else "User",
                }
                for number, account in self.app.installations.items()
            ]
        )

    async def _repo_installation(self, request: Request) -> Response:
        if not self._jwt_ok(request):
            return _error(401, "A JSON web token could not be decoded")
        assert self.app is not None
        owner = request.path_params["owner"]
        for installation, account in self.app.installations.items():
            if account == owner:
                return JSONResponse({"id": installation, "account": {"login": account}})
        return _error(404, "Not Found")

    async def _hook_deliveries(self, request: Request) -> Response:
        if not self._jwt_ok(request):
            return _error(401, "A JSON web token could not be decoded")
        assert self.app is not None
        per_page = int(request.query_params.get("per_page", 30))
        start = int(request.query_params.get("cursor", 0))
        ordered = sorted(self.app.hook_attempts, key=lambda a: a.delivered_at, reverse=True)
        chunk = ordered[start : start + per_page]
        headers = {}
        if start + per_page < len(ordered):
            headers["Link"] = (
                f"<{self.base_url}/app/hook/deliveries?per_page={per_page}"
                f'&cursor={start + per_page}>; rel="next"'
            )
        return JSONResponse([a.as_json() for a in chunk], headers=headers)

    async def _redeliver(self, request: Request) -> Response:
        if not self._jwt_ok(request):
            return _error(401, "A JSON web token could not be decoded")
        assert self.app is not None
        self.app.redelivered.append(request.path_params["id"])
        return JSONResponse({}, status_code=202)

    async def _new_app_page(self, request: Request) -> Response:
        """GitHub's "create an App from a manifest" page, confirmed at once."""
        form = await request.form()
        document = json.loads(str(form["manifest"]))
        self.received_manifests.append(document)
        app = self.app or self.setup_app(document["name"].lower())
        code = f"code-{secrets.token_hex(6)}"
        owner = request.path_params.get("org") or self.default_login
        self.manifests[code] = {
            "id": app.id,
            "slug": app.slug,
            "name": document["name"],
            "pem": app.private_key_pem,
            "webhook_secret": f"whsec-{secrets.token_hex(8)}",
            "client_id": f"Iv1.{secrets.token_hex(4)}",
            "client_secret": secrets.token_hex(16),
            "html_url": f"{self.web_url}/apps/{app.slug}",
            "owner": {"login": owner},
        }
        state = request.query_params.get("state", "")
        target = f"{document['redirect_url']}?code={code}&state={state}"
        return Response(status_code=302, headers={"Location": target})

    async def _manifest(self, request: Request) -> Response:
        code = request.path_params["code"]
        found = self.manifests.pop(code, None)
        if found is None:
            return _error(404, "Not Found")
        return JSONResponse(found, status_code=201)

    def _auth(self, request: Request) -> Response | None:
        return None if self._login_of(request) else _error(401, "Bad credentials")

    async def _get_repo(self, request: Request) -> Response:
        repo = self._repo(request)
        if repo is None:
            return _error(404, "Not Found")
        return JSONResponse(self.repository_json(repo))

    async def _issues(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        repo = self._repo(request)
        if repo is None:
            return _error(404, "Not Found")
        if request.method == "POST":
            sent = await request.json()
            with self.lock:
                issue = self.add_issue(
                    repo.full_name,
                    title=sent["title"],
                    body=sent.get("body") or "",
                    labels=sent.get("labels") or [],
                    author=self._login_of(request) or "ghost",
                )
            return JSONResponse(self.issue_json(issue), status_code=201)
        query = request.query_params
        state = query.get("state", "open")
        wanted = [w for w in query.get("labels", "").split(",") if w]
        since = query.get("since")
        if state not in ("open", "closed", "all"):
            return _invalid("Issue", "state", "invalid", f"{state!r} is not open, closed or all")
        with self.lock:
            found = [
                i
                for i in sorted(repo.issues.values(), key=lambda i: -i.number)
                if (state == "all" or i.state == state)
                and all(w.casefold() in {x.casefold() for x in i.labels} for w in wanted)
                and (since is None or iso(i.updated_at) >= since.replace("+00:00", "Z"))
            ]
            # Only the page asked for is shaped: a listing of 50,000 issues stays quick.
            return self._paged(request, found, shape=self.issue_json)

    def _find_issue(self, request: Request) -> Issue | None:
        repo = self._repo(request)
        return repo.issues.get(request.path_params["number"]) if repo else None

    async def _issue(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        issue = self._find_issue(request)
        if issue is None:
            return _error(404, "Not Found")
        if request.method == "PATCH":
            sent = await request.json()
            with self.lock:
                for key in ("title", "body"):
                    if key in sent:
                        setattr(issue, key, sent[key] or "")
                if "assignees" in sent:
                    issue.assignees = list(sent["assignees"])
                if "labels" in sent:
                    issue.labels = list(sent["labels"])
                if "state" in sent and sent["state"] != issue.state:
                    issue.state = sent["state"]
                    issue.closed_at = self.clock() if issue.state == "closed" else None
                    issue.state_reason = sent.get("state_reason") or (
                        "completed" if issue.state == "closed" else "reopened"
                    )
                issue.updated_at = self.clock()
        return JSONResponse(self.issue_json(issue))

    async def _add_labels(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        issue = self._find_issue(request)
        if issue is None:
            return _error(404, "Not Found")
        repo = self.repos[issue.repo]
        if request.method == "GET":
            with self.lock:
                return JSONResponse([self._label_json(repo, n) for n in issue.labels])
        names: list[str] = []
        if request.method != "DELETE":
            sent = await request.json()
            names = sent.get("labels", []) if isinstance(sent, dict) else sent
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                return _invalid("Label", "labels", "invalid", "labels must be a list of names")
        with self.lock:
            if request.method in ("PUT", "DELETE"):
                issue.labels = []
            for name in names:
                repo.labels.setdefault(name.casefold(), Label(name))
                if name.casefold() not in {x.casefold() for x in issue.labels}:
                    issue.labels.append(repo.labels[name.casefold()].name)
            issue.updated_at = self.clock()
            if request.method == "DELETE":
                return Response(status_code=204)
            return JSONResponse([self._label_json(repo, n) for n in issue.labels])

    async def _assignees(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        issue = self._find_issue(request)
        if issue is None:
            return _error(404, "Not Found")
        logins = (await request.json()).get("assignees") or []
        repo = self.repos[issue.repo]
        with self.lock:
            if request.method == "DELETE":
                issue.assignees = [a for a in issue.assignees if a not in logins]
            else:
                # GitHub ignores logins that may not be assigned (not collaborators).
                for login in logins:
                    if login in repo.collaborators and login not in issue.assignees:
                        issue.assignees.append(login)
            issue.updated_at = self.clock()
            status = 200 if request.method == "DELETE" else 201
            return JSONResponse(self.issue_json(issue), status_code=status)

    async def _remove_label(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        issue = self._find_issue(request)
        name = unquote(request.path_params["label"])
        if issue is None or name.casefold() not in {x.casefold() for x in issue.labels}:
            return _error(404, "Label does not exist")
        with self.lock:
            issue.labels = [x for x in issue.labels if x.casefold() != name.casefold()]
            issue.updated_at = self.clock()
            return JSONResponse([self._label_json(self.repos[issue.repo], n) for n in issue.labels])

    async def _comments(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        issue = self._find_issue(request)
        if issue is None:
            return _error(404, "Not Found")
        if request.method == "POST":
            sent = await request.json()
            comment = self.add_comment(issue, sent["body"], author=self._login_of(request) or "")
            return JSONResponse(self.comment_json(issue, comment), status_code=201)
        with self.lock:
            return self._paged(request, [self.comment_json(issue, c) for c in issue.comments])

    def _find_comment(self, request: Request) -> tuple[Issue, Comment] | None:
        repo = self._repo(request)
        for issue in repo.issues.values() if repo else []:
            for comment in issue.comments:
                if comment.id == request.path_params["id"]:
                    return issue, comment
        return None

    async def _comment(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        found = self._find_comment(request)
        if found is None:
            return _error(404, "Not Found")
        issue, comment = found
        if request.method == "GET":
            return JSONResponse(self.comment_json(issue, comment))
        with self.lock:
            if request.method == "DELETE":
                issue.comments.remove(comment)
                return Response(status_code=204)
            comment.body = (await request.json())["body"]
            comment.updated_at = self.clock()
        return JSONResponse(self.comment_json(issue, comment))

    async def _reaction(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        found = self._find_comment(request)
        if found is None:
            return _error(404, "Not Found")
        content = (await request.json())["content"]
        login = self._login_of(request) or ""
        with self.lock:
            if (login, content) not in found[1].reactions:
                found[1].reactions.append((login, content))
        return JSONResponse({"id": next_id(), "content": content}, status_code=201)

    async def _get_label(self, request: Request) -> Response:
        repo = self._repo(request)
        label = repo.labels.get(unquote(request.path_params["label"]).casefold()) if repo else None
        if label is None:
            return _error(404, "Not Found")
        return JSONResponse(
            {"name": label.name, "color": label.color, "description": label.description}
        )

    async def _create_label(self, request: Request) -> Response:
        if (denied := self._auth(request)) is not None:
            return denied
        repo = self._repo(request)
        if repo is None:
            return _error(404, "Not Found")
        if request.method == "GET":
            with self.lock:
                labels = [self._label_json(repo, n.name) for n in repo.labels.values()]
                return self._paged(request, labels)
        sent = await request.json()
        name = sent.get("name") if isinstance(sent, dict) else None
        if not name:
            return _invalid("Label", "name", "missing_field")
        color = str(sent.get("color", "ededed")).removeprefix("#")
        if len(color) != 6 or any(c not in "0123456789abcdefABCDEF" for c in color):
            return _invalid("Label", "color", "invalid", f"{color!r} is not a 6-digit hex color")
        with self.lock:
            if name.casefold() in repo.labels:
                return _invalid("Label", "name", "already_exists")
            repo.labels[name.casefold()] = Label(name, color, sent.get("description") or "")
            return JSONResponse(self._label_json(repo, name), status_code=201)

    async def _permission(self, request: Request) -> Response:
        repo = self._repo(request)
        login = request.path_params["login"]
        if repo is None or login not in repo.collaborators:
            return _error(404, f"{login} is not a user")
        role = repo.collaborators[login]
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return JSONResponse({"permission": legacy, "role_name": role, "user": {"login": login}})

    async def _contents(self, request: Request) -> Response:
        repo = self._repo(request)
        if repo is None:
            return _error(404, "Not Found")
        path = request.path_params["path"]
        if request.method == "PUT":
            sent = await request.json()
            branch = sent.get("branch") or repo.default_branch
            with self.lock:
                if branch not in repo.branch_shas:
                    return _error(404, f"Branch {branch} not found")
                present = repo.files.get(branch, {}).get(path)
                # Like GitHub: replacing a file needs the sha of the blob being replaced.
                if present is not None and sent.get("sha") != blob_sha(present):
                    if not sent.get("sha"):
                        return _error(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
                    return _error(409, f"{path} does not match {sent['sha']}")
                text = base64.b64decode(sent["content"]).decode()
                repo.files.setdefault(branch, {})[path] = text
            answer = {
                "content": self._content_json(repo, path, text, branch),
                "commit": {
                    "sha": f"commit-{next_id()}",
                    "message": sent.get("message", ""),
                    "url": f"{self.base_url}/repos/{repo.full_name}/git/commits/{branch}",
                },
            }
            return JSONResponse(answer, status_code=201 if present is None else 200)
        branch = request.query_params.get("ref", repo.default_branch)
        if branch.startswith("sha-"):
            branch = next((b for b, s in repo.branch_shas.items() if s == branch), branch)
        text = repo.files.get(branch, {}).get(path)
        if text is None:
            return _error(404, "Not Found")
        return JSONResponse(
            {
                **self._content_json(repo, path, text, branch),
                "encoding": "base64",
                "content": base64.b64encode(text.encode()).decode(),
            }
        )

    def _content_json(self, repo: Repo, path: str, text: str, branch: str) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}/contents/{path}?ref={branch}"
        return {
            "type": "file",
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": blob_sha(text),
            "size": len(text.encode()),
            "url": api,
            "html_url": f"{self.web_url}/{repo.full_name}/blob/{branch}/{path}",
            "git_url": f"{self.base_url}/repos/{repo.full_name}/git/blobs/{blob_sha(text)}",
            "download_url": None,
        }

    async def _get_ref(self, request: Request) -> Response:
        repo = self._repo(request)
        ref = request.path_params["ref"]
        branch = ref.removeprefix("heads/")
        if repo is None or branch not in repo.branch_shas:
            return _error(404, "Not Found")
        return JSONResponse({"ref": f"refs/{ref}", "object": {"sha": repo.branch_shas[branch]}})

    async def _create_ref(self, request: Request) -> Response:
        repo = self._repo(request)
        if repo is None:
            return _error(404, "Not Found")
        sent = await request.json()
        branch = sent["ref"].removeprefix("refs/heads/")
        with self.lock:
            if branch in repo.branch_shas:
                return _error(422, "Reference already exists")
            repo.branch_shas[branch] = f"sha-{branch}"
            base = next(b for b, s in repo.branch_shas.items() if s == sent["sha"])
            repo.files[branch] = dict(repo.files.get(base, {}))
        return JSONResponse({"ref": sent["ref"], "object": {"sha": sent["sha"]}}, status_code=201)

    async def _pulls(self, request: Request) -> Response:
        repo = self._repo(request)
        if repo is None:
            return _error(404, "Not Found")
        if request.method == "GET":
            head = request.query_params.get("head", "")
            found = [p for p in repo.pulls if not head or p["head_label"] == head]
            return JSONResponse(found)
        sent = await request.json()
        with self.lock:
            number = repo.next_number
            repo.next_number += 1
            pull = {
                "number": number,
                "title": sent["title"],
                "body": sent.get("body"),
                "head_label": f"{repo.full_name.split('/')[0]}:{sent['head']}",
                "head": {"ref": sent["head"]},
                "base": {"ref": sent["base"]},
                "state": "open",
                "html_url": f"{self.web_url}/{repo.full_name}/pull/{number}",
            }
            repo.pulls.append(pull)
        return JSONResponse(pull, status_code=201)

    async def _pull(self, request: Request) -> Response:
        repo = self._repo(request)
        number = request.path_params["number"]
        found = next((p for p in repo.pulls if p["number"] == number), None) if repo else None
        if found is None:
            return _error(404, "Not Found")
        return JSONResponse(found)

    def _paged(
        self,
        request: Request,
        everything: list[Any],
        shape: Callable[[Any], Any] | None = None,
    ) -> JSONResponse:
        """One page of `everything` (`per_page` ≤ 100, `page`), with GitHub's Link header;
        `shape` turns each entry of the page into its JSON."""
        query = request.query_params
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        headers = {}
        if page * per_page < len(everything):
            params = "&".join(f"{k}={v}" for k, v in query.items() if k != "page")
            url = f"{self.base_url}{request.url.path}?{params}&page={page + 1}".replace("?&", "?")
            headers["Link"] = f'<{url}>; rel="next"'
        chunk = everything[(page - 1) * per_page : page * per_page]
        return JSONResponse([shape(e) for e in chunk] if shape else chunk, headers=headers)
