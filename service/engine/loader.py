"""Read rule files; every problem comes back as a `RuleError` with file, line, column and field.

    result = load_rules("rules")                 # a folder of *.yml, or one file
    if not result.ok: print(*result.errors, sep="\\n")
    ruleset = result.ruleset
    repo = load_override(ruleset, text, ".github/boardwatch.yml")   # a repository's overrides

A folder's files are merged in name order (rule names must be unique across them). A
repository's file overrides the defaults: a rule with the same name replaces the default
one, other rules are added after the defaults, `disable: [names]` switches defaults off,
and `board`, `owned_labels` and `labels` entries it gives replace the defaults' entries.

YAML is read by `rule_yaml` (YAML 1.2, bounded: size, anchors, depth, duplicate keys). Line
numbers come from the nodes it composes: a pydantic error's location
(`rules[2].require.labels`) is walked down the node tree to the key it names. Templates are
tried on a sample issue, and every label a rule adds must be owned or declared.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from service.engine.evaluate import template_error
from service.engine.model import (
    Actions,
    BoardSchedules,
    Condition,
    Rule,
    RuleFile,
    Ruleset,
    Target,
)
from service.engine.rule_yaml import read_yaml

Loc = tuple[int | str, ...]

# The file name a repository's own rules live under.
REPO_RULES_PATH = ".github/boardwatch.yml"
# Errors as text (stored, logged, shown) are cut to this many characters.
MAX_ERROR_CHARS = 2_000


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule file, rendered as `file:line:col: field: message`."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def render_errors(errors: Iterable[RuleError], limit: int = MAX_ERROR_CHARS) -> str:
    """The errors one per line, cut to `limit` characters with a count of what was left out."""
    lines = [str(e) for e in errors]
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) > limit:
            rest = len(lines) - index
            out.append(f"… and {rest} more error{'s' if rest != 1 else ''}")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


class RulesError(Exception):
    """Raised where invalid rules must stop the program (e.g. at start-up)."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = errors
        super().__init__("invalid rules:\n" + render_errors(errors, 20 * MAX_ERROR_CHARS))


@dataclass(frozen=True)
class LoadResult:
    ruleset: Ruleset | None
    errors: tuple[RuleError, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.ruleset is not None and not self.errors

    def unwrap(self) -> Ruleset:
        if not self.ok or self.ruleset is None:
            raise RulesError(list(self.errors))
        return self.ruleset


@dataclass
class _Parsed:
    """One validated file with the YAML nodes its errors are located in."""

    source: str
    node: Node | None
    data: RuleFile


@dataclass
class _Where:
    """Which file (and which rule in it) a merged rule came from, for later errors."""

    parsed: _Parsed
    index: int


@dataclass
class _Merged:
    ruleset: Ruleset
    origins: dict[str, _Where] = field(default_factory=dict)


# -- locating errors in the YAML --------------------------------------------------------------


def locate(node: Node | None, loc: Loc) -> tuple[int | None, int | None, Loc]:
    """1-based line and column of the deepest node `loc` reaches, and the part it reached."""
    if node is None:
        return None, None, ()
    mark = node.start_mark
    reached: list[int | str] = []
    for part in loc:
        if isinstance(node, MappingNode):
            match = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, ScalarNode) and k.value == str(part)
                ),
                None,
            )
            if match is None:
                break
            mark, node = match[0].start_mark, match[1]  # point at the key: `field:`
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            mark = node.start_mark
        else:
            break
        reached.append(part)
    return mark.line + 1, mark.column + 1, tuple(reached)


