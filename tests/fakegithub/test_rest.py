"""The fake's REST answers: PyGithub's own objects parse them; the state changes as on GitHub."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from github import Auth, Github, GithubException

from tests.fakegithub import TOKEN, FakeGitHub

REPO = "acme/tracker"


@pytest.fixture
def gh(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.add_repo(REPO, collaborators={"alice": "write", "bob": "triage"})
    return fake_github


@pytest.fixture
def pygithub(gh: FakeGitHub) -> Iterator[Github]:
    client = Github(
        base_url=gh.base_url,
        auth=Auth.Token(TOKEN),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,  # PyGithub waits 1 s between writes by default
    )
    yield client
    client.close()


@pytest.fixture
def http(gh: FakeGitHub) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gh.base_url, headers={"Authorization": f"token {TOKEN}"}) as c:
        yield c


def test_pygithub_reads_an_issue_with_its_labels_assignees_and_author(
    gh: FakeGitHub, pygithub: Github
) -> None:
    gh.add_label(REPO, "type: blog", "0e8a16", "A blog post")
    gh.add_issue(REPO, title="Launch post", body="b", labels=["type: blog"], assignees=["alice"])
    issue = pygithub.get_repo(REPO).get_issue(1)
    assert (issue.number, issue.title, issue.body, issue.state) == (1, "Launch post", "b", "open")
    assert [(x.name, x.color, x.description) for x in issue.labels] == [
        ("type: blog", "0e8a16", "A blog post")
    ]
    assert [a.login for a in issue.assignees] == ["alice"]
    assert issue.user.login == "alice" and issue.pull_request is None
    assert issue.html_url == "https://github.example/acme/tracker/issues/1"
    assert issue.node_id == gh.issue(REPO, 1).node_id
    assert issue.id == pygithub.get_repo(REPO).get_issue(1).id  # stable across answers


def test_pygithub_writes_labels_by_url_quoted_name_and_the_log_shows_the_quoting(
    gh: FakeGitHub, pygithub: Github
) -> None:
    gh.add_issue(REPO)
    issue = pygithub.get_repo(REPO).get_issue(1)
    issue.add_to_labels("type: blog", "needs-triage")
    assert gh.issue(REPO, 1).labels == ["type: blog", "needs-triage"]
    mark = gh.mark()
    issue.remove_from_labels("type: blog")
    assert gh.issue(REPO, 1).labels == ["needs-triage"]
    [call] = gh.calls_since(mark)
    assert (call.method, call.path, call.write) == (
        "DELETE",
        "/repos/acme/tracker/issues/1/labels/type%3A%20blog",
        True,
    )
    issue.set_labels("a", "b")
    assert gh.issue(REPO, 1).labels == ["a", "b"]
    assert {"a", "b", "type: blog"} <= {x.name for x in gh.repos[REPO].labels.values()}


def test_editing_an_issue_closes_reopens_and_assigns(gh: FakeGitHub, pygithub: Github) -> None:
    gh.add_issue(REPO)
    issue = pygithub.get_repo(REPO).get_issue(1)
    issue.edit(state="closed", state_reason="not_planned")
    seen = gh.issue(REPO, 1)
    assert (seen.state, seen.state_reason, seen.closed_at is not None) == (
        "closed",
        "not_planned",
        True,
    )
    issue.edit(state="open")
    assert (seen.state, seen.state_reason, seen.closed_at) == ("open", "reopened", None)
    issue.add_to_assignees("alice", "stranger")  # GitHub drops who may not be assigned
    assert seen.assignees == ["alice"]
    issue.remove_from_assignees("alice")
    assert seen.assignees == []


def test_comments_are_created_listed_edited_reacted_to_and_deleted(
    gh: FakeGitHub, pygithub: Github
) -> None:
    gh.add_issue(REPO)
    issue = pygithub.get_repo(REPO).get_issue(1)
    made = issue.create_comment("hello")
    assert made.user.login == gh.bot_login == "boardwatch-bot"
    made.edit("hello again")
    made.create_reaction("+1")
    [stored] = gh.comments(REPO, 1)
    assert (stored.body, stored.reactions) == ("hello again", [("boardwatch-bot", "+1")])
    assert [c.body for c in issue.get_comments()] == ["hello again"]
    made.delete()
    assert gh.comments(REPO, 1) == []


def test_issue_lists_are_paged_with_a_link_header_and_filtered(
    gh: FakeGitHub, pygithub: Github, http: httpx.Client
) -> None:
    for n in range(1, 251):
        gh.add_issue(REPO, title=f"t{n}", labels=["odd"] if n % 2 else [])
    gh.add_issue(REPO, title="done", state="closed")
    mark = gh.mark()
    titles = [i.title for i in pygithub.get_repo(REPO).get_issues(state="open")]
    assert len(titles) == 250 and titles[0] == "t250"
    assert len(gh.calls_since(mark)) == 1 + 9  # the repository, then 30 a page
    first = http.get(f"/repos/{REPO}/issues", params={"per_page": 100, "labels": "odd"})
    assert len(first.json()) == 100
    assert 'rel="next"' in first.headers["link"] and "labels=odd" in first.headers["link"]
    second = http.get(first.links["next"]["url"])
    assert len(second.json()) == 25 and "link" not in second.headers
    closed = http.get(f"/repos/{REPO}/issues", params={"state": "closed"}).json()
    assert [i["title"] for i in closed] == ["done"]
    assert http.get(f"/repos/{REPO}/issues", params={"per_page": 500}).json().__len__() == 100


def test_collaborator_permission_has_githubs_two_fields(gh: FakeGitHub, pygithub: Github) -> None:
    repo = pygithub.get_repo(REPO)
    assert repo.get_collaborator_permission("alice") == "write"
    assert repo.get_collaborator_permission("bob") == "read"  # triage's legacy permission
    answer = repo._requester.requestJsonAndCheck(
        "GET", f"/repos/{REPO}/collaborators/bob/permission"
    )[1]
    assert (answer["permission"], answer["role_name"]) == ("read", "triage")


def test_contents_refs_and_pull_requests(gh: FakeGitHub, pygithub: Github) -> None:
    gh.add_file(REPO, ".github/boardwatch.yml", "version: 1\n")
    repo = pygithub.get_repo(REPO)
    assert repo.get_contents(".github/boardwatch.yml").decoded_content == b"version: 1\n"
    main = repo.get_git_ref("heads/main")
    repo.create_git_ref("refs/heads/forms", main.object.sha)
    repo.create_file("forms/social.yml", "add form", "name: Social\n", branch="forms")
    assert gh.repos[REPO].files["forms"] == {
        ".github/boardwatch.yml": "version: 1\n",
        "forms/social.yml": "name: Social\n",
    }
    with pytest.raises(GithubException) as refused:  # replacing a file needs its blob sha
        repo.create_file("forms/social.yml", "again", "name: Social 2\n", branch="forms")
    assert refused.value.status == 422
    current = repo.get_contents("forms/social.yml", ref="forms")
    repo.update_file(current.path, "edit", "name: Social 2\n", current.sha, branch="forms")
    assert gh.repos[REPO].files["forms"]["forms/social.yml"] == "name: Social 2\n"
    pull = repo.create_pull(title="Forms", body="b", head="forms", base="main")
    assert pull.html_url.endswith("/acme/tracker/pull/1") and pull.number == 1
    assert [p.number for p in repo.get_pulls(head="acme:forms")] == [1]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("GET", "/repos/acme/nowhere/issues/1", None, 404, "Not Found"),
        ("GET", "/repos/acme/tracker/issues/99", None, 404, "Not Found"),
        ("POST", "/repos/acme/tracker/labels", {"name": "bug", "color": "nothex"}, 422, None),
        ("POST", "/repos/acme/tracker/labels", {"color": "ffffff"}, 422, None),
        ("GET", "/repos/acme/tracker/issues?state=weird", None, 422, None),
        ("DELETE", "/repos/acme/tracker/issues/1/labels/absent", None, 404, None),
    ],
)
def test_errors_are_shaped_like_githubs(
    gh: FakeGitHub,
    http: httpx.Client,
    method: str,
    path: str,
    body: dict | None,
    status: int,
    message: str | None,
) -> None:
    gh.add_issue(REPO)
    answer = http.request(method, path, json=body)
    assert answer.status_code == status
    data = answer.json()
    assert data["documentation_url"].startswith("https://docs.github.com/")
    assert data["message"] == (message or data["message"])
    if status == 422:
        assert data["message"] == "Validation Failed" and data["errors"][0]["resource"]


def test_a_duplicate_label_is_refused_with_already_exists(gh: FakeGitHub, pygithub: Github) -> None:
    repo = pygithub.get_repo(REPO)
    created = repo.create_label("needs-triage", "fbca04", "Waiting")
    assert (created.name, created.color) == ("needs-triage", "fbca04")
    with pytest.raises(GithubException) as refused:
        repo.create_label("Needs-Triage", "ffffff")
    assert refused.value.status == 422
    assert refused.value.data["errors"][0]["code"] == "already_exists"


def test_every_answer_carries_rate_limit_headers_and_a_bad_token_is_refused(
    gh: FakeGitHub, http: httpx.Client
) -> None:
    answer = http.get(f"/repos/{REPO}")
    assert answer.headers["x-ratelimit-limit"] == "5000"
    assert int(answer.headers["x-ratelimit-remaining"]) < 5000
    refused = httpx.get(f"{gh.base_url}/user", headers={"Authorization": "token wrong"})
    assert (refused.status_code, refused.json()["message"]) == (401, "Requires authentication")


def test_reset_forgets_everything_and_the_server_keeps_running(gh: FakeGitHub) -> None:
    gh.add_issue(REPO)
    gh.fail_next(3)
    gh.reset()
    assert gh.repos == {} and gh.calls == [] and gh.faults == []
    gh.add_repo(REPO)
    answer = httpx.get(f"{gh.base_url}/repos/{REPO}")
    assert answer.status_code == 200 and answer.json()["full_name"] == REPO


def test_start_stop_and_the_context_manager() -> None:
    with FakeGitHub() as fake:
        fake.add_repo(REPO)
        base = fake.base_url
        assert httpx.get(f"{base}/repos/{REPO}").status_code == 200
    assert fake.base_url == ""
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/repos/{REPO}")
