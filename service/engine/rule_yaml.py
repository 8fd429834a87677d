"""Read one rule file's YAML (1.2) with bounded work; every problem is a `YamlProblem`.

    read = read_yaml(text)
    if read.problems: ...            # each with a 1-based line and column, in a person's words
    read.node, read.data             # the composed node tree (for locating errors) and the data

Rule files come from anyone who can push to a tracker, so before anything is built from
them: the size is capped, anchors and aliases are refused (a few hundred bytes of nested
aliases expand to gigabytes), nesting is bounded (a thousand `[` would exhaust the stack of
the recursive composer), and duplicate keys are reported instead of the last one silently
winning. A first pass over the parser's events (a state machine, no recursion) checks
anchors and depth before the tree is composed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# A rule file larger than this is refused unread; the shipped rules are about 6 KiB.
MAX_RULES_BYTES = 64 * 1024
# Mappings and lists nested deeper than this are refused; the shipped rules reach 7.
MAX_DEPTH = 20


@dataclass(frozen=True)
class YamlProblem:
    line: int | None
    column: int | None
    message: str


@dataclass(frozen=True)
class YamlRead:
    node: Node | None = None
    data: Any = None
    problems: tuple[YamlProblem, ...] = ()


# Parser messages, most specific first, and what they usually mean for a person editing a file.
_CAUSES: tuple[tuple[str, str], ...] = (
    (
        "'\\t'",
        "a tab character; YAML indents with spaces only: replace the tab with spaces",
    ),
    (
        "mapping values are not allowed here",
        "a `: ` where YAML does not expect one; if the value contains `: `, put it in quotes "
        '(e.g. `description: "Note: read me"`), otherwise check the indentation of this line',
    ),
    (
        "could not find expected ':'",
        "a line that is neither `key: value` nor `- item`; check that every key ends with `:` "
        "and that a long value is quoted or continues with deeper indentation",
    ),
    (
        "expected <block end>",
        "bad indentation: this line does not line up with the keys or `- ` items above it",
    ),
    (
        "did not find expected key",
        "bad indentation: keys of one mapping must start in the same column",
    ),
    (
        "did not find expected '-' indicator",
        "bad indentation: the `- ` items of one list must start in the same column",
    ),
    (
        "found unexpected end of stream",
        "a quote that is never closed: a value that starts with `\"` or `'` must end with it",
    ),
    ("expected ',' or ']'", "a `[` list that is never closed with `]`"),
    ("expected ',' or '}'", "a `{` mapping that is never closed with `}`"),
    (
        "that cannot start any token",
        "a value that starts with a character YAML reserves (`@`, `` ` ``, `%`, `|`, `>`); "
        "put the value in quotes",
    ),
    (
        "could not determine a constructor for the tag",
        "a `!tag`, which rule files do not use; remove it or put the value in quotes",
    ),
    (
        "but found another document",
        "a second document (`---`); a rule file holds one",
    ),
)


def _mark(mark: Any) -> tuple[int | None, int | None]:
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


def _syntax_problem(exc: MarkedYAMLError) -> YamlProblem:
    line, column = _mark(exc.problem_mark or exc.context_mark)
    raw = str(exc.problem or exc.context or "cannot parse")
    cause = next((words for pattern, words in _CAUSES if pattern in raw), None)
    message = f"invalid YAML: {cause or raw}"
    began, _ = _mark(exc.context_mark)
    opened = exc.context is not None and ("flow" in exc.context or "quoted" in exc.context)
    if opened and began is not None and began != line:
        # An unclosed `[` or quote: where it began is where the fix usually goes.
        message += f" (it began on line {began})"
    return YamlProblem(line, column, message)


def _screen(yaml: YAML, text: str) -> YamlProblem | None:
    """Refuse anchors, aliases and deep nesting from the event stream, before composing."""
    depth = 0
    for event in yaml.parse(text):
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            line, column = _mark(event.start_mark)
            return YamlProblem(
                line,
                column,
                "YAML anchors and aliases (`&name`, `*name`) are not allowed in rule files; "
                "write the value out in full",
            )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line, column = _mark(event.start_mark)
                return YamlProblem(
                    line, column, f"nested more than {MAX_DEPTH} levels deep; flatten it"
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
    return None


def _key_problems(node: Node) -> list[YamlProblem]:
    """Duplicate and non-text keys, anywhere in the tree (depth is bounded already)."""
    problems = []
    if isinstance(node, MappingNode):
        seen: dict[str, int | None] = {}
        for key, value in node.value:
            line, column = _mark(key.start_mark)
            if not isinstance(key, ScalarNode):
                problems.append(YamlProblem(line, column, "a key must be plain text"))
            elif key.value in seen:
                first = seen[key.value]
                problems.append(
                    YamlProblem(
                        line,
                        column,
                        f"duplicate key `{_clip(key.value)}` (first on line {first}); "
                        "keep one of them",
                    )
                )
            else:
                seen[key.value] = line
            problems += _key_problems(value)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            problems += _key_problems(item)
    return problems


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_yaml(text: str) -> YamlRead:
    """The YAML 1.2 node tree and data of `text`, or the problems that stop reading it."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_RULES_BYTES:
        return YamlRead(
            problems=(
                YamlProblem(
                    None,
                    None,
                    f"the file is {size:,} bytes; a rule file may have at most "
                    f"{MAX_RULES_BYTES:,} bytes",
                ),
            )
        )
    try:
        problem = _screen(YAML(typ="safe", pure=True), text)
        if problem is not None:
            return YamlRead(problems=(problem,))
        yaml = YAML(typ="safe", pure=True)
        node = yaml.compose(text)
        if node is None:
            return YamlRead()
        problems = _key_problems(node)
        if problems:
            return YamlRead(node=node, problems=tuple(problems))
        data = yaml.constructor.construct_document(node)
    except MarkedYAMLError as exc:
        return YamlRead(problems=(_syntax_problem(exc),))
    except (YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # The constructor raises plain errors for values such as the date 2024-13-45.
        return YamlRead(problems=(YamlProblem(None, None, f"invalid YAML: {_clip(str(exc))}"),))
    return YamlRead(node=node, data=data)
