"""Comment templates: bounded in steps, value size and output; failures name the line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.engine import evaluate, load_text
from service.engine.templates import MAX_OUTPUT, TemplateFailure, render
from tests.engine.support import snap

# Lists of lists of the same list: 10^5 strings from a few hundred characters.
NESTED_LISTS = "{% set a0 = ['x'] %}" + "".join(
    f"{{% set a{n} = [{', '.join([f'a{n - 1}'] * 10)}] %}}" for n in range(1, 6)
)
VARIABLES = {"issue": {"title": "T", "labels": ["a", "b"]}, "missing": [], "rule": {}}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ issue.title }}: {{ issue.labels|join(', ') }}", "T: a, b"),
        ("{% for l in issue.labels %}{{ loop.index }}={{ l }} {% endfor %}", "1=a 2=b "),
        (
            "{% set ns = namespace(n=0) %}{% for l in issue.labels %}"
            "{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
            "2",
        ),
        ("{{ '%-3s|' % 'x' }}{{ 'ab' * 2 }}{{ [1, 2] + [3] }}", "x  |abab[1, 2, 3]"),
    ],
)
def test_ordinary_templates_render(source: str, expected: str) -> None:
    assert render(source, VARIABLES) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "the template did more than 100,000 steps",
        ),
        ("{{ 'x' * 300000000 }}", "a repetition with `*` would be larger than 100,000"),
        ("{{ [issue.labels] * 100000 }}", "a repetition with `*` would be larger"),
        ("{{ 9 ** 100000 }}", "a power too large for a template"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "a text joined with `~` would be larger",
        ),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
            "{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "a sum with `+` would be larger",
        ),
        (NESTED_LISTS, "a value would be larger than 100,000"),
        ("{{ 'x'.ljust(300000000) }}", "the number 300000000 is too large"),
        ("{{ '{:>999999999}'.format(1) }}", "a width of 999999999 in a format string"),
        ("{{ '%999999999s' % 'x' }}", "a width of 999999999 in a format string"),
        ("{{ ('x' * 50000)|replace('x', 'yyyyy') }}", "the result of `replace` would be larger"),
        ("{{ ('x' * 50000).replace('x', 'yyyyy') }}", "the result of `.replace()` would be"),
        ("{{ range(100000)|join(',') }}", "the result of `join` would be larger"),
        ("{{ ('a\\n' * 50000)|indent(1000) }}", "the result of `indent` would be larger"),
        ("{% for i in range(90000) %}xx{% endfor %}", "the comment would be longer than 60,000"),
        ("{{ ''|attr('__class__') }}", "access to attribute '__class__' of 'str' object is unsafe"),
        ("{{ issue.labels.append('c') }}", "is unsafe"),
        ("{% macro m() %}x{% endmacro %}", "`{% macro %}` is not available"),
        ("{% set x %}{% endset %}", "`{% set … endset %}` is not available"),
        ("{% for x in [1] recursive %}{% endfor %}", "recursive loops are not available"),
        ("{% include 'x' %}", "`{% include %}` is not available"),
        ("\n\n{{ 1 / 0 }}", "ZeroDivisionError"),
    ],
)
def test_hostile_templates_fail_quickly_with_a_reason(source: str, message: str) -> None:
    with pytest.raises(TemplateFailure) as failed:
        render(source, VARIABLES)
    assert message in failed.value.message
    assert len(str(failed.value)) < 400


def test_a_failure_names_the_template_line() -> None:
    with pytest.raises(TemplateFailure) as failed:
        render("ok\n{{ 'x' * 300000000 }}", VARIABLES)
    assert str(failed.value).startswith("template error on its line 2: a repetition")


def test_output_stays_below_githubs_limit() -> None:
    assert MAX_OUTPUT < 65_536
    text = render("{% for i in range(29000) %}xy{% endfor %}", VARIABLES)
    assert len(text) == 58_000


RULES = """version: 1
rules:
  - name: per-character
    description: Loops over every character of the body, twice.
    require: {state: closed}
    comment:
      body: "{% for a in issue.body %}{% for b in issue.body %}{% endfor %}{% endfor %}open"
  - name: plain
    description: An ordinary comment.
    require: {state: closed}
    comment: {body: "Please close this."}
"""


def test_a_template_over_budget_on_a_real_issue_fails_its_rule_not_the_evaluation() -> None:
    # The sample issue's body is short, so the rules load; a long real body blows the budget.
    ruleset = load_text(RULES).unwrap()
    desired = evaluate(ruleset, snap(body="x" * 1_000))
    result = desired.result("per-character")
    assert result is not None and result.status == "failing"
    assert result.error == (
        "comment: template error on its line 1: the template did more than 100,000 steps "
        "(loops, calls, filters); simplify it"
    )
    assert "per-character" not in desired.comments  # its comment is left as it is
    assert desired.comments["plain"] == "Please close this."
    short = evaluate(ruleset, snap(body="x" * 10))
    assert short.comments["per-character"] == "open"


def test_a_width_hidden_in_strftime_is_refused() -> None:
    variables = {"issue": {"created_at": datetime(2026, 1, 2, tzinfo=UTC)}}
    assert render("{{ issue.created_at.strftime('%Y') }}", variables) == "2026"
    with pytest.raises(TemplateFailure, match="a width of 0999999999"):
        render("{{ issue.created_at.strftime('%0999999999d') }}", variables)


def test_each_template_is_checked_as_it_will_be_used() -> None:
    # `body` renders while something is missing; `resolved_body` once nothing is.
    text = RULES.replace(
        'comment: {body: "Please close this."}',
        'comment: {body: "{{ missing[0].text }}", on_resolve: resolve, resolved_body: done}',
    )
    assert load_text(text).ok
    broken = text.replace("resolved_body: done", "resolved_body: '{{ missing[0].text }}'")
    [error] = load_text(broken).errors
    assert str(error) == (
        "rules.yml:11:67: rules[1].comment.resolved_body: "
        "template error on its line 1: list object has no element 0"
    )
