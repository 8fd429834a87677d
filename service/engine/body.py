"""Read what people wrote in an issue body or comment: sections, `Key: value` lines, task
lists, an estimate, and the lines that may hold slash commands.

A CommonMark parser (markdown-it-py) decides what is prose and what is code, a quote or
HTML, in time linear in the text; the questions below are then answered from its block
tokens with plain string methods, so nothing here can backtrack. A text is parsed once
(`read`, cached) however many questions an evaluation asks about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from markdown_it import MarkdownIt
from markdown_it.token import Token

from service.durations import parse_hours

# GitHub refuses issue bodies and comments longer than 65,536 characters; whatever is
# beyond that (a payload can be edited, or come from elsewhere) is not read.
MAX_TEXT = 65_536
# The parser spends 10-25 µs on a line that starts a block (a list item, a heading), so
# 65,536 characters of `- a` lines cost 0.4 s; the first 1,000 lines (far more than any
# issue form writes) cost under 50 ms even on a busy machine. Lines after them are not read.
MAX_LINES = 1_000

# Only the block structure matters here, so inline parsing (emphasis, links, code spans),
# the part of Markdown with the most pathological inputs, is switched off, and so are
# underlined headings (their text stays prose) and link reference definitions (prose too),
# which cost time and change no answer below. The CommonMark preset bounds nesting
# (quotes in lists in quotes...) at 20 levels: deeper is not read.
_MARKDOWN = MarkdownIt("commonmark").disable(["inline", "lheading", "reference"])

# What GitHub writes into an issue-form section the author left empty.
_NO_RESPONSE = "_no response_"
_COMMENT_OPEN, _COMMENT_CLOSE = "<!--", "-->"
_BULLETS = ("- ", "* ", "+ ", "-\t", "*\t", "+\t")
# HTML blocks that hold no text to read: CommonMark's kinds 1 to 5 (`<pre>`, `<script>`,
# `<style>`, `<textarea>`, comments, processing instructions, declarations, CDATA).
_OPAQUE_HTML = ("<pre", "<script", "<style", "<textarea", "<!", "<?")


@dataclass(frozen=True)
class Body:
    """What a Markdown text says, read once."""

    # Heading (`## Title`, case-folded) -> the text up to the next heading of the same or
    # a higher level. Only top-level `#` headings make sections, as issue forms write
    # them; a line of text over `---` is a heading in Markdown but no section here.
    sections: Mapping[str, str]
    # Source lines of paragraphs, wherever they are (a quote's lines keep their `>`), and
    # the text lines of HTML blocks such as `<details>`, without lines inside an HTML
    # comment: where `Key: value` lines and commands live.
    # A line underlined with `===` or `---` is a heading in Markdown, but prose here.
    prose: tuple[str, ...]
    tasks_done: int
    tasks_open: int


def read(text: str | None) -> Body:
    """The parse of `text`: its first MAX_TEXT characters, of those the first MAX_LINES lines."""
    return _read((text or "")[:MAX_TEXT])


@lru_cache(maxsize=32)
def _read(text: str) -> Body:
    # markdown-it counts lines after turning \r\n and \r into \n; so must the slicing here.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", MAX_LINES)[:MAX_LINES]
    tokens = _MARKDOWN.parse("\n".join(lines))
    done, still_open = _tasks(tokens)
    return Body(
        sections=MappingProxyType(_sections(tokens, lines)),
        prose=tuple(_prose(tokens, lines)),
        tasks_done=done,
        tasks_open=still_open,
    )


def _sections(tokens: Sequence[Token], lines: list[str]) -> dict[str, str]:
    # Headings still open, outermost first: (level, title, first line of its text, whether
    # it is the first heading of that title: a later one never replaces it).
    open_: list[tuple[int, str, int, bool]] = []
    found: dict[str, str] = {}  # in the order of the headings

    def close(level: int, end: int) -> None:
        while open_ and open_[-1][0] >= level:
            _, title, start, first = open_.pop()
            if first:
                found[title] = "\n".join(lines[start:end]).strip()

    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0:
            continue
        assert token.map is not None  # block tokens always carry their lines
        level = len(token.markup)
        close(level, token.map[0])
        title = tokens[index + 1].content.strip().casefold()
        first = title not in found
        found.setdefault(title, "")
        open_.append((level, title, token.map[1], first))
    close(0, len(lines))
    return found


def _prose(tokens: Sequence[Token], lines: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token.type == "paragraph_open":
            assert token.map is not None
            out += _uncommented(lines[token.map[0] : token.map[1]], skip_tags=False)
        elif token.type == "html_block" and not _opaque(token.content):
            # `<img src=...>` or `<details>` starts an HTML block that runs to the next blank
            # line; GitHub shows the lines of text in it as text (a command under a pasted
            # image is still a command), so those lines are prose. The tags are not.
            assert token.map is not None
            out += _uncommented(lines[token.map[0] : token.map[1]], skip_tags=True)
    return out


def _opaque(html: str) -> bool:
    """An HTML block whose lines are not text: `<pre>`, scripts, styles, comments..."""
    return html.lstrip().lower().startswith(_OPAQUE_HTML)


def _uncommented(block: list[str], skip_tags: bool) -> list[str]:
    out: list[str] = []
    in_comment = False
    for line in block:
        # An HTML comment that starts inside a block hides the lines up to its end (issue
        # templates put hints there, `<!-- write /estimate 3h -->`).
        if in_comment:
            in_comment = _COMMENT_CLOSE not in line
            continue
        if not (skip_tags and line.lstrip().startswith("<")):
            out.append(line)
        opened = line.rfind(_COMMENT_OPEN)
        in_comment = opened >= 0 and line.find(_COMMENT_CLOSE, opened) < 0
    return out


def _tasks(tokens: Sequence[Token]) -> tuple[int, int]:
    done = still_open = quoted = 0
    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "list_item_open" and not quoted:
            # `- [ ] text`: the item's first block is a paragraph starting with the box.
            if index + 2 >= len(tokens) or tokens[index + 1].type != "paragraph_open":
                continue
            content = tokens[index + 2].content
            if content[3:4] not in ("", " ", "\t", "\n"):
                continue
            if content.startswith("[ ]"):
                still_open += 1
            elif content.startswith(("[x]", "[X]")):
                done += 1
    return done, still_open


def sections(body: str) -> dict[str, str]:
    """Heading (case-folded) -> its text, up to the next heading of the same or a higher level."""
    return dict(read(body).sections)


def section_filled(body: str, name: str) -> bool:
    """The section exists and has text other than issue forms' `_No response_`."""
    text = read(body).sections.get(name.strip().casefold(), "")
    return bool(text) and text.casefold() != _NO_RESPONSE


