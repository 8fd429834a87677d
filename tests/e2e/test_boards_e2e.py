"""The board is the unit (#15), end to end through POST /webhook and the fake GitHub: an issue
of any repository on a board gets that board's rules; one deployment serves several boards,
each configured by its tracker's `.github/boardwatch.yml`, each with its own digest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.boards import board_named, configured_boards
from service.compose import worker_for
from service.handlers import build_registry
from service.reconcile import sweep
from service.reports.digest import digest_at, scheduled_digest
from service.schedule import all_jobs, board_jobs
from service.store import Store
from service.store.history import load_history
from tests.fakegithub import FakeGitHub
from tests.gateway.support import factory_for, settings_for
from tests.support.apps import make_services
from tests.support.bot import Bot
from tests.support.webhooks import SECRET

CUSTOMER = "acme/customer"
NOW = datetime.now(UTC)
AN_HOUR_AGO = NOW - timedelta(hours=1)
SOCIAL_REQUEST = "## Copy\nSpring is here!\n\n## Channels\nLinkedIn\n"


def push(bot: Bot, repo: str) -> dict:
    """The push GitHub sends when `.github/boardwatch.yml` changes on the default branch."""
    payload = {
        "ref": "refs/heads/main",
        "after": "sha-main-0",
        "repository": bot.gh.repository_json(bot.gh.repos[repo]),
        "commits": [
            {"id": "c1", "added": [".github/boardwatch.yml"], "modified": [], "removed": []}
        ],
        "sender": {"login": "lead", "type": "User"},
    }
    delivery = bot.post("push", payload)
    bot.worker.run_until_idle()
    found = bot.services.store.deliveries.get(delivery)
    assert found is not None
    return found.outcome


def bot_comment_rules(bot: Bot, issue) -> list[str]:
    return [c.body.split("-->")[0] for c in bot.gh.bot_comments(issue)]


# -- an issue of another repository on the board -----------------------------------------


@pytest.fixture
def customer(bot: Bot):
    return bot.gh.add_repo(CUSTOMER, collaborators={"alice": "write", "guest": "read"})


def test_a_request_from_another_repository_gets_the_boards_rules(bot: Bot, customer) -> None:
    gh = bot.gh
    board = gh.boards[0]
    request = gh.add_issue(
        CUSTOMER,
        title="Social post: spring launch",
        body=SOCIAL_REQUEST,
        labels=["type: social"],
        created_at=AN_HOUR_AGO,
    )
    # Opened in the customer's repository, not on the board yet: not ours (yet).
    opened = bot.send("issues", "opened", issue=request)
    assert opened.outcome["skipped"] == (
        "acme/customer tracks no board and the issue is on no board boardwatch serves"
    )
    assert request.labels == ["type: social"]

    # A colleague puts it on the board with no Status: the board's rules apply.
    item = gh.add_item(board, request)
    added = bot.send("projects_v2_item", "created", item=(board, item), sender="alice")
    assert added.outcome["issue"] == "acme/customer#1"
    assert "needs-triage" in request.labels
    # The social-post request is checked: Publish date and Link are missing.
    assert "needs-info" in request.labels
    [asked] = [c.body for c in gh.bot_comments(request) if "social-post" in c.body]
    assert "Publish date" in asked and "Link" in asked and "Channels" not in asked
    assert len([i for i in board.items if i.issue is request]) == 1  # not added twice
    # The digest lists it once, under triage, as an issue of its own repository. (A fresh
    # gateway: the worker's still holds the first page of items it read with the board.)
    report = digest_at(bot.services, factory_for(gh).for_installation(None), "week", NOW)
    assert [(r.repo, r.number) for r in report.summary.triage] == [(CUSTOMER, 1)]
    assert [(r.repo, r.rules) for r in report.summary.attention] == [
        (CUSTOMER, ["triage", "social-post"])
    ]

    # /status works there, with the commenter's permission in that repository.
    said = gh.add_comment(request, "/status In Progress", author="alice")
    bot.send("issue_comment", "created", issue=request, comment=said, sender="alice")
    assert gh.item_values(board, request)["Status"] == "In Progress"
    assert "needs-triage" not in request.labels
    assert said.reactions == [(gh.bot_login, "+1")]

    report = digest_at(bot.services, factory_for(gh).for_installation(None), "week", NOW)
    assert [(r.repo, r.number) for r in report.summary.in_progress] == [(CUSTOMER, 1)]
    assert report.summary.triage == []


def test_a_person_without_permission_there_cannot_set_the_status(bot: Bot, customer) -> None:
    gh = bot.gh
    board = gh.boards[0]
    request = gh.add_issue(CUSTOMER, title="Flyer", created_at=AN_HOUR_AGO)
    gh.add_item(board, request)
    said = gh.add_comment(request, "/status Done", author="guest")
    bot.send("issue_comment", "created", issue=request, comment=said, sender="guest")
    assert "Status" not in gh.item_values(board, request)
    assert "needs-triage" in request.labels


def test_an_issue_on_no_served_board_is_skipped_with_a_reason(bot: Bot, customer) -> None:
    gh = bot.gh
    elsewhere = gh.add_board("acme", 9, title="Someone else's board")
    issue = gh.add_issue(CUSTOMER, title="Not ours")
    item = gh.add_item(elsewhere, issue)
    outcome = bot.send("projects_v2_item", "created", item=(elsewhere, item)).outcome
    assert outcome["skipped"] == "an item of another board"
    outcome = bot.send("issues", "labeled", issue=issue, label="bug").outcome
    assert "on no board boardwatch serves" in outcome["skipped"]
    assert issue.labels == []


# -- two boards, two trackers, one deployment ------------------------------------------

MARKETING = "acme/marketing"
WEB = "acme/web"
MARKETING_FILE = "version: 1\nboard: acme/1\n"
WEB_FILE = """\
version: 1
board: acme/2
timezone: Europe/Berlin
schedules: {digest: "0 9 * * 5"}
disable: [triage, estimate]
targets:
  - {name: Landing pages, label: "type: web", at_least: 2, per: week}
