"""Webhook payloads from the fake validate against GitHub's webhook schema and parse in intake."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from service.intake.events import Envelope, Routing, subject_of
from tests.fakegithub import FakeGitHub
from tests.fakegithub.plugin import Tracker

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "webhooks"
REPO = "acme/tracker"


@cache
def validator_for(event: str, action: str) -> jsonschema.Draft7Validator:
    """The octokit schema of one event/action (its definitions resolve inside the file)."""
    document = json.loads((CORPUS / "schema.json").read_text())
    schema = {**document, "$ref": f"#/definitions/{event}${action}"}
    schema.pop("oneOf", None)
    return jsonschema.Draft7Validator(schema)


def problems(event: str, action: str, payload: dict[str, Any]) -> list[str]:
    found = validator_for(event, action).iter_errors(payload)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in found]


@pytest.fixture
def story(tracker: Tracker) -> dict[str, Any]:
    gh = tracker.gh
    gh.add_label(REPO, "type: blog", "0e8a16", "A blog post")
    issue = gh.add_issue(REPO, title="Launch", labels=["type: blog"], assignees=["alice"])
    comment = gh.add_comment(issue, "/estimate 3h", author="bob")
    item = gh.add_item(tracker.board, issue, Status="Todo")
    return {"gh": gh, "issue": issue, "comment": comment, "item": (tracker.board, item)}


@pytest.mark.parametrize(
    ("event", "action", "parts"),
    [
        ("issues", "opened", {"issue"}),
        ("issues", "edited", {"issue", "changes"}),
        ("issues", "labeled", {"issue", "label"}),
        ("issues", "unlabeled", {"issue", "label"}),
        ("issues", "assigned", {"issue", "assignee"}),
        ("issues", "closed", {"issue"}),
        ("issues", "reopened", {"issue"}),
        ("issue_comment", "created", {"issue", "comment"}),
        ("issue_comment", "edited", {"issue", "comment", "changes"}),
        ("projects_v2_item", "created", {"item"}),
        ("projects_v2_item", "edited", {"item", "changes"}),
    ],
)
def test_a_payload_validates_against_githubs_webhook_schema(
    story: dict[str, Any], event: str, action: str, parts: set[str]
) -> None:
    gh: FakeGitHub = story["gh"]
    issue = story["issue"]
    if action == "closed":
        issue.state, issue.state_reason, issue.closed_at = "closed", "completed", issue.updated_at
    given: dict[str, Any] = {k: story[k] for k in ("issue", "comment", "item") if k in parts}
    if "label" in parts:
        given["label"] = "type: blog"
    if "assignee" in parts:
        given["assignee"] = gh.shapes.user("alice")
    if "changes" in parts:
        given["changes"] = (
            {"field_value": {"field_node_id": "PVTSSF_1", "field_type": "single_select"}}
            if event == "projects_v2_item"
            else {"body": {"from": "before"}}
        )
    payload = gh.webhook_payload(event, action, sender="alice", installation=77, **given)
    assert problems(event, action, payload) == []
    envelope = Envelope.model_validate(payload)
    assert subject_of(event, Routing.model_validate(payload)) == f"issue:{issue.node_id}"
    assert envelope.action == action and envelope.sender is not None
    assert envelope.installation is not None and envelope.installation.id == 77


def test_a_payload_carries_the_current_state(story: dict[str, Any]) -> None:
    gh: FakeGitHub = story["gh"]
    payload = gh.webhook("issue_comment", "created", issue=story["issue"], comment=story["comment"])
    assert payload["issue"]["labels"][0] == {
        **payload["issue"]["labels"][0],
        "name": "type: blog",
        "color": "0e8a16",
    }
    assert payload["comment"]["body"] == "/estimate 3h"
    assert payload["comment"]["user"]["login"] == "bob"
    assert payload["issue"]["url"] == f"{gh.base_url}/repos/{REPO}/issues/1"
    assert payload["repository"]["owner"]["login"] == "acme"
    assert payload["organization"]["login"] == "acme"  # acme is an organization
    assert (
        payload["issue"]["id"]
        == gh.webhook("issues", "opened", issue=story["issue"])["issue"]["id"]
    )


def test_the_corpus_examples_and_the_fakes_payloads_share_their_top_level_keys(
    story: dict[str, Any],
) -> None:
    gh: FakeGitHub = story["gh"]
    example = json.loads((CORPUS / "issues" / "opened.with-organization.json").read_text())
    ours = gh.webhook("issues", "opened", issue=story["issue"])
    assert set(ours) == set(example)
    assert set(example["issue"]) - set(ours["issue"]) <= {"draft"}
