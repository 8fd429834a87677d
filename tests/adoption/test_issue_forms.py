"""The issue forms in rules/issue-forms/: valid for GitHub, and what the default rules check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from service.engine.loader import load_rules

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
FORMS = sorted((RULES_DIR / "issue-forms").glob("*.yml"))
ELEMENT_TYPES = {"markdown", "textarea", "input", "dropdown", "checkboxes"}


def _strings(value: Any, where: str = "") -> list[tuple[str, str]]:
    """Every string in the document with where it is, e.g. `body[2].attributes.label`."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _strings(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [s for i, item in enumerate(value) for s in _strings(item, f"{where}[{i}]")]
    return []


def _labels(form: dict[str, Any]) -> list[str]:
    return [e["attributes"]["label"] for e in form["body"] if e["type"] != "markdown"]


@pytest.mark.parametrize("path", FORMS, ids=[p.name for p in FORMS])
def test_the_form_follows_githubs_issue_form_syntax(path: Path) -> None:
    form = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"name", "description", "body"} <= set(form)
    # GitHub refuses a form with an empty (or blank) string anywhere: omit the key instead.
    blank = [where for where, text in _strings(form) if not text.strip()]
    assert blank == [], f"{path.name}: empty strings at {blank}"
    assert {e["type"] for e in form["body"]} <= ELEMENT_TYPES
    ids = [e["id"] for e in form["body"] if "id" in e]
    assert len(ids) == len(set(ids)), f"{path.name}: ids must be unique"
    labels = _labels(form)
    assert len(labels) == len(set(labels)), f"{path.name}: labels must be unique"


def test_the_social_form_asks_for_what_the_social_post_rule_checks() -> None:
    ruleset = load_rules(RULES_DIR).unwrap()
    rule = ruleset.rule("social-post")
    assert rule is not None and rule.require.sections and rule.when.labels
    form = yaml.safe_load((RULES_DIR / "issue-forms/social-post.yml").read_text())
    # GitHub writes each answer under `### <label>`: the rule reads those sections.
    assert _labels(form) == rule.require.sections
    # The form's label is what makes the rule apply to the new issue.
    assert set(rule.when.labels.has or []) <= set(form["labels"])


def test_the_general_form_asks_for_estimate_and_target_date() -> None:
    ruleset = load_rules(RULES_DIR).unwrap()
    form = yaml.safe_load((RULES_DIR / "issue-forms/marketing-request.yml").read_text())
    labels = _labels(form)
    assert ruleset.board.estimate_field in labels
    assert ruleset.board.target_field in labels