labels:
  web-request: {color: "006b75", description: "A request to the web team"}
rules:
  - name: web-request
    description: Every open web-team item is marked as a web request.
    when: {state: open, on_board: true}
    require: {labels: {has: [web-request]}}
    while_failing: {add_labels: [web-request]}
"""


@pytest.fixture
def two_boards(fake_github: FakeGitHub, tmp_path) -> Iterator[Bot]:
    """A deployment with no BOARDWATCH_PROJECT: both boards come from their trackers' files."""
    gh = fake_github
    people = {"alice": "write", "lead": "maintain"}
    gh.add_repo(MARKETING, collaborators=people)
    gh.add_repo(WEB, collaborators=people)
    gh.add_board("acme", 1, title="Marketing Department Work Schedule")
    gh.add_board("acme", 2, title="Web team")
    gh.add_file(MARKETING, ".github/boardwatch.yml", MARKETING_FILE)
    gh.add_file(WEB, ".github/boardwatch.yml", WEB_FILE)
    settings = settings_for(gh, GITHUB_WEBHOOK_SECRET=SECRET, BOARDWATCH_WORKERS=0)
    store = Store.open(f"sqlite:///{tmp_path}/boards.db")
    services = make_services(settings, store, _gateways=factory_for(gh))
    registry = build_registry(services)
    app = create_app(settings, services=services, registry=registry, start_worker=False)
    worker = worker_for(services, registry)
    worker.retry_base_seconds = 0
    with TestClient(app) as client:
        yield Bot(gh, services, client, worker)
    store.close()


def test_each_board_follows_its_own_trackers_rules(two_boards: Bot) -> None:
    bot, gh = two_boards, two_boards.gh
    marketing_board, web_board = gh.boards
    assert push(bot, MARKETING)["board"] == "acme/1"
    assert push(bot, WEB)["board"] == "acme/2"
    boards = {b.project: b for b in configured_boards(bot.services)}
    assert boards["acme/1"].trackers == (MARKETING,)
    assert (boards["acme/2"].trackers, boards["acme/2"].timezone) == ((WEB,), "Europe/Berlin")

    task = gh.add_issue(MARKETING, title="Blog post", created_at=AN_HOUR_AGO)
    bot.send("issues", "opened", issue=task)
    assert gh.item_of(marketing_board, task) is not None
    assert gh.item_of(web_board, task) is None
    assert task.labels == ["needs-triage"]  # the default rules: triage

    page = gh.add_issue(WEB, title="New landing page", created_at=AN_HOUR_AGO)
    bot.send("issues", "opened", issue=page)
    assert gh.item_of(web_board, page) is not None
    assert gh.item_of(marketing_board, page) is None
    assert page.labels == ["web-request"]  # the web team's rules: no triage, their label

    # An issue of a third repository put on the web board follows the web board's rules.
    gh.add_repo("acme/shop", collaborators={"alice": "write"})
    shop = gh.add_issue("acme/shop", title="Checkout button", created_at=AN_HOUR_AGO)
    item = gh.add_item(web_board, shop)
    bot.send("projects_v2_item", "created", item=(web_board, item))
    assert shop.labels == ["web-request"]


