"""The one interface through which rules, commands and reports talk to GitHub."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Literal, Protocol

from service.domain.models import (
    Board,
    BoardField,
    BoardItem,
    Comment,
    CommentResult,
    FieldType,
    FieldValue,
    HookDelivery,
    Issue,
    Permission,
    Reaction,
)


class GitHubGateway(Protocol):
    """GitHub for one installation (or one token). Every method counts its calls.

    Writes are idempotent where GitHub allows it: label and field writes send only the
    difference, comments are upserted by marker. `repo` is always `OWNER/NAME`.
    """

    def bot_login(self) -> str:
        """The login the bot acts as (`name[bot]` for an App), to ignore its own events."""
        ...

    # -- issues --------------------------------------------------------------------------
    def get_issue(self, repo: str, number: int) -> Issue: ...

    def list_issues(
        self,
        repo: str,
        *,
        state: Literal["open", "closed", "all"] = "open",
        labels: Iterable[str] = (),
        since: datetime | None = None,
    ) -> list[Issue]: ...

    def iter_issues(
        self, repo: str, *, state: Literal["open", "closed", "all"] = "open"
    ) -> Iterator[Issue]:
        """The issues of `list_issues`, read one page of 100 at a time as they are consumed."""
        ...

    def create_issue(
        self, repo: str, title: str, body: str, *, labels: Iterable[str] = ()
    ) -> Issue: ...

    def update_issue(
        self, repo: str, number: int, *, title: str | None = None, body: str | None = None
    ) -> None: ...

    def add_labels(self, repo: str, number: int, labels: Iterable[str]) -> list[str]:
        """Add `labels` (the caller decided which are missing); returns them."""
        ...

    def remove_labels(self, repo: str, number: int, labels: Iterable[str]) -> list[str]:
        """Remove `labels` (one already gone is no error); returns them."""
        ...

    def set_assignees(self, repo: str, number: int, logins: Iterable[str]) -> None: ...

    def set_state(
        self,
        repo: str,
        number: int,
        state: Literal["open", "closed"],
        *,
        reason: Literal["completed", "not_planned", "reopened"] | None = None,
    ) -> None: ...

    # -- labels --------------------------------------------------------------------------
    def label_exists(self, repo: str, name: str) -> bool:
        """Whether the repository has label `name` (matched case-insensitively)."""
        ...

    def ensure_label(self, repo: str, name: str, color: str, description: str = "") -> bool:
        """Create the label when missing; True when it was created."""
        ...

    # -- comments ------------------------------------------------------------------------
    def list_comments(self, repo: str, number: int) -> list[Comment]: ...

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
        """The bot's one comment for `key`, marked `<!-- boardwatch:KEY -->`.

        With `known_id` (the caller remembers it) one request edits or deletes it. Without,
        it is found by its marker among the issue's comments: created when absent, edited
        when it differs, deleted when `body` is None. `absent`: the caller listed the
        comments moments ago and found none for `key`, so they are not listed again.
        """
        ...

    def create_comment(self, repo: str, number: int, body: str) -> Comment: ...

    def add_reaction(self, repo: str, comment_id: int, content: Reaction) -> None: ...

    # -- permissions ---------------------------------------------------------------------
    def get_permission(self, repo: str, login: str) -> Permission: ...

    # -- Projects v2 ---------------------------------------------------------------------
    def get_board(self, ref: str) -> Board:
        """Resolve `ORG/NUMBER` (an organization's board, else a user's); its field definitions
        are cached until the store's board version changes or they are older than the TTL."""
        ...

    def refresh_board(self, ref: str) -> Board:
        """Drop the cached fields and read them again."""
        ...

    def get_item(self, board: Board, issue_node_id: str) -> BoardItem | None:
        """The board's item for the issue, with its field values; None when not on it."""
        ...

    def list_issue_items(self, issue_node_id: str) -> list[BoardItem]:
        """The issue's items on every board it is on (`board_id` says which), in one read."""
        ...

    def add_item(self, board: Board, issue_node_id: str) -> BoardItem:
        """Put the issue on the board (its existing item when it is there already)."""
        ...

    def get_item_by_id(self, board: Board, item_id: str) -> BoardItem | None: ...

    def archive_item(self, board: Board, item_id: str) -> None:
        """Archive the item: it stays on the board, out of its views (archiving twice is
        no error)."""
        ...

    def unarchive_item(self, board: Board, item_id: str) -> None:
        """Restore an archived item into the board's views, with its values (restoring an
        item that is not archived is no error)."""
        ...

    def set_field(
        self, board: Board, item_id: str, field_name: str, value: FieldValue | None
    ) -> None:
        """Set a field by name (single-select by option name); None clears it."""
        ...

    def list_items(self, board: Board) -> Iterator[BoardItem]:
        """Every item of the board with its issue and field values, 100 a page."""
        ...

    def create_field(
        self,
        board: Board,
        name: str,
        data_type: FieldType,
        options: Iterable[str] = (),
    ) -> BoardField: ...

    def set_single_select_options(
        self, board: Board, field_name: str, options: Iterable[str]
    ) -> BoardField:
        """Make the field's options exactly `options` (existing ones keep their ids)."""
        ...

    # -- repository contents (for `.github/boardwatch.yml` and issue forms) ---------------
    def get_file(self, repo: str, path: str, ref: str | None = None) -> str | None: ...

    def open_pull_request(
        self, repo: str, *, branch: str, title: str, body: str, files: dict[str, str]
    ) -> str:
        """Commit `files` to a new branch and open a pull request; returns its URL."""
        ...


class AppGateway(Protocol):
    """Calls made as the App itself (JWT), not as an installation."""

    def app_slug(self) -> str: ...

    def list_hook_deliveries(self, since: datetime) -> list[HookDelivery]: ...

    def redeliver(self, delivery_id: int) -> None: ...
