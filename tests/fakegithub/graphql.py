"""GraphQL of the fake: real execution (graphql-core) against GitHub's public schema.

A query GitHub would reject (unknown field, wrong argument type) is rejected here too.
Resolvers build plain dicts from the state; callables answer fields that take arguments.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from tests.fakegithub.state import (
    Board,
    BoardField,
    Issue,
    Item,
    Option,
    date_value,
    iso,
    next_id,
)

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub

SCHEMA_PATH = (
    Path(__file__).resolve().parents[3] / "shared" / "corpora" / "graphql" / "schema.graphql"
)
ADDITIONS_PATH = Path(__file__).with_name("schema_additions.graphql")
MAX_PAGE = 100


@cache
def schema() -> GraphQLSchema:
    text = SCHEMA_PATH.read_text() + "\n" + ADDITIONS_PATH.read_text()
    return build_schema(text, assume_valid_sdl=True)


@lru_cache(maxsize=1024)
def _checked(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """`query` parsed and validated against GitHub's schema, or why it is not valid.

    Kept per query text: a client sends the same few operations again and again, and parsing
    and validating one against GitHub's whole schema takes about 10 ms, which the benches
    measuring the bot's reaction time counted as the bot's own."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, (error,)
    return document, tuple(validate(schema(), document))


def describe(query: str, given: str | None) -> tuple[str, bool]:
    """(operation name, is a mutation) of a request body's query."""
    document, _ = _checked(query)
    for definition in document.definitions if document is not None else ():
        kind = getattr(definition, "operation", None)
        if kind is not None:
            name = getattr(definition, "name", None)
            found = given or (name.value if name else "anonymous")
            return found, kind.value == "mutation"
    return given or "invalid", False


class NotFound(GraphQLError):
    """GitHub's NOT_FOUND error: the answer keeps `data` with null where the error happened."""

    kind = "NOT_FOUND"


def _unknown(node_id: str) -> GraphQLError:
    return NotFound(f"Could not resolve to a node with the global id of '{node_id}'")


def _page(first: int | None, connection: str) -> int:
    if first is None:
        raise GraphQLError(
            f"You must provide a `first` or `last` value to paginate `{connection}`."
        )
    if first > MAX_PAGE:
        raise GraphQLError(
            f"Requesting {first} records on the `{connection}` connection exceeds the "
            f"`first` limit of {MAX_PAGE} records."
        )
    return first


