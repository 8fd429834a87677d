"""The issue forms in rules/issue-forms/: valid for GitHub, read by the default rules, and an
issue filed with one ends with its labels and board fields, with no rule complaining."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.domain.models import Board
from service.engine.loader import load_rules
from service.engine.model import Actions, Condition
from service.formchooser import ABOUT, CHOOSER_PATH, with_board_link
from tests.support.bot import Bot
from tests.support.yamlfiles import load_yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
FOLDER = RULES_DIR / "issue-forms"
# The template chooser's settings live beside the forms; it is not a form.
CHOOSER = "config.yml"
FORMS = sorted(p for p in FOLDER.glob("*.yml") if p.name != CHOOSER)
ELEMENT_TYPES = {"markdown", "textarea", "input", "dropdown", "checkboxes"}
REPO = "acme/tracker"


def _strings(value: Any, where: str = "") -> list[tuple[str, str]]:
    """Every string in the document with where it is, e.g. `body[2].attributes.label`."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _strings(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [s for i, item in enumerate(value) for s in _strings(item, f"{where}[{i}]")]
    return []


def _load(name: str) -> dict[str, Any]:
    return load_yaml((FOLDER / name).read_text(encoding="utf-8"))


def _labels(form: dict[str, Any]) -> list[str]:
    return [e["attributes"]["label"] for e in form["body"] if e["type"] != "markdown"]


def render(form: dict[str, Any], answers: dict[str, str | list[str]]) -> str:
    """The issue body GitHub writes for a filed form: `### Label`, a blank line, the answer.

    `answers` go by element id; an element not answered reads `_No response_`, a multiple
    dropdown's choices are joined with `, `.
    """
    body = ""
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        answer = answers.get(element["id"])
        if isinstance(answer, list):
            answer = ", ".join(answer)
        body += f"### {element['attributes']['label']}\n\n{answer or '_No response_'}\n\n"
    return body


def _conditions(condition: Condition) -> list[Condition]:
    nested = [*(condition.all_ or []), *(condition.any_ or [])]
    nested += [condition.not_] if condition.not_ is not None else []
    return [condition, *(c for sub in nested for c in _conditions(sub))]


def _sections_read(actions: Actions) -> list[str]:
    specs = (actions.fill_field_from_section, actions.add_label_from_section)
    return [spec.section for spec in specs if spec is not None]


# -- the files ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", FORMS, ids=[p.name for p in FORMS])
def test_the_form_follows_githubs_issue_form_syntax(path: Path) -> None:
    form = load_yaml(path.read_text(encoding="utf-8"))
    assert {"name", "description", "body"} <= set(form)
    # GitHub refuses a form with an empty (or blank) string anywhere: omit the key instead.
    blank = [where for where, text in _strings(form) if not text.strip()]
    assert blank == [], f"{path.name}: empty strings at {blank}"
    assert {e["type"] for e in form["body"]} <= ELEMENT_TYPES
    ids = [e["id"] for e in form["body"] if "id" in e]
    assert len(ids) == len(set(ids)), f"{path.name}: ids must be unique"
    labels = _labels(form)
    assert len(labels) == len(set(labels)), f"{path.name}: labels must be unique"
    assert all(e["type"] == "markdown" or "id" in e for e in form["body"])


def test_the_template_chooser_follows_githubs_syntax() -> None:
    chooser = _load(CHOOSER)
    assert set(chooser) <= {"blank_issues_enabled", "contact_links"}
    assert isinstance(chooser["blank_issues_enabled"], bool)
    for link in chooser.get("contact_links") or []:
        assert set(link) == {"name", "url", "about"} and link["url"].startswith("https://")


def test_the_forms_labels_are_labels_the_rules_declare() -> None:
    ruleset = load_rules(RULES_DIR).unwrap()
    for path in FORMS:
        for label in load_yaml(path.read_text(encoding="utf-8")).get("labels", []):
            assert label in ruleset.labels or label in ruleset.owned_labels, (path.name, label)


