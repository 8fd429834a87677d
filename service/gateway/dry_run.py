"""Dry-run at the transport: a write request is recorded where it would be sent, not sent.

The client makes every decision the same way in dry-run and for real (which labels, which
comment, which field); only the last step differs. The REST and GraphQL clients call
`planned_rest` / `planned_graphql` instead of sending a write, which record the request
on the delivery's outcome and answer what GitHub would answer, as far as the client reads
the answer (a created comment's id, an added item's id).
"""

from __future__ import annotations

from typing import Any

from service.gateway.accounting import record_planned_write

# The id of anything a dry-run "created": GitHub never hands out 0 or an empty node id.
PLANNED_ID = 0
PLANNED_NODE = "dry-run"


def planned_rest(
    operation: str, params: dict[str, Any] | None, body: Any
) -> tuple[dict[str, Any], Any]:
    """Record a REST write; the (headers, data) the client will read from its answer."""
    arguments: dict[str, object] = {**(params or {})}
    if body is not None:
        arguments["body"] = body
    record_planned_write(operation, arguments)
    sent = body if isinstance(body, dict) else {}
    if operation == "create_comment":
        return {}, {"id": PLANNED_ID, "body": sent.get("body", "")}
    if operation == "create_issue":
        return {}, {
            "number": PLANNED_ID,
            "title": sent.get("title", ""),
            "body": sent.get("body", ""),
            "state": "open",
            "labels": [{"name": name} for name in sent.get("labels", [])],
            "assignees": [],
        }
    if operation == "add_labels":
        return {}, [{"name": name} for name in sent.get("labels", [])]
    if operation == "create_pull":
        return {}, {"html_url": f"(dry run: a pull request from {sent.get('head', '')})"}
    return {}, {}


def planned_graphql(name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Record a GraphQL mutation; the `data` the client will read from its answer."""
    record_planned_write(name, dict(variables))
    if name == "AddItem":
        item = {"id": f"{PLANNED_NODE}:{variables.get('contentId')}", "fieldValues": {}}
        return {"addProjectV2ItemById": {"item": item}}
    if name in ("CreateField", "UpdateFieldOptions"):
        field = {
            "id": f"{PLANNED_NODE}:{variables.get('name') or variables.get('fieldId')}",
            "name": variables.get("name", ""),
            "dataType": variables.get("dataType", "SINGLE_SELECT"),
            "options": [
                {"id": f"{PLANNED_NODE}:{o['name']}", "name": o["name"]}
                for o in variables.get("options") or []
            ],
        }
        root = "createProjectV2Field" if name == "CreateField" else "updateProjectV2Field"
        return {root: {"projectV2Field": field}}
    return {}
