"""What each gateway call and each handled event needs of a GitHub App's permissions.

The App manifest (`app.yml`) must ask for all of it (a test checks), and when GitHub refuses
a call with 403 the CLI names the permission from here instead of printing GitHub's text alone.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["read", "write"]
Need = tuple[str, Level]

# REST operations (service.gateway.rest.REST_PATHS) made with an installation token. None:
# made as the App itself (a JWT) or with a personal token only; no installation permission.
REST_NEEDS: dict[str, Need | None] = {
    "get_user": None,
    "get_app": None,
    "repo_installation": None,
    "list_hook_deliveries": None,
    "redeliver": None,
    "manifest_conversion": None,
    "get_repo": ("metadata", "read"),
    "get_permission": ("metadata", "read"),
    "get_issue": ("issues", "read"),
    "list_issues": ("issues", "read"),
    "get_label": ("issues", "read"),
    "list_comments": ("issues", "read"),
    "create_issue": ("issues", "write"),
    "update_issue": ("issues", "write"),
    "add_labels": ("issues", "write"),
    "remove_label": ("issues", "write"),
    "create_label": ("issues", "write"),
    "create_comment": ("issues", "write"),
    "update_comment": ("issues", "write"),
    "delete_comment": ("issues", "write"),
    "add_reaction": ("issues", "write"),
    "get_content": ("contents", "read"),
    "get_ref": ("contents", "read"),
    "put_content": ("contents", "write"),
    "create_ref": ("contents", "write"),
    "list_pulls": ("pull_requests", "read"),
    "create_pull": ("pull_requests", "write"),
}

# GraphQL operations (service/gateway/operations/*.graphql): Projects v2 boards of an
# organization. Items' issue content is read with the issues permission asked for above.
GRAPHQL_NEEDS: dict[str, Need] = {
    "GetOrgBoard": ("organization_projects", "read"),
    "GetUserBoard": ("organization_projects", "read"),
    "ListItems": ("organization_projects", "read"),
    "GetItem": ("organization_projects", "read"),
    "GetIssueItems": ("organization_projects", "read"),
    "AddItem": ("organization_projects", "write"),
    "ArchiveItem": ("organization_projects", "write"),
    "UnarchiveItem": ("organization_projects", "write"),
    "SetFieldValue": ("organization_projects", "write"),
    "ClearFieldValue": ("organization_projects", "write"),
    "CreateField": ("organization_projects", "write"),
    "UpdateFieldOptions": ("organization_projects", "write"),
}

# The permission GitHub requires before it lets an App subscribe to an event.
EVENT_NEEDS: dict[str, Need] = {
    "issues": ("issues", "read"),
    "issue_comment": ("issues", "read"),
    "issue_dependencies": ("issues", "read"),
    "sub_issues": ("issues", "read"),
    "projects_v2_item": ("organization_projects", "read"),
    "projects_v2": ("organization_projects", "read"),
    "push": ("contents", "read"),
}


# Events GitHub sends every App, with no subscription (and none may be asked for).
ALWAYS_SENT = frozenset({"installation", "installation_repositories"})


def covers(granted: dict[str, str], need: Need) -> bool:
    """Whether the granted permissions (as in a manifest) include `need`."""
    have = granted.get(need[0])
    return have == "write" or (have == "read" and need[1] == "read")


def need_of(operation: str) -> Need | None:
    """The permission a gateway operation needs; None when no installation permission does."""
    return REST_NEEDS.get(operation) or GRAPHQL_NEEDS.get(operation)


def describe(need: Need) -> str:
    """`contents: write`, as GitHub's App settings page and the manifest spell it."""
    return f"{need[0]}: {need[1]}"