def format_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _unwrap(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _type_at(loc: Loc) -> Any:
    """The type the rule-file model expects at `loc`, or None when it cannot tell."""
    tp: Any = RuleFile
    for part in loc:
        tp = _unwrap(tp)
        origin = get_origin(tp)
        if origin is list and isinstance(part, int):
            tp = get_args(tp)[0]
        elif origin is dict:
            tp = get_args(tp)[1]
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
            tp = next(
                (f.annotation for n, f in tp.model_fields.items() if part in (n, f.alias)), None
            )
        else:
            return None
    return _unwrap(tp)


def _keys_of(tp: Any) -> list[str]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


_TYPE_WORDS = {
    "float": "a number",
    "int": "a number",
    "date": "a date (YYYY-MM-DD)",
    "str": "text",
    "bool": "true or false",
}

_MESSAGES = {
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "list_type": "expected a list",
    "string_type": "expected text",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
}


def _message(error: ErrorDetails, loc: Loc) -> str:
    kind = error["type"]
    last = loc[-1] if loc else ""
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        allowed = _keys_of(_type_at(loc[:-1]))
        guess = difflib.get_close_matches(str(last), allowed, n=1)
        hint = f"did you mean `{guess[0]}`? " if guess else ""
        return f"unknown key `{last}`; {hint}expected one of: {', '.join(allowed)}"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']}, not {_shown(error['input'])}"
    if kind == "string_pattern_mismatch":
        if last == "name":
            return f"{_shown(error['input'])}: use lower-case letters, digits, `-` and `_`"
        if last == "color":
            return f"{_shown(error['input'])}: expected a hex colour without `#`, e.g. fbca04"
        if last == "project":
            return (
                f"{_shown(error['input'])}: expected ORG/NUMBER from the board's URL, e.g. acme/7"
            )
    if kind == "string_type" and isinstance(error["input"], int | float):
        # YAML 1.2 reads 5319e7 as a number: the usual cause of "expected text".
        return "expected text; YAML reads this value as a number: put it in quotes"
    if kind == "greater_than_equal":
        return f"must be at least {error['ctx']['ge']:g}"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    return _clip(str(error["msg"]).removeprefix("Value error, "))


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: object) -> str:
    """A value from the file, quoted and short enough for an error line."""
    return _clip(repr(value), 60)


def _errors_from(exc: ValidationError, parsed_node: Node | None, source: str) -> list[RuleError]:
    """Pydantic's errors as RuleErrors; the members of one union failing fold into one line."""
    grouped: dict[Loc, list[tuple[str | None, str]]] = {}
    for error in exc.errors():
        loc: Loc = tuple(error["loc"])
        tag = None
        # A union (`float | date | str`) reports each member under a type-name part.
        if loc and isinstance(loc[-1], str) and loc[-1] in _TYPE_WORDS:
            tag, loc = str(loc[-1]), loc[:-1]
        grouped.setdefault(loc, []).append((tag, _message(error, loc)))
    out = []
    for loc, items in grouped.items():
        tags = [t for t, _ in items if t]
        if len(tags) > 1:
            message = "expected " + " or ".join(_TYPE_WORDS[t] for t in tags)
        else:
            message = "; ".join(dict.fromkeys(m for _, m in items))
        line, column, _ = locate(parsed_node, loc)
        out.append(RuleError(source, line, column, format_path(loc), message))
    return sorted(out, key=lambda e: (e.line or 0, e.column or 0))  # in reading order


def _error_at(parsed: _Parsed, loc: Loc, message: str) -> RuleError:
    line, column, _ = locate(parsed.node, loc)
    return RuleError(parsed.source, line, column, format_path(loc), message)


# -- parsing one file -------------------------------------------------------------------------


def parse_file(text: str, source: str) -> tuple[_Parsed | None, list[RuleError]]:
    """Parse and validate one rule file; `source` is the name errors carry."""
    read = read_yaml(text)
    if read.problems:
        return None, [RuleError(source, p.line, p.column, "", p.message) for p in read.problems]
    node, data = read.node, read.data
    if not isinstance(data, dict):
        line = node.start_mark.line + 1 if node is not None else 1
        return None, [
            RuleError(source, line, 1, "", "expected a mapping with `version: 1` and `rules:`")
        ]
    try:
        model = RuleFile.model_validate(data)
    except ValidationError as exc:
        return None, _errors_from(exc, node, source)
    parsed = _Parsed(source, node, model)
    return parsed, _check_file(parsed)


def _conditions(condition: Condition, loc: Loc) -> Iterator[tuple[Condition, Loc]]:
    yield condition, loc
    for key in ("all", "any"):
        for index, sub in enumerate(getattr(condition, key + "_") or []):
            yield from _conditions(sub, (*loc, key, index))
    if condition.not_ is not None:
        yield from _conditions(condition.not_, (*loc, "not"))


