"""The fake's GraphQL: GitHub's schema decides what is valid; answers come from the state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.gateway.graphql import operation, operation_names
from tests.fakegithub import TOKEN, FakeGitHub
from tests.fakegithub.plugin import Tracker
from tests.fakegithub.state import Board, Issue

REPO = "acme/tracker"


@pytest.fixture
def http(fake_github: FakeGitHub) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=fake_github.base_url, headers={"Authorization": f"bearer {TOKEN}"}
    ) as client:
        yield client


def ask(http: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    answer = http.post("/graphql", json={"query": query, "variables": variables})
    assert answer.status_code == 200, answer.text
    return answer.json()


def variables_for(name: str, board: Board, issue: Issue, item_id: str) -> dict[str, Any]:
    status = board.field_named("Status")
    assert status is not None
    return {
        "AddItem": {"boardId": board.id, "contentId": issue.node_id},
        "ArchiveItem": {"boardId": board.id, "itemId": item_id},
        "UnarchiveItem": {"boardId": board.id, "itemId": item_id},
        "ClearFieldValue": {"boardId": board.id, "itemId": item_id, "fieldId": status.id},
        "CreateField": {"boardId": board.id, "name": "Channel", "dataType": "TEXT"},
        "GetIssueItems": {"issueId": issue.node_id},
        "GetItem": {"itemId": item_id},
        "GetOrgBoard": {"login": "acme", "number": 1},
        "GetUserBoard": {"login": "carol", "number": 2},
        "ListItems": {"boardId": board.id, "cursor": None},
        "SetFieldValue": {
            "boardId": board.id,
            "itemId": item_id,
            "fieldId": status.id,
            "value": {"singleSelectOptionId": status.options[1].id},
        },
        "UpdateFieldOptions": {
            "fieldId": status.id,
            "options": [{"name": "Todo", "color": "GRAY", "description": ""}],
        },
    }[name]


@pytest.mark.parametrize("name", operation_names())
def test_every_gateway_operation_runs_without_errors(
    tracker: Tracker, http: httpx.Client, name: str
) -> None:
    gh = tracker.gh
    gh.users["carol-token"] = "carol"
    gh.add_board("carol", 2)
    issue = gh.add_issue(REPO, labels=["type: blog"], assignees=["alice"])
    item = gh.add_item(tracker.board, issue, Status="Todo", Estimate=3, Target_date="2026-01-05")
    answer = ask(http, operation(name), **variables_for(name, tracker.board, issue, item.id))
    assert "errors" not in answer, answer
    assert answer["data"] and all(v is not None for v in answer["data"].values())
    [call] = gh.graphql_calls(operation=name)
    assert call.write == (
        name
        in {
            "AddItem",
            "ArchiveItem",
            "ClearFieldValue",
            "CreateField",
            "SetFieldValue",
            "UnarchiveItem",
            "UpdateFieldOptions",
        }
    )


def test_an_item_reads_back_with_its_issue_and_typed_values(
    tracker: Tracker, http: httpx.Client
) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO, title="Launch", labels=["type: blog"], assignees=["alice"])
    item = gh.add_item(tracker.board, issue, Status="Todo", Estimate=3, Target_date="2026-01-05")
    node = ask(http, operation("GetItem"), itemId=item.id)["data"]["node"]
    content = node["content"]
    assert (content["__typename"], content["title"]) == ("Issue", "Launch")
    assert (content["state"], content["author"]) == ("OPEN", {"login": "alice"})
    assert content["labels"]["nodes"] == [{"name": "type: blog"}]
    assert content["repository"] == {"nameWithOwner": REPO}
    values = {
        v["field"]["name"]: (v["__typename"], v.get("name") or v.get("number") or v.get("date"))
        for v in node["fieldValues"]["nodes"]
    }
    assert values == {
        "Status": ("ProjectV2ItemFieldSingleSelectValue", "Todo"),
        "Estimate": ("ProjectV2ItemFieldNumberValue", 3.0),
        "Target date": ("ProjectV2ItemFieldDateValue", "2026-01-05"),
    }


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("query { viewer { loginName } }", "Cannot query field 'loginName' on type 'User'"),
        ("query { organization(login: 1) { login } }", "String cannot represent a non string"),
        ('query { node(id: "x") { ... on Issue { projectItems { totalCount } } } }', "first"),
        (
            'query { organization(login: "acme") { projectV2(number: 1) '
            "{ items(first: 101) { totalCount } } } }",
            "exceeds the `first` limit of 100 records",
        ),
    ],
)
def test_a_query_github_would_refuse_is_refused(
    tracker: Tracker, http: httpx.Client, query: str, error: str
) -> None:
    tracker.gh.add_item(tracker.board, tracker.gh.add_issue(REPO))
    issue = tracker.gh.issue(REPO, 1)
    answer = ask(http, query.replace('"x"', f'"{issue.node_id}"'))
    assert error in " ".join(e["message"] for e in answer["errors"])


def test_a_query_that_does_not_validate_has_no_data_and_says_where(
    fake_github: FakeGitHub, http: httpx.Client
) -> None:
    answer = ask(http, "query {\n  viewer { nope }\n}")
    assert "data" not in answer
    assert answer["errors"][0]["locations"] == [{"line": 2, "column": 12}]


def test_what_does_not_exist_is_not_found_with_null_data(
    tracker: Tracker, http: httpx.Client
) -> None:
    answer = ask(http, operation("GetOrgBoard"), login="acme", number=99)
    assert answer["data"] == {"organization": {"projectV2": None}}
    [error] = answer["errors"]
    assert (error["type"], error["path"]) == ("NOT_FOUND", ["organization", "projectV2"])
    users = ask(http, operation("GetUserBoard"), login="acme", number=1)
    assert users["errors"][0]["message"].startswith("Could not resolve to a User")


def test_adding_an_issue_twice_returns_the_same_item(tracker: Tracker, http: httpx.Client) -> None:
    issue = tracker.gh.add_issue(REPO)
    ids = {
        ask(http, operation("AddItem"), boardId=tracker.board.id, contentId=issue.node_id)["data"][
            "addProjectV2ItemById"
        ]["item"]["id"]
        for _ in range(2)
    }
    assert len(ids) == 1 and len(tracker.board.items) == 1


def test_items_page_by_cursor_with_a_total_count(tracker: Tracker, http: httpx.Client) -> None:
    for n in range(250):
        tracker.gh.add_item(tracker.board, tracker.gh.add_issue(REPO, title=f"t{n}"))
    query = """query($id: ID!, $after: String) { node(id: $id) { ... on ProjectV2 {
        items(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        nodes { content { ... on Issue { title } } } } } } }"""
    titles, cursor, pages = [], None, 0
    while True:
        items = ask(http, query, id=tracker.board.id, after=cursor)["data"]["node"]["items"]
        pages += 1
        titles += [n["content"]["title"] for n in items["nodes"]]
        assert items["totalCount"] == 250
        if not items["pageInfo"]["hasNextPage"]:
            break
        cursor = items["pageInfo"]["endCursor"]
    assert pages == 3 and titles == [f"t{n}" for n in range(250)]


def test_repository_issue_and_deleting_an_item(tracker: Tracker, http: httpx.Client) -> None:
    issue = tracker.gh.add_issue(REPO, title="Launch")
    item = tracker.gh.add_item(tracker.board, issue, Status="Todo")
    found = ask(
        http,
        'query { repository(owner: "acme", name: "tracker") { issue(number: 1) '
        "{ title projectItems(first: 5) { nodes { id } } } } }",
    )["data"]["repository"]["issue"]
    assert found == {"title": "Launch", "projectItems": {"nodes": [{"id": item.id}]}}
    deleted = ask(
        http,
        "mutation($p: ID!, $i: ID!) { deleteProjectV2Item(input: {projectId: $p, itemId: $i}) "
        "{ deletedItemId } }",
        p=tracker.board.id,
        i=item.id,
    )
    assert deleted["data"]["deleteProjectV2Item"]["deletedItemId"] == item.id
    assert tracker.gh.item_of(tracker.board, issue) is None


def test_replacing_single_select_options_loses_every_items_value_like_github(
    tracker: Tracker, http: httpx.Client
) -> None:
    issue = tracker.gh.add_issue(REPO)
    tracker.gh.add_item(tracker.board, issue, Status="Todo", Estimate=1)
    status = tracker.board.field_named("Status")
    assert status is not None
    before = {o.name: o.id for o in status.options}
    answer = ask(
        http,
        operation("UpdateFieldOptions"),
        fieldId=status.id,
        options=[{"name": n, "color": "GRAY", "description": ""} for n in [*before, "Review"]],
    )
    after = answer["data"]["updateProjectV2Field"]["projectV2Field"]["options"]
    assert [o["name"] for o in after] == [*before, "Review"]
    assert not {o["id"] for o in after} & set(before.values())
    view = tracker.gh.item_of(tracker.board, issue)
    assert view is not None and view.values == {"Estimate": 1.0}


def test_an_iteration_field_is_listed_with_its_own_type(
    fake_github: FakeGitHub, http: httpx.Client
) -> None:
    board = fake_github.add_board("acme", 3, fields={"Sprint": "ITERATION"})
    fields = ask(
        http,
        "query($id: ID!) { node(id: $id) { ... on ProjectV2 { fields(first: 20) { nodes { "
        "__typename ... on ProjectV2FieldCommon { name } } } } } }",
        id=board.id,
    )["data"]["node"]["fields"]["nodes"]
    assert {"__typename": "ProjectV2IterationField", "name": "Sprint"} in fields
