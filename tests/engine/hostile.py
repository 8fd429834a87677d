"""Hostile and careless rule files, each with the readable error it must give.

Each is a whole file a repository could push as `.github/boardwatch.yml`; the loader tests
read them alone and the end-to-end test pushes them to a tracker.
"""

from __future__ import annotations

from dataclasses import dataclass

RULE = "version: 1\nrules:\n  - name: hostile\n    description: x\n    require: {}\n"


def _comment(body: str) -> str:
    return RULE + f"    comment:\n      body: {body}\n"


def _alias_bomb() -> str:
    """About 500 bytes that a loader expanding aliases turns into 8^10 (10^9) strings."""
    lines = ["version: 1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 10):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 8) + "]")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Hostile:
    name: str
    text: str
    # The error, after the file name: `:line:column: field: message` (a prefix of it).
    error: str


HOSTILE = [
    Hostile(
        "alias bomb",
        _alias_bomb(),
        ":2:5: YAML anchors and aliases (`&name`, `*name`) are not allowed in rule files",
    ),
    Hostile(
        "a thousand [",
        "version: 1\nrules: " + "[" * 1000 + "\n",
        ":2:27: nested more than 20 levels deep; flatten it",
    ),
    Hostile(
        "deeply nested mappings",
        "version: 1\nrules:\n"
        + "".join("  " * (depth + 1) + f"k{depth}:\n" for depth in range(40)),
        ":22:41: nested more than 20 levels deep; flatten it",
    ),
    Hostile(
        "duplicate key",
        "version: 1\nrules: []\ndisable: []\nrules: []\n",
        ":4:1: duplicate key `rules` (first on line 2); keep one of them",
    ),
    Hostile(
        "oversized file",
        "version: 1\n" + "# padding\n" * 7000,
        ": the file is 70,011 bytes; a rule file may have at most 65,536 bytes",
    ),
    Hostile(
        "unknown template variable",
        _comment('"Hello {{ issue.titel }}"'),
        ":7:7: rules[0].comment.body: template error on its line 1: "
        "`issue` has no `titel`; it has: assignees, author,",
    ),
    Hostile(
        "blocked attribute",
        _comment("\"{{ ''.__class__ }}\""),
        ":7:7: rules[0].comment.body: template error on its line 1: "
        "`__class__` is blocked: templates cannot reach private attributes",
    ),
    Hostile(
        "endless loop",
        _comment(
            '"{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"'
        ),
        ":7:7: rules[0].comment.body: template error on its line 1: "
        "the template did more than 100,000 steps (loops, calls, filters); simplify it",
    ),
    Hostile(
        "huge value",
        _comment("\"{{ 'x' * 300000000 }}\""),
        ":7:7: rules[0].comment.body: template error on its line 1: "
        "a repetition with `*` would be larger than 100,000 characters",
    ),
    Hostile(
        "huge output",
        _comment('"{% for i in range(90000) %}xx{% endfor %}"'),
        ":7:7: rules[0].comment.body: template error: "
        "the comment would be longer than 60,000 characters",
    ),
    Hostile(
        "tab",
        "version: 1\nrules:\n\t- name: a\n",
        ":3:1: invalid YAML: a tab character; YAML indents with spaces only",
    ),
    Hostile(
        "unquoted colon",
        "version: 1\nrules:\n  - name: a\n    description: Note: read me\n    require: {}\n",
        ":4:22: invalid YAML: a `: ` where YAML does not expect one; if the value contains",
    ),
    Hostile(
        "bad indentation",
        "version: 1\nboard:\n    status_field: Status\n  estimate_field: Estimate\n",
        ":4:3: invalid YAML: bad indentation: this line does not line up",
    ),
]
