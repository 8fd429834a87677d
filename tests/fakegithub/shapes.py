"""JSON shapes of users, repositories, issues, labels and comments, as GitHub's REST and webhooks.

Shapes follow GitHub's (the webhook examples and JSON schema in the corpora): every field a
webhook schema requires is present, so payloads built here validate and PyGithub parses them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from tests.fakegithub.state import Comment, Issue, Label, Repo, iso

REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")
# The repository's hypermedia links: name -> path after /repos/OWNER/NAME.
_REPO_LINKS = {
    "forks_url": "/forks",
    "keys_url": "/keys{/key_id}",
    "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams",
    "hooks_url": "/hooks",
    "issue_events_url": "/issues/events{/number}",
    "events_url": "/events",
    "assignees_url": "/assignees{/user}",
    "branches_url": "/branches{/branch}",
    "tags_url": "/tags",
    "blobs_url": "/git/blobs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "trees_url": "/git/trees{/sha}",
    "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages",
    "stargazers_url": "/stargazers",
    "contributors_url": "/contributors",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}",
    "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}",
    "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}",
    "merges_url": "/merges",
    "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads",
    "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}",
    "releases_url": "/releases{/id}",
    "deployments_url": "/deployments",
}


def account_id(login: str) -> int:
    """A stable numeric id for a login, the same in every answer and payload."""
    return zlib.crc32(login.encode()) % 90_000_000 + 1_000_000


@dataclass(frozen=True)
class Shapes:
    """Builds GitHub-shaped JSON; `api` is the fake's base URL, `web` the html_url base."""

    api: str
    web: str
    organizations: frozenset[str] = frozenset()

    def user(self, login: str) -> dict[str, Any]:
        number = account_id(login)
        is_bot = login.endswith("[bot]")
        kind = "Bot" if is_bot else "Organization" if login in self.organizations else "User"
        base = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": number,
            "node_id": f"{'BOT' if is_bot else 'U'}_kgDO{number}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
            "gravatar_id": "",
            "url": base,
            "html_url": f"{self.web}/{login}",
            "followers_url": f"{base}/followers",
            "following_url": f"{base}/following{{/other_user}}",
            "gists_url": f"{base}/gists{{/gist_id}}",
            "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{base}/subscriptions",
            "organizations_url": f"{base}/orgs",
            "repos_url": f"{base}/repos",
            "events_url": f"{base}/events{{/privacy}}",
            "received_events_url": f"{base}/received_events",
            "type": kind,
            "site_admin": False,
        }

    def organization(self, login: str) -> dict[str, Any]:
        number = account_id(login)
        base = f"{self.api}/orgs/{login}"
        return {
            "login": login,
            "id": number,
            "node_id": f"O_kgDO{number}",
            "url": base,
            "repos_url": f"{base}/repos",
            "events_url": f"{base}/events",
            "hooks_url": f"{base}/hooks",
            "issues_url": f"{base}/issues",
            "members_url": f"{base}/members{{/member}}",
            "public_members_url": f"{base}/public_members{{/member}}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
            "description": "",
        }

    def label(self, repo: Repo, name: str) -> dict[str, Any]:
        label = repo.labels.get(name.casefold()) or Label(name)
        return {
            "id": label.id,
            "node_id": f"LA_kwDO{label.id}",
            "url": f"{self.api}/repos/{repo.full_name}/labels/{name}",
            "name": label.name,
            "color": label.color,
            "default": False,
            "description": label.description or None,
        }

    def reactions(self, url: str, given: list[tuple[str, str]]) -> dict[str, Any]:
        counts: dict[str, Any] = {c: sum(1 for _, r in given if r == c) for c in REACTIONS}
        return {"url": url, "total_count": len(given), **counts}

    def repository(self, repo: Repo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/")
        api = f"{self.api}/repos/{repo.full_name}"
        html = f"{self.web}/{repo.full_name}"
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        return {
            "id": repo.id,
            "node_id": repo.node_id,
            "name": name,
            "full_name": repo.full_name,
            "private": True,
            "owner": self.user(owner),
            "html_url": html,
            "description": None,
            "fork": False,
            "url": api,
            **{key: api + path for key, path in _REPO_LINKS.items()},
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.created_at),
            "pushed_at": iso(repo.created_at),
            "git_url": f"git://{html.split('://', 1)[-1]}.git",
            "ssh_url": f"git@{self.web.split('://', 1)[-1]}:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_issues,
            "license": None,
            "allow_forking": False,
            "forks": 0,
            "open_issues": open_issues,
            "watchers": 0,
            "default_branch": repo.default_branch,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private",
            "custom_properties": {},
        }

    def issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        api = f"{self.api}/repos/{issue.repo}/issues/{issue.number}"
        return {
            "url": api,
            "repository_url": f"{self.api}/repos/{issue.repo}",
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": f"{self.web}/{issue.repo}/issues/{issue.number}",
            "id": issue.id,
            "node_id": issue.node_id,
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.author),
            "labels": [self.label(repo, n) for n in issue.labels],
            "state": issue.state,
            "state_reason": issue.state_reason,
            "locked": False,
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(a) for a in issue.assignees],
            "milestone": None,
            "comments": len(issue.comments),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": issue.author_association,
            "active_lock_reason": None,
            "body": issue.body or None,
            "reactions": self.reactions(f"{api}/reactions", []),
            "timeline_url": f"{api}/timeline",
            "performed_via_github_app": None,
            **self.native_structure(issue),
        }

    def native_structure(self, issue: Issue) -> dict[str, Any]:
        """`type`, `sub_issues_summary`, `issue_dependencies_summary`, as GitHub sends them
        (see the `issues/typed` example), for an issue a test gave any of them; left out
        otherwise, because the corpus's webhook schema is older than these keys."""
        uses = issue.issue_type or issue.sub_issues_total or issue.blocked_by_total
        if not uses:
            return {}
        return {
            "type": self.issue_type(issue),
            "sub_issues_summary": {
                "total": issue.sub_issues_total,
                "completed": issue.sub_issues_completed,
                "percent_completed": issue.sub_issues_percent(),
            },
            "issue_dependencies_summary": {
                "blocked_by": issue.blocked_by_open,
                "total_blocked_by": issue.blocked_by_total,
                "blocking": 0,
                "total_blocking": 0,
            },
        }

    def issue_type(self, issue: Issue) -> dict[str, Any] | None:
        """GitHub's issue-type object (as in the `issues.typed` example), or None."""
        if not issue.issue_type:
            return None
        number = zlib.crc32(issue.issue_type.encode()) % 900_000 + 100_000
        return {
            "id": number,
            "node_id": f"IT_kwDO{number}",
            "name": issue.issue_type,
            "description": None,
            "color": "gray",
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.created_at),
            "is_enabled": True,
        }

    def comment(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        api = f"{self.api}/repos/{issue.repo}/issues/comments/{comment.id}"
        return {
            "url": api,
            "html_url": f"{self.web}/{issue.repo}/issues/{issue.number}#issuecomment-{comment.id}",
            "issue_url": f"{self.api}/repos/{issue.repo}/issues/{issue.number}",
            "id": comment.id,
            "node_id": comment.node_id,
            "user": self.user(comment.author),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "author_association": comment.author_association,
            "performed_via_github_app": None,
            "body": comment.body,
            "reactions": self.reactions(f"{api}/reactions", comment.reactions),
        }