def test_every_section_the_rules_read_is_asked_by_a_form() -> None:
    ruleset = load_rules(RULES_DIR).unwrap()
    asked = {label.casefold() for path in FORMS for label in _labels(_load(path.name))}
    read = {
        section
        for rule in ruleset.rules
        for condition in (*_conditions(rule.when), *_conditions(rule.require))
        for section in condition.sections or []
    }
    read |= {
        section
        for rule in ruleset.rules
        for section in (*_sections_read(rule.while_failing), *_sections_read(rule.once_holding))
    }
    assert read and {s.casefold() for s in read} <= asked, read


def test_the_social_form_asks_for_what_the_social_post_rule_checks() -> None:
    ruleset = load_rules(RULES_DIR).unwrap()
    rule = ruleset.rule("social-post")
    assert rule is not None and rule.require.sections and rule.when.labels
    form = _load("social-post.yml")
    required = [
        e["attributes"]["label"] for e in form["body"] if e.get("validations", {}).get("required")
    ]
    # GitHub writes each answer under `### <label>`: the rule reads those sections.
    assert set(rule.require.sections) <= set(required)
    # The form's label is what makes the rule apply to the new issue.
    assert set(rule.when.labels.has or []) <= set(form["labels"])


def test_the_general_form_asks_for_type_estimate_and_target_date() -> None:
    ruleset = load_rules(RULES_DIR).unwrap()
    labels = _labels(_load("marketing-request.yml"))
    assert {ruleset.board.estimate_field, ruleset.board.target_field, "Type"} <= set(labels)


# -- end to end: filed with the form, through POST /webhook and the fake GitHub ----------

# (form file, answers by element id, labels it ends with, board fields it ends with)
FILED = [
    (
        "marketing-request.yml",
        {
            "what": "A landing page for the spring launch, for partners.",
            "type": "video",
            "estimate": "2d",
            "target-date": "2026-12-01",
        },
        {"type: video", "needs-triage"},
        {"Target date": "2026-12-01", "Estimate": 16.0},
    ),
    (
        "marketing-request.yml",
        {"what": "A short email to the partners.", "type": "email"},  # no estimate, no date
        {"type: email", "needs-triage"},
        {},
    ),
    (
        "social-post.yml",
        {
            "copy": "Our spring launch is here!",
            "channels": ["LinkedIn", "Mastodon"],
            "publish-date": "2026-12-03",
            "link": "https://example.com/spring",
        },
        {"type: social", "needs-triage"},
        {"Target date": "2026-12-03"},
    ),
]


@pytest.mark.parametrize(
    ("name", "answers", "labels", "fields"),
    FILED,
    ids=["request", "request-without-date", "social-post"],
)
def test_an_issue_filed_with_the_form_ends_with_its_labels_and_fields(
    bot: Bot, name: str, answers: dict[str, Any], labels: set[str], fields: dict[str, Any]
) -> None:
    gh = bot.gh
    form = _load(name)
    issue = gh.add_issue(
        REPO,
        title=form.get("title", "") + "Spring launch",
        body=render(form, answers),
        labels=form.get("labels", []),
        author="partner",
    )
    bot.send("issues", "opened", issue=issue)

    assert set(issue.labels) == labels
    assert gh.item_values(gh.boards[0], issue) == fields  # and no Status: it awaits triage
    assert gh.bot_comments(issue) == []  # no rule complains
    # Evaluated again, every rule holds but triage (the team gives the Status); no writes.
    mark = gh.mark()
    again = bot.send("issues", "edited", issue=issue)
    assert gh.writes_since(mark) == []
    failing = {rule for rule, status in again.outcome["rules"].items() if status == "failing"}
    assert failing == {"triage"}