def test_each_tracker_gets_its_own_digest(two_boards: Bot) -> None:
    bot, gh = two_boards, two_boards.gh
    push(bot, MARKETING)
    push(bot, WEB)
    bot.send("issues", "opened", issue=gh.add_issue(MARKETING, title="Newsletter"))
    bot.send("issues", "opened", issue=gh.add_issue(WEB, title="Pricing page"))

    names = [job.name for job in all_jobs(bot.services)]
    assert len(names) == len(set(names)) == 6  # a sweep, a weekly, a monthly per board
    web = board_named(bot.services, "acme/2")
    assert web is not None
    [weekly] = [job for job in board_jobs(bot.services, web) if job.name.startswith("weekly")]
    assert (weekly.cron, weekly.timezone) == ("0 9 * * 5", "Europe/Berlin")

    # As the scheduler process posts them (its own gateway: the worker's holds the first page
    # of items it read with each board, from before the issues were added).
    scheduler = make_services(bot.services.settings, bot.services.store, _gateways=factory_for(gh))
    for board in configured_boards(scheduler):
        scheduled_digest(scheduler, "week", NOW, board)
    [marketing_digest] = [i for i in gh.repos[MARKETING].issues.values() if "digest" in i.labels]
    [web_digest] = [i for i in gh.repos[WEB].issues.values() if "digest" in i.labels]
    assert "Newsletter" in marketing_digest.body and "Pricing page" not in marketing_digest.body
    assert "Pricing page" in web_digest.body and "Newsletter" not in web_digest.body
    # Each board's targets: the web team's file, the marketing board's targets.yml.
    assert "Landing pages" in web_digest.body and "Blog posts" not in web_digest.body
    assert "Blog posts" in marketing_digest.body and "Landing pages" not in marketing_digest.body


def test_an_issue_on_two_boards_follows_both_and_contested_labels_stay(
    two_boards: Bot,
) -> None:
    bot, gh = two_boards, two_boards.gh
    marketing_board, web_board = gh.boards
    # The web team triages too: both boards now have an opinion on needs-triage.
    gh.add_file(WEB, ".github/boardwatch.yml", WEB_FILE.replace("triage, estimate", "estimate"))
    push(bot, MARKETING)
    push(bot, WEB)
    shared = gh.add_issue(MARKETING, title="Launch page", created_at=AN_HOUR_AGO)
    gh.add_item(marketing_board, shared)
    gh.add_item(web_board, shared, Status="Todo")

    # Marketing has not triaged it (wants needs-triage), the web team has (wants it gone).
    outcome = bot.send("issues", "opened", issue=shared).outcome
    assert set(outcome["boards"]) == {"acme/1", "acme/2"}
    assert outcome["boards"]["acme/1"]["contested_labels"] == ["needs-triage"]
    assert shared.labels == ["web-request"]  # the web board's own rule; the contested one left
    # The sweep sees one board at a time and leaves the contested label alone too.
    sweep(bot.services)
    assert shared.labels == ["web-request"]
    # Each board's Status has its own history: another look records no flip between them.
    engine = bot.services.store.engine
    before = [(e.item_id, e.new_value) for e in load_history(engine) if e.kind == "status"]
    assert before == [(web_board.item_of(shared).id, "Todo")]
    bot.send("issues", "edited", issue=shared)
    assert [(e.item_id, e.new_value) for e in load_history(engine) if e.kind == "status"] == before

    # Once the boards agree, the label follows them.
    web_item = web_board.item_of(shared)
    gh.set_value(web_board, web_item, "Status", None)
    bot.send("projects_v2_item", "edited", item=(web_board, web_item))
    assert sorted(shared.labels) == ["needs-triage", "web-request"]


def test_a_tracker_is_learned_on_its_first_issue_without_a_push(two_boards: Bot) -> None:
    bot, gh = two_boards, two_boards.gh
    page = gh.add_issue(WEB, title="Team page", created_at=AN_HOUR_AGO)
    bot.send("issues", "opened", issue=page)
    assert gh.item_of(gh.boards[1], page) is not None
    assert page.labels == ["web-request"]


def test_an_installation_that_adds_repositories_learns_their_boards(two_boards: Bot) -> None:
    bot, gh = two_boards, two_boards.gh
    repositories = [{"full_name": MARKETING}, {"full_name": WEB}, {"full_name": "acme/none"}]
    gh.add_repo("acme/none")
    delivery = bot.send(
        "installation_repositories", "added", repositories_added=repositories, installation=7
    )
    assert delivery.outcome["trackers"] == {MARKETING: "acme/1", WEB: "acme/2"}
    boards = {b.project: b for b in configured_boards(bot.services)}
    assert (boards["acme/1"].installation_id, boards["acme/2"].installation_id) == (7, 7)


def test_a_github_outage_fails_the_delivery_rather_than_skipping_it(bot: Bot, customer) -> None:
    gh = bot.gh
    issue = gh.add_issue(CUSTOMER, title="Flyer")
    item = gh.add_item(gh.boards[0], issue)
    gh.fail_next(1000, status=502, match="/graphql")
    payload = gh.webhook("projects_v2_item", "created", item=(gh.boards[0], item))
    delivery = bot.post("projects_v2_item", payload)
    bot.worker.max_attempts = 2
    for _ in range(5):
        bot.worker.run_once()
    found = bot.services.store.deliveries.get(delivery)
    assert found is not None and found.status == "failed"  # replayable, not "done: skipped"