def _check_file(parsed: _Parsed) -> list[RuleError]:
    """What pydantic cannot see within one file: duplicate names, templates, Status options."""
    errors = []
    seen: set[str] = set()
    rf = parsed.data
    for index, rule in enumerate(rf.rules):
        at: Loc = ("rules", index)
        if rule.name in seen:
            errors.append(_error_at(parsed, (*at, "name"), f"a rule named {rule.name!r} exists"))
        seen.add(rule.name)
        if rule.comment is not None:
            for key in ("body", "resolved_body"):
                source = getattr(rule.comment, key)
                resolved = key == "resolved_body"
                if source is not None and (
                    problem := template_error(source, rule, resolved=resolved)
                ):
                    errors.append(_error_at(parsed, (*at, "comment", key), str(problem)))
        errors += _check_status_values(parsed, rule, at)
    return errors


def _check_status_values(parsed: _Parsed, rule: Rule, at: Loc) -> list[RuleError]:
    board = parsed.data.board
    options = {o.casefold() for o in board.status_options}
    if not options:
        return []
    known = ", ".join(board.status_options)
    errors = []
    for part in ("when", "require"):
        for condition, loc in _conditions(getattr(rule, part), (*at, part)):
            status = condition.status
            if status is None:
                continue
            for key, values in (
                ("is", [status.is_] if status.is_ else []),
                ("one_of", status.one_of or []),
                ("none_of", status.none_of or []),
            ):
                for value in values:
                    if value.casefold() not in options:
                        message = f"{board.status_field} has no option {value!r}; options: {known}"
                        errors.append(_error_at(parsed, (*loc, "status", key), message))
    for part in ("while_failing", "once_holding"):
        actions: Actions = getattr(rule, part)
        for name, wanted in actions.set_fields.items():
            if name.casefold() == board.status_field.casefold() and (
                not isinstance(wanted, str) or wanted.casefold() not in options
            ):
                message = f"{board.status_field} has no option {wanted!r}; options: {known}"
                errors.append(_error_at(parsed, (*at, part, "set_fields", name), message))
    return errors


def _check_labels(merged: _Merged) -> list[RuleError]:
    """A rule removes only labels the bot owns, and adds only labels the ruleset declares.

    People's labels are theirs; a label added but neither owned nor declared (a typo,
    usually) would be created without a colour and never removed.
    """
    ruleset = merged.ruleset
    declared = {name.casefold() for name in (*ruleset.owned_labels, *ruleset.labels)}
    known = [*ruleset.owned_labels, *ruleset.labels]
    errors = []
    for rule in ruleset.rules:
        where = merged.origins[rule.name]
        for part in ("while_failing", "once_holding"):
            actions: Actions = getattr(rule, part)
            for index, label in enumerate(actions.remove_labels):
                if not ruleset.owns(label):
                    loc = ("rules", where.index, part, "remove_labels", index)
                    message = f"the bot only removes labels it owns; add {label!r} to owned_labels"
                    errors.append(_error_at(where.parsed, loc, message))
            for index, label in enumerate(actions.add_labels):
                if label.casefold() not in declared:
                    guess = difflib.get_close_matches(label, known, n=1)
                    hint = f"did you mean {guess[0]!r}? " if guess else ""
                    loc = ("rules", where.index, part, "add_labels", index)
                    message = (
                        f"label {_shown(label)} is neither in owned_labels nor in labels; "
                        f"{hint}declare it in one of them"
                    )
                    errors.append(_error_at(where.parsed, loc, message))
    return errors


def _check_label_prefixes(merged: _Merged) -> list[RuleError]:
    """`add_label_from_section` adds only declared labels: some must start with its prefix."""
    declared = [n.casefold() for n in {**merged.ruleset.labels, **merged.ruleset.owned_labels}]
    errors = []
    for rule in merged.ruleset.rules:
        where = merged.origins[rule.name]
        for part in ("while_failing", "once_holding"):
            spec = getattr(rule, part).add_label_from_section
            if spec is not None and not any(n.startswith(spec.prefix.casefold()) for n in declared):
                loc = ("rules", where.index, part, "add_label_from_section", "prefix")
                message = (
                    f"no label in labels or owned_labels starts with {spec.prefix!r}: "
                    "declare the labels the answers name"
                )
                errors.append(_error_at(where.parsed, loc, message))
    return errors


# -- merging -------------------------------------------------------------------------------


