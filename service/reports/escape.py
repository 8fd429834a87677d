"""Text people typed (titles, reasons, names), made safe to print in a report's Markdown.

GitHub turns `@login` into a notification, `#12` and `owner/repo#12` into links, bare
addresses into links, and reads `|` as a table cell, backticks as code, `<...>` as HTML,
`[x](y)` as a link and `*`/`_`/`~` as emphasis. `inline` makes such text print as it was
typed, on one line, and notify nobody: Markdown's own characters get a backslash, and a
zero-width space (`&#8203;`, as Dependabot writes release notes) follows the characters GitHub
links or mentions by, which it matches only when the next character is a letter or a digit.
"""

from __future__ import annotations

# Longest text printed; titles are at most 256 characters on GitHub, reasons may be longer.
MAX_CHARS = 300
ZERO_WIDTH = "&#8203;"
# Markdown's inline syntax (CommonMark lets any ASCII punctuation be backslash-escaped).
_ESCAPED = frozenset("\\`*_[]<>|~&!")
_LINE_BREAKS = frozenset("\r\n\t\v\f\x85\u2028\u2029")


def _links_after(text: str, at: int) -> bool:
    """GitHub would mention or link from the character at `at` on: `@login`, `#12`,
    `http://`, `www.`, `GH-12`."""
    char = text[at]
    if char in "@#":
        return True
    if char == ":":
        return text.startswith("//", at + 1)
    if char == ".":
        return text[max(0, at - 3) : at].casefold() == "www"
    if char == "-":
        return text[max(0, at - 2) : at].casefold() == "gh"
    return False


def inline(text: object) -> str:
    """`text` as plain words in Markdown: one line, no mention, link, code, HTML or markup."""
    value = str(text)
    cut = len(value) > MAX_CHARS
    # Line breaks become spaces; invisible characters (zero-width, direction marks) go.
    clean = "".join(
        " " if c in _LINE_BREAKS else c
        for c in value[:MAX_CHARS]
        if c.isprintable() or c in _LINE_BREAKS
    )
    out: list[str] = []
    for at, char in enumerate(clean):
        if char in _ESCAPED:
            out.append("\\" + char)
        elif _links_after(clean, at):
            out.append(ZERO_WIDTH + char if char in ".-" else char + ZERO_WIDTH)
        else:
            out.append(char)
    return "".join(out) + ("…" if cut else "")


def chart_label(text: object) -> str:
    """`text` as a label inside a mermaid chart's double quotes (in a code block)."""
    kept = "".join(c if c.isprintable() else " " for c in str(text)[:MAX_CHARS])
    return " ".join("".join(c for c in kept if c not in '"`\\#;').split())
