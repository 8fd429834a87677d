"""The App manifest asks for what boardwatch's calls need, and for only the events it handles;
when GitHub refuses a call for a permission, `init` names it in one line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from service.cli.main import app
from service.defaults import app_manifest_text
from service.gateway.graphql import operation_names
from service.gateway.permissions import (
    ALWAYS_SENT,
    EVENT_NEEDS,
    GRAPHQL_NEEDS,
    REST_NEEDS,
    covers,
)
from service.gateway.rest import REST_PATHS
from service.handlers import build_registry
from service.store import Store
from tests.adoption.test_init import empty  # noqa: F401 - the fixture
from tests.fakegithub import FakeGitHub
from tests.fakegithub.server import Fault
from tests.support.apps import make_services, make_settings
from tests.support.yamlfiles import load_yaml

MANIFEST = load_yaml(app_manifest_text())
GRANTED: dict[str, str] = MANIFEST["default_permissions"]


def test_every_gateway_call_has_a_known_need() -> None:
    assert set(REST_NEEDS) == set(REST_PATHS)
    assert set(GRAPHQL_NEEDS) == set(operation_names())


def test_the_manifest_grants_what_every_call_needs() -> None:
    needs = [n for n in REST_NEEDS.values() if n is not None] + list(GRAPHQL_NEEDS.values())
    assert [n for n in needs if not covers(GRANTED, n)] == []
    # ... and nothing more: each granted permission is needed, at its level, by some call.
    for name, level in GRANTED.items():
        assert any(n == (name, level) for n in needs), f"{name}: {level} is not needed"


def test_the_manifest_subscribes_only_to_handled_events(store: Store) -> None:
    registry = build_registry(make_services(make_settings(), store))
    events = MANIFEST["default_events"]
    assert set(events) <= set(registry.events)
    # ... and every handled event arrives (GitHub sends installation events to every App).
    assert set(events) == set(registry.events) - ALWAYS_SENT
    # GitHub lets an App subscribe to an event only with the permission that goes with it.
    assert [e for e in events if not covers(GRANTED, EVENT_NEEDS[e])] == []


@pytest.mark.parametrize(
    ("request_line", "permission", "token_name"),
    [
        ("POST /repos/acme/tracker/git/refs", "contents: write", "Contents: Read and write"),
        ("POST /repos/acme/tracker/pulls", "pull_requests: write", "Pull requests: Read and"),
        ("GET /repos/acme/tracker/pulls", "pull_requests: read", "Pull requests: Read-only"),
    ],
)
def test_a_refused_pull_request_names_the_missing_permission(
    empty: FakeGitHub,  # noqa: F811
    request_line: str,
    permission: str,
    token_name: str,
) -> None:
    empty.faults.append(
        Fault(status=403, match=request_line, message="Resource not accessible by integration")
    )
    result = CliRunner().invoke(app, ["init", "--issue-forms"])
    assert result.exit_code == 1
    [said] = result.stderr.splitlines()
    assert said.startswith("boardwatch: GitHub refused ")
    assert "(Resource not accessible by integration)" in said
    assert f"the credentials lack {permission}." in said
    assert token_name in said
    assert empty.repos["acme/tracker"].pulls == []


def test_a_refused_label_names_issues_write(empty: FakeGitHub) -> None:  # noqa: F811
    empty.faults.append(
        Fault(
            status=403,
            match="POST /repos/acme/tracker/labels",
            message="Resource not accessible by integration",
        )
    )
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "boardwatch: GitHub refused create_label (Resource not accessible by integration): "
        "the credentials lack issues: write. For the GitHub App, add it in the App's settings "
        "(Permissions & events), then accept the new permission on its installation; for a "
        "token, give it Issues: Read and write. Then run init again."
    ]
