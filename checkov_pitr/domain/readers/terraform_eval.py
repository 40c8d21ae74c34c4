"""Terraform text and values, without checkov: a lexer (comments, bracket depth, exponent literals),
a fast parser for large HCL files, and the evaluation of the few expressions a scan can resolve.

Values are kept in the shape bc-python-hcl2 (the parser checkov uses) gives them: block-body
attributes wrapped in one list, expressions as "${...}" strings. A value the scan cannot resolve
stays such a string, which `core.terraform_reference` recognises as unresolved.
"""
from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

MAX_DEPTH = 100  # brackets deeper than this are refused before any recursive parser sees them
MAX_LOCAL_DEPTH = 32  # locals referring to locals: deeper chains stay unresolved


class _Unresolved:
    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()


# ---------------------------------------------------------------------------------------------
# The lexer: what is code, string or comment
# ---------------------------------------------------------------------------------------------

_CODE = re.compile(
    r'"|#[^\n]*|//[^\n]*|/\*.*?(?:\*/|\Z)|<<-?[ \t]*"?([A-Za-z_][\w-]*)"?[ \t]*\r?\n|[{}\[\]()]'
    r'|(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])',
    re.S,
)
_STRING = re.compile(r'\\.|"|\$\{|%\{|\n', re.S)


@dataclass
class Lexed:
    """What the lexer found: comments (offset, text), the deepest bracket nesting, exponent literals."""

    comments: List[Tuple[int, str]] = field(default_factory=list)
    max_depth: int = 0
    exponents: List[Tuple[int, int]] = field(default_factory=list)  # (start, end) offsets


def lex_hcl(text: str) -> Lexed:
    """One pass over HCL text. Strings (with their `${}` interpolations) and heredocs are skipped,
    so a `#` or `checkov:skip=` inside a value is never taken for a comment."""
    found = Lexed()
    frames: List[Any] = []  # "S" for a string; an int (the depth it opened at) for an interpolation
    pos, depth = 0, 0
    while pos < len(text):
        if frames and frames[-1] == "S":
            match = _STRING.search(text, pos)
            if not match:
                break
            token = match.group()
            if token == '"' or token == "\n":  # a newline ends an unterminated string: the parser reports it
                frames.pop()
            elif token in ("${", "%{"):
                frames.append(depth)
                depth += 1
                found.max_depth = max(found.max_depth, depth)
            pos = match.end()
            continue
        match = _CODE.search(text, pos)
        if not match:
            break
        token, pos = match.group(), match.end()
        first = token[0]
        if first == '"':
            frames.append("S")
        elif first in "#/" and (token.startswith("#") or token.startswith("//") or token.startswith("/*")):
            found.comments.append((match.start(), token))
        elif token.startswith("<<"):
            end = re.compile(rf"^[ \t]*{re.escape(match.group(1))}[ \t]*$", re.M).search(text, pos)
            pos = end.end() if end else len(text)
        elif first in "{[(":
            depth += 1
            found.max_depth = max(found.max_depth, depth)
        elif first in "}])":
            depth -= 1
            if first == "}" and frames and frames[-1] == depth:
                frames.pop()  # closes an interpolation: back inside its string
        else:
            found.exponents.append((match.start(), match.end()))
    return found


