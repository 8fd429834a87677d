"""`fill_field_from_section` and `add_label_from_section`: form answers into fields and labels."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.models import BoardField, FieldOption
from service.engine import evaluate, load_text, plan
from service.engine.changes import AddLabels, SetField
from service.engine.from_sections import fill_field, pick_label, shown
from service.engine.model import BoardNames, FieldFromSection, LabelFromSection
from tests.engine.support import default_rules, snap

NAMES = BoardNames(status_options=["Todo", "In Progress", "Done"])
STATUS = BoardField(
    id="f1",
    name="Status",
    data_type="SINGLE_SELECT",
    options=tuple(FieldOption(id=f"o{i}", name=n) for i, n in enumerate(NAMES.status_options)),
)
BOARD_FIELDS = (
    STATUS,
    BoardField(id="f2", name="Estimate", data_type="NUMBER"),
    BoardField(id="f3", name="Target date", data_type="DATE"),
    BoardField(id="f4", name="Points", data_type="NUMBER"),
    BoardField(id="f5", name="Notes", data_type="TEXT"),
    BoardField(id="f6", name="Sprint", data_type="ITERATION"),
)


def form(**answers: str) -> str:
    """A body as GitHub renders an issue form: `### Label`, a blank line, the answer."""
    return "".join(f"### {label}\n\n{answer}\n\n" for label, answer in answers.items())


def body_with(section: str, answer: str | None) -> str:
    return form(What=" a post") if answer is None else form(**{"What": "a post", section: answer})


@pytest.mark.parametrize(
    ("field", "answer", "have", "value", "problem"),
    [
        # dates: exactly YYYY-MM-DD
        ("Target date", "2026-12-01", {}, date(2026, 12, 1), None),
        ("Target date", "  2026-12-01  ", {}, date(2026, 12, 1), None),
        ("Target date", None, {}, None, None),  # no such section
        ("Target date", "_No response_", {}, None, None),  # left empty in the form
        ("Target date", "next Friday", {}, None, "`next Friday` is not a date written YYYY-MM-DD"),
        ("Target date", "2026-12-1", {}, None, "`2026-12-1` is not a date"),
        ("Target date", "20261201", {}, None, "`20261201` is not a date"),
        ("Target date", "2026-W48-1", {}, None, "`2026-W48-1` is not a date"),
        ("Target date", "2026-02-30", {}, None, "`2026-02-30` is not a date"),
        ("Target date", "２０２６-12-01", {}, None, "is not a date"),
        # a value on the board wins, even over an unreadable answer
        ("Target date", "2026-12-01", {"Target date": date(2027, 1, 5)}, None, None),
        ("Target date", "next Friday", {"target date": date(2027, 1, 5)}, None, None),
        # the estimate field reads durations; other number fields plain numbers
        ("Estimate", "2d", {}, 16.0, None),
        ("Estimate", "90m", {}, 1.5, None),
        ("Estimate", "soon", {}, None, "`soon` is not a duration such as 30m, 3h or 2d"),
        ("Estimate", "3h", {"Estimate": 5.0}, None, None),
        ("Points", "5", {}, 5.0, None),
        ("Points", "2.5", {}, 2.5, None),
        ("Points", "nan", {}, None, "`nan` is not a number"),
        ("Points", "1_000", {}, None, "is not a number"),
        ("Points", "five", {}, None, "`five` is not a number"),
        # single-select by option name, case-insensitive, in the board's spelling
        ("Status", "in progress", {}, "In Progress", None),
        ("Status", "Doing", {}, None, "`Doing` is not one of: Todo, In Progress, Done"),
        # text, on one line
        ("Notes", "first line\nsecond line", {}, "first line second line", None),
        ("Notes", "x" * 2000, {}, None, "is not text of at most 1024 characters"),
        # what boardwatch cannot fill, or the board lacks
        ("Sprint", "week 48", {}, None, "a `Sprint` field boardwatch can fill (it is iteration)"),
        ("Channel", "X", {}, None, "a board field `Channel`"),
    ],
)
def test_fill_field_reads_the_answer_by_the_fields_type(
    field: str, answer: str | None, have: dict, value: object, problem: str | None
) -> None:
    snapshot = snap(board=have, body=body_with(field, answer)).model_copy(
        update={"board_fields": BOARD_FIELDS}
    )
    fill = fill_field(FieldFromSection(field=field, section=field), snapshot, NAMES)
    assert fill.value == value
    if problem is None:
        assert fill.problem is None
    else:
        assert fill.problem is not None and problem in fill.problem.text
        assert fill.problem.fix  # says how to fix it


@pytest.mark.parametrize(
    ("field", "answer", "value"),
    [
        ("Target date", "2026-12-01", date(2026, 12, 1)),
        ("Estimate", "3h", 3.0),
        ("Status", "todo", "Todo"),
        ("Channel", "LinkedIn", "LinkedIn"),  # other fields are read as text
    ],
)
def test_without_the_boards_fields_the_ruleset_names_tell_the_type(
    field: str, answer: str, value: object
) -> None:
    snapshot = snap(board={}, body=body_with(field, answer))
    assert fill_field(FieldFromSection(field=field, section=field), snapshot, NAMES).value == value


@pytest.mark.parametrize(
    ("answer", "labels", "label", "problem"),
    [
        ("video", [], "type: video", None),
        ("Video", [], "type: video", None),  # the declared spelling
        ("type: video", [], "type: video", None),  # an option written as the whole label
        (None, [], None, None),
        ("_No response_", [], None, None),
        ("podcast", [], None, "`podcast` is not one of: blog, social, video, event, email, web"),
        # a type label a person chose wins over the form's answer
        ("video", ["type: blog"], None, None),
        ("podcast", ["Type: Blog"], None, None),
    ],
)
def test_pick_label_adds_a_declared_label_while_none_has_the_prefix(
    answer: str | None, labels: list[str], label: str | None, problem: str | None
) -> None:
    snapshot = snap(board={}, body=body_with("Type", answer), labels=tuple(labels))
    spec = LabelFromSection(section="Type", prefix="type: ")
    pick = pick_label(spec, snapshot, default_rules())
    assert pick.label == label
    assert (pick.problem is None) == (problem is None)
    if problem is not None:
        assert pick.problem is not None and problem in pick.problem.text


@given(st.text(max_size=300))
def test_a_quoted_answer_is_one_short_line_that_cannot_break_its_code_span(text: str) -> None:
    quoted = shown(text)
    assert "`" not in quoted and "\n" not in quoted and len(quoted) <= 40


RULES = """
version: 1
board: {status_options: [Todo, Done]}
labels: {"type: blog": {}, "type: video": {}}
rules:
  - name: form-target-date
    description: The form's Target date is on the board.
    when: {state: open, on_board: true, sections: [Target date]}
    require: {fields: {Target date: {empty: false}}}
    while_failing: {fill_field_from_section: {field: Target date, section: Target date}}
  - name: form-type
    description: The form's Type is a label.
    when: {state: open, sections: [Type]}
    require: {labels: {count_prefix: {prefix: "type: ", ge: 1}}}
    while_failing: {add_label_from_section: {section: Type, prefix: "type: "}}