def _value(line: str, key: str) -> str | None:
    """The value of `line` if it is `key: value` (a bullet and `**bold**` allowed)."""
    rest = line.strip()
    if rest.startswith(_BULLETS):
        rest = rest[2:].lstrip()
    rest = rest.lstrip("*")
    if rest[: len(key)].casefold() != key.casefold():
        return None
    rest = rest[len(key) :].lstrip("*").lstrip()
    if not rest.startswith(":"):
        return None
    return rest[1:].lstrip("*").strip() or None


def line_value(body: str, key: str) -> str | None:
    """The value of a `Key: value` line (case-insensitive key, `**Key:**` allowed), or None.

    Lines in code, quotes and HTML are not read.
    """
    wanted = key.strip()
    if not wanted:
        return None
    for line in read(body).prose:
        if (value := _value(line, wanted)) is not None:
            return value
    return None


def tasks(body: str) -> tuple[int, int]:
    """(done, open) counts of task-list items outside code blocks and quotes."""
    parsed = read(body)
    return parsed.tasks_done, parsed.tasks_open


def body_estimate(body: str, key: str = "Estimate") -> float | None:
    """Hours from an `Estimate: 3h` line, else from an issue-form `### Estimate` section."""
    value = line_value(body, key)
    if value is not None and (hours := parse_hours(value)) is not None:
        return hours
    text = read(body).sections.get(key.strip().casefold(), "")
    first = text.strip().split("\n", 1)[0] if text.strip() else ""
    return parse_hours(first) if first else None