def json_depth(text: str) -> int:
    """The deepest bracket nesting of a JSON text, strings skipped."""
    depth = deepest = 0
    for match in re.finditer(r'"(?:\\.|[^"\\])*"|[\[\]{}]', text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def plain_number(literal: str) -> str:
    """`1e3` as `1000`, `2.5e-1` as `0.25`: the same value without an exponent."""
    try:
        value = Decimal(literal)
    except InvalidOperation:
        return literal
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def without_exponents(text: str, spans: List[Tuple[int, int]]) -> str:
    """The text with every exponent literal (outside strings and comments) written out."""
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(plain_number(text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


class LineIndex:
    """Offsets to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1


# ---------------------------------------------------------------------------------------------
# A fast HCL parser, for files too large for bc-python-hcl2 (lark) to read in seconds
# ---------------------------------------------------------------------------------------------

class FastParseError(ValueError):
    """The fast parser does not understand the text: bc-python-hcl2 reads it (and reports errors)."""


class _NotLiteral(Exception):
    pass


_WS = re.compile(r"(?:[ \t\r]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_WS_NL = re.compile(r"(?:[ \t\r\n]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_IDENT = re.compile(r"[A-Za-z_][\w-]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_RAW = re.compile(r'"|#|//|/\*|<<-?[ \t]*"?[A-Za-z_]|[{}\[\]()]|\n|,')
_HEREDOC = re.compile(r'<<(-?)[ \t]*"?([A-Za-z_][\w-]*)"?[ \t]*\r?\n')
_TERMINATORS = "\n,}])"


class FastHclParser:
    """The subset of HCL that Terraform files use, into bc-python-hcl2's shape. Literal values
    (strings, numbers, bools, null, lists, objects) are values; any other expression is kept as
    "${text}". Anything unexpected raises FastParseError (the caller then uses bc-python-hcl2)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines = LineIndex(text)

    # -- helpers --
    def _skip(self, newlines: bool = False) -> None:
        self.pos = (_WS_NL if newlines else _WS).match(self.text, self.pos).end()

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _fail(self, what: str) -> FastParseError:
        return FastParseError(f"line {self.lines.line(self.pos)}: {what}")

    # -- structure --
    def parse(self) -> Dict[str, Any]:
        body = self._body(top=True)
        if self.pos < len(self.text):
            raise self._fail("unexpected '}'")
        return body

    def _body(self, top: bool = False) -> Dict[str, Any]:
        body: Dict[str, Any] = {}
        while True:
            self._skip(newlines=True)
            if self._peek() in ("", "}"):
                return body
            start = self.pos
            ident = _IDENT.match(self.text, self.pos)
            if not ident:
                raise self._fail(f"unexpected {self._peek()!r}")
            self.pos = ident.end()
            self._skip()
            if self._peek() == "=" and self.text[self.pos:self.pos + 2] != "==":
                self.pos += 1
                self._skip()
                value = self._expression()
                self._skip()
                if self._peek() not in ("\n", "}", ""):
                    raise self._fail(f"unexpected {self._peek()!r} after the value of {ident.group()}")
                body[ident.group()] = [value]
                continue
            self._block(body, ident.group(), start, top)

    def _block(self, body: Dict[str, Any], kind: str, start: int, top: bool) -> None:
        labels: List[str] = []
        while self._peek() != "{":
            if self._peek() == '"':
                label, interpolated = self._string()
                if interpolated:
                    raise self._fail("a block label cannot be a template")
                labels.append(label)
            else:
                ident = _IDENT.match(self.text, self.pos)
                if not ident:
                    raise self._fail(f"unexpected {self._peek()!r} in the header of block {kind}")
                labels.append(ident.group())
                self.pos = ident.end()
            self._skip()
        self.pos += 1
        inner = self._body()
        if self._peek() != "}":
            raise self._fail(f"block {kind} is not closed")
        if top:
            inner["__start_line__"] = self.lines.line(start)
            inner["__end_line__"] = self.lines.line(self.pos)
        self.pos += 1
        value: Any = inner
        for label in reversed(labels):
            value = {label: value}
        body.setdefault(kind, []).append(value)

    # -- values --
    def _expression(self) -> Any:
        start = self.pos
        try:
            value = self._literal()
            self._skip()
            if self._peek() in _TERMINATORS or self._peek() == "":
                return value
        except _NotLiteral:
            pass
        self.pos = start
        return self._raw()

    def _literal(self) -> Any:
        char = self._peek()
        if char == '"':
            return self._string()[0]
        if self.text.startswith("<<", self.pos):
            return self._heredoc()
        if char == "[":
            return self._list()
        if char == "{":
            return self._object()
        number = _NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            literal = number.group()
            return int(literal) if re.fullmatch(r"-?\d+", literal) else float(literal)
        ident = _IDENT.match(self.text, self.pos)
        if ident and ident.group() in ("true", "false", "null"):
            self.pos = ident.end()
            return {"true": True, "false": False, "null": None}[ident.group()]
        raise _NotLiteral()

    def _list(self) -> List[Any]:
        self.pos += 1
        self._skip(newlines=True)
        if self.text.startswith("for ", self.pos):
            raise _NotLiteral()
        items: List[Any] = []
        while True:
            self._skip(newlines=True)
            if self._peek() == "]":
                self.pos += 1
                return items
            items.append(self._expression())
            self._skip(newlines=True)
            if self._peek() == ",":
                self.pos += 1
            elif self._peek() != "]":
                raise _NotLiteral()

    def _object(self) -> Dict[str, Any]:
        self.pos += 1
        self._skip(newlines=True)
        if self.text.startswith("for ", self.pos):
            raise _NotLiteral()
        items: Dict[str, Any] = {}
        while True:
            self._skip(newlines=True)
            if self._peek() == "}":
                self.pos += 1
                return items
            if self._peek() == '"':
                key, interpolated = self._string()
                if interpolated:
                    raise _NotLiteral()
            else:
                ident = _IDENT.match(self.text, self.pos)
                if not ident:
                    raise _NotLiteral()
                key, self.pos = ident.group(), ident.end()
            self._skip()
            if self._peek() not in ("=", ":"):
                raise _NotLiteral()
            self.pos += 1
            self._skip()
            items[key] = self._expression()
            self._skip()
            if self._peek() == ",":
                self.pos += 1

    def _string(self) -> Tuple[str, bool]:
        """A quoted string at pos: its raw content (escapes kept, as bc-python-hcl2 keeps them) and
        whether it interpolates."""
        start = self.pos
        self.pos += 1
        interpolated = False
        while True:
            match = _STRING.search(self.text, self.pos)
            if not match or match.group() == "\n":
                raise self._fail("unterminated string")
            token = match.group()
            self.pos = match.end()
            if token == '"':
                return self.text[start + 1:self.pos - 1], interpolated
            if token in ("${", "%{"):
                interpolated = True
                self._skip_template_code()

    def _skip_template_code(self) -> None:
        depth = 0
        while True:
            match = re.compile(r'"|[{}]').search(self.text, self.pos)
            if not match:
                raise self._fail("unterminated interpolation")
            self.pos = match.end()
            if match.group() == '"':
                self.pos -= 1
                self._string()
            elif match.group() == "{":
                depth += 1
            elif depth == 0:
                return
            else:
                depth -= 1

    def _heredoc(self) -> str:
        match = _HEREDOC.match(self.text, self.pos)
        if not match:
            raise self._fail("invalid heredoc")
        end = re.compile(rf"^[ \t]*{re.escape(match.group(2))}[ \t]*$", re.M).search(self.text, match.end())
        if not end:
            raise self._fail("unterminated heredoc")
        content = self.text[match.end():end.start()]
        content = content[:-1] if content.endswith("\n") else content  # as bc-python-hcl2 gives it
        self.pos = end.end()
        if match.group(1):
            lines = content.split("\n")
            indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
            cut = min(indents) if indents else 0
            content = "\n".join(line[cut:] for line in lines)
        return content

    def _raw(self) -> str:
        """Any other expression, as text, up to the end of its line (or its enclosing bracket)."""
        start, depth = self.pos, 0
        while True:
            match = _RAW.search(self.text, self.pos)
            if not match:
                end = self.pos = len(self.text)
                break
            token = match.group()
            if token == '"':
                self.pos = match.start()
                self._string()
                continue
            if token.startswith("<<"):
                self.pos = match.start()
                self._heredoc()
                continue
            if token in "({[":
                depth += 1
                self.pos = match.end()
                continue
            if token == "/*":
                close = self.text.find("*/", match.end())
                self.pos = len(self.text) if close < 0 else close + 2
                continue
            if depth > 0 and token in ")}]":
                depth -= 1
                self.pos = match.end()
                continue
            if depth > 0 and token in ("\n", ","):
                self.pos = match.end()
                continue
            end = self.pos = match.start()
            if token in ("#", "//"):
                self.pos = self.text.find("\n", end) if "\n" in self.text[end:] else len(self.text)
            break
        text = self.text[start:end].strip()
        if not text:
            raise self._fail("expected a value")
        return "${" + text + "}"


# ---------------------------------------------------------------------------------------------
# Evaluation: the values a scan can know
# ---------------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"([A-Za-z_][\w-]*)((?:\s*\.\s*[A-Za-z_][\w-]*|\s*\.\s*\d+|\s*\[\s*(?:\"[^\"]*\"|-?\d+)\s*\])*)")
_ACCESSOR = re.compile(r"\.\s*([A-Za-z_][\w-]*|\d+)|\[\s*(?:\"([^\"]*)\"|(-?\d+))\s*\]")
_CONVERSION = re.compile(r"(toset|tolist|tomap)\s*\((.*)\)", re.S)


def is_unresolved(value: Any) -> bool:
    """Whether a value still holds an expression the scan did not resolve."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(is_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unresolved(v) for v in value)
    return value is UNRESOLVED


def template_parts(text: str) -> Optional[List[Tuple[bool, str]]]:
    """A template string as (is_expression, text) parts; None for directives (`%{`) or bad braces."""
    parts: List[Tuple[bool, str]] = []
    pos = 0
    while True:
        start = text.find("${", pos)
        while start > 0 and text[start - 1] == "$":  # `$${` is a literal `${`
            start = text.find("${", start + 2)
        if start < 0:
            break
        if start > pos:
            parts.append((False, text[pos:start]))
        end = _close_brace(text, start + 2)
        if end is None:
            return None
        parts.append((True, text[start + 2:end]))
        pos = end + 1
    if "%{" in text:
        return None
    if pos < len(text):
        parts.append((False, text[pos:]))
    return parts


def _close_brace(text: str, pos: int) -> Optional[int]:
    depth, in_string = 0, False
    while pos < len(text):
        char = text[pos]
        if in_string:
            if char == "\\":
                pos += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    return None


@dataclass
class Scope:
    """What names mean in one module instance: its variables (final values), its locals (raw
    expressions, resolved on demand), and `each` / `count` / dynamic-block iterators."""

    variables: Dict[str, Any] = field(default_factory=dict)
    locals_raw: Dict[str, Any] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)
    _locals: Dict[str, Any] = field(default_factory=dict)
    _resolving: Set[str] = field(default_factory=set)

    def child(self, **extra: Any) -> "Scope":
        """The same module scope with more iterator names (locals already resolved are shared)."""
        scope = Scope(self.variables, self.locals_raw, {**self.extra, **extra})
        scope._locals, scope._resolving = self._locals, self._resolving
        return scope

    # -- values --
    def resolve(self, value: Any, depth: int = 0) -> Any:
        """A value with every expression the scan can evaluate replaced by its value."""
        if isinstance(value, str):
            return self._template(value, depth)
        if isinstance(value, list):
            return [self.resolve(v, depth) for v in value]
        if isinstance(value, Mapping):
            return {k: (v if isinstance(k, str) and k.startswith("__") else self.resolve(v, depth)) for k, v in value.items()}
        return value

    def _template(self, text: str, depth: int) -> Any:
        if "${" not in text:
            return text
        parts = template_parts(text)
        if not parts:
            return text
        if len(parts) == 1 and parts[0][0]:
            value = self.evaluate(parts[0][1], depth)
            return text if value is UNRESOLVED else value
        pieces: List[str] = []
        for is_expression, piece in parts:
            if not is_expression:
                pieces.append(piece)
                continue
            value = self.evaluate(piece, depth)
            if value is UNRESOLVED or is_unresolved(value) or not isinstance(value, (str, int, float, bool)):
                return text
            pieces.append(_as_string(value))
        return "".join(pieces)

    def evaluate(self, expression: str, depth: int = 0) -> Any:
        """The value of one expression, or UNRESOLVED (functions, conditionals, other resources'
        attributes, module outputs, unknown variables)."""
        expression = expression.strip()
        if depth > MAX_LOCAL_DEPTH or not expression:
            return UNRESOLVED
        literal = _literal(expression)
        if literal is not UNRESOLVED:
            return literal
        reference = _REFERENCE.fullmatch(expression)
        if reference:
            return self._reference(reference.group(1), reference.group(2), depth)
        conversion = _CONVERSION.fullmatch(expression)
        if conversion:
            return _convert(conversion.group(1), self.evaluate(conversion.group(2), depth + 1))
        if expression[0] in "[{":
            parsed = _collection(expression)
            if parsed is UNRESOLVED:
                return UNRESOLVED
            if isinstance(parsed, str):
                return UNRESOLVED  # not a literal collection (a for expression, ...)
            return self.resolve(parsed, depth + 1)
        return UNRESOLVED

    def _reference(self, root: str, accessors: str, depth: int) -> Any:
        steps = [m.group(1) if m.group(1) is not None else (m.group(2) if m.group(2) is not None else int(m.group(3)))
                 for m in _ACCESSOR.finditer(accessors)]
        if root in ("var", "local"):
            if not steps or not isinstance(steps[0], str):
                return UNRESOLVED
            name, steps = steps[0], steps[1:]
            value = self.variables.get(name, UNRESOLVED) if root == "var" else self._local(name, depth)
        elif root in self.extra:
            value = self.extra[root]
        else:
            return UNRESOLVED
        for step in steps:
            value = _step(value, step)
            if value is UNRESOLVED:
                return UNRESOLVED
        if steps and is_unresolved(value) and isinstance(value, str):
            return UNRESOLVED
        return value

    def _local(self, name: str, depth: int) -> Any:
        if name in self._locals:
            return self._locals[name]
        if name not in self.locals_raw or name in self._resolving or depth > MAX_LOCAL_DEPTH:
            return UNRESOLVED  # unknown, or a cycle: Terraform refuses it, the scan leaves it unresolved
        self._resolving.add(name)
        try:
            value = self.resolve(self.locals_raw[name], depth + 1)
        finally:
            self._resolving.discard(name)
        if not self.extra:  # iterator-free values can be shared by every instance
            self._locals[name] = value
        return value


def _collection(expression: str) -> Any:
    """A literal list / object inside an expression. bc-python-hcl2 writes nested collections in
    Python's notation (`toset(['a', 'b'])`), HCL writes them as HCL: read either."""
    try:
        parsed: Any = FastHclParser("x = " + expression + "\n").parse()["x"][0]
    except FastParseError:
        parsed = UNRESOLVED
    if parsed is not UNRESOLVED and not is_unresolved(parsed):
        return parsed
    try:
        value = ast.literal_eval(expression)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return parsed  # HCL with references in it: resolved element by element
    return value if isinstance(value, (list, dict)) else parsed


def _step(value: Any, step: Any) -> Any:
    if isinstance(value, Mapping) and isinstance(step, str):
        return value.get(step, UNRESOLVED)
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        return value[step]
    if isinstance(value, list) and isinstance(step, str) and step.isdigit() and int(step) < len(value):
        return value[int(step)]
    return UNRESOLVED


def _literal(expression: str) -> Any:
    if re.fullmatch(r"-?\d+", expression):
        return int(expression)
    if re.fullmatch(r"-?\d+\.\d+(?:[eE][+-]?\d+)?|-?\d+[eE][+-]?\d+", expression):
        number = float(expression)
        return int(number) if number.is_integer() and "." not in expression else number
    if expression in ("true", "false"):
        return expression == "true"
    if expression == "null":
        return None
    if re.fullmatch(r'"(?:[^"\\$%]|\\.)*"', expression):
        return expression[1:-1]
    return UNRESOLVED


def _convert(function: str, value: Any) -> Any:
    if value is UNRESOLVED or is_unresolved(value):
        return UNRESOLVED
    if function == "tomap":
        return value if isinstance(value, Mapping) else UNRESOLVED
    if not isinstance(value, list):
        return UNRESOLVED
    if function == "toset" and all(isinstance(v, str) for v in value):
        return sorted(set(value))  # Terraform orders a set of strings lexically
    return list(value)


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def instance_keys(meta: str, value: Any) -> Optional[List[Any]]:
    """The instance keys `count` / `for_each` make (ints, or strings), or None when unresolved."""
    if value is UNRESOLVED or is_unresolved(value):
        return None
    if meta == "count":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)) and float(value).is_integer() and value >= 0:
            return list(range(int(value)))
        if isinstance(value, str) and value.isdigit():
            return list(range(int(value)))
        return None
    if isinstance(value, Mapping):
        return [k for k in value if not (isinstance(k, str) and k.startswith("__"))]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(set(value))
    return None


def for_each_value(value: Any, key: Any) -> Any:
    """`each.value` for one key of a resolved for_each."""
    return value.get(key) if isinstance(value, Mapping) else key


__all__ = [
    "FastHclParser", "FastParseError", "LineIndex", "Lexed", "MAX_DEPTH", "Scope", "UNRESOLVED",
    "for_each_value", "instance_keys", "is_unresolved", "json_depth", "lex_hcl", "plain_number",
    "template_parts", "without_exponents",
]
