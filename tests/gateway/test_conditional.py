"""Conditional REST reads: a second read of something unchanged is a 304 GitHub does not charge.

Against the fake GitHub over HTTP, which answers like GitHub: a strong ETag on every 200 and
`304 Not Modified` with no body when `If-None-Match` names the current one.
"""

from __future__ import annotations

import pytest

from service.gateway.accounting import ledger
from service.gateway.conditional import ENTRY_OVERHEAD, CachedAnswer, ConditionalCache
from tests.fakegithub import FakeGitHub
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for

REPO = "acme/tracker"


def test_an_unchanged_issue_is_read_again_as_a_304_with_the_same_issue(tracker: Tracker) -> None:
    gh = tracker.gh
    gh.add_issue(REPO, title="Launch plan", labels=["type: blog"])
    gateway = factory_for(gh).for_installation(None)
    first = gateway.get_issue(REPO, 1)
    mark = gh.mark()
    with ledger() as book:
        again = gateway.get_issue(REPO, 1)
    assert again == first
    assert [c.status for c in gh.calls_since(mark)] == [304]
    assert (book.reads, book.not_modified) == (1, 1)
    assert book.as_outcome()["not_modified"] == 1


def test_a_changed_issue_is_answered_200_with_the_new_data(tracker: Tracker) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO, title="Launch plan")
    gateway = factory_for(gh).for_installation(None)
    gateway.get_issue(REPO, 1)
    issue.title = "Launch plan, v2"
    mark = gh.mark()
    with ledger() as book:
        changed = gateway.get_issue(REPO, 1)
    assert changed.title == "Launch plan, v2"
    assert [c.status for c in gh.calls_since(mark)] == [200]
    assert book.not_modified == 0 and "not_modified" not in book.as_outcome()
    # ... and the new answer is the one kept: the next read is a 304 again.
    mark = gh.mark()
    assert gateway.get_issue(REPO, 1).title == "Launch plan, v2"
    assert [c.status for c in gh.calls_since(mark)] == [304]


def test_a_304_costs_no_rate_limit(tracker: Tracker) -> None:
    gh = tracker.gh
    gh.add_issue(REPO)
    gateway = factory_for(gh).for_installation(None)
    gateway.get_issue(REPO, 1)
    charged = sum(1 for c in gh.calls if c.status != 304 and c.path != "/graphql")
    for _ in range(3):
        gateway.get_issue(REPO, 1)
    assert len(gh.not_modified()) == 3
    assert sum(1 for c in gh.calls if c.status != 304 and c.path != "/graphql") == charged


def test_a_listing_of_several_pages_is_read_again_as_304s(tracker: Tracker) -> None:
    gh = tracker.gh
    for n in range(150):
        gh.add_issue(REPO, title=f"Task {n}")
    gateway = factory_for(gh).for_installation(None)
    first = gateway.list_issues(REPO)
    mark = gh.mark()
    again = gateway.list_issues(REPO)
    # The second page is found from the Link header kept with the first page's answer.
    assert [c.status for c in gh.calls_since(mark)] == [304, 304]
    assert again == first and len(again) == 150


def test_writes_are_never_sent_conditionally_nor_kept(tracker: Tracker) -> None:
    gh = tracker.gh
    gh.add_issue(REPO)
    factory = factory_for(gh)
    gateway = factory.for_installation(None)
    gateway.add_labels(REPO, 1, ["urgent"])
    gateway.add_labels(REPO, 1, ["urgent"])
    assert factory.rest_cache is not None and len(factory.rest_cache) == 0
    assert [c.status for c in gh.writes()] == [200, 200]


def test_what_one_installation_read_is_never_answered_to_another(
    fake_github: FakeGitHub,
) -> None:
    gh = fake_github
    gh.add_repo(REPO)
    gh.add_issue(REPO, title="Only for acme")
    app = gh.setup_app("board-keeper", installations={77: "acme", 78: "acme"})
    factory = factory_for(
        gh, GITHUB_TOKEN=None, GITHUB_APP_ID=str(app.id), GITHUB_APP_PRIVATE_KEY=app.private_key_pem
    )
    factory.for_installation(77).get_issue(REPO, 1)
    mark = gh.mark()
    factory.for_installation(78).get_issue(REPO, 1)
    # A fresh read with its own token (a 200), not a 304 built on 77's answer.
    reads = [c for c in gh.calls_since(mark) if c.path.endswith("/issues/1")]
    assert [c.status for c in reads] == [200]
    mark = gh.mark()
    factory.for_installation(77).get_issue(REPO, 1)
    assert [c.status for c in gh.calls_since(mark)] == [304]


def test_the_cache_can_be_turned_off(tracker: Tracker) -> None:
    gh = tracker.gh
    gh.add_issue(REPO)
    factory = factory_for(gh, BOARDWATCH_GITHUB_CACHE_MB=0)
    gateway = factory.for_installation(None)
    gateway.get_issue(REPO, 1)
    mark = gh.mark()
    gateway.get_issue(REPO, 1)
    assert factory.rest_cache is None
    assert [c.status for c in gh.calls_since(mark)] == [200]


def _answer(text: str, etag: str | None = '"e"', modified: str | None = None) -> CachedAnswer:
    return CachedAnswer(etag=etag, last_modified=modified, link=None, text=text)


@pytest.mark.parametrize(
    ("answer", "validators"),
    [
        (_answer("{}"), {"If-None-Match": '"e"'}),
        (
            _answer("{}", etag='"e"', modified="Mon, 23 Nov 2026 08:00:00 GMT"),
            {"If-None-Match": '"e"'},
        ),
        (
            _answer("{}", etag=None, modified="Mon, 23 Nov 2026 08:00:00 GMT"),
            {"If-Modified-Since": "Mon, 23 Nov 2026 08:00:00 GMT"},
        ),
        (_answer("{}", etag=None), {}),
    ],
)
def test_validators_prefer_the_etag(answer: CachedAnswer, validators: dict[str, str]) -> None:
    assert answer.validators() == validators


def test_the_cache_stays_within_its_bound_dropping_the_least_recently_used() -> None:
    size = 100 + ENTRY_OVERHEAD
    cache = ConditionalCache(max_bytes=8 * size)
    for name in "abcdefgh":
        cache.put("s", name, _answer("x" * 100))
    assert cache.get("s", "a") is not None  # now the most recently used
    cache.put("s", "i", _answer("x" * 100))
    kept = [k for k in "abcdefghi" if cache.get("s", k) is not None]
    assert kept == list("acdefghi")
    assert cache.bytes == 8 * size


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        (_answer("x" * 10), True),
        (_answer("x" * 10, etag=None), False),  # nothing to send back: no use keeping it
        (_answer("x" * 10_000), False),  # over an eighth of the bound
    ],
)
def test_what_the_cache_keeps(answer: CachedAnswer, kept: bool) -> None:
    cache = ConditionalCache(max_bytes=8 * (1000 + ENTRY_OVERHEAD))
    cache.put("s", "u", answer)
    assert (cache.get("s", "u") is not None) == kept
    assert cache.get("other scope", "u") is None


def test_a_new_answer_without_validators_replaces_the_kept_one() -> None:
    cache = ConditionalCache(max_bytes=100_000)
    cache.put("s", "u", _answer("old"))
    cache.put("s", "u", _answer("new", etag=None))
    assert cache.get("s", "u") is None and cache.bytes == 0
