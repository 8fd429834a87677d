"""`DryRunGateway`: reads go to GitHub, writes are recorded in the delivery's outcome instead."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Literal

from service.gateway.accounting import record_planned_write
from service.gateway.markers import marker
from service.gateway.models import (
    Board,
    BoardField,
    BoardItem,
    Comment,
    CommentResult,
    FieldType,
    FieldValue,
    Issue,
)
from service.gateway.protocol import GitHubGateway, Permission, Reaction


class DryRunGateway:
    """The same interface; every write becomes a planned write with JSON-ready arguments."""

    def __init__(self, inner: GitHubGateway) -> None:
        self.inner = inner

    # -- reads ---------------------------------------------------------------------------
    def bot_login(self) -> str:
        return self.inner.bot_login()

    def get_issue(self, repo: str, number: int) -> Issue:
        return self.inner.get_issue(repo, number)

    def list_issues(
        self,
        repo: str,
        *,
        state: Literal["open", "closed", "all"] = "open",
        labels: Iterable[str] = (),
        since: datetime | None = None,
    ) -> list[Issue]:
        return self.inner.list_issues(repo, state=state, labels=labels, since=since)

    def list_comments(self, repo: str, number: int) -> list[Comment]:
        return self.inner.list_comments(repo, number)

    def label_exists(self, repo: str, name: str) -> bool:
        return self.inner.label_exists(repo, name)

    def get_permission(self, repo: str, login: str) -> Permission:
        return self.inner.get_permission(repo, login)

    def get_board(self, ref: str) -> Board:
        return self.inner.get_board(ref)

    def refresh_board(self, ref: str) -> Board:
        return self.inner.refresh_board(ref)

    def get_item_by_id(self, board: Board, item_id: str) -> BoardItem | None:
        return self.inner.get_item_by_id(board, item_id)

    def list_items(self, board: Board) -> Iterator[BoardItem]:
        return self.inner.list_items(board)

    def get_file(self, repo: str, path: str, ref: str | None = None) -> str | None:
        return self.inner.get_file(repo, path, ref)

    # -- writes, recorded ----------------------------------------------------------------
    def create_issue(
        self, repo: str, title: str, body: str, *, labels: Iterable[str] = ()
    ) -> Issue:
        record_planned_write("create_issue", {"repo": repo, "title": title, "labels": list(labels)})
        return Issue(repo=repo, number=0, title=title, body=body, labels=tuple(labels))

    def update_issue(
        self, repo: str, number: int, *, title: str | None = None, body: str | None = None
    ) -> None:
        record_planned_write(
            "update_issue", {"repo": repo, "number": number, "title": title, "body": body}
        )

    def add_labels(
        self, repo: str, number: int, labels: Iterable[str], *, current: Iterable[str] | None = None
    ) -> list[str]:
        have = current if current is not None else self.inner.get_issue(repo, number).labels
        folded = {label.casefold() for label in have}
        missing = [label for label in labels if label.casefold() not in folded]
        if missing:
            record_planned_write("add_labels", {"repo": repo, "number": number, "labels": missing})
        return missing

    def remove_labels(
        self, repo: str, number: int, labels: Iterable[str], *, current: Iterable[str] | None = None
    ) -> list[str]:
        have = current if current is not None else self.inner.get_issue(repo, number).labels
        unwanted = {label.casefold() for label in labels}
        removed = [label for label in have if label.casefold() in unwanted]
        if removed:
            record_planned_write(
                "remove_labels", {"repo": repo, "number": number, "labels": removed}
            )
        return removed

    def set_assignees(self, repo: str, number: int, logins: Iterable[str]) -> None:
        record_planned_write(
            "set_assignees", {"repo": repo, "number": number, "logins": list(logins)}
        )

    def set_state(
        self,
        repo: str,
        number: int,
        state: Literal["open", "closed"],
        *,
        reason: Literal["completed", "not_planned", "reopened"] | None = None,
    ) -> None:
        record_planned_write(
            "set_state", {"repo": repo, "number": number, "state": state, "reason": reason}
        )

    def ensure_label(self, repo: str, name: str, color: str, description: str = "") -> bool:
        if self.inner.label_exists(repo, name):
            return False
        record_planned_write(
            "ensure_label",
            {"repo": repo, "name": name, "color": color, "description": description},
        )
        return True

    def upsert_comment(self, repo: str, number: int, key: str, body: str | None) -> CommentResult:
        # The same decision as the real upsert: only the bot's own comment with the marker.
        tag = marker(key)
        bot = self.inner.bot_login()
        existing = [
            c
            for c in self.inner.list_comments(repo, number)
            if tag in c.body and (c.author is None or c.author == bot)
        ]
        found = existing[0].id if existing else None
        if body is None:
            if not existing:
                return CommentResult(action="none")
            action = "deleted"
        elif not existing:
            action = "created"
        elif existing[0].body.strip() == (body if tag in body else f"{tag}\n{body}").strip():
            return CommentResult(action="none", comment_id=found)
        else:
            action = "updated"
        record_planned_write(
            f"comment_{action}", {"repo": repo, "number": number, "key": key, "body": body}
        )
        return CommentResult(action=action, comment_id=found)  # type: ignore[arg-type]

    def create_comment(self, repo: str, number: int, body: str) -> Comment:
        record_planned_write("create_comment", {"repo": repo, "number": number, "body": body})
        return Comment(id=0, body=body)

    def add_reaction(self, repo: str, comment_id: int, content: Reaction) -> None:
        record_planned_write(
            "add_reaction", {"repo": repo, "comment_id": comment_id, "content": content}
        )

    def get_item(self, board: Board, issue_node_id: str, *, add: bool = False) -> BoardItem | None:
        found = self.inner.get_item(board, issue_node_id, add=False)
        if found is not None or not add:
            return found
        record_planned_write("add_to_board", {"board": board.id, "issue": issue_node_id})
        return BoardItem(id=f"dry-run:{issue_node_id}")

    def set_field(
        self, board: Board, item_id: str, field_name: str, value: FieldValue | None
    ) -> None:
        record_planned_write(
            "set_field",
            {
                "board": board.id,
                "item": item_id,
                "field": field_name,
                "value": None if value is None else str(value),
            },
        )

    def create_field(
        self, board: Board, name: str, data_type: FieldType, options: Iterable[str] = ()
    ) -> BoardField:
        record_planned_write(
            "create_field", {"board": board.id, "name": name, "data_type": data_type}
        )
        return BoardField(id=f"dry-run:{name}", name=name, data_type=data_type)

    def set_single_select_options(
        self, board: Board, field_name: str, options: Iterable[str]
    ) -> BoardField:
        wanted = list(options)
        record_planned_write(
            "set_options", {"board": board.id, "field": field_name, "options": wanted}
        )
        current = board.field(field_name)
        return current or BoardField(id="dry-run", name=field_name, data_type="SINGLE_SELECT")

    def open_pull_request(
        self, repo: str, *, branch: str, title: str, body: str, files: dict[str, str]
    ) -> str:
        record_planned_write(
            "open_pull_request", {"repo": repo, "branch": branch, "files": sorted(files)}
        )
        return f"(dry run: a pull request from {branch})"