def _merge_into(base: _Merged, parsed: _Parsed, *, override: bool) -> list[RuleError]:
    """Add `parsed` to `base`; without `override`, a rule name seen before is an error."""
    errors = []
    data = parsed.data
    rules = list(base.ruleset.rules)
    names = [r.name for r in rules]
    for index, rule in enumerate(data.rules):
        if rule.name in names:
            if not override:
                first = base.origins[rule.name].parsed.source
                message = f"a rule named {rule.name!r} is already in {first}"
                errors.append(_error_at(parsed, ("rules", index, "name"), message))
                continue
            rules[names.index(rule.name)] = rule
        else:
            rules.append(rule)
            names.append(rule.name)
        base.origins[rule.name] = _Where(parsed, index)
    for index, name in enumerate(data.disable):
        if name not in names:
            message = f"no rule named {name!r} to disable; rules: {', '.join(names)}"
            errors.append(_error_at(parsed, ("disable", index), message))
    rules = [r for r in rules if r.name not in set(data.disable)]
    given = data.model_fields_set
    board = base.ruleset.board
    if data.board.model_fields_set == {"project"}:  # `board: ORG/NUMBER` keeps the field names
        board = board.model_copy(update={"project": data.board.project})
    elif "board" in given:
        board = data.board
    base.ruleset = Ruleset(
        version=1,
        board=board,
        reports=data.reports if "reports" in given else base.ruleset.reports,
        owned_labels={**base.ruleset.owned_labels, **data.owned_labels},
        labels={**base.ruleset.labels, **data.labels},
        rules=rules,
    )
    return errors


# Files in the rules folder that are not rule files: the reports' targets.
NOT_RULES = frozenset({"targets.yml"})


def _files(path: Traversable) -> list[Traversable]:
    if path.is_dir():
        found = (
            p
            for p in path.iterdir()
            if p.name.endswith((".yml", ".yaml")) and p.is_file() and p.name not in NOT_RULES
        )
        return sorted(found, key=lambda p: p.name)
    return [path]


def _load(sources: list[tuple[str, str]], base: _Merged | None = None) -> LoadResult:
    merged = base or _Merged(Ruleset(version=1))
    errors: list[RuleError] = []
    for source, text in sources:
        parsed, problems = parse_file(text, source)
        errors += problems
        if parsed is not None and not problems:
            errors += _merge_into(merged, parsed, override=base is not None)
    if not errors:
        errors += _check_labels(merged) + _check_label_prefixes(merged)
    files = tuple(s for s, _ in sources)
    return LoadResult(None if errors else merged.ruleset, tuple(errors), files)


def load_rules(path: Traversable | str) -> LoadResult:
    """The ruleset in a folder of `*.yml` files (merged in name order), or in one file.

    `path` may be a `Path` or any `Traversable`, such as `importlib.resources.files(...)`.
    """
    path = Path(path) if isinstance(path, str) else path
    if not (path.is_dir() or path.is_file()):
        return LoadResult(None, (RuleError(str(path), None, None, "", "no such file or folder"),))
    files = _files(path)
    if not files:
        message = "no *.yml rule files in this folder"
        return LoadResult(None, (RuleError(str(path), None, None, "", message),))
    sources = []
    for file in files:
        try:
            sources.append((str(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            return LoadResult(None, (RuleError(str(file), None, None, "", f"cannot read: {exc}"),))
    return _load(sources)


def load_override(base: Ruleset, text: str, source: str = REPO_RULES_PATH) -> LoadResult:
    """`base` (the defaults) with a repository's own rule file applied over it."""
    placeholder = _Parsed("(default rules)", None, RuleFile(version=1))
    origins = {rule.name: _Where(placeholder, index) for index, rule in enumerate(base.rules)}
    return _load([(source, text)], _Merged(base, origins))


@dataclass(frozen=True)
class BoardSettings:
    """What a repository's rule file says about the board it names (`board: ORG/NUMBER`)."""

    project: str
    timezone: str | None = None
    schedules: BoardSchedules = field(default_factory=BoardSchedules)
    targets: tuple[Target, ...] | None = None  # None: the rules folder's targets.yml


def board_settings(text: str, source: str = REPO_RULES_PATH) -> BoardSettings | None:
    """The board a rule file names, with its time zone and schedules; None when it names none
    or does not parse (its errors are reported where the file is loaded)."""
    parsed, problems = parse_file(text, source)
    project = parsed.data.board.project if parsed is not None else None
    if parsed is None or problems or project is None:
        return None
    data = parsed.data
    targets = tuple(data.targets) if data.targets is not None else None
    return BoardSettings(project, data.timezone, data.schedules, targets)


def load_text(text: str, source: str = "rules.yml") -> LoadResult:
    """One rule file given as text (tests, previews)."""
    return _load([(source, text)])
