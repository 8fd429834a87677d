"""Comment templates (Jinja2) rendered with bounded time, memory and output.

    text = render(source, variables)        # TemplateFailure(message, line) on any problem
    problem = static_problem(source, names) # syntax, refused tags, unknown names; None if fine

Templates come from rule files, which anyone who can push to a tracker may write. The
sandbox (no private attributes, no mutation of lists or dicts) is not enough: a nested
`range(100000)` never ends, `'x' * 300000000` posts a 300 MB comment, and a loop that doubles
a string fills memory. So this environment also

- charges every loop iteration, call, filter and operator to a budget (`MAX_OPERATIONS`);
- measures every value a template makes (lists, dicts, `~`, `+`, `*`, calls, filters) and
  refuses one larger than `MAX_VALUE`, estimating before the work where the work itself
  would be large (`*`, `**`, `%`, `replace`, `join`, `indent`, widths in format strings);
- streams the output and stops at `MAX_OUTPUT` characters, below GitHub's comment limit;
- refuses the tags that would buffer output out of sight of that cap (macro, call, filter
  and set blocks, recursive loops) and those that read other templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Characters a rendered comment may have; GitHub refuses bodies over 65,536, and the
# gateway adds a hidden marker.
MAX_OUTPUT = 60_000
# The largest value (characters, plus one per list or dict entry) a template may build.
MAX_VALUE = 100_000
# Loop iterations, calls, filters and operators one rendering may perform.
MAX_OPERATIONS = 100_000
# Bits of an integer a template may compute (`9**9**9` would run for minutes).
MAX_INT_BITS = 4_096

_REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.FilterBlock: "filter",
    nodes.AssignBlock: "set … endset",
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Block: "block",
}


class TemplateBudgetError(SecurityError):
    """A rendering went over one of the budgets."""


@dataclass(frozen=True)
class TemplateFailure(Exception):
    """Why a template cannot be rendered, and on which of its lines (when known)."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"template error on its line {self.line}" if self.line else "template error"
        return f"{where}: {self.message}"


class _Budget:
    def __init__(self) -> None:
        self.operations = 0

    def charge(self, count: int = 1) -> None:
        self.operations += count
        if self.operations > MAX_OPERATIONS:
            raise TemplateBudgetError(
                f"the template did more than {MAX_OPERATIONS:,} steps (loops, calls, filters); "
                "simplify it"
            )


_BUDGET: ContextVar[_Budget] = ContextVar("template_budget")


def _charge(count: int = 1) -> None:
    budget = _BUDGET.get(None)
    if budget is None:  # compiled and called outside `render`: give it a budget of its own
        budget = _Budget()
        _BUDGET.set(budget)
    budget.charge(count)


def _size(value: Any, limit: int = MAX_VALUE) -> int:
    """Characters plus entries of `value`, counting shared parts each time; stops past `limit`."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1 + len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += 1 + 2 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 1
    return total


def _too_big(what: str) -> TemplateBudgetError:
    return TemplateBudgetError(
        f"{what} would be larger than {MAX_VALUE:,} characters; templates build short comments"
    )


def _bounded(value: Any, what: str = "a value") -> Any:
    if _size(value) > MAX_VALUE:
        raise _too_big(what)
    return value


def _check_int(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE:
        raise TemplateBudgetError(
            f"the number {value} is too large for a template (at most {MAX_VALUE:,})"
        )


def _check_arguments(args: Iterable[Any]) -> None:
    for arg in args:
        _check_int(arg)
        _bounded(arg, "an argument")


# Digit runs in a format string are widths and precisions (`%99999s`, `{:>99999}`).
_DIGITS = re.compile(r"[0-9]+")


def _check_format_string(text: str) -> None:
    for run in _DIGITS.findall(text):
        if len(run) > 6 or int(run) > MAX_VALUE:
            raise TemplateBudgetError(f"a width of {run} in a format string is too large")


def _estimate_str_method(subject: str, name: str, args: tuple[Any, ...]) -> int:
    """The length a str method's result could reach, for the methods that multiply."""
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str):
        old, new = args[0], str(args[1])
        hits = subject.count(old) if old else len(subject) + 1
        return len(subject) + hits * len(new)
    if name == "join" and args:
        items = list(args[0]) if not isinstance(args[0], Sized) else args[0]
        return _size(items) + len(items) * len(subject)
    if name == "expandtabs":
        width = args[0] if args and isinstance(args[0], int) else 8
        return len(subject) + subject.count("\t") * width
    if name in ("format", "format_map"):
        _check_format_string(subject)
    return len(subject)


