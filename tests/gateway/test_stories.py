"""The gateway against the fake GitHub: make things, call the gateway, look at GitHub."""

from __future__ import annotations

from datetime import date

import pytest

from service.gateway.accounting import ledger
from service.gateway.client import GitHubClient
from service.gateway.errors import GitHubError
from tests.fakegithub import FakeGitHub
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for

REPO = "acme/tracker"


@pytest.fixture
def gateway(tracker: Tracker) -> GitHubClient:
    return factory_for(tracker.gh).for_installation(None)  # type: ignore[return-value]


def test_labels_are_written_as_told_in_one_request_each(
    tracker: Tracker, gateway: GitHubClient
) -> None:
    # Which labels are missing is the plan's decision; the gateway reads nothing for it.
    gh = tracker.gh
    issue = gh.add_issue(REPO, labels=["type: blog"])
    mark = gh.mark()
    assert gateway.add_labels(REPO, 1, ["needs-triage"]) == ["needs-triage"]
    assert issue.labels == ["type: blog", "needs-triage"]
    assert gateway.remove_labels(REPO, 1, ["type: blog", "stale"]) == ["type: blog", "stale"]
    assert issue.labels == ["needs-triage"]  # `stale` was not there: no error
    assert [(c.method, c.path) for c in gh.calls_since(mark)] == [
        ("POST", "/repos/acme/tracker/issues/1/labels"),
        ("DELETE", "/repos/acme/tracker/issues/1/labels/type%3A%20blog"),
        ("DELETE", "/repos/acme/tracker/issues/1/labels/stale"),
    ]


def test_a_label_is_created_only_when_missing(tracker: Tracker, gateway: GitHubClient) -> None:
    assert gateway.ensure_label(REPO, "needs-triage", "fbca04", "Waiting for a Status") is True
    mark = tracker.gh.mark()
    assert gateway.ensure_label(REPO, "needs-triage", "fbca04", "Waiting for a Status") is False
    assert tracker.gh.writes_since(mark) == []
    label = tracker.repo.labels["needs-triage"]
    assert (label.color, label.description) == ("fbca04", "Waiting for a Status")


def test_the_bot_comment_is_upserted_by_marker(tracker: Tracker, gateway: GitHubClient) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    gh.add_comment(issue, "a person's comment <!-- boardwatch:estimate -->", author="alice")
    created = gateway.upsert_comment(REPO, 1, "estimate", "Please estimate.")
    assert created.action == "created"
    mark = gh.mark()
    assert gateway.upsert_comment(REPO, 1, "estimate", "Please estimate.").action == "none"
    assert gh.writes_since(mark) == []
    updated = gateway.upsert_comment(REPO, 1, "estimate", "Thanks!")
    assert (updated.action, updated.comment_id) == ("updated", created.comment_id)
    [mine] = gh.bot_comments(issue)
    assert mine.body == "<!-- boardwatch:estimate -->\nThanks!"
    assert gateway.upsert_comment(REPO, 1, "estimate", None).action == "deleted"
    assert gh.bot_comments(issue) == []
    assert len(issue.comments) == 1  # the person's comment is never touched


def test_a_remembered_comment_is_edited_in_one_request_without_listing(
    tracker: Tracker, gateway: GitHubClient
) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    created = gateway.upsert_comment(REPO, 1, "estimate", "Please estimate.")
    mark = gh.mark()
    updated = gateway.upsert_comment(REPO, 1, "estimate", "Thanks!", known_id=created.comment_id)
    assert (updated.action, updated.comment_id) == ("updated", created.comment_id)
    assert [(c.method, c.path) for c in gh.calls_since(mark)] == [
        ("PATCH", f"/repos/{REPO}/issues/comments/{created.comment_id}")
    ]
    assert [c.body for c in gh.bot_comments(issue)] == ["<!-- boardwatch:estimate -->\nThanks!"]


def test_a_remembered_comment_someone_deleted_is_made_again(
    tracker: Tracker, gateway: GitHubClient
) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    again = gateway.upsert_comment(REPO, 1, "estimate", "Please estimate.", known_id=987654)
    assert again.action == "created"
    assert [c.body for c in gh.bot_comments(issue)] == [
        "<!-- boardwatch:estimate -->\nPlease estimate."
    ]
    assert gateway.upsert_comment(REPO, 1, "gone", None, known_id=987654).action == "none"