"""


def test_the_rules_plan_the_answers_as_a_field_and_a_label() -> None:
    ruleset = load_text(RULES).unwrap()
    snapshot = snap(board={}, body=form(**{"Type": "video", "Target date": "2026-12-01"}))
    desired = evaluate(ruleset, snapshot)
    assert plan(snapshot, desired) == [
        SetField(field="Target date", value=date(2026, 12, 1)),
        AddLabels(labels=("type: video",)),
    ]
    assert desired.converged


def test_an_unreadable_answer_fails_the_rule_and_says_why() -> None:
    ruleset = load_text(RULES).unwrap()
    snapshot = snap(board={}, body=form(**{"Type": "podcast", "Target date": "next week"}))
    desired = evaluate(ruleset, snapshot)
    assert plan(snapshot, desired) == []
    for name, quoted in (("form-target-date", "`next week`"), ("form-type", "`podcast`")):
        result = desired.result(name)
        assert result is not None and result.failing
        assert any(quoted in m.text for m in result.missing)


def test_a_field_a_person_set_is_not_overwritten() -> None:
    ruleset = load_text(RULES).unwrap()
    snapshot = snap(
        board={"Target date": date(2027, 1, 8)},
        body=form(**{"Type": "blog", "Target date": "2026-12-01"}),
        labels=("type: video",),
    )
    desired = evaluate(ruleset, snapshot)
    assert plan(snapshot, desired) == []
    assert {r.name: r.status for r in desired.results} == {
        "form-target-date": "holds",
        "form-type": "holds",
    }


def test_an_issue_not_on_the_board_gets_the_field_once_it_is_added() -> None:
    ruleset = default_rules()
    snapshot = snap(body=form(**{"What is needed": "a video", "Target date": "2026-12-01"}))
    changes = plan(snapshot, evaluate(ruleset, snapshot))
    assert SetField(field="Target date", value=date(2026, 12, 1)) in changes


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            "fill_field_from_section: {field: Target date, section: '### Target date'}",
            "write the heading's text without the `#` marks: 'Target date'",
        ),
        ("fill_field_from_section: {field: ' ', section: Target date}", "must not be blank"),
        ("fill_field_from_section: {field: Target date}", "required, but missing"),
        (
            "add_label_from_section: {section: Kind, prefix: 'kind: '}",
            "no label in labels or owned_labels starts with 'kind: '",
        ),
    ],
)
def test_rules_check_names_a_bad_action_with_its_line(action: str, message: str) -> None:
    text = f"""version: 1
labels: {{"type: blog": {{}}}}
rules:
  - name: copy
    description: Copies an answer.
    require: {{}}
    once_holding:
      {action}
"""
    result = load_text(text, "rules.yml")
    assert not result.ok
    [error] = result.errors
    assert error.line in (7, 8) and message in error.message, str(error)
    assert error.path.startswith("rules[0].once_holding")


def test_a_rule_that_holds_once_the_form_type_is_added_posts_no_resolved_comment() -> None:
    # tracked-task fails before form-type adds the label, holds after: the plan must neither
    # post its failing comment nor "resolve" one it never posted.
    snapshot = snap(
        board={"Status": "Todo", "Estimate": 3.0},
        assignees=("ann",),
        body=form(Type="video"),
    )
    desired = evaluate(default_rules(), snapshot)
    assert desired.converged
    assert plan(snapshot, desired) == [AddLabels(labels=("type: video",))]


@given(
    field=st.sampled_from(["Target date", "Estimate", "Points", "Status", "Notes", "Sprint"]),
    answer=st.text(max_size=2000),
)
def test_any_answer_gives_a_value_or_a_problem_never_an_error(field: str, answer: str) -> None:
    snapshot = snap(board={}, body=f"### {field}\n\n{answer}\n\n### Next\n\nx").model_copy(
        update={"board_fields": BOARD_FIELDS}
    )
    fill = fill_field(FieldFromSection(field=field, section=field), snapshot, NAMES)
    assert fill.value is None or fill.problem is None
    if fill.problem is not None:
        assert len(fill.problem.text) < 300  # the quoted answer is cut short
