"""Text people typed, printed in a report: it reads as typed and can neither mention, link,
nor break the layout (checked by parsing the Markdown as GitHub's parser would)."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from service.reports.escape import MAX_CHARS, chart_label, inline

GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def links_on_github(text: str) -> bool:
    """What GitHub links or mentions in a text node: @login, #12, GH-12, http://, www."""
    folded = text.casefold()
    for at, char in enumerate(folded):
        following = folded[at + 1 : at + 2]
        if char in "@#" and following.isalnum():
            return True
        if folded.startswith(("://", "www.", "gh-"), at) and at + 3 < len(folded):
            return True
    return False


def shown(markdown: str) -> tuple[list[str], str]:
    """The inline token types of a one-paragraph text, and the text a reader sees."""
    tokens = GFM.parse(markdown)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    children = tokens[1].children or []
    return [c.type for c in children], "".join(c.content for c in children)


@pytest.mark.parametrize(
    ("title", "seen"),
    [
        ("Newsletter #12", "Newsletter #\u200b12"),
        ("Ping @alice and @org/team", "Ping @\u200balice and @\u200borg/team"),
        ("see acme/site#3 and GH-7", "see acme/site#\u200b3 and GH\u200b-7"),
        ("a | b", "a | b"),
        ("two\nlines\r\nhere", "two lines  here"),
        ("`code` and ```fence```", "`code` and ```fence```"),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("[click](https://evil.example)", "[click](https:\u200b//evil.example)"),
        ("visit www.evil.example", "visit www\u200b.evil.example"),
        ("**bold** _em_ ~~gone~~", "**bold** _em_ ~~gone~~"),
        ("&amp; &#64;bob", "&amp; &#\u200b64;bob"),
        ("![x](y)", "![x](y)"),
        ("right\u202eto left\u200b", "rightto left"),
        ("Blog: autumn recap", "Blog: autumn recap"),
    ],
)
def test_a_title_reads_as_typed_and_does_nothing_else(title: str, seen: str) -> None:
    types, text = shown(inline(title))
    assert set(types) <= {"text"}
    assert text == seen
    assert not links_on_github(text)


def test_in_a_table_cell_a_title_stays_in_its_cell() -> None:
    table = f"| title | n |\n| --- | --- |\n| {inline('a | b | c')} | 1 |\n"
    cells = [t for t in GFM.parse(table) if t.type == "td_open"]
    assert len(cells) == 2


def test_a_long_text_is_cut() -> None:
    assert inline("x" * 10_000) == "x" * MAX_CHARS + "…"


@pytest.mark.parametrize(
    ("status", "label"),
    [("In Progress", "In Progress"), ('Say "hi"', "Say hi"), ("a\n```\nb#1;", "a b1")],
)
def test_chart_labels_cannot_leave_their_quotes_or_the_code_block(status, label) -> None:
    assert chart_label(status) == label