def test_after_the_grace_periods_a_triaged_request_needs_nothing_more(bot: Bot) -> None:
    gh = bot.gh
    form = _load("marketing-request.yml")
    answers = {"what": "A video", "type": "video", "estimate": "3h", "target-date": "2026-12-01"}
    issue = gh.add_issue(
        REPO,
        body=render(form, answers),
        assignees=["alice"],
        created_at=datetime.now(UTC) - timedelta(hours=2),
    )
    gh.add_item(gh.boards[0], issue, Status="Todo")
    delivery = bot.send("issues", "opened", issue=issue)

    assert issue.labels == ["type: video"]
    assert gh.item_values(gh.boards[0], issue) == {
        "Status": "Todo",
        "Estimate": 3.0,
        "Target date": "2026-12-01",
    }
    assert gh.bot_comments(issue) == []
    again = bot.send("issues", "edited", issue=issue)
    assert set(again.outcome["rules"].values()) <= {"holds", "not_applicable"}
    assert delivery.outcome["changes"]


def test_an_unreadable_date_is_named_in_one_comment_until_the_author_fixes_it(bot: Bot) -> None:
    gh = bot.gh
    form = _load("marketing-request.yml")
    answers = {"what": "A webinar", "type": "event", "target-date": "next Friday"}
    issue = gh.add_issue(REPO, body=render(form, answers), author="partner")
    bot.send("issues", "opened", issue=issue)

    assert "type: event" in issue.labels  # the other answers are copied all the same
    assert "Target date" not in (gh.item_values(gh.boards[0], issue) or {})
    [comment] = gh.bot_comments(issue)
    assert comment.body.count("@partner") == 1
    assert "`next Friday` is not a date written YYYY-MM-DD" in comment.body

    issue.body = issue.body.replace("next Friday", "2026-12-04")
    bot.send("issues", "edited", issue=issue)
    assert gh.item_values(gh.boards[0], issue)["Target date"] == "2026-12-04"
    assert gh.bot_comments(issue) == []


def test_a_date_a_person_set_on_the_board_wins_over_the_form(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    form = _load("marketing-request.yml")
    answers = {"what": "A blog post", "type": "blog", "target-date": "2026-12-01"}
    issue = gh.add_issue(REPO, body=render(form, answers))
    bot.send("issues", "opened", issue=issue)
    item = board.item_of(issue)
    gh.set_value(board, item, "Target date", "2027-01-15")
    issue.labels = ["needs-triage", "type: web"]  # the team re-types it too

    bot.send("projects_v2_item", "edited", item=(board, item), sender="lead")
    bot.send("issues", "unlabeled", issue=issue, label="type: blog", sender="lead")
    assert gh.item_values(board, issue)["Target date"] == "2027-01-15"
    assert issue.labels == ["needs-triage", "type: web"]


@pytest.mark.parametrize(
    ("text", "board", "links"),
    [
        ("blank_issues_enabled: true\n", None, None),  # no board known: as shipped
        (
            "blank_issues_enabled: false\n",
            Board(id="B", owner="acme", number=1, title='Team: "Q1" #1', url="https://x/p/1"),
            [{"name": 'Team: "Q1" #1', "url": "https://x/p/1", "about": ABOUT}],
        ),
        (
            "blank_issues_enabled: true\ncontact_links: []\n",  # the team chose its links
            Board(id="B", owner="acme", number=1, url="https://x/p/1"),
            [],
        ),
    ],
)
def test_init_links_the_board_from_the_chooser_unless_it_has_links(
    text: str, board: Board | None, links: list[dict[str, str]] | None
) -> None:
    files = with_board_link({CHOOSER_PATH: text, "other.yml": "name: x\n"}, board)
    assert files["other.yml"] == "name: x\n"
    chooser = load_yaml(files[CHOOSER_PATH])
    assert chooser.get("contact_links") == links
    assert chooser["blank_issues_enabled"] == load_yaml(text)["blank_issues_enabled"]