class Resolver:
    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    # -- shapes --------------------------------------------------------------------------
    def issue(self, issue: Issue) -> dict[str, Any]:
        fake = self.fake
        return {
            "__typename": "Issue",
            "id": issue.node_id,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state.upper(),
            "stateReason": issue.state_reason.upper() if issue.state_reason else None,
            "url": f"{fake.web_url}/{issue.repo}/issues/{issue.number}",
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
            "closedAt": iso(issue.closed_at),
            "authorAssociation": issue.author_association,
            "author": {"__typename": "User", "login": issue.author},
            "labels": lambda info, first=None, **_: {
                "nodes": [{"name": n} for n in issue.labels[: _page(first, "labels")]]
            },
            "assignees": lambda info, first=None, **_: {
                "nodes": [{"login": n} for n in issue.assignees[: _page(first, "assignees")]]
            },
            "comments": lambda info, **_: {"totalCount": len(issue.comments)},
            "issueType": (
                {"id": f"IT_{issue.issue_type}", "name": issue.issue_type, "isEnabled": True}
                if issue.issue_type
                else None
            ),
            "subIssuesSummary": {
                "total": issue.sub_issues_total,
                "completed": issue.sub_issues_completed,
                "percentCompleted": issue.sub_issues_percent(),
            },
            "issueDependenciesSummary": {
                "blockedBy": issue.blocked_by_open,
                "totalBlockedBy": issue.blocked_by_total,
                "blocking": 0,
                "totalBlocking": 0,
            },
            "repository": {"nameWithOwner": issue.repo, "name": issue.repo.split("/")[1]},
            "projectItems": lambda info, first=None, includeArchived=True, **_: {
                "nodes": [
                    self.item(board, item)
                    for board in fake.boards
                    for item in board.items
                    if item.issue is issue and (includeArchived or not item.archived)
                ][: _page(first, "projectItems")]
            },
        }

    def field(self, board_field: BoardField) -> dict[str, Any]:
        typename = {
            "SINGLE_SELECT": "ProjectV2SingleSelectField",
            "ITERATION": "ProjectV2IterationField",
        }.get(board_field.data_type, "ProjectV2Field")
        return {
            "__typename": typename,
            "id": board_field.id,
            "name": board_field.name,
            "dataType": board_field.data_type,
            "options": lambda info, **_: [
                {
                    "id": o.id,
                    "name": o.name,
                    "nameHTML": o.name,
                    "color": o.color,
                    "description": o.description,
                    "descriptionHTML": o.description,
                }
                for o in board_field.options
            ],
            "configuration": {
                "duration": 14,
                "startDay": 1,
                "iterations": [],
                "completedIterations": [],
            },
        }

    def value(self, board_field: BoardField, raw: Any) -> dict[str, Any] | None:
        base = {"field": self.field(board_field)}
        kind = board_field.data_type
        if kind == "SINGLE_SELECT":
            option = next((o for o in board_field.options if o.id == raw), None)
            if option is None:
                return None
            typename = "ProjectV2ItemFieldSingleSelectValue"
            return {"__typename": typename, "name": option.name, "optionId": option.id, **base}
        if kind == "NUMBER":
            return {"__typename": "ProjectV2ItemFieldNumberValue", "number": raw, **base}
        if kind == "DATE":
            return {"__typename": "ProjectV2ItemFieldDateValue", "date": date_value(raw), **base}
        return {"__typename": "ProjectV2ItemFieldTextValue", "text": raw, **base}

    def item(self, board: Board, item: Item) -> dict[str, Any]:
        def field_values(info: Any, first: int | None = None, **_: Any) -> dict[str, Any]:
            values = []
            for field_id, raw in item.values.items():
                board_field = board.field_by_id(field_id)
                if board_field is not None and (shaped := self.value(board_field, raw)):
                    values.append(shaped)
            return {"nodes": values[: _page(first, "fieldValues")]}

        return {
            "__typename": "ProjectV2Item",
            "id": item.id,
            "isArchived": item.archived,
            "createdAt": iso(item.created_at),
            "updatedAt": iso(item.updated_at),
            "project": lambda info, **_: self.board(board),
            "content": self.issue(item.issue),
            "fieldValues": field_values,
        }

    def board(self, board: Board) -> dict[str, Any]:
        def items(info: Any, first: int | None = None, after: str | None = None, **_: Any):
            size = _page(first, "items")
            start = int(after) if after else 0
            chunk = board.items[start : start + size]
            end = start + len(chunk)
            return {
                "totalCount": len(board.items),
                "pageInfo": {
                    "hasNextPage": end < len(board.items),
                    "endCursor": str(end) if chunk else after,
                },
                "nodes": [self.item(board, i) for i in chunk],
            }

        return {
            "__typename": "ProjectV2",
            "id": board.id,
            "number": board.number,
            "title": board.title,
            "url": f"{self.fake.web_url}/orgs/{board.owner}/projects/{board.number}",
            "owner": {
                "__typename": "Organization" if board.owner_is_org else "User",
                "login": board.owner,
            },
            "fields": lambda info, first=None, **_: {
                "nodes": [self.field(f) for f in board.fields[: _page(first, "fields")]]
            },
            "field": lambda info, name, **_: (
                self.field(f) if (f := board.field_named(name)) else None
            ),
            "items": items,
        }

    # -- root ----------------------------------------------------------------------------
    def _board(self, owner: str, number: int, org: bool) -> dict[str, Any] | None:
        """The board as GraphQL data, None when `owner` has no board `number`."""
        found = next(
            (
                b
                for b in self.fake.boards
                if b.owner == owner and b.number == number and b.owner_is_org == org
            ),
            None,
        )
        return self.board(found) if found else None

    def organization(self, info: Any, login: str) -> dict[str, Any]:
        if login not in self.fake.organizations:
            raise NotFound(f"Could not resolve to an Organization with the login of '{login}'.")
        return {"__typename": "Organization", "login": login, "projectV2": self._owned(login, True)}

    def user(self, info: Any, login: str) -> dict[str, Any]:
        if login in self.fake.organizations:
            raise NotFound(f"Could not resolve to a User with the login of '{login}'.")
        return {"__typename": "User", "login": login, "projectV2": self._owned(login, False)}

    def _owned(self, login: str, org: bool) -> Any:
        def project(info: Any, number: int) -> dict[str, Any]:
            found = self._board(login, number, org)
            if found is None:
                raise NotFound(f"Could not resolve to a ProjectV2 with the number {number}.")
            return found

        return project

    def viewer(self, info: Any) -> dict[str, Any]:
        login = info.context["login"]
        return {"__typename": "User", "login": login, "projectV2": self._owned(login, False)}

    def repository(self, info: Any, owner: str, name: str, **_: Any) -> dict[str, Any]:
        repo = self.fake.repos.get(f"{owner}/{name}")
        if repo is None:
            raise NotFound(f"Could not resolve to a Repository with the name '{owner}/{name}'.")

        def issue(info: Any, number: int) -> dict[str, Any]:
            found = repo.issues.get(number)
            if found is None:
                raise NotFound(
                    f"Could not resolve to an issue or pull request with the number of {number}."
                )
            return self.issue(found)

        return {
            "__typename": "Repository",
            "id": repo.node_id,
            "name": name,
            "nameWithOwner": repo.full_name,
            "issue": issue,
        }

    def node(self, info: Any, id: str) -> dict[str, Any] | None:
        for board in self.fake.boards:
            if board.id == id:
                return self.board(board)
            for item in board.items:
                if item.id == id:
                    return self.item(board, item)
        for repo in self.fake.repos.values():
            for issue in repo.issues.values():
                if issue.node_id == id:
                    return self.issue(issue)
        return None

    def _find_board(self, board_id: str) -> Board:
        board = next((b for b in self.fake.boards if b.id == board_id), None)
        if board is None:
            raise _unknown(board_id)
        return board

    def _find_item(self, board: Board, item_id: str) -> Item:
        item = next((i for i in board.items if i.id == item_id), None)
        if item is None:
            raise _unknown(item_id)
        return item

    def add_item(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        board = self._find_board(input["projectId"])
        issue = self.fake.issue_by_node(input["contentId"])
        if issue is None:
            raise GraphQLError(
                f"Could not resolve to a node with the global id of '{input['contentId']}'"
            )
        item = board.item_of(issue) or self.fake.add_item(board, issue)
        return {"item": self.item(board, item)}

    def set_value(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        board = self._find_board(input["projectId"])
        item = self._find_item(board, input["itemId"])
        board_field = board.field_by_id(input["fieldId"])
        if board_field is None:
            raise GraphQLError(
                f"Could not resolve to a node with the global id of '{input['fieldId']}'"
            )
        value = input["value"]
        kind = board_field.data_type
        if kind == "SINGLE_SELECT":
            option_id = value.get("singleSelectOptionId")
            if not any(o.id == option_id for o in board_field.options):
                raise GraphQLError("The single select option Id does not belong to the field")
            item.values[board_field.id] = option_id
        elif kind == "NUMBER":
            item.values[board_field.id] = float(value["number"])
        elif kind == "DATE":
            item.values[board_field.id] = value["date"]
        else:
            item.values[board_field.id] = value.get("text")
        item.updated_at = self.fake.clock()
        return {"projectV2Item": self.item(board, item)}

    def archive_item(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        board = self._find_board(input["projectId"])
        item = self._find_item(board, input["itemId"])
        if not item.archived:
            item.archived = True
            item.updated_at = self.fake.clock()
        return {"item": self.item(board, item)}

    def unarchive_item(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        board = self._find_board(input["projectId"])
        item = self._find_item(board, input["itemId"])
        if item.archived:
            item.archived = False
            item.updated_at = self.fake.clock()
        return {"item": self.item(board, item)}

    def delete_item(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        board = self._find_board(input["projectId"])
        item = self._find_item(board, input["itemId"])
        board.items.remove(item)
        return {"deletedItemId": item.id}

    def clear_value(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        board = self._find_board(input["projectId"])
        item = self._find_item(board, input["itemId"])
        item.values.pop(input["fieldId"], None)
        item.updated_at = self.fake.clock()
        return {"projectV2Item": self.item(board, item)}

    def create_field(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        board = self._find_board(input["projectId"])
        if board.field_named(input["name"]) is not None:
            raise GraphQLError(f"Name has already been taken: {input['name']}")
        options = [
            Option(
                id=f"opt_{next_id()}",
                name=o["name"],
                color=o.get("color") or "GRAY",
                description=o.get("description") or "",
            )
            for o in input.get("singleSelectOptions") or []
        ]
        created = BoardField(
            id=f"PVTF_{next_id()}", name=input["name"], data_type=input["dataType"], options=options
        )
        board.fields.append(created)
        return {"projectV2Field": self.field(created)}

    def update_field(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        for board in self.fake.boards:
            board_field = board.field_by_id(input["fieldId"])
            if board_field is None:
                continue
            if input.get("name"):
                board_field.name = input["name"]
            if input.get("singleSelectOptions"):
                # Like GitHub: the options are replaced by new ones with new ids (the input
                # has no id), so every item's value of this field is lost.
                board_field.options = [
                    Option(
                        id=f"opt_{next_id()}",
                        name=o["name"],
                        color=o.get("color") or "GRAY",
                        description=o.get("description") or "",
                    )
                    for o in input["singleSelectOptions"]
                ]
                for item in board.items:
                    item.values.pop(board_field.id, None)
            return {"projectV2Field": self.field(board_field)}
        raise GraphQLError(
            f"Could not resolve to a node with the global id of '{input['fieldId']}'"
        )


def execute(
    fake: FakeGitHub, query: str, variables: dict[str, Any] | None, login: str = "ghost"
) -> dict[str, Any]:
    """Run `query` as `login`; the answer is GitHub's: `data`, and `errors` when any."""
    resolver = Resolver(fake)
    root = {
        "organization": resolver.organization,
        "user": resolver.user,
        "viewer": resolver.viewer,
        "repository": resolver.repository,
        "node": resolver.node,
        "deleteProjectV2Item": resolver.delete_item,
        "archiveProjectV2Item": resolver.archive_item,
        "unarchiveProjectV2Item": resolver.unarchive_item,
        "addProjectV2ItemById": resolver.add_item,
        "updateProjectV2ItemFieldValue": resolver.set_value,
        "clearProjectV2ItemFieldValue": resolver.clear_value,
        "createProjectV2Field": resolver.create_field,
        "updateProjectV2Field": resolver.update_field,
    }
    document, invalid = _checked(query)
    if document is None or invalid:
        # A query that does not validate has no `data` at all, as on GitHub.
        return {"errors": [_error_json(e) for e in invalid]}
    result = execute_sync(
        schema(),
        document,
        root_value=root,
        variable_values=variables,
        context_value={"login": login},
    )
    answer: dict[str, Any] = {} if result.data is None and result.errors else {"data": result.data}
    if result.errors:
        answer["errors"] = [_error_json(e) for e in result.errors]
    return answer


def _error_json(error: GraphQLError) -> dict[str, Any]:
    shaped: dict[str, Any] = {"message": error.message}
    original = error.original_error
    if isinstance(original, NotFound):
        shaped["type"] = original.kind
    if error.path is not None:
        shaped["path"] = error.path
    if error.locations:
        shaped["locations"] = [{"line": p.line, "column": p.column} for p in error.locations]
    return shaped
