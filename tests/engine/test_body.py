import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engine import body

FORM = """### Copy

Hello world

### Channels

_No response_

### Publish date
2026-12-01

```
### Link
not a heading: inside code
```
"""


@pytest.mark.parametrize(
    ("text", "name", "filled"),
    [
        (FORM, "Copy", True),
        (FORM, "copy", True),  # case-insensitive
        (FORM, "Channels", False),  # issue forms write _No response_ for empty fields
        (FORM, "Publish date", True),
        (FORM, "Link", False),  # headings inside code blocks do not count
        ("# Link\nhttps://x", "Link", True),
        ("###### Link ###\nhttps://x", "Link", True),
        ("## Link\n\n## Next\ntext", "Link", False),  # heading with nothing under it
        ("## Plan\n### Detail\ntext", "Plan", True),  # sub-sections belong to the section
        ("####### Link\nx", "Link", False),  # seven hashes is not a heading
        ("", "Copy", False),
    ],
)
def test_section_filled(text: str, name: str, filled: bool) -> None:
    assert body.section_filled(text, name) is filled


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("Blocked by: legal review", "Blocked by", "legal review"),
        ("**Blocked by:** legal", "blocked by", "legal"),
        ("- Blocked by: vendor", "Blocked by", "vendor"),
        ("Blocked by:", "Blocked by", None),  # a key without a value says nothing
        ("```\nBlocked by: x\n```", "Blocked by", None),
        ("Not blocked", "Blocked by", None),
    ],
)
def test_line_value(text: str, key: str, value: str | None) -> None:
    assert body.line_value(text, key) == value


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("- [ ] a\n- [x] b\n* [X] c\n1. [ ] d", (2, 2)),
        ("no tasks", (0, 0)),
        ("```\n- [ ] in code\n```", (0, 0)),
    ],
)
def test_tasks(text: str, counts: tuple[int, int]) -> None:
    assert body.tasks(text) == counts


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Estimate: 3h", 3.0),
        ("estimate: 30m", 0.5),
        ("Estimate: 2d", 16.0),
        ("Estimate: 4", 4.0),
        ("### Estimate\n\n1.5h\n", 1.5),
        ("### Estimate\n\n_No response_", None),
        ("Estimate: soon", None),
        ("", None),
    ],
)
def test_body_estimate(text: str, hours: float | None) -> None:
    assert body.body_estimate(text) == hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("### Copy\nHello\n### Next\n", {"copy": "Hello", "next": ""}),
        ("### Copy\r\nHello\r\n### Next\r\n", {"copy": "Hello", "next": ""}),  # CRLF
        ("# A\n## B\nb\n# C\nc", {"a": "## B\nb", "b": "b", "c": "c"}),
        ("### Copy\nfirst\n### copy\nsecond", {"copy": "first"}),  # the first one counts
        ("### C#\nx", {"c#": "x"}),  # a `#` without a space before it is part of the title
        ("### Copy ###\nx", {"copy": "x"}),
        ("### **Copy**\nx", {"**copy**": "x"}),  # the title as written
        ("<pre>\n### Link\n\nx\n</pre>\n### Copy\ntext", {"copy": "text"}),  # <pre> to </pre>
        ("<!--\n### Link\nx\n-->", {}),
        ("~~~\n### Link\n~~~", {}),
        ("````\n```\n### Link\n````", {}),  # a shorter fence does not close a longer one
        ("```\n### Link", {}),  # an unclosed fence runs to the end
        ("    ### Link\n    x", {}),  # indented code
        ("> ### Link\n> x", {}),  # a quote of someone else's text
        ("- ### Link\n  x", {}),  # a heading inside a list item makes no section
        ("Link\n====\nx", {}),  # underlined headings make no section: `---` often is a rule
        ("### Copy\nSome text\n---\nmore", {"copy": "Some text\n---\nmore"}),
        ("### Copy\n<details>\nhi\n</details>", {"copy": "<details>\nhi\n</details>"}),
        ("#" * 7 + " x", {}),
        ("# a" + " " * 4000 + "b\ntext", {"a" + " " * 4000 + "b": "text"}),  # issue 12's body
    ],
)
def test_sections(text: str, expected: dict[str, str]) -> None:
    assert body.sections(text) == expected


def test_sections_come_in_the_order_of_their_headings() -> None:
    assert list(body.sections("# A\n## B\n### C\n## D\n# E")) == ["a", "b", "c", "d", "e"]


