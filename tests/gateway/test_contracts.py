"""The gateway's GraphQL operations and REST paths exist in GitHub's published descriptions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import parse, validate

from service.gateway.graphql import operation, operation_names
from service.gateway.rest import REST_PATHS, path_for
from tests.fakegithub.graphql import schema

REST_DESCRIPTION = Path(__file__).resolve().parents[3] / "shared/corpora/rest/api.github.com.json"


def test_there_are_operations() -> None:
    assert {"GetOrgBoard", "ListItems", "SetFieldValue", "AddItem"} <= set(operation_names())


@pytest.mark.parametrize("name", operation_names())
def test_every_graphql_operation_validates_against_githubs_schema(name: str) -> None:
    document = parse(operation(name))
    assert validate(schema(), document) == []
    [definition] = [d for d in document.definitions if hasattr(d, "operation")]
    assert definition.name.value == name  # the file is named for its operation


@pytest.fixture(scope="module")
def rest_paths() -> dict:
    return json.loads(REST_DESCRIPTION.read_text())["paths"]


@pytest.mark.parametrize(("operation_id", "route"), sorted(REST_PATHS.items()))
def test_every_rest_path_exists_in_githubs_description(
    rest_paths: dict, operation_id: str, route: tuple[str, str]
) -> None:
    verb, template = route
    assert template in rest_paths, f"{operation_id}: {template} is not a GitHub REST path"
    assert verb.lower() in rest_paths[template], f"{operation_id}: no {verb} on {template}"


@pytest.mark.parametrize(
    ("operation_id", "params", "expected"),
    [
        (
            "remove_label",
            {"owner": "acme", "repo": "tracker", "issue_number": 3, "name": "type: blog"},
            "/repos/acme/tracker/issues/3/labels/type%3A%20blog",
        ),
        (
            "get_label",
            {"owner": "acme", "repo": "tracker", "name": "needs/info?"},
            "/repos/acme/tracker/labels/needs%2Finfo%3F",
        ),
        (
            "get_content",
            {"owner": "acme", "repo": "tracker", "path": ".github/boardwatch.yml"},
            "/repos/acme/tracker/contents/.github/boardwatch.yml",
        ),
    ],
)
def test_path_parameters_are_url_quoted(operation_id: str, params: dict, expected: str) -> None:
    assert path_for(operation_id, **params) == expected