def _check_call(target: Any, args: tuple[Any, ...]) -> None:
    """Estimate the calls whose work grows with a number hidden in a string argument."""
    owner = getattr(target, "__self__", None)
    name = getattr(target, "__name__", "")
    if isinstance(owner, str) and _estimate_str_method(owner, name, args) > MAX_VALUE:
        raise _too_big(f"the result of `.{name}()`")
    if name == "strftime" and args and isinstance(args[0], str):
        _check_format_string(args[0])  # `%0999999999d` pads in C


# -- filters: each wrapped to charge, check and estimate -----------------------------------


def _materialize(value: Any) -> Any:
    """A lazy sequence (from map, select...) as a list, charging each item as it comes."""
    if isinstance(value, Iterator):
        out = []
        for item in value:
            _charge()
            out.append(item)
        return out
    return value


def _estimate_filter(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    text = value if isinstance(value, str) else ""
    if name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        hits = text.count(old) if old else len(text) + 1
        return len(text) + hits * len(new)
    if name == "join":
        separator = str(args[0] if args else kwargs.get("d", ""))
        count = len(value) if isinstance(value, Sized) else 0
        return _size(value) + count * len(separator)
    if name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        pad = width if isinstance(width, int) else len(str(width))
        return len(text) + (text.count("\n") + 1) * pad
    if name == "wordwrap":
        wrap = str(kwargs.get("wrapstring") or (args[2] if len(args) > 2 else "\n"))
        return len(text) * (1 + len(wrap))
    if name == "format":
        _check_format_string(text)
    if name in ("tojson", "pprint") and (args or kwargs.get("indent")):
        raise TemplateBudgetError(f"`{name}` with an indent is not available in templates")
    if name == "sum" and not isinstance(kwargs.get("start", 0), int | float):
        raise TemplateBudgetError("`sum` adds numbers only in templates")
    return 0


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    # Filters that receive the context or environment first take the value second.
    passes = getattr(function, "jinja_pass_arg", None)

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _charge()
        head = 1 if passes is not None else 0
        args = (*args[:head], _materialize(args[head]), *args[head + 1 :]) if args else args
        _check_arguments((*args[head:], *kwargs.values()))
        value, rest = (args[head], args[head + 1 :]) if len(args) > head else (None, ())
        if _estimate_filter(name, value, rest, kwargs) > MAX_VALUE:
            raise _too_big(f"the result of `{name}`")
        return _bounded(function(*args, **kwargs), f"the result of `{name}`")

    return wrapper


# -- the environment ----------------------------------------------------------------------


class _BoundedCodeGenerator(CodeGenerator):
    """Routes loops, `~` and list, tuple and dict displays through the environment's checks."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("charged_iter"), [node.iter], [], None, None
        )
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def _checked(self, visit: Callable[[Any, Frame], None], node: Any, frame: Frame) -> None:
        self.write("environment.bounded_value(")
        visit(node, frame)
        self.write(")")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._checked(super().visit_List, node, frame)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._checked(super().visit_Dict, node, frame)

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx == "load":
            self._checked(super().visit_Tuple, node, frame)
        else:  # an assignment target (`{% for a, b in pairs %}`)
            super().visit_Tuple(node, frame)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}

    @staticmethod
    def charged_iter(iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            _charge()
            yield item

    @staticmethod
    def bounded_value(value: Any) -> Any:
        _charge()
        return _bounded(value)

    @staticmethod
    def bounded_concat(parts: tuple[Any, ...]) -> str:
        _charge()
        for part in parts:
            _bounded(part, "a value joined with `~`")
        text = "".join(str(part) for part in parts)
        _bounded(text, "a text joined with `~`")
        return text

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _charge()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                repeated = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if repeated and _size(seq) * max(times, 0) > MAX_VALUE:
                    raise _too_big("a repetition with `*`")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS
            ):
                raise TemplateBudgetError("a product too large for a template")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if abs(left) > 1 and abs(left).bit_length() * abs(right) > MAX_INT_BITS:
                raise TemplateBudgetError("a power too large for a template")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and _size(left) + _size(right) > MAX_VALUE:
                raise _too_big("a sum with `+`")
        elif operator == "%" and isinstance(left, str):
            _check_format_string(left)
            _check_arguments(right if isinstance(right, tuple) else (right,))
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _charge()
        _check_arguments((*args, *kwargs.values()))
        _check_call(getattr(__obj, "__wrapped__", __obj), args)  # the sandbox wraps str.format
        return _bounded(super().call(__context, __obj, *args, **kwargs))


_ENV = BoundedEnvironment()


def _refused(tree: nodes.Template) -> TemplateFailure | None:
    for node in tree.find_all(tuple(_REFUSED_TAGS)):
        tag = _REFUSED_TAGS[type(node)]
        return TemplateFailure(
            f"`{{% {tag} %}}` is not available in comment templates (use if, for, set and filters)",
            node.lineno,
        )
    for loop in tree.find_all(nodes.For):
        if loop.recursive:
            return TemplateFailure("recursive loops are not available in templates", loop.lineno)
    for attribute in tree.find_all(nodes.Getattr):
        if attribute.attr.startswith("_"):
            return TemplateFailure(
                f"`{attribute.attr}` is blocked: templates cannot reach private attributes",
                attribute.lineno,
            )
    return None


def _unknown_names(tree: nodes.Template, known: Mapping[str, Any]) -> TemplateFailure | None:
    """A variable or key no rendering provides, even in a branch a sample does not reach."""
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for name in tree.find_all(nodes.Name):
        if name.ctx != "load" or name.name in stored or name.name in _ENV.globals:
            continue
        if name.name not in known and name.name != "loop":
            options = ", ".join(sorted(known))
            return TemplateFailure(
                f"unknown variable `{name.name}`; variables: {options}", name.lineno
            )
    for attribute in tree.find_all(nodes.Getattr):
        owner = attribute.node
        if isinstance(owner, nodes.Name) and owner.name not in stored:
            value = known.get(owner.name)
            if isinstance(value, Mapping) and attribute.attr not in value:
                options = ", ".join(sorted(value))
                return TemplateFailure(
                    f"`{owner.name}` has no `{attribute.attr}`; it has: {options}",
                    attribute.lineno,
                )
    return None


@lru_cache(maxsize=256)
def compile_template(source: str) -> Template:
    """The compiled template; TemplateFailure for syntax errors and refused tags."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateFailure(exc.message or "invalid syntax", exc.lineno) from None
    refused = _refused(tree)
    if refused is not None:
        raise refused
    return _ENV.from_string(tree)


def static_problem(source: str, variables: Mapping[str, Any]) -> TemplateFailure | None:
    """What is wrong with `source` before rendering it: syntax, refused tags, unknown names."""
    try:
        compile_template(source)
    except TemplateFailure as failure:
        return failure
    return _unknown_names(_ENV.parse(source), variables)


def _template_line(exc: BaseException) -> int | None:
    """The template line an error was raised on (Jinja names template frames `<template>`)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(source: str, variables: Mapping[str, Any]) -> str:
    """`source` rendered with `variables`, within the budgets; TemplateFailure otherwise."""
    template = compile_template(source)
    token = _BUDGET.set(_Budget())
    out: list[str] = []
    length = 0
    try:
        for chunk in template.generate(**variables):
            length += len(chunk)
            if length > MAX_OUTPUT:
                raise TemplateBudgetError(
                    f"the comment would be longer than {MAX_OUTPUT:,} characters"
                )
            out.append(chunk)
    except TemplateError as exc:
        message = exc.message or type(exc).__name__
        raise TemplateFailure(message, _template_line(exc)) from None
    except RecursionError as exc:
        raise TemplateFailure("the template nests too deeply", _template_line(exc)) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise TemplateFailure(f"{type(exc).__name__}: {exc}"[:300], _template_line(exc)) from None
    finally:
        _BUDGET.reset(token)
    return "".join(out)
