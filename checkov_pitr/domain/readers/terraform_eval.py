"""Terraform text and values, without checkov: the HCL scanner (with offsets, for the fixer too), the parser
built on it, and the evaluation of the expressions a scan can resolve. Values keep bc-python-hcl2's shape
(attributes wrapped in one list, expressions as "${...}" strings, which stay where unresolved)."""
from __future__ import annotations

import ast
import bisect
import json
import operator
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple

from checkov_pitr.domain.readers.yaml_loader import line_starts

MAX_DEPTH = 100  # brackets deeper than this are refused before any recursive parser sees them
MAX_LOCAL_DEPTH = 32  # locals referring to locals: deeper chains stay unresolved


# --- The scanner: what is code, string, heredoc or comment, with offsets ---

class HclError(ValueError):
    """Text that is not HCL; `offset` is where the scanner stopped."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass
class Item:
    kind: str  # "attr" | "block"
    name: str
    start: int
    end: int  # after the value (attr) or the closing brace (block)
    labels: List[str] = field(default_factory=list)
    value_start: int = 0
    value_end: int = 0
    equals: int = 0  # offset of `=` (attr)
    open: int = 0  # offset of `{` (block)
    close: int = 0  # offset of `}` (block)


_IDENT = re.compile(r"[A-Za-z_][\w-]*")
_IN_STRING = re.compile(r'\\.|"|\$\$\{|%%\{|[$%]\{|\n', re.S)
# template code: strings, braces; a '...' run is the Python notation bc-python-hcl2 (checkov) writes
_IN_TEMPLATE = re.compile(r"\"|'(?:[^'\\\n]|\\.)*'|[{}]")
_HEREDOC = re.compile(r'<<(-?)[ \t]*"?([A-Za-z_][\w-]*)"?[ \t]*\r?\n')
_BRACKETS = re.compile(r'"|#|//|/\*|<<|[()\[\]{}]')
_CODE = re.compile(r'"|#|//|/\*|<<|[()\[\]{}]|\n|,')
_BLANK = re.compile(r"(?:\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_BLANK_COMMAS = re.compile(r"(?:[\s,]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_SPACE = re.compile(r"[ \t]*")


def skip_string(text: str, i: int) -> int:
    """From the `"` at i to just after its closing quote (templates inside skipped)."""
    pos = i + 1
    while True:
        match = _IN_STRING.search(text, pos)
        if not match or match.group() == "\n":
            raise HclError("a string is not closed on its line", i)
        pos = match.end()
        if match.group() == '"':
            return pos
        if match.group() in ("${", "%{"):
            pos = skip_template(text, pos)


def skip_template(text: str, i: int) -> int:
    """From just inside `${` (or `%{`) to just after its `}`."""
    depth, start = 1, i
    while True:
        match = _IN_TEMPLATE.search(text, i)
        if not match:
            raise HclError("a template interpolation is not closed", start)
        token, i = match.group(), match.end()
        if token == '"':
            i = skip_string(text, match.start())
        elif token in "{}":
            depth += 1 if token == "{" else -1
            if depth == 0:
                return i


def skip_heredoc(text: str, i: int) -> Optional[int]:
    """The end of the heredoc starting at i (after its closing marker), None if none starts there."""
    match = _HEREDOC.match(text, i)
    if not match:
        return None
    end = re.compile(rf"^[ \t]*{re.escape(match.group(2))}[ \t]*(?=\r?$)", re.M).search(text, match.end())
    if not end:
        raise HclError(f"heredoc {match.group(2)} is not closed", i)
    return end.end()


def skip_comment(text: str, i: int) -> int:
    """From the `#`, `//` or `/*` at i to the end of its comment."""
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        if end < 0:
            raise HclError("a /* comment is not closed", i)
        return end + 2
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _code_tokens(text: str, pos: int, end: int, pattern: "re.Pattern[str]" = _BRACKETS) -> Any:
    """(token, start, after) for each `pattern` token of code from pos: strings and heredocs are
    skipped whole; a comment is skipped after its token is taken (a caller may stop before it)."""
    while True:
        match = pattern.search(text, pos, end)
        if not match:
            return
        token, start, pos = match.group(), match.start(), match.end()
        if token == '"':
            pos = skip_string(text, start)
        elif token == "<<":
            pos = skip_heredoc(text, start) or pos
        yield token, start, pos
        if token in ("#", "//", "/*"):
            pos = skip_comment(text, start)


def expression_end(text: str, i: int, end: int, commas: bool = False) -> int:
    """Where the expression starting at i ends (trailing blanks and comments not included): at a newline,
    comment or unmatched closing bracket outside brackets (or a comma, with `commas`)."""
    depth, stop = 0, end
    for token, start, _ in _code_tokens(text, i, end, _CODE):
        if token in "([{":
            depth += 1
        elif depth == 0 and (token in ("#", "//", "/*", "\n", ")", "]", "}") or commas and token == ","):
            stop = start
            break
        elif token in ")]}":
            depth -= 1
    return i + len(text[i:stop].rstrip())


def matching_close(text: str, i: int) -> int:
    """Offset of the bracket closing the one at text[i]."""
    depth = 0
    for token, start, _ in _code_tokens(text, i, len(text)):
        if token in "([{" or token in ")]}":
            depth += 1 if token in "([{" else -1
            if depth == 0:
                return start
    raise HclError("unexpected end of file", len(text.rstrip()) - 1)


def skip_blank(text: str, i: int, end: int, commas: bool = False) -> int:
    """Past blanks and comments (and commas, with `commas`)."""
    return (_BLANK_COMMAS if commas else _BLANK).match(text, i, end).end()  # type: ignore[union-attr]


def parse_body(text: str, start: int, end: int, object_body: bool = False) -> List[Item]:
    """The attributes and blocks of a body (or, `object_body`, the elements of an object constructor)."""
    items: List[Item] = []
    # Terraform's HCL scanner drops a leading UTF-8 BOM (hashicorp/hcl hclsyntax/scan_tokens.rl,
    # scanTokens: stripUTF8BOM); the fixer keeps it in the text and reads on after it
    i = 1 if start == 0 and text.startswith("\ufeff") else start
    while True:
        i = skip_blank(text, i, end, commas=object_body)
        if i >= end:
            return items
        begin = i
        if object_body and text[i] == '"':
            j = skip_string(text, i)
            name = text[i + 1:j - 1]
        else:
            match = _IDENT.match(text, i)
            if not match:
                raise HclError(f"unexpected {text[i]!r}", i)
            name, j = match.group(0), match.end()
        j = _SPACE.match(text, j, end).end()  # type: ignore[union-attr]
        if j < end and (text[j] == "=" and not text.startswith("==", j) or (object_body and text[j] == ":")):
            value_start = _SPACE.match(text, j + 1, end).end()  # type: ignore[union-attr]
            value_end = expression_end(text, value_start, end, commas=object_body)
            if value_end == value_start:
                raise HclError("expected a value", value_start)
            items.append(Item("attr", name, begin, value_end, value_start=value_start, value_end=value_end, equals=j))
            i = value_end
            continue
        labels: List[str] = []
        while j < end and not object_body:
            if text[j] == '"':
                k = skip_string(text, j)
                labels.append(text[j + 1:k - 1])
            else:
                match = _IDENT.match(text, j)
                if not match:
                    break
                labels.append(match.group(0))
                k = match.end()
            j = _SPACE.match(text, k, end).end()  # type: ignore[union-attr]
        if j < end and text[j] == "{" and not object_body:
            close = matching_close(text, j)
            items.append(Item("block", name, begin, close + 1, labels=labels, open=j, close=close))
            i = close + 1
            continue
        raise HclError(f"unexpected {text[j]!r}" if j < end else "unexpected end of file", j)


# --- The parser: a file into bc-python-hcl2's shape ---

@dataclass
class Lexed:
    """What a pass over the text found: comments (offset, text) and the deepest bracket nesting."""

    comments: List[Tuple[int, str]] = field(default_factory=list)
    max_depth: int = 0


def lex_hcl(text: str) -> Lexed:
    """One pass over HCL text, strings and heredocs skipped (a `#` in a value is no comment); it stops
    at the first error, which the parser reports."""
    found, depth = Lexed(), 0
    try:
        for token, start, _ in _code_tokens(text, 0, len(text)):
            if token in ("#", "//", "/*"):
                found.comments.append((start, text[start:skip_comment(text, start)]))
            elif token in "([{" or token in ")]}":
                depth += 1 if token in "([{" else -1
                found.max_depth = max(found.max_depth, depth)
    except (HclError, RecursionError):
        pass
    return found


def json_depth(text: str) -> int:
    """The deepest bracket nesting of a JSON text, strings skipped."""
    depth = deepest = 0
    for token in re.findall(r'"(?:\\.|[^"\\])*"|[\[\]{}]', text):
        depth += 1 if token in "[{" else -1 if token in "]}" else 0  # a string token is two characters or more
        deepest = max(deepest, depth)
    return deepest


def line_numbers(text: str) -> Callable[[int], int]:
    """The 1-based line number of an offset in `text`."""
    return partial(bisect.bisect_right, line_starts(text))


def parse_hcl(text: str, line_at: Optional[Callable[[int], int]] = None) -> Dict[str, Any]:
    """A file's blocks and attributes in bc-python-hcl2's shape, top-level blocks with their lines (`line_at`:
    the text's line_numbers, when the caller has them already)."""
    line_at = line_at or line_numbers(text)

    def body(start: int, end: int, top: bool) -> Dict[str, Any]:
        found: Dict[str, Any] = {}
        for item in parse_body(text, start, end):
            if item.kind == "attr":
                found[item.name] = [hcl_value(text, item.value_start, item.value_end)]
                continue
            inner: Dict[str, Any] = body(item.open + 1, item.close, False)
            if top:
                inner["__start_line__"], inner["__end_line__"] = line_at(item.start), line_at(item.close)
            for label in reversed(item.labels):
                inner = {label: inner}
            found.setdefault(item.name, []).append(inner)
        return found

    return body(0, len(text), True)


_LITERALS = {"true": True, "false": False, "null": None}
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?\Z")


def hcl_value(text: str, start: int, end: int) -> Any:
    """The expression text[start:end] as a value where it is a literal (a string as written, escapes
    kept), a list or an object; any other expression as "${expression}"."""
    expression = text[start:end]
    number = _NUMBER.match(expression)
    if expression in _LITERALS or number:
        return _LITERALS[expression] if not number else (
            _tidy(float(expression)) if number.group(2) else float(expression) if number.group(1) else int(expression))
    try:
        if expression[0] == '"' and skip_string(text, start) == end:
            return expression[1:-1]
        if expression[0] == "<" and skip_heredoc(text, start) == end:
            match = _HEREDOC.match(text, start)
            content = text[match.end():text.rfind("\n", 0, end) + 1][:-1]  # type: ignore[union-attr]
            if match.group(1):  # type: ignore[union-attr]  # <<- trims the common indentation
                cut = min((len(line) - len(line.lstrip()) for line in content.split("\n") if line.strip()), default=0)
                content = "\n".join(line[cut:] for line in content.split("\n"))
            return content
        if expression[0] in "[{" and matching_close(text, start) == end - 1 and not re.match(r".\s*for\s", expression):
            if expression[0] == "{":
                items = parse_body(text, start + 1, end - 1, object_body=True)
                if not any("${" in item.name or "%{" in item.name for item in items):
                    return {item.name: hcl_value(text, item.value_start, item.value_end) for item in items}
            else:
                values, i = [], skip_blank(text, start + 1, end - 1, commas=True)
                while i < end - 1:
                    stop = expression_end(text, i, end - 1, commas=True)
                    if stop == i:
                        raise HclError("unexpected " + repr(text[i]), i)
                    values.append(hcl_value(text, i, stop))
                    i = skip_blank(text, stop, end - 1, commas=True)
                return values
    except HclError:
        pass
    return "${" + expression.strip() + "}"


# --- Strings: HCL escapes and templates ---

# HCL's escapes in quoted strings (hclsyntax spec, "Template Literals"); heredocs have none.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r'\\(?:[nrt"\\]|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})')
_TEMPLATE_MARK = re.compile(r"\$\$\{|%%\{|[$%]\{")


def _unescape(match: "re.Match[str]") -> str:
    # an escape HCL does not know, or a code point that is none, stays as written: Terraform refuses the file
    code = match.group()[1:]
    if len(code) == 1:
        return _ESCAPES[code]
    point = int(code[1:], 16)
    return chr(point) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else match.group()


def split_template(text: str, escapes: bool = False) -> Optional[List[Tuple[bool, str]]]:
    """A template as (is_expression, text) parts: literal parts decoded (`$${` is `${`, `%%{` is `%{`,
    and HCL's backslash escapes where `escapes`: a quoted string in HCL, not a .tf.json string),
    expression parts as written. None for a directive (`%{ if }`) or an unclosed `${`."""
    parts: List[Tuple[bool, str]] = []
    literal, pos = "", 0
    while True:
        match = _TEMPLATE_MARK.search(text, pos)
        chunk = text[pos:match.start() if match else len(text)]
        literal += _ESCAPE.sub(_unescape, chunk) if escapes else chunk
        if not match:
            return parts + [(False, literal)] if literal else parts
        if match.group() == "%{":
            return None
        if match.group() != "${":
            literal, pos = literal + match.group()[1:], match.end()
            continue
        try:
            end = skip_template(text, match.end()) - 1
        except HclError:
            return None
        if literal:
            parts.append((False, literal))
        parts.append((True, text[match.end():end].strip().strip("~")))
        literal, pos = "", end + 1


def normalize_string(raw: str) -> str:
    """A quoted HCL string as written in the form values are kept in: escapes decoded, a literal
    `${` / `%{` written `$${` / `%%{`, interpolations as written."""
    if "\\" not in raw:
        return raw
    parts = split_template(raw, escapes=True)
    if parts is None:
        return raw
    return "".join("${" + text + "}" if is_expression else _written(text) for is_expression, text in parts)


def _written(literal: str) -> str:
    return literal.replace("${", "$${").replace("%{", "%%{")


# --- Expressions: Terraform's syntax (and checkov's Python notation: 'quoted', None), evaluated ---

class Unknown:
    """A value the scan cannot know; `text` names what it depends on (`var.x`), where known."""

    __slots__ = ("text", "path")

    def __init__(self, text: Optional[str] = None, path: bool = False) -> None:
        self.text = text
        self.path = path  # text is a reference (`aws_kms_key.k`): an attribute taken of it extends it

    def __repr__(self) -> str:
        return f"UNRESOLVED({self.text})" if self.text else "UNRESOLVED"


class _Undecidable(Exception):
    """Not an expression this evaluator reads (a heredoc inside an expression, a syntax error)."""


class EvalError(Exception):
    """An expression Terraform itself refuses on these values (a missing key, a wrong type): try()
    moves on to its next argument; elsewhere the value stays unresolved."""


MAX_INSTANCES = 10_000  # count / for_each instances of one resource or module call
MAX_EVALUATION_STEPS = 200_000  # collection elements one evaluation may make or visit

_TOKEN = re.compile(r"""
 (?P<string>")
|(?P<ws>(?:\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)+)
|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
|(?P<pystring>'(?:[^'\\]|\\.)*')
|(?P<name>[A-Za-z_][\w-]*)
|(?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|\[\s*\*\s*\]|[-+*/%<>!?:()\[\]{},.=])
""", re.X | re.S)
_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": operator.mod,
              "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
              "==": lambda left, right: _equal(left, right), "!=": lambda left, right: not _equal(left, right)}
