"""`GitHubClient`: the real `GitHubGateway` (REST via PyGithub, Projects v2 via GraphQL)."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from service.domain.markers import marker
from service.domain.models import (
    Board,
    BoardField,
    BoardItem,
    Comment,
    CommentResult,
    FieldOption,
    FieldType,
    FieldValue,
    Issue,
    Permission,
    Reaction,
    SubIssues,
)
from service.gateway.errors import GitHubError, NotFound
from service.gateway.graphql import GraphQLClient
from service.gateway.rest import RestClient
from service.redact import redact

# How long the first page of items read with the board counts as the board's current state.
FIRST_PAGE_FRESH = 30.0
# A board's field-definitions version, as every process can read it (the store's count of
# `projects_v2` events and newly seen fields about `ORG/NUMBER`).
BoardVersion = Callable[[str], int]
# Colours GitHub accepts for new single-select options (they have no id to keep).
_OPTION_COLOR = "GRAY"


def _split(repo: str) -> dict[str, str]:
    owner, name = repo.split("/", 1)
    return {"owner": owner, "repo": name}


def issue_from_rest(repo: str, data: dict[str, Any]) -> Issue:
    return Issue(
        repo=repo,
        number=data["number"],
        node_id=data.get("node_id"),
        title=data.get("title") or "",
        body=data.get("body") or "",
        state="closed" if data.get("state") == "closed" else "open",
        state_reason=data.get("state_reason"),
        labels=tuple(label["name"] for label in data.get("labels") or []),
        assignees=tuple(a["login"] for a in data.get("assignees") or []),
        author=(data.get("user") or {}).get("login"),
        author_association=data.get("author_association"),
        created_at=data.get("created_at"),
        updated_at=data.get("updated_at"),
        closed_at=data.get("closed_at"),
        url=data.get("html_url"),
        comments=data.get("comments"),
        issue_type=(data.get("type") or {}).get("name"),
        sub_issues=_sub_issues(data.get("sub_issues_summary")),
        # `blocked_by` counts the open blockers; `total_blocked_by` the closed ones too.
        blocked_by_open=(data.get("issue_dependencies_summary") or {}).get("blocked_by") or 0,
    )


def _sub_issues(summary: dict[str, Any] | None) -> SubIssues | None:
    """Progress from a REST or GraphQL sub-issues summary; None for an issue without any."""
    if not summary or not summary.get("total"):
        return None
    return SubIssues(total=summary["total"], completed=summary.get("completed") or 0)


def comment_from_rest(data: dict[str, Any]) -> Comment:
    return Comment(
        id=data["id"],
        node_id=data.get("node_id"),
        author=(data.get("user") or {}).get("login"),
        body=data.get("body") or "",
        created_at=data.get("created_at"),
        updated_at=data.get("updated_at"),
        url=data.get("html_url"),
    )


_ROLES: tuple[Permission, ...] = ("admin", "maintain", "write", "triage", "read")


def permission_from(data: dict[str, Any]) -> Permission:
    """The role from a collaborator-permission answer.

    `role_name` knows triage and maintain (`permission` folds them into read and write);
    a custom repository role has its own name there, so its base `permission` counts.
    """
    for key in ("role_name", "permission"):
        role = str(data.get(key) or "").lower()
        for known in _ROLES:
            if role == known:
                return known
    return "none"


def issue_from_graphql(data: dict[str, Any]) -> Issue:
    return Issue(
        repo=data["repository"]["nameWithOwner"],
        number=data["number"],
        node_id=data["id"],
        title=data.get("title") or "",
        body=data.get("body") or "",
        state="closed" if data.get("state") == "CLOSED" else "open",
        state_reason=(data.get("stateReason") or "").lower() or None,
        labels=tuple(n["name"] for n in (data.get("labels") or {}).get("nodes") or []),
        assignees=tuple(n["login"] for n in (data.get("assignees") or {}).get("nodes") or []),
        author=(data.get("author") or {}).get("login"),
        author_association=data.get("authorAssociation"),
        created_at=data.get("createdAt"),
        updated_at=data.get("updatedAt"),
        closed_at=data.get("closedAt"),
        url=data.get("url"),
        comments=(data.get("comments") or {}).get("totalCount"),
        issue_type=(data.get("issueType") or {}).get("name"),
        sub_issues=_sub_issues(data.get("subIssuesSummary")),
        blocked_by_open=(data.get("issueDependenciesSummary") or {}).get("blockedBy") or 0,
    )


def item_from_graphql(data: dict[str, Any]) -> BoardItem:
    fields: dict[str, FieldValue] = {}
    for value in (data.get("fieldValues") or {}).get("nodes") or []:
        name = ((value or {}).get("field") or {}).get("name")
        if not name:
            continue
        kind = value.get("__typename")
        if kind == "ProjectV2ItemFieldSingleSelectValue" and value.get("name") is not None:
            fields[name] = value["name"]
        elif kind == "ProjectV2ItemFieldNumberValue" and value.get("number") is not None:
            fields[name] = float(value["number"])
        elif kind == "ProjectV2ItemFieldDateValue" and value.get("date"):
            fields[name] = date.fromisoformat(value["date"])
        elif kind == "ProjectV2ItemFieldTextValue" and value.get("text") is not None:
            fields[name] = value["text"]
    content = data.get("content") or {}
    return BoardItem(
        id=data["id"],
        issue=issue_from_graphql(content) if content.get("__typename") == "Issue" else None,
        fields=fields,
        archived=bool(data.get("isArchived")),
        created_at=data.get("createdAt"),
        updated_at=data.get("updatedAt"),
        board_id=(data.get("project") or {}).get("id"),
    )


def _field(data: dict[str, Any]) -> BoardField:
    known = {"SINGLE_SELECT", "NUMBER", "DATE", "TEXT", "ITERATION"}
    kind = data.get("dataType")
    return BoardField(
        id=data["id"],
        name=data["name"],
        data_type=kind if kind in known else "OTHER",
        options=tuple(FieldOption(id=o["id"], name=o["name"]) for o in data.get("options") or []),
    )


def _board(data: dict[str, Any]) -> Board:
    return Board(
        id=data["id"],
        owner=(data.get("owner") or {}).get("login", ""),
        number=data["number"],
        title=data.get("title") or "",
        url=data.get("url"),
        fields=tuple(_field(f) for f in (data.get("fields") or {}).get("nodes") or [] if f),
    )


@dataclass(frozen=True)
class _KnownBoard:
    board: Board
    version: int | None  # the store's version of the board when it was read
    read_at: float  # time.monotonic()


class GitHubClient:
    """GitHub for one installation or token."""

    def __init__(
        self,
        rest: RestClient,
        graphql: GraphQLClient,
        bot_login: Callable[[], str],
        *,
        board_version: BoardVersion | None = None,
        fields_ttl: float = 3600.0,
    ) -> None:
        self.rest = rest
        self.graphql = graphql
        self._bot_login = bot_login
        # Field definitions per board ref (casefolded): read again when the store's version
        # of the board moved on (any process saw a change) or after `fields_ttl` seconds.
        self._boards: dict[str, _KnownBoard] = {}
        self._board_version = board_version
        self._fields_ttl = fields_ttl
        # board id -> (when read, first page of items, its pageInfo), from the board lookup
        self._first_pages: dict[str, tuple[float, list[Any], dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def bot_login(self) -> str:
        return self._bot_login()

    # -- issues --------------------------------------------------------------------------
    def get_issue(self, repo: str, number: int) -> Issue:
        _, data = self.rest.call("get_issue", params={**_split(repo), "issue_number": number})
        return issue_from_rest(repo, data)

    def list_issues(
        self,
        repo: str,
        *,
        state: Literal["open", "closed", "all"] = "open",
        labels: Iterable[str] = (),
        since: datetime | None = None,
    ) -> list[Issue]:
        query: dict[str, Any] = {"state": state}
        if labels:
            query["labels"] = ",".join(labels)
        if since is not None:
            query["since"] = since.isoformat()
        return list(self._issues(repo, query))

    def iter_issues(
        self, repo: str, *, state: Literal["open", "closed", "all"] = "open"
    ) -> Iterator[Issue]:
        return self._issues(repo, {"state": state})

    def _issues(self, repo: str, query: dict[str, Any]) -> Iterator[Issue]:
        for data in self.rest.iter_pages("list_issues", params=_split(repo), query=query):
            if "pull_request" not in data:
                yield issue_from_rest(repo, data)

    def create_issue(
        self, repo: str, title: str, body: str, *, labels: Iterable[str] = ()
    ) -> Issue:
        _, data = self.rest.call(
            "create_issue",
            params=_split(repo),
            body={"title": title, "body": body, "labels": list(labels)},
        )
        return issue_from_rest(repo, data)

    def update_issue(
        self, repo: str, number: int, *, title: str | None = None, body: str | None = None
    ) -> None:
        changes = {k: v for k, v in {"title": title, "body": body}.items() if v is not None}
        if changes:
            self.rest.call(
                "update_issue", params={**_split(repo), "issue_number": number}, body=changes
            )

    def add_labels(self, repo: str, number: int, labels: Iterable[str]) -> list[str]:
        added = list(dict.fromkeys(labels))
        if added:
            self.rest.call(
                "add_labels",
                params={**_split(repo), "issue_number": number},
                body={"labels": added},
            )
        return added

    def remove_labels(self, repo: str, number: int, labels: Iterable[str]) -> list[str]:
        removed = list(dict.fromkeys(labels))
        for label in removed:
            # Someone may have removed it meanwhile: the outcome is the same.
            with suppress(NotFound):
                self.rest.call(
                    "remove_label",
                    params={**_split(repo), "issue_number": number, "name": label},
                )
        return removed

    def set_assignees(self, repo: str, number: int, logins: Iterable[str]) -> None:
        self.rest.call(
            "update_issue",
            params={**_split(repo), "issue_number": number},
            body={"assignees": list(logins)},
        )

    def set_state(
        self,
        repo: str,
        number: int,
        state: Literal["open", "closed"],
        *,
        reason: Literal["completed", "not_planned", "reopened"] | None = None,
    ) -> None:
        body: dict[str, Any] = {"state": state}
        if reason is not None:
            body["state_reason"] = reason
        self.rest.call("update_issue", params={**_split(repo), "issue_number": number}, body=body)

    # -- labels --------------------------------------------------------------------------
    def label_exists(self, repo: str, name: str) -> bool:
        """Whether the repository has label `name` (GitHub matches names case-insensitively)."""
        try:
            self.rest.call("get_label", params={**_split(repo), "name": name})
        except NotFound:
            return False
        return True

    def ensure_label(self, repo: str, name: str, color: str, description: str = "") -> bool:
        if self.label_exists(repo, name):
            return False
        try:
            self.rest.call(
                "create_label",
                params=_split(repo),
                body={"name": name, "color": color, "description": description},
            )
        except GitHubError as exc:
            if exc.status == 422:  # created by someone else a moment ago
                return False
            raise
        return True

    # -- comments ------------------------------------------------------------------------
    def list_comments(self, repo: str, number: int) -> list[Comment]:
        found = self.rest.pages("list_comments", params={**_split(repo), "issue_number": number})
        return [comment_from_rest(d) for d in found]

    def upsert_comment(
        self,
        repo: str,
        number: int,
        key: str,
        body: str | None,
        *,
        known_id: int | None = None,
        absent: bool = False,
    ) -> CommentResult:
        tag = marker(key)
        # Redacted before comparing, so a body that quoted a secret is not rewritten each time.
        text = None if body is None else redact(body if tag in body else f"{tag}\n{body}")
        if known_id is not None:
            # The caller remembers the bot's comment: one request, no listing. If someone
            # deleted it meanwhile, find (or make) it by its marker as below.
            where = {**_split(repo), "comment_id": known_id}
            try:
                if text is None:
                    self.rest.call("delete_comment", params=where)
                    return CommentResult(action="deleted", comment_id=known_id)
                self.rest.call("update_comment", params=where, body={"body": text})
                return CommentResult(action="updated", comment_id=known_id)
            except NotFound:
                if text is None:
                    return CommentResult(action="none")
        if absent and known_id is None:
            if text is None:
                return CommentResult(action="none")
            created = self.create_comment(repo, number, text)
            return CommentResult(action="created", comment_id=created.id)
        bot = self.bot_login()
        mine = [
            c
            for c in self.list_comments(repo, number)
            if tag in c.body and (c.author is None or c.author == bot)
        ]
        if text is None:
            for comment in mine:
                self.rest.call("delete_comment", params={**_split(repo), "comment_id": comment.id})
            return CommentResult(action="deleted" if mine else "none")
        if not mine:
            created = self.create_comment(repo, number, text)
            return CommentResult(action="created", comment_id=created.id)
        first = mine[0]
        if first.body.strip() == text.strip():
            return CommentResult(action="none", comment_id=first.id)
        self.rest.call(
            "update_comment", params={**_split(repo), "comment_id": first.id}, body={"body": text}
        )
        return CommentResult(action="updated", comment_id=first.id)

    def create_comment(self, repo: str, number: int, body: str) -> Comment:
        _, data = self.rest.call(
            "create_comment", params={**_split(repo), "issue_number": number}, body={"body": body}
        )
        return comment_from_rest(data)

    def add_reaction(self, repo: str, comment_id: int, content: Reaction) -> None:
        self.rest.call(
            "add_reaction",
            params={**_split(repo), "comment_id": comment_id},
            body={"content": content},
        )

    # -- permissions ---------------------------------------------------------------------
    def get_permission(self, repo: str, login: str) -> Permission:
        try:
            _, data = self.rest.call("get_permission", params={**_split(repo), "username": login})
        except NotFound:
            return "none"
        return permission_from(data)

    # -- Projects v2 ---------------------------------------------------------------------
    def get_board(self, ref: str) -> Board:
        version = self._version_of(ref)
        with self._lock:
            known = self._boards.get(ref.casefold())
        if (
            known is not None
            and known.version == version
            and time.monotonic() - known.read_at < self._fields_ttl
        ):
            return known.board
        return self._read_board(ref, version)

    def refresh_board(self, ref: str) -> Board:
        return self._read_board(ref, self._version_of(ref))

    def _version_of(self, ref: str) -> int | None:
        return self._board_version(ref) if self._board_version is not None else None

    def _read_board(self, ref: str, version: int | None) -> Board:
        """Read the board; `version` is the store's, read before, so a change recorded while
        reading leaves the cache behind that version (read again next time), never ahead."""
        read_at = time.monotonic()
        owner, _, number = ref.rpartition("/")
        if not owner or not number.isdigit():
            raise ValueError(
                f"board {ref!r}: expected ORG/NUMBER, e.g. acme/1 (BOARDWATCH_PROJECT)"
            )
        variables = {"login": owner, "number": int(number)}
        # An organization's board first; GitHub answers NOT_FOUND ("Could not resolve to an
        # Organization with the login of ...") for a user's login, then the user's board.
        data, org_said = self._lookup_board("GetOrgBoard", "organization", variables)
        user_said = ""
        if data is None and (not org_said or "resolve to an organization" in org_said.lower()):
            data, user_said = self._lookup_board("GetUserBoard", "user", variables)
        if data is None:
            said = "; ".join(m for m in (org_said, user_said) if m)
            raise GitHubError(
                "get_board",
                f"no board {ref}{f' ({said})' if said else ''}: check BOARDWATCH_PROJECT "
                "(ORG/NUMBER from the board's URL) and that the token may read the board",
            )
        board = _board(data)
        first = data.get("items") or {}
        with self._lock:
            self._boards[ref.casefold()] = _KnownBoard(board, version, read_at)
            self._first_pages[board.id] = (
                time.monotonic(),
                list(first.get("nodes") or []),
                dict(first.get("pageInfo") or {}),
            )
        return board

    def _lookup_board(
        self, operation: str, root: str, variables: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str]:
        """The board's data, or None and GitHub's "not found" message."""
        try:
            data = self.graphql.execute(operation, variables)
        except GitHubError as exc:
            if "NOT_FOUND" in exc.types or "could not resolve" in exc.github_message.lower():
                return None, exc.github_message
            raise
        return (data.get(root) or {}).get("projectV2"), ""

    def _field_of(self, board: Board, name: str) -> tuple[Board, BoardField]:
        found = board.field(name)
        if found is None:
            board = self.refresh_board(f"{board.owner}/{board.number}")
            found = board.field(name)
        if found is None:
            known = ", ".join(f.name for f in board.fields)
            raise GitHubError(
                "set_field",
                f"board {board.owner}/{board.number} has no field {name!r} (it has: {known}); "
                "create it or run `boardwatch init`",
            )
        return board, found

    def get_item(self, board: Board, issue_node_id: str) -> BoardItem | None:
        return next(
            (i for i in self.list_issue_items(issue_node_id) if i.board_id == board.id), None
        )

    def list_issue_items(self, issue_node_id: str) -> list[BoardItem]:
        data = self.graphql.execute("GetIssueItems", {"issueId": issue_node_id})
        nodes = ((data.get("node") or {}).get("projectItems") or {}).get("nodes") or []
        return [item_from_graphql(node) for node in nodes if node]

    def add_item(self, board: Board, issue_node_id: str) -> BoardItem:
        # GitHub answers with the existing item when the issue is on the board already.
        added = self.graphql.execute("AddItem", {"boardId": board.id, "contentId": issue_node_id})
        return item_from_graphql(added["addProjectV2ItemById"]["item"])

    def get_item_by_id(self, board: Board, item_id: str) -> BoardItem | None:
        node = self.graphql.execute("GetItem", {"itemId": item_id}).get("node")
        if not node or (node.get("project") or {}).get("id") != board.id:
            return None
        return item_from_graphql(node)

    def archive_item(self, board: Board, item_id: str) -> None:
        self.graphql.execute("ArchiveItem", {"boardId": board.id, "itemId": item_id})

    def unarchive_item(self, board: Board, item_id: str) -> None:
        self.graphql.execute("UnarchiveItem", {"boardId": board.id, "itemId": item_id})

    def set_field(
        self, board: Board, item_id: str, field_name: str, value: FieldValue | None
    ) -> None:
        board, target = self._field_of(board, field_name)
        ids = {"boardId": board.id, "itemId": item_id, "fieldId": target.id}
        if value is None:
            self.graphql.execute("ClearFieldValue", ids)
            return
        self.graphql.execute("SetFieldValue", {**ids, "value": _field_value(board, target, value)})

    def list_items(self, board: Board) -> Iterator[BoardItem]:
        cursor: str | None = None
        with self._lock:
            first = self._first_pages.pop(board.id, None)
        if first is not None and time.monotonic() - first[0] < FIRST_PAGE_FRESH:
            # The board lookup a moment ago brought the first page: start after it.
            _, nodes, info = first
            for node in nodes:
                if node:
                    yield item_from_graphql(node)
            if not info.get("hasNextPage"):
                return
            cursor = info.get("endCursor")
        while True:
            data = self.graphql.execute("ListItems", {"boardId": board.id, "cursor": cursor})
            page = (data.get("node") or {}).get("items") or {}
            for node in page.get("nodes") or []:
                if node:
                    yield item_from_graphql(node)
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            cursor = info.get("endCursor")

    def create_field(
        self, board: Board, name: str, data_type: FieldType, options: Iterable[str] = ()
    ) -> BoardField:
        variables: dict[str, Any] = {"boardId": board.id, "name": name, "dataType": data_type}
        if options:
            variables["options"] = [
                {"name": o, "color": _OPTION_COLOR, "description": ""} for o in options
            ]
        data = self.graphql.execute("CreateField", variables)
        created = _field(data["createProjectV2Field"]["projectV2Field"])
        self.refresh_board(f"{board.owner}/{board.number}")
        return created

    def set_single_select_options(
        self, board: Board, field_name: str, options: Iterable[str]
    ) -> BoardField:
        board, target = self._field_of(board, field_name)
        data = self.graphql.execute(
            "UpdateFieldOptions",
            {
                "fieldId": target.id,
                "options": [
                    {"name": o, "color": _OPTION_COLOR, "description": ""} for o in options
                ],
            },
        )
        updated = _field(data["updateProjectV2Field"]["projectV2Field"])
        self.refresh_board(f"{board.owner}/{board.number}")
        return updated

    # -- repository contents -------------------------------------------------------------
    def get_file(self, repo: str, path: str, ref: str | None = None) -> str | None:
        try:
            _, data = self.rest.call(
                "get_content",
                params={**_split(repo), "path": path},
                query={"ref": ref} if ref else None,
            )
        except NotFound:
            return None
        if not isinstance(data, dict) or data.get("type") != "file":
            return None
        return _decoded(data)

    def open_pull_request(
        self, repo: str, *, branch: str, title: str, body: str, files: dict[str, str]
    ) -> str:
        where = _split(repo)
        owner = where["owner"]
        existing = self.rest.pages(
            "list_pulls", params=where, query={"head": f"{owner}:{branch}", "state": "open"}
        )
        if existing:
            return str(existing[0]["html_url"])
        _, info = self.rest.call("get_repo", params=where)
        base = info["default_branch"]
        try:
            self.rest.call("get_ref", params={**where, "ref": f"heads/{branch}"})
        except NotFound:
            _, head = self.rest.call("get_ref", params={**where, "ref": f"heads/{base}"})
            self.rest.call(
                "create_ref",
                params=where,
                body={"ref": f"refs/heads/{branch}", "sha": head["object"]["sha"]},
            )
        for path, text in files.items():
            put: dict[str, Any] = {
                "message": f"Add {path}",
                "content": base64.b64encode(text.encode()).decode(),
                "branch": branch,
            }
            try:
                _, current = self.rest.call(
                    "get_content", params={**where, "path": path}, query={"ref": branch}
                )
            except NotFound:
                current = None
            if isinstance(current, dict):
                if _decoded(current) == text:
                    continue  # already on the branch (an earlier attempt): no empty commit
                put["sha"] = current["sha"]
            self.rest.call("put_content", params={**where, "path": path}, body=put)
        _, pull = self.rest.call(
            "create_pull",
            params=where,
            body={"title": title, "body": body, "head": branch, "base": base},
        )
        return str(pull["html_url"])


def _decoded(content: dict[str, Any]) -> str:
    return base64.b64decode(content.get("content") or "").decode("utf-8")


def _field_value(board: Board, target: BoardField, value: FieldValue) -> dict[str, Any]:
    """The `ProjectV2FieldValue` input for `value`, or an error naming the field and board."""
    where = f"{target.name!r} on board {board.owner}/{board.number}"
    if target.data_type == "SINGLE_SELECT":
        option = target.option(str(value))
        if option is None:
            names = ", ".join(o.name for o in target.options)
            raise GitHubError("set_field", f"{where} has no option {value!r} (options: {names})")
        return {"singleSelectOptionId": option.id}
    if target.data_type == "NUMBER":
        if isinstance(value, date):
            raise GitHubError("set_field", f"{where} is a number field, not a date: {value}")
        try:
            return {"number": float(value)}
        except ValueError:
            raise GitHubError(
                "set_field", f"{where} is a number field: {value!r} is not a number"
            ) from None
    if target.data_type == "DATE":
        if isinstance(value, date):
            return {"date": value.isoformat()}
        try:
            return {"date": date.fromisoformat(str(value)).isoformat()}
        except ValueError:
            raise GitHubError(
                "set_field", f"{where} is a date field: {value!r} is not a date (YYYY-MM-DD)"
            ) from None
    if target.data_type == "TEXT":
        return {"text": value.isoformat() if isinstance(value, date) else str(value)}
    raise GitHubError(
        "set_field",
        f"{where} has type {target.data_type}: boardwatch sets only single-select, number, "
        "date and text fields",
    )