def test_sections_are_a_copy_the_cache_keeps_its_own() -> None:
    text = "### Copy\nHello"
    body.sections(text)["copy"] = "changed"
    assert body.sections(text) == {"copy": "Hello"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("intro\nBlocked by: x", "x"),  # any line of a paragraph
        ("* **Blocked by**: x", "x"),
        ("+ Blocked by: x", "x"),
        ("Blocked by : x", "x"),
        ("Blocked by: x\n---", "x"),  # a paragraph underlined is still text
        ("- item\n  Blocked by: x", "x"),  # a list item's continuation line
        ("Blocked byx: y", None),
        ("# Blocked by: x", None),
        ("> Blocked by: x", None),  # quoted from someone else
        ("<pre>\nBlocked by: x\n</pre>", None),
        ("<details>\nBlocked by: x\n</details>", "x"),  # GitHub shows it as text
        ("<div><!--\nBlocked by: x\n--></div>", None),
        ("    Blocked by: x", None),  # indented code
        ("~~~\nBlocked by: x\n~~~", None),
        ("<!-- Blocked by: x -->", None),
        ("a <!-- hint\nBlocked by: x\n-->", None),  # a comment inside a paragraph
        ("Blocked by: first\nBlocked by: second", "first"),
    ],
)
def test_line_value_reads_prose_only(text: str, value: str | None) -> None:
    assert body.line_value(text, "Blocked by") == value


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("- [ ] a\n  - [x] b\n    - [ ] c", (1, 2)),  # nested lists count
        ("1) [x] a", (1, 0)),
        ("- [ ]", (0, 1)),
        ("- [ ]a", (0, 0)),  # the box needs a space after it
        ("- [] a", (0, 0)),
        ("> - [ ] a", (0, 0)),  # a quote of someone else's list
        ("- > [ ] a", (0, 0)),
        ("<pre>\n- [ ] a\n</pre>", (0, 0)),
        ("    - [ ] a", (0, 0)),
        ("[ ] not in a list", (0, 0)),
    ],
)
def test_tasks_in_lists_outside_code_and_quotes(text: str, counts: tuple[int, int]) -> None:
    assert body.tasks(text) == counts


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Estimate: 0", None),  # zero is no estimate
        ("Estimate: 1001h", None),  # more than an estimate can be
        ("Estimate: " + "9" * 400, None),
        ("### Estimate\n\n" + "8" + "0" * 300, None),
        ("### Estimate\n\n125d", 1000.0),
    ],
)
def test_body_estimate_is_within_range(text: str, hours: float | None) -> None:
    assert body.body_estimate(text) == hours


def test_text_past_githubs_limit_is_not_read() -> None:
    filler = "x" * (body.MAX_TEXT - 1) + "\n"
    assert body.read(filler + "### Copy\nHello\n- [ ] a\nKey: v") == body.read(filler)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_lines_past_the_lines_read_are_not_read(newline: str) -> None:
    text = newline.join(["### Copy", *["- [ ] a"] * (body.MAX_LINES - 2), "Key: v", "- [x] b"])
    assert body.tasks(text) == (0, body.MAX_LINES - 2)
    assert body.line_value(text, "Key") == "v"
    assert body.sections(text)["copy"].endswith("Key: v")


# -- adversarial text: the readers return, and what they return makes sense ---------------

# Pieces people (or attackers) repeat: runs of them make the worst cases of a parser.
PIECES = [
    " ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "# ",
    "`",
    "```",
    "~~~",
    ">",
    "> ",
    "[",
    "]",
    "(",
    "-",
    "- ",
    "* ",
    "1. ",
    "  ",
    "    ",
    "[ ] ",
    "[x] ",
    "<pre>",
    "</pre>",
    "<!--",
    "-->",
    "<div>",
    "*",
    "_",
    "\\",
    "|",
    "a",
    "é",
    "Estimate: 3h",
    "/estimate 3h",
    "\x00",
]
RUNS = st.lists(
    st.tuples(st.sampled_from(PIECES), st.integers(1, 2 * body.MAX_TEXT)),
    min_size=1,
    max_size=6,
)
LISTS = st.integers(1, 400).map(lambda depth: "".join("  " * i + "- x\n" for i in range(depth)))


def _text(runs: list[tuple[str, int]]) -> str:
    # Each run at most as long as GitHub's limit; the whole a bit over it, to cut too.
    return "".join((piece * count)[: body.MAX_TEXT] for piece, count in runs)


def _sane(text: str) -> None:
    read = text[: body.MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n")
    for title, section in body.sections(text).items():
        assert title == title.casefold()
        assert section in read
    done, still_open = body.tasks(text)
    assert min(done, still_open) >= 0
    assert done + still_open <= read.count("[")
    value = body.line_value(text, "Estimate")
    assert value is None or (value and value in read)
    hours = body.body_estimate(text)
    assert hours is None or 0 < hours <= 1000
    prose = body.read(text).prose
    assert len(prose) <= read.count("\n") + 1
    assert all(line in read for line in prose)


ADVERSARIAL = settings(
    max_examples=60,
    deadline=None,  # speed is the benchmark's business (bench/readers.py), not a test's
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@ADVERSARIAL
@given(RUNS)
def test_adversarial_runs_are_read(runs: list[tuple[str, int]]) -> None:
    _sane(_text(runs))


@ADVERSARIAL
@given(LISTS, RUNS)
def test_nested_lists_with_runs_are_read(lists: str, runs: list[tuple[str, int]]) -> None:
    _sane(lists + _text(runs))


@pytest.mark.parametrize(
    "text",
    [
        "# a" + " " * 65_533 + "b",
        " " * 65_536,
        "#" * 65_536,
        "`" * 65_536,
        ">" * 65_536,
        "[" * 65_536,
        "> " * 32_768,
        "- " * 32_768,
        "#\n" * 32_768,
        "<pre>" * 13_107,
    ],
)
def test_worst_cases_of_issue_12_are_read(text: str) -> None:
    _sane(text)