_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_KEYWORDS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


def _tokens(text: str) -> List[Tuple[str, Any]]:
    found: List[Tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise _Undecidable(text[pos:pos + 20])
        kind, value, pos = match.lastgroup or "", match.group(), match.end()
        if kind == "string":
            pos = skip_string(text, match.start())
            value = text[match.start() + 1:pos - 1]
        elif kind == "pystring":  # bc-python-hcl2 writes a nested string as Python's repr of its HCL text
            kind, value = "string", ast.literal_eval(value)
        elif kind == "op":
            value = re.sub(r"\s+", "", value)
        if kind != "ws":
            found.append((kind, value))
    return found


class _Parser:
    """expr := binary ['?' expr ':' expr]; binary: || && == != < > <= >= + - * / % by precedence;
    unary := ('!' | '-') unary | postfix; postfix := primary { .name | [expr] | [*] | .* }."""

    def __init__(self, tokens: List[Tuple[str, Any]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self, ahead: int = 0) -> Tuple[str, Any]:
        index = self.i + ahead
        return self.tokens[index] if index < len(self.tokens) else ("end", None)

    def at(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        return token[0] == kind and (value is None or token[1] == value)

    def accept(self, kind: str, value: Any = None) -> bool:
        """Take the next token where it is one of `kind` (and `value`)."""
        if self.at(kind, value):
            self.i += 1
            return True
        return False

    def take(self, kind: Optional[str] = None, value: Any = None) -> Tuple[str, Any]:
        token = self.peek()
        if token[0] == "end" or (kind and token[0] != kind) or (value is not None and token[1] != value):
            raise _Undecidable(f"expected {value or kind}")
        self.i += 1
        return token

    def parse(self) -> Any:
        node = self.expr()
        if self.peek()[0] != "end":
            raise _Undecidable("trailing tokens")
        return node

    def expr(self) -> Any:
        condition = self.binary(1)
        if self.accept("op", "?"):
            when_true = self.expr()
            self.take("op", ":")
            return ("cond", condition, when_true, self.expr())
        return condition

    def binary(self, level: int) -> Any:
        left = self.unary()
        while self.peek()[0] == "op" and _BINARY.get(self.peek()[1], 0) >= level:
            op = self.take()[1]
            left = ("bin", op, left, self.binary(_BINARY[op] + 1))
        return left

    def unary(self) -> Any:
        if self.at("op", "!") or self.at("op", "-"):
            return ("unary", self.take()[1], self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Any, in_splat: bool = False) -> Any:
        """The steps taken of `node`; after a splat, those taken of each element (`.name` and `[key]`)."""
        while True:
            if self.at("op", ".") and self.peek(1)[0] in (("name",) if in_splat else ("name", "number")):
                self.take()
                kind, value = self.take()
                is_index = kind == "number" and value.isdigit()  # `list.0` is `list[0]`
                node = ("index", node, ("lit", int(value) if is_index else value), not is_index)
            elif not in_splat and (self.at("op", "[*]") or (self.at("op", ".") and self.peek(1) == ("op", "*"))):
                self.i += 1 if self.at("op", "[*]") else 2
                node = ("splat", node, self.postfix(("element",), in_splat=True))
            elif self.accept("op", "["):
                key = self.expr()
                self.take("op", "]")
                node = ("index", node, key, False)
            else:
                return node

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "number":
            return ("lit", int(value) if value.isdigit() else _tidy(float(value)))
        if kind == "string":
            return _template_node(value)
        if kind == "name":
            if value in _KEYWORDS:
                return ("lit", _KEYWORDS[value])
            if self.at("op", "("):
                return self.call(value)
            return ("ref", value)
        if (kind, value) == ("op", "("):
            inner = self.expr()
            self.take("op", ")")
            return inner
        if (kind, value) == ("op", "["):
            return self.for_expression("]") if self.at("name", "for") else ("tuple", self.listed("]", self.expr))
        if (kind, value) == ("op", "{"):
            return self.for_expression("}") if self.at("name", "for") else (
                "object", self.listed("}", self.member, commas=False))
        raise _Undecidable(f"unexpected {value!r}")

    def listed(self, close: str, item: Any, commas: bool = True) -> List[Any]:
        """Items up to `close`, separated by commas (in an object, newlines will do: they are not tokens)."""
        found: List[Any] = []
        while not self.accept("op", close):
            found.append(item())
            if not self.accept("op", ",") and commas and not self.at("op", close):
                raise _Undecidable("expected ,")
        return found

    def call(self, name: str) -> Any:
        self.take("op", "(")
        args = self.listed(")", lambda: (self.expr(), self.accept("op", "...")))
        return ("call", name.split("::")[-1], [arg for arg, _ in args], any(expand for _, expand in args))

    def member(self) -> Tuple[Any, Any]:
        if self.peek()[0] == "name" and self.peek(1) in (("op", "="), ("op", ":")):
            key: Any = ("lit", self.take()[1])
        else:
            key = self.expr()
        if not (self.accept("op", "=") or self.accept("op", ":")):
            raise _Undecidable("expected = in an object")
        return key, self.expr()

    def for_expression(self, close: str) -> Any:
        self.take("name", "for")
        names = [self.take("name")[1]]
        if self.accept("op", ","):
            names.append(self.take("name")[1])
        self.take("name", "in")
        collection = self.expr()
        self.take("op", ":")
        key = None
        if close == "}":
            key = self.expr()
            self.take("op", "=>")
        value = self.expr()
        group = self.accept("op", "...")
        condition = self.expr() if self.accept("name", "if") else None
        self.take("op", close)
        return ("for", names, collection, key, value, condition, group)


def _template_node(raw: str, escapes: bool = True) -> Any:
    """A quoted string in an expression (`escapes`), or a value kept in bc-python-hcl2's shape, whose
    literal `${` stays written `$${` (so no later reading takes it for an expression)."""
    parts = split_template(raw, escapes)
    if parts is None:
        raise _Undecidable("template directive")
    if len(parts) == 1 and parts[0][0]:
        return parse_expression(parts[0][1])  # "${x}" is the value of x, not a string of it
    return ("template", [parse_expression(text) if is_expression else text if escapes else _written(text)
                         for is_expression, text in parts])


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> Any:
    """The syntax tree of one expression; raises _Undecidable for what this parser does not read."""
    try:
        return _Parser(_tokens(text)).parse()
    except (ValueError, SyntaxError, RecursionError, MemoryError) as exc:
        raise _Undecidable(str(exc)) from None


def _first_unknown(*values: Any) -> Optional[Unknown]:
    """The first Unknown in the values, inside collections too."""
    for value in values:
        inner = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        found = value if isinstance(value, Unknown) else _first_unknown(*inner)
        if found is not None:
            return found
    return None


def contains_unknown(value: Any) -> bool:
    return _first_unknown(value) is not None


def _as_bool(value: Any) -> Any:
    if isinstance(value, (bool, Unknown)):
        return value
    if isinstance(value, str) and value in ("true", "false"):  # Terraform converts these strings
        return value == "true"
    raise EvalError(f"{value!r:.40} is not a bool")


def _as_number(value: Any) -> Any:
    if isinstance(value, Unknown) or _is_number(value):
        return value
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return _tidy(float(value))
    raise EvalError(f"{value!r:.40} is not a number")


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    raise EvalError(f"{value!r:.40} is not a string")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _tidy(number: Any) -> Any:
    return int(number) if isinstance(number, float) and number.is_integer() and abs(number) < 2 ** 63 else number


def _sorted_set(values: List[Any]) -> List[Any]:
    """A set of known primitive values in Terraform's order: strings lexically, numbers by value."""
    unique = _distinct(values)
    if all(isinstance(v, str) for v in unique) or all(_is_number(v) for v in unique):
        return sorted(unique)
    return unique


def _distinct(values: List[Any]) -> List[Any]:
    """The values without repeats, in order (1 and true, "1" and 1 are different values)."""
    unique: Dict[Any, Any] = {}
    for value in values:
        unique.setdefault((type(value).__name__, json.dumps(value, sort_keys=True, default=repr)), value)
    return list(unique.values())


class _Namespace(Unknown):
    """`var` or `local` before its attribute is taken; alone (`count = var`) it is unknown, as it is invalid."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Evaluator:
    def __init__(self, scope: "Scope", depth: int) -> None:
        self.scope, self.depth, self.steps = scope, depth, 0

    def spend(self, items: Any) -> Any:
        """`items` (a collection), counted against the bound on one evaluation's work."""
        self.steps += len(items)
        if self.steps > MAX_EVALUATION_STEPS:
            raise _Undecidable("too large to evaluate")
        return items

    # -- nodes --
    def eval(self, node: Any, names: Mapping[str, Any]) -> Any:
        return getattr(self, "e_" + node[0])(node, names)

    def e_lit(self, node: Any, names: Mapping[str, Any]) -> Any:
        return node[1]

    def e_template(self, node: Any, names: Mapping[str, Any]) -> Any:
        pieces: List[str] = []
        for part in node[1]:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = self.eval(part, names)
            if isinstance(value, Unknown):
                return value
            pieces.append(_as_string(value))  # not null, nor a collection
        return "".join(pieces)

    def e_ref(self, node: Any, names: Mapping[str, Any]) -> Any:
        name = node[1]
        if name in names:
            return names[name]
        if name in self.scope.extra:
            return self.scope.extra[name]
        if name in ("var", "local"):
            return _Namespace(name)
        return Unknown(name, path=True)  # module outputs, data sources, other resources, path, terraform.workspace

    def e_index(self, node: Any, names: Mapping[str, Any]) -> Any:
        return self.step(self.eval(node[1], names), self.eval(node[2], names), attribute=node[3])

    def step(self, target: Any, key: Any, attribute: bool) -> Any:
        if isinstance(target, _Namespace):
            if not isinstance(key, str):
                raise EvalError("var / local need a name")
            if target.kind == "var":
                return self.scope.variable(key)
            return self.scope.local(key, self.depth + 1)
        if isinstance(target, Unknown):
            if target.path and target.text and isinstance(key, (str, int)) and not isinstance(key, bool):
                return Unknown(f"{target.text}.{key}" if attribute else f"{target.text}[{json.dumps(key)}]", path=True)
            return target
        if isinstance(key, Unknown):
            return key
        if isinstance(target, Mapping):
            return _get(target, key)
        if isinstance(target, list) and not attribute:
            index = _as_number(key)
            if not isinstance(index, int) or not 0 <= index < len(target):
                raise EvalError(f"index {key!r} out of range")
            return target[index]
        raise EvalError(f"cannot take {key!r} of {target!r:.40}")

    def e_splat(self, node: Any, names: Mapping[str, Any]) -> Any:
        target = self.eval(node[1], names)
        if isinstance(target, Unknown):
            return target
        items = [] if target is None else target if isinstance(target, list) else [target]
        return [self.eval(node[2], {**names, " element": item}) for item in self.spend(items)]

    def e_element(self, node: Any, names: Mapping[str, Any]) -> Any:
        return names[" element"]  # the splat's element: a name no expression can write

    def e_unary(self, node: Any, names: Mapping[str, Any]) -> Any:
        value = (_as_bool if node[1] == "!" else _as_number)(self.eval(node[2], names))
        return value if isinstance(value, Unknown) else not value if node[1] == "!" else -value

    def e_cond(self, node: Any, names: Mapping[str, Any]) -> Any:
        condition = _as_bool(self.eval(node[1], names))
        if isinstance(condition, Unknown):
            return condition
        return self.eval(node[2] if condition else node[3], names)

    def e_bin(self, node: Any, names: Mapping[str, Any]) -> Any:
        op = node[1]
        left = self.eval(node[2], names)
        if op in ("&&", "||"):
            left = _as_bool(left)
            if left is (op == "||"):
                return left  # false && x is false, true || x is true, whatever x is
            right = _as_bool(self.eval(node[3], names))
            if isinstance(right, Unknown):
                return right
            if isinstance(left, Unknown):
                return left if right is (op == "&&") else right
            return right
        right = self.eval(node[3], names)
        if op not in ("==", "!="):
            left, right = _as_number(left), _as_number(right)
        unknown = _first_unknown(left, right)
        if unknown:
            return unknown
        if op in ("/", "%") and right == 0:
            raise EvalError("division by zero")
        return _tidy(_OPERATORS[op](left, right))

    def e_tuple(self, node: Any, names: Mapping[str, Any]) -> Any:
        return [self.eval(item, names) for item in self.spend(node[1])]

    def e_object(self, node: Any, names: Mapping[str, Any]) -> Any:
        found: Dict[str, Any] = {}
        for key_node, value_node in self.spend(node[1]):
            key = self.eval(key_node, names)
            if isinstance(key, Unknown):
                return key
            found[_as_string(key)] = self.eval(value_node, names)
        return found

    def e_for(self, node: Any, names: Mapping[str, Any]) -> Any:
        loop_names, collection_node, key_node, value_node, condition_node, group = node[1:]
        collection = self.eval(collection_node, names)
        if isinstance(collection, Unknown):
            return collection
        # Terraform iterates a map in lexical key order
        pairs = sorted(collection.items()) if isinstance(collection, Mapping) else list(enumerate(_list(collection)))
        items: List[Tuple[Any, Any]] = []
        for key, value in self.spend(pairs):
            inner = {**names, loop_names[0]: key if len(loop_names) == 2 else value, loop_names[-1]: value}
            if condition_node is not None:
                keep = _as_bool(self.eval(condition_node, inner))
                if isinstance(keep, Unknown):
                    return keep  # which elements are kept is unknown
                if not keep:
                    continue
            made_key = self.eval(key_node, inner) if key_node is not None else None
            items.append((made_key, self.eval(value_node, inner)))
        if key_node is None:
            return [value for _, value in items]
        result: Dict[str, Any] = {}
        for key, value in items:
            if isinstance(key, Unknown):
                return key
            key = _as_string(key)
            if group:
                result.setdefault(key, []).append(value)
            elif key in result:
                raise EvalError(f"duplicate key {key!r} in a for expression")
            else:
                result[key] = value
        return result

    def e_call(self, node: Any, names: Mapping[str, Any]) -> Any:
        name, arg_nodes, expand = node[1], node[2], node[3]
        if name in ("try", "can"):
            return self.try_or_can(name, arg_nodes, names)
        args = [self.eval(arg, names) for arg in arg_nodes]
        if expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            args.extend(_list(last))
        function = _FUNCTIONS.get(name)
        if function is None:
            return Unknown(None)  # a function this scan does not evaluate (timestamp(), file(), ...)
        unknown = next((a for a in args if isinstance(a, Unknown)), None) if name in _PARTIAL else _first_unknown(*args)
        if unknown:
            return unknown
        try:
            return function(self, *args)
        except TypeError as exc:
            raise EvalError(f"{name}: {exc}") from None

    def try_or_can(self, name: str, arg_nodes: List[Any], names: Mapping[str, Any]) -> Any:
        for arg in arg_nodes:
            try:
                value = self.eval(arg, names)
            except EvalError:
                continue
            unknown = _first_unknown(value)
            if unknown:
                return unknown  # it might still fail: Terraform waits too
            return True if name == "can" else value
        if name == "can":
            return False
        raise EvalError("no argument of try() could be evaluated")


def _equal(left: Any, right: Any) -> bool:
    # 1 == 1.0, but 1 != true and 1 != "1"
    return (_is_number(left) and _is_number(right) or type(left) is type(right)) and left == right


def _list(value: Any) -> List[Any]:
    if not isinstance(value, list):
        raise EvalError(f"{value!r:.40} is not a list")
    return value


def _map(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EvalError(f"{value!r:.40} is not a map")
    return value


def _refuse(message: str) -> Any:
    raise EvalError(message)


def _get(mapping: Any, key: Any, *default: Any) -> Any:
    """mapping[key] (the key converted to a string, as Terraform does), else the default."""
    key = _as_string(key)
    if key in _map(mapping):
        return mapping[key]
    return default[0] if default else _refuse(f"no key {key!r}")


def _flatten(evaluator: _Evaluator, value: Any) -> List[Any]:
    return [flat for item in evaluator.spend(_list(value))
            for flat in (_flatten(evaluator, item) if isinstance(item, list) else [item])]


def _range(evaluator: _Evaluator, *args: Any) -> List[Any]:
    numbers = [_as_number(a) for a in args]
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (numbers + [1])[:3]
    if step == 0 or len(numbers) > 3:
        raise EvalError("range: bad arguments")
    count = max(0, int((stop - start + step - (1 if step > 0 else -1)) // step))
    # past the bound spend() refuses it; clipped first, as len() of a range past 2**63 overflows
    return [_tidy(start + i * step) for i in evaluator.spend(range(min(count, MAX_EVALUATION_STEPS + 1)))]


def _strings(values: Any) -> List[str]:
    return [_as_string(v) for v in _list(values)]


# Every function that can build a count, a for_each or a PITR value in real configurations (not only
# in our fixtures): one that is missing makes a decided value unresolved.
_FUNCTIONS: Dict[str, Any] = {
    "coalescelist": lambda e, *lists: next((items for items in lists if _list(items)), []),
    "trimspace": lambda e, text: _as_string(text).strip(),
    "trimprefix": lambda e, text, prefix: _as_string(text).removeprefix(_as_string(prefix)),
    "trimsuffix": lambda e, text, suffix: _as_string(text).removesuffix(_as_string(suffix)),
    "join": lambda e, separator, *lists: _as_string(separator).join(s for items in lists for s in _strings(items)),
    # a /regex/ pattern is not evaluated
    "replace": lambda e, text, old, new: (Unknown(None) if _as_string(old).startswith("/")
                                          else _as_string(text).replace(_as_string(old), _as_string(new))),
    "index": lambda e, items, value: next((i for i, v in enumerate(_list(items)) if _equal(v, value)), None),
    "abs": lambda e, number: abs(_as_number(number)),
    "sum": lambda e, numbers: _tidy(sum(_as_number(n) for n in _list(numbers))),
    "one": lambda e, items: _refuse("one: more than one element") if len(_list(items)) > 1 else (items + [None])[0],
    "sort": lambda e, items: sorted(_strings(items)),
    "reverse": lambda e, items: list(reversed(_list(items))),
    "setunion": lambda e, *sets: _sorted_set([v for s in sets for v in _list(s)]),
    "length": lambda e, value: len(value) if isinstance(value, (list, Mapping, str)) else _refuse("length of a scalar"),
    "keys": lambda e, m: sorted(_map(m)),
    "values": lambda e, m: [v for _, v in sorted(_map(m).items())],
    "lookup": lambda e, mapping, key, *default: _get(mapping, key, *default),
    "contains": lambda e, items, value: any(_equal(item, value) for item in _list(items)),
    "concat": lambda e, *lists: [item for items in lists for item in _list(items)],
    "merge": lambda e, *maps: e.spend({k: v for m in maps if m is not None for k, v in _map(m).items()}),
    "flatten": _flatten,
    "distinct": lambda e, items: _distinct(_list(items)),
    "compact": lambda e, items: [v for v in _list(items) if v is not None and v != ""],
    "coalesce": lambda e, *args: ([a for a in args if a is not None and a != ""] or _refuse("coalesce: all null"))[0],
    "toset": lambda e, items: _sorted_set(_list(items)),
    "tolist": lambda e, items: list(_list(items)),
    "tomap": lambda e, value: dict(_map(value)),
    "tobool": lambda e, value: None if value is None else _as_bool(value),
    "tonumber": lambda e, value: None if value is None else _as_number(value),
    "tostring": lambda e, value: None if value is None else _as_string(value),
    "upper": lambda e, text: _as_string(text).upper(),
    "lower": lambda e, text: _as_string(text).lower(),
    "startswith": lambda e, text, prefix: _as_string(text).startswith(_as_string(prefix)),
    "endswith": lambda e, text, suffix: _as_string(text).endswith(_as_string(suffix)),
    "split": lambda e, separator, text: e.spend(_as_string(text).split(_as_string(separator)) if _as_string(separator)
                                                else list(_as_string(text))),
    "element": lambda e, items, index: (_list(items)[_as_number(index) % len(items)]
                                        if items and isinstance(_as_number(index), int) else _refuse("element")),
    "range": _range,
    "zipmap": lambda e, ks, vs: dict(zip(_strings(ks), _list(vs))),
    "min": lambda e, *numbers: _tidy(min(_as_number(n) for n in numbers)),
    "max": lambda e, *numbers: _tidy(max(_as_number(n) for n in numbers)),
    "alltrue": lambda e, items: all(_as_bool(v) for v in _list(items)),
    "anytrue": lambda e, items: any(_as_bool(v) for v in _list(items)),
    "slice": lambda e, items, start, end: _list(items)[_as_number(start):_as_number(end)],
    "nonsensitive": lambda e, value: value,
    "sensitive": lambda e, value: value,
}
# functions whose result is known while parts of their arguments are not (length of a list of unknowns)
_PARTIAL = {"length", "keys", "values", "lookup", "concat", "merge", "tolist", "tomap", "element", "slice", "one",
            "reverse", "coalescelist", "nonsensitive", "sensitive"}


# --- Scope: what names mean in one module instance ---

@dataclass
class Scope:
    """What names mean in one module instance: its variables (final values), its locals (raw
    expressions, evaluated on demand), and `each` / `count` / dynamic-block iterators."""

    variables: Dict[str, Any] = field(default_factory=dict)
    locals_raw: Dict[str, Any] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)
    _locals: Dict[str, Any] = field(default_factory=dict)
    _resolving: Set[str] = field(default_factory=set)

    def child(self, **extra: Any) -> "Scope":
        """The same module scope with more iterator names (locals already evaluated are shared)."""
        scope = Scope(self.variables, self.locals_raw, {**self.extra, **extra})
        scope._locals, scope._resolving = self._locals, self._resolving
        return scope

    # -- names --
    def variable(self, name: str) -> Any:
        value = self.variables.get(name, Unknown())  # not set: named by the reference
        return Unknown(f"var.{name}", path=True) if isinstance(value, Unknown) and not value.text else value

    def local(self, name: str, depth: int = 0) -> Any:
        if name in self._locals:
            return self._locals[name]
        if name not in self.locals_raw or name in self._resolving or depth > MAX_LOCAL_DEPTH:
            return Unknown(f"local.{name}", path=True)  # unknown, or a cycle (Terraform refuses it)
        self._resolving.add(name)
        try:
            value = self.value(self.locals_raw[name], depth + 1)
        finally:
            self._resolving.discard(name)
        if isinstance(value, Unknown) and not value.text:
            value = Unknown(f"local.{name}", path=True)
        if not self.extra:  # iterator-free values can be shared by every instance
            self._locals[name] = value
        return value

    # -- values --
    def value(self, raw: Any, depth: int = 0) -> Any:
        """A value in bc-python-hcl2's shape as Terraform computes it; Unknown where the scan cannot know."""
        return _each_string(raw, lambda text: self._template(text, depth))

    def _template(self, text: str, depth: int) -> Any:
        if "${" not in text:
            return text  # no interpolation: kept as written (`$${` too)
        if depth > MAX_LOCAL_DEPTH:
            return Unknown(None)
        try:
            return _Evaluator(self, depth).eval(_template_node(text, escapes=False), {})
        except (_Undecidable, EvalError, RecursionError):
            return Unknown(None)

    def resolve(self, value: Any) -> Any:
        """`value` with what the scan can evaluate replaced by its value; the rest stays an expression
        string naming what it depends on ("${var.x}", read by core.terraform_reference)."""
        def resolved(text: str) -> Any:
            computed = self._template(text, 0)
            if isinstance(computed, Unknown):
                return "${" + computed.text + "}" if computed.text else text
            return text if contains_unknown(computed) else computed

        return _each_string(value, resolved)


def _each_string(value: Any, convert: Any) -> Any:
    """`value` with `convert` applied to every string in it (keys starting `__` are the parser's)."""
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, list):
        return [_each_string(v, convert) for v in value]
    if isinstance(value, Mapping):
        return {k: v if str(k).startswith("__") else _each_string(v, convert) for k, v in value.items()}
    return value


Instances = List[Tuple[str, Dict[str, Any]]]  # (address suffix, iterator names) per instance


def instances_of(meta: str, value: Any) -> Tuple[Instances, Optional[str]]:
    """(address suffix, iterator names) per instance a resolved `count` / `for_each` value makes ([] for
    count 0; one unindexed instance where it is unresolved), and why not judged: too many to expand."""
    unresolved: Instances = [("", {})]
    too_many = f"is too large to expand (more than {MAX_INSTANCES} instances); not judged"
    if isinstance(value, Unknown) or (isinstance(value, str) and "${" in value):
        return unresolved, None
    if meta == "count":
        try:
            number = _as_number(value)
        except EvalError:
            return unresolved, None
        if not (float(number).is_integer() and number >= 0):
            return unresolved, None
        if number > MAX_INSTANCES:
            return unresolved, f"count of {int(number)} {too_many}"
        return [(f"[{i}]", {"count": {"index": i}}) for i in range(int(number))], None
    if isinstance(value, (Mapping, list)) and len(value) > MAX_INSTANCES:
        return unresolved, f"for_each of {len(value)} elements {too_many}"
    if isinstance(value, Mapping):
        keys = sorted(k for k in value if not (isinstance(k, str) and k.startswith("__")))
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        keys = _sorted_set(value)
    else:
        return unresolved, None
    return [(f'["{k}"]', {"each": {"key": k, "value": value.get(k) if isinstance(value, Mapping) else k}})
            for k in keys], None


__all__ = [
    "EvalError", "HclError", "Item", "Lexed", "MAX_DEPTH", "MAX_INSTANCES", "Scope",
    "Instances", "Unknown", "contains_unknown", "instances_of",
    "expression_end", "hcl_value", "json_depth", "lex_hcl", "line_numbers", "matching_close", "normalize_string",
    "parse_body", "parse_expression", "parse_hcl", "skip_blank", "split_template",
]