def test_issues_are_read_created_listed_closed_and_reopened(
    tracker: Tracker, gateway: GitHubClient
) -> None:
    gh = tracker.gh
    for n in range(120):
        gh.add_issue(REPO, title=f"task {n}", labels=["digest"] if n == 7 else [])
    created = gateway.create_issue(REPO, "Weekly digest", "body", labels=["digest"])
    assert gh.issue(REPO, created.number).labels == ["digest"]
    mark = gh.mark()
    assert len(gateway.list_issues(REPO)) == 121
    assert len(gh.calls_since(mark)) == 2  # 100 a page
    assert {i.title for i in gateway.list_issues(REPO, labels=["digest"])} == {
        "task 7",
        "Weekly digest",
    }
    gateway.set_state(REPO, created.number, "closed", reason="completed")
    assert gateway.get_issue(REPO, created.number).state == "closed"
    assert len(gateway.list_issues(REPO, state="closed")) == 1
    gateway.set_state(REPO, created.number, "open")
    gateway.set_assignees(REPO, created.number, ["alice", "bob"])
    gateway.update_issue(REPO, created.number, title="Weekly digest · 2026-W48")
    issue = gateway.get_issue(REPO, created.number)
    assert (issue.state, issue.assignees, issue.title) == (
        "open",
        ("alice", "bob"),
        "Weekly digest · 2026-W48",
    )


def test_reactions_and_permissions(tracker: Tracker, gateway: GitHubClient) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    comment = gh.add_comment(issue, "/estimate 3h")
    gateway.add_reaction(REPO, comment.id, "+1")
    assert comment.reactions == [(gh.bot_login, "+1")]
    assert [gateway.get_permission(REPO, who) for who in ("alice", "bob", "lead", "guest")] == [
        "write",
        "triage",
        "maintain",
        "read",
    ]
    assert gateway.get_permission(REPO, "stranger") == "none"


def test_board_fields_items_and_values(tracker: Tracker, gateway: GitHubClient) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    board = gateway.get_board("acme/1")
    assert [f.name for f in board.fields][-3:] == ["Status", "Estimate", "Target date"]
    assert gateway.get_item(board, issue.node_id) is None
    item = gateway.add_item(board, issue.node_id)
    again = gateway.add_item(board, issue.node_id)
    assert item is not None and again is not None and item.id == again.id
    assert len(tracker.board.items) == 1
    gateway.set_field(board, item.id, "status", "in progress")  # names are case-insensitive
    gateway.set_field(board, item.id, "Estimate", 2.5)
    gateway.set_field(board, item.id, "Target date", date(2026, 12, 1))
    assert gh.item_values(tracker.board, issue) == {
        "Status": "In Progress",
        "Estimate": 2.5,
        "Target date": "2026-12-01",
    }
    read = gateway.get_item_by_id(board, item.id)
    assert read is not None and read.fields["Target date"] == date(2026, 12, 1)
    gateway.set_field(board, item.id, "Estimate", None)
    assert "Estimate" not in gh.item_values(tracker.board, issue)
    with pytest.raises(GitHubError, match=r"no option 'Someday'.*Todo, In Progress"):
        gateway.set_field(board, item.id, "Status", "Someday")
    with pytest.raises(GitHubError, match="no field 'Budget'"):
        gateway.set_field(board, item.id, "Budget", 3)


def test_a_field_added_later_is_found_by_refreshing(
    tracker: Tracker, gateway: GitHubClient
) -> None:
    gh = tracker.gh
    item = gh.add_item(tracker.board, gh.add_issue(REPO))
    board = gateway.get_board("acme/1")
    gh.add_board  # noqa: B018 - the board exists; now a person adds a field on GitHub:
    tracker.board.fields.append(
        type(tracker.board.fields[0])(id="PVTF_new", name="Channel", data_type="TEXT")
    )
    gateway.set_field(board, item.id, "Channel", "LinkedIn")
    assert gh.item_values(tracker.board, item.issue)["Channel"] == "LinkedIn"


def test_a_users_board_is_found_after_the_organization_lookup_fails(
    fake_github: FakeGitHub,
) -> None:
    fake_github.users["user-token"] = "carol"
    fake_github.add_board("carol", 4, title="Carol's board")
    board = factory_for(fake_github).for_installation(None).get_board("carol/4")
    assert (board.owner, board.number, board.title) == ("carol", 4, "Carol's board")


def test_listing_a_board_of_1000_items_takes_10_graphql_requests(
    tracker: Tracker, gateway: GitHubClient
) -> None:
    gh = tracker.gh
    for n in range(1000):
        gh.add_item(tracker.board, gh.add_issue(REPO, title=f"t{n}"), Status="Todo")
    mark = gh.mark()
    with ledger() as book:
        # Resolving the board brings the first 100 items: with the 9 pages after it, 10 requests.
        items = list(gateway.list_items(gateway.get_board("acme/1")))
    assert len(items) == 1000 and items[999].issue.title == "t999"
    assert len(gh.graphql_calls(mark)) == 10
    assert len(gh.graphql_calls(mark, "ListItems")) == 9
    assert (book.reads, book.writes) == (10, 0)
    # A board resolved long ago (as in a running service): 10 pages of items.
    mark = gh.mark()
    assert len(list(gateway.list_items(gateway.get_board("acme/1")))) == 1000
    assert len(gh.graphql_calls(mark, "ListItems")) == 10


def test_files_and_pull_requests(tracker: Tracker, gateway: GitHubClient) -> None:
    gh = tracker.gh
    gh.add_file(REPO, ".github/boardwatch.yml", "version: 1\n")
    assert gateway.get_file(REPO, ".github/boardwatch.yml") == "version: 1\n"
    assert gateway.get_file(REPO, "missing.yml") is None
    files = {".github/ISSUE_TEMPLATE/social.yml": "name: Social\n"}
    url = gateway.open_pull_request(
        REPO, branch="boardwatch/forms", title="Add forms", body="b", files=files
    )
    assert url.endswith("/pull/1")
    branch = gh.repos[REPO].files["boardwatch/forms"]
    assert branch == {".github/boardwatch.yml": "version: 1\n", **files}
    mark = gh.mark()
    again = gateway.open_pull_request(
        REPO, branch="boardwatch/forms", title="Add forms", body="b", files=files
    )
    assert again == url and gh.writes_since(mark) == []


def test_a_github_app_uses_installation_tokens_and_is_named_slug_bot(
    fake_github: FakeGitHub,
) -> None:
    fake_github.add_repo("acme/tracker")
    app = fake_github.setup_app("board-keeper", installations={77: "acme"})
    fake_github.add_issue(REPO, title="via app")
    factory = factory_for(
        fake_github,
        GITHUB_TOKEN=None,
        GITHUB_APP_ID=str(app.id),
        GITHUB_APP_PRIVATE_KEY=app.private_key_pem,
        BOARDWATCH_REPOSITORY=REPO,
    )
    assert factory.bot_login(77) == "board-keeper[bot]"
    gateway = factory.for_installation(77)
    assert gateway.get_issue(REPO, 1).title == "via app"
    comment = gateway.create_comment(REPO, 1, "hello")
    assert fake_github.issue(REPO, 1).comments[0].author == "board-keeper[bot]"
    assert comment.author == "board-keeper[bot]"
    assert list(app.tokens.values()) == [77]
    # Without an installation id (sweep, CLI), the tracker's installation is looked up.
    assert factory.for_installation(None).get_issue(REPO, 1).number == 1


def test_an_issues_items_on_every_board_in_one_read(
    tracker: Tracker, gateway: GitHubClient
) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    web = gh.add_board("acme", 2, title="Web team")
    gh.add_item(tracker.board, issue, Status="Todo")
    gh.add_item(web, issue)
    ids = {gateway.get_board("acme/1").id: "Todo", gateway.get_board("acme/2").id: None}
    with ledger() as book:
        items = gateway.list_issue_items(issue.node_id)
    assert {i.board_id: i.value("Status") for i in items} == ids
    assert book.reads == 1
