"""Terraform text and values, without checkov: a lexer (comments, bracket depth, exponent literals),
a fast parser for large HCL files, and the evaluation of the few expressions a scan can resolve.

Values are kept in the shape bc-python-hcl2 (the parser checkov uses) gives them: block-body
attributes wrapped in one list, expressions as "${...}" strings. A value the scan cannot resolve
stays such a string, which `core.terraform_reference` recognises as unresolved.
"""
from __future__ import annotations

import ast
import bisect
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

MAX_DEPTH = 100  # brackets deeper than this are refused before any recursive parser sees them
MAX_LOCAL_DEPTH = 32  # locals referring to locals: deeper chains stay unresolved


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
# Strings: HCL escapes and templates
# ---------------------------------------------------------------------------------------------

# HCL's escapes in quoted strings (hclsyntax spec, "Template Literals"); heredocs have none.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEX = frozenset("0123456789abcdefABCDEF")


def _escape_at(text: str, pos: int) -> Tuple[str, int]:
    """What the escape at text[pos] (a backslash) stands for, and the position after it."""
    kind = text[pos + 1:pos + 2]
    if kind in _ESCAPES:
        return _ESCAPES[kind], pos + 2
    width = {"u": 4, "U": 8}.get(kind)
    if width:
        digits = text[pos + 2:pos + 2 + width]
        if len(digits) == width and all(c in _HEX for c in digits):
            code = int(digits, 16)
            if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), pos + 2 + width
    return "\\", pos + 1  # an escape HCL does not know: Terraform refuses the file; the text stays


def decode_escapes(text: str) -> str:
    """A quoted HCL string without templates (a block label, an object key) as it decodes."""
    if "\\" not in text:
        return text
    out, pos = [], 0
    while pos < len(text):
        if text[pos] == "\\":
            char, pos = _escape_at(text, pos)
            out.append(char)
        else:
            out.append(text[pos])
            pos += 1
    return "".join(out)


def split_template(text: str, escapes: bool = False) -> Optional[List[Tuple[bool, str]]]:
    """A template as (is_expression, text) parts: literal parts decoded (`$${` is `${`, `%%{` is `%{`,
    and HCL's backslash escapes where `escapes`: a quoted string in HCL, not a .tf.json string),
    expression parts as written. None for a directive (`%{ if }`) or an unclosed `${`."""
    parts: List[Tuple[bool, str]] = []
    literal: List[str] = []
    pos, size = 0, len(text)
    while pos < size:
        char = text[pos]
        if char == "\\" and escapes:
            decoded, pos = _escape_at(text, pos)
            literal.append(decoded)
        elif char in "$%" and text.startswith(char + char + "{", pos):
            literal.append(char + "{")
            pos += 3
        elif char == "$" and text.startswith("${", pos):
            end = _close_brace(text, pos + 2)
            if end is None:
                return None
            if literal:
                parts.append((False, "".join(literal)))
                literal = []
            parts.append((True, text[pos + 2:end].strip().strip("~")))
            pos = end + 1
        elif char == "%" and text.startswith("%{", pos):
            return None
        else:
            literal.append(char)
            pos += 1
    if literal:
        parts.append((False, "".join(literal)))
    return parts


def normalize_string(raw: str) -> str:
    """A quoted HCL string as written (escapes in it) in the form values are kept in: escapes
    decoded, a literal `${` / `%{` written `$${` / `%%{`, interpolations as written. Both HCL
    parsers keep strings as written; this makes `"aws_dynamodb_\\u0074able"` the type it is."""
    if "\\" not in raw:
        return raw
    parts = split_template(raw, escapes=True)
    if parts is None:
        return raw
    return "".join("${" + text + "}" if is_expression else text.replace("${", "$${").replace("%{", "%%{")
                   for is_expression, text in parts)


def _close_brace(text: str, pos: int) -> Optional[int]:
    depth, quote = 0, ""
    while pos < len(text):
        char = text[pos]
        if quote:
            if char == "\\":
                pos += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    return None


# ---------------------------------------------------------------------------------------------
# Expressions: a parser for Terraform's expression syntax (also in the notation bc-python-hcl2
# writes nested values in: 'single quoted', None, {'k': v}) and an evaluator of what a scan knows
# ---------------------------------------------------------------------------------------------

class Unknown:
    """A value the scan cannot know; `text` names what it depends on (`var.x`), where known."""

    __slots__ = ("text", "path")

    def __init__(self, text: Optional[str] = None, path: bool = False) -> None:
        self.text = text
        self.path = path  # text is a reference (`aws_kms_key.k`): an attribute taken of it extends it

    def __repr__(self) -> str:
        return f"UNRESOLVED({self.text})" if self.text else "UNRESOLVED"


UNRESOLVED: Any = Unknown()


class _Undecidable(Exception):
    """Not an expression this evaluator reads (a heredoc inside an expression, a syntax error)."""


class EvalError(Exception):
    """An expression Terraform itself refuses on these values (a missing key, a wrong type): try()
    moves on to its next argument; elsewhere the value stays unresolved."""


MAX_INSTANCES = 10_000  # count / for_each instances of one resource or module call
MAX_EVALUATION_STEPS = 200_000  # collection elements one evaluation may make or visit

_TOKEN = re.compile(r"""
 (?P<ws>(?:\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)+)
|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
|(?P<pystring>'(?:[^'\\]|\\.)*')
|(?P<name>[A-Za-z_][\w-]*)
|(?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|\[\s*\*\s*\]|[-+*/%<>!?:()\[\]{},.=])
""", re.X | re.S)
_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_KEYWORDS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


def _tokens(text: str) -> List[Tuple[str, Any]]:
    found: List[Tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if text[pos] == '"':
            end, quoted = pos + 1, False
            while end < len(text):
                char = text[end]
                if char == "\\":
                    end += 2
                    continue
                if char in "$%" and text.startswith(char + "{", end) and not text.startswith(char + char, end - 1):
                    close = _close_brace(text, end + 2)
                    if close is None:
                        raise _Undecidable("unclosed interpolation")
                    end = close + 1
                    continue
                if char == '"':
                    quoted = True
                    break
                end += 1
            if not quoted:
                raise _Undecidable("unterminated string")
            found.append(("string", text[pos + 1:end]))
            pos = end + 1
            continue
        match = _TOKEN.match(text, pos)
        if not match:
            raise _Undecidable(text[pos:pos + 20])
        pos = match.end()
        kind = match.lastgroup or ""
        if kind == "ws":
            continue
        if kind == "pystring":  # bc-python-hcl2 writes a nested string as Python's repr of its HCL text
            found.append(("string", ast.literal_eval(match.group())))
        elif kind == "op":
            found.append(("op", re.sub(r"\s+", "", match.group())))
        else:
            found.append((kind, match.group()))
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
        if self.at("op", "?"):
            self.take()
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
        if self.at("op", "!"):
            self.take()
            return ("not", self.unary())
        if self.at("op", "-"):
            self.take()
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Any) -> Any:
        while True:
            if self.at("op", ".") and self.peek(1)[0] in ("name", "number"):
                self.take()
                kind, value = self.take()
                node = ("index", node, ("lit", int(value))) if kind == "number" and value.isdigit() else ("attr", node, value)
            elif self.at("op", "[*]") or (self.at("op", ".") and self.peek(1) == ("op", "*")):
                self.i += 1 if self.at("op", "[*]") else 2
                node = ("splat", node, self.accessors())
            elif self.at("op", "["):
                self.take()
                key = self.expr()
                self.take("op", "]")
                node = ("index", node, key)
            else:
                return node

    def accessors(self) -> List[Any]:
        found: List[Any] = []
        while True:
            if self.at("op", ".") and self.peek(1)[0] == "name":
                self.take()
                found.append(("attr", self.take()[1]))
            elif self.at("op", "["):
                self.take()
                found.append(("index", self.expr()))
                self.take("op", "]")
            else:
                return found

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
            return ("paren", inner)
        if (kind, value) == ("op", "["):
            return self.for_expression("]") if self.at("name", "for") else self.tuple_()
        if (kind, value) == ("op", "{"):
            return self.for_expression("}") if self.at("name", "for") else self.object_()
        raise _Undecidable(f"unexpected {value!r}")

    def call(self, name: str) -> Any:
        self.take("op", "(")
        args: List[Any] = []
        expand = False
        while not self.at("op", ")"):
            args.append(self.expr())
            if self.at("op", "..."):
                self.take()
                expand = True
            if not self.at("op", ")"):
                self.take("op", ",")
        self.take("op", ")")
        return ("call", name.split("::")[-1], args, expand)

    def tuple_(self) -> Any:
        items: List[Any] = []
        while not self.at("op", "]"):
            items.append(self.expr())
            if not self.at("op", "]"):
                self.take("op", ",")
        self.take("op", "]")
        return ("tuple", items)

    def object_(self) -> Any:
        items: List[Tuple[Any, Any]] = []
        while not self.at("op", "}"):
            if self.peek()[0] == "name" and self.peek(1) in (("op", "="), ("op", ":")):
                key: Any = ("lit", self.take()[1])
            else:
                key = self.expr()
            if not (self.at("op", "=") or self.at("op", ":")):
                raise _Undecidable("expected = in an object")
            self.take()
            items.append((key, self.expr()))
            if self.at("op", ","):
                self.take()
        self.take("op", "}")
        return ("object", items)

    def for_expression(self, close: str) -> Any:
        self.take("name", "for")
        names = [self.take("name")[1]]
        if self.at("op", ","):
            self.take()
            names.append(self.take("name")[1])
        self.take("name", "in")
        collection = self.expr()
        self.take("op", ":")
        key = None
        if close == "}":
            key = self.expr()
            self.take("op", "=>")
        value = self.expr()
        group = False
        if self.at("op", "..."):
            self.take()
            group = True
        condition = None
        if self.at("name", "if"):
            self.take()
            condition = self.expr()
        self.take("op", close)
        return ("for", names, collection, key, value, condition, group)


def _template_node(raw: str) -> Any:
    parts = split_template(raw, escapes=True)
    if parts is None:
        raise _Undecidable("template directive")
    if len(parts) == 1 and parts[0][0]:
        return ("interpolation", parse_expression(parts[0][1]))
    return ("template", [parse_expression(text) if is_expression else text for is_expression, text in parts])


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> Any:
    """The syntax tree of one expression; raises _Undecidable for what this parser does not read."""
    try:
        return _Parser(_tokens(text)).parse()
    except (ValueError, SyntaxError, RecursionError, MemoryError) as exc:
        raise _Undecidable(str(exc)) from None


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def _first_unknown(*values: Any) -> Optional[Unknown]:
    """The first Unknown in the values, inside collections too."""
    for value in values:
        if isinstance(value, Unknown):
            return value
        inner = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        found = _first_unknown(*inner)
        if found is not None:
            return found
    return None


def _as_bool(value: Any) -> Any:
    if isinstance(value, (bool, Unknown)):
        return value
    if isinstance(value, str) and value in ("true", "false"):  # Terraform converts these strings
        return value == "true"
    raise EvalError(f"{_short(value)} is not a bool")


def _as_number(value: Any) -> Any:
    if isinstance(value, Unknown) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", value.strip()):
        return _tidy(float(value))
    raise EvalError(f"{_short(value)} is not a number")


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    raise EvalError(f"{_short(value)} is not a string")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _tidy(number: Any) -> Any:
    return int(number) if isinstance(number, float) and number.is_integer() and abs(number) < 2 ** 63 else number


def _sorted_set(values: List[Any]) -> List[Any]:
    """A set of known primitive values in Terraform's order: strings lexically, numbers by value."""
    unique = _distinct(values)
    if all(isinstance(v, str) for v in unique):
        return sorted(unique)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in unique):
        return sorted(unique)
    return unique


def _distinct(values: List[Any]) -> List[Any]:
    """The values without repeats, in order (1 and true, "1" and 1 are different values)."""
    seen: Set[Any] = set()
    unique: List[Any] = []
    for value in values:
        key = (type(value).__name__, json.dumps(value, sort_keys=True, default=repr))
        if key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


class _Namespace:
    """`var` or `local` before its attribute is taken."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


class _Evaluator:
    def __init__(self, scope: "Scope", depth: int) -> None:
        self.scope, self.depth, self.steps = scope, depth, 0

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > MAX_EVALUATION_STEPS:
            raise _Undecidable("too large to evaluate")

    # -- nodes --
    def eval(self, node: Any, names: Mapping[str, Any]) -> Any:
        kind = node[0]
        method = getattr(self, "e_" + kind)
        return method(node, names)

    def e_lit(self, node: Any, names: Mapping[str, Any]) -> Any:
        return node[1]

    def e_paren(self, node: Any, names: Mapping[str, Any]) -> Any:
        return self.eval(node[1], names)

    def e_interpolation(self, node: Any, names: Mapping[str, Any]) -> Any:
        return self.eval(node[1], names)

    def e_template(self, node: Any, names: Mapping[str, Any]) -> Any:
        pieces: List[str] = []
        for part in node[1]:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = self.eval(part, names)
            if isinstance(value, Unknown):
                return value
            if value is None:
                raise EvalError("null in a template")
            pieces.append(_as_string(value))
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

    def e_attr(self, node: Any, names: Mapping[str, Any]) -> Any:
        target = self.eval(node[1], names)
        return self.step(target, node[2], attribute=True)

    def e_index(self, node: Any, names: Mapping[str, Any]) -> Any:
        target = self.eval(node[1], names)
        key = self.eval(node[2], names)
        return self.step(target, key, attribute=False)

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
            key = _as_string(key)
            if key not in target:
                raise EvalError(f"no key {key!r}")
            return target[key]
        if isinstance(target, list) and not attribute:
            index = _as_number(key)
            if not isinstance(index, int) or not 0 <= index < len(target):
                raise EvalError(f"index {key!r} out of range")
            return target[index]
        raise EvalError(f"cannot take {key!r} of {_short(target)}")

    def e_splat(self, node: Any, names: Mapping[str, Any]) -> Any:
        target = self.eval(node[1], names)
        if isinstance(target, Unknown):
            return target
        items = [] if target is None else target if isinstance(target, list) else [target]
        self.spend(len(items))
        found = []
        for item in items:
            for kind, key in node[2]:
                item = self.step(item, key if kind == "attr" else self.eval(key, names), attribute=kind == "attr")
            found.append(item)
        return found

    def e_not(self, node: Any, names: Mapping[str, Any]) -> Any:
        value = _as_bool(self.eval(node[1], names))
        return value if isinstance(value, Unknown) else not value

    def e_neg(self, node: Any, names: Mapping[str, Any]) -> Any:
        value = _as_number(self.eval(node[1], names))
        return value if isinstance(value, Unknown) else -value

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
        if op in ("==", "!="):
            if contains_unknown(left) or contains_unknown(right):
                return _first_unknown(left, right) or Unknown(None)
            equal = _equal(left, right)
            return equal if op == "==" else not equal
        left, right = _as_number(left), _as_number(right)
        unknown = _first_unknown(left, right)
        if unknown:
            return unknown
        if op in ("<", ">", "<=", ">="):
            return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
        if op in ("/", "%") and right == 0:
            raise EvalError("division by zero")
        result = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                  "/": lambda: left / right, "%": lambda: left % right}[op]()
        return _tidy(result)

    def e_tuple(self, node: Any, names: Mapping[str, Any]) -> Any:
        self.spend(len(node[1]))
        return [self.eval(item, names) for item in node[1]]

    def e_object(self, node: Any, names: Mapping[str, Any]) -> Any:
        self.spend(len(node[1]))
        found: Dict[str, Any] = {}
        for key_node, value_node in node[1]:
            key = self.eval(key_node[1] if key_node[0] == "paren" else key_node, names) if key_node[0] != "lit" else key_node[1]
            if isinstance(key, Unknown):
                return key
            found[_as_string(key)] = self.eval(value_node, names)
        return found

    def e_for(self, node: Any, names: Mapping[str, Any]) -> Any:
        loop_names, collection_node, key_node, value_node, condition_node, group = node[1:]
        collection = self.eval(collection_node, names)
        if isinstance(collection, Unknown):
            return collection
        if isinstance(collection, Mapping):
            pairs = sorted(collection.items())  # Terraform iterates a map in lexical key order
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            raise EvalError("for needs a collection")
        self.spend(len(pairs))
        items: List[Tuple[Any, Any]] = []
        for key, value in pairs:
            inner = dict(names)
            if len(loop_names) == 2:
                inner[loop_names[0]], inner[loop_names[1]] = key, value
            else:
                inner[loop_names[0]] = value
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
            if not isinstance(last, list):
                raise EvalError("... needs a list")
            args.extend(last)
        function = _FUNCTIONS.get(name)
        if function is None:
            return Unknown(None)  # a function this scan does not evaluate (timestamp(), file(), ...)
        if name not in _PARTIAL:
            if any(contains_unknown(arg) for arg in args):
                return _first_unknown(*args) or Unknown(None)
        elif any(isinstance(arg, Unknown) for arg in args):
            return _first_unknown(*args)
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
            if contains_unknown(value):
                return _first_unknown(value) or Unknown(None)  # it might still fail: Terraform waits too
            return True if name == "can" else value
        if name == "can":
            return False
        raise EvalError("no argument of try() could be evaluated")


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right


def _list(value: Any) -> List[Any]:
    if not isinstance(value, list):
        raise EvalError(f"{_short(value)} is not a list")
    return value


def _map(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EvalError(f"{_short(value)} is not a map")
    return value


def _flatten(evaluator: _Evaluator, value: Any) -> List[Any]:
    found: List[Any] = []
    for item in _list(value):
        evaluator.spend(1)
        found.extend(_flatten(evaluator, item) if isinstance(item, list) else [item])
    return found


def _range(evaluator: _Evaluator, *args: Any) -> List[Any]:
    numbers = [_as_number(a) for a in args]
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (numbers + [1])[:3]
    if step == 0 or len(numbers) > 3:
        raise EvalError("range: bad arguments")
    count = max(0, int((stop - start + step - (1 if step > 0 else -1)) // step))
    evaluator.spend(count)
    return [_tidy(start + i * step) for i in range(count)]


def _lookup(evaluator: _Evaluator, mapping: Any, key: Any, *default: Any) -> Any:
    mapping = _map(mapping)
    key = _as_string(key)
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key {key!r}")


def _merge(evaluator: _Evaluator, *maps: Any) -> Dict[str, Any]:
    merged: Dict[str, Any] = {}
    for mapping in maps:
        if mapping is not None:
            merged.update(_map(mapping))
    evaluator.spend(len(merged))
    return merged


def _coalesce(evaluator: _Evaluator, *args: Any) -> Any:
    for arg in args:
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce: no non-null argument")


def _element(evaluator: _Evaluator, items: Any, index: Any) -> Any:
    items, index = _list(items), _as_number(index)
    if not items or not isinstance(index, int):
        raise EvalError("element: empty list or bad index")
    return items[index % len(items)]


def _one(evaluator: _Evaluator, items: Any) -> Any:
    items = _list(items)
    if len(items) > 1:
        raise EvalError("one: more than one element")
    return items[0] if items else None


def _length(evaluator: _Evaluator, value: Any) -> int:
    if isinstance(value, (list, Mapping, str)):
        return len(value)
    raise EvalError(f"length of {_short(value)}")


def _split(evaluator: _Evaluator, separator: Any, text: Any) -> List[str]:
    parts = _as_string(text).split(_as_string(separator)) if _as_string(separator) else list(_as_string(text))
    evaluator.spend(len(parts))
    return parts


def _strings(values: Any) -> List[str]:
    return [_as_string(v) for v in _list(values)]


_FUNCTIONS: Dict[str, Any] = {
    "length": _length,
    "keys": lambda e, m: sorted(_map(m)),
    "values": lambda e, m: [v for _, v in sorted(_map(m).items())],
    "lookup": _lookup,
    "contains": lambda e, items, value: any(_equal(item, value) for item in _list(items)),
    "concat": lambda e, *lists: [item for items in lists for item in _list(items)],
    "merge": _merge,
    "flatten": _flatten,
    "distinct": lambda e, items: _distinct(_list(items)),
    "compact": lambda e, items: [v for v in _list(items) if v is not None and v != ""],
    "coalesce": _coalesce,
    "coalescelist": lambda e, *lists: next((items for items in lists if _list(items)), []),
    "toset": lambda e, items: _sorted_set(_list(items)),
    "tolist": lambda e, items: list(_list(items)),
    "tomap": lambda e, value: dict(_map(value)),
    "tobool": lambda e, value: None if value is None else _as_bool(value),
    "tonumber": lambda e, value: None if value is None else _as_number(value),
    "tostring": lambda e, value: None if value is None else _as_string(value),
    "upper": lambda e, text: _as_string(text).upper(),
    "lower": lambda e, text: _as_string(text).lower(),
    "trimspace": lambda e, text: _as_string(text).strip(),
    "trimprefix": lambda e, text, prefix: _as_string(text)[len(_as_string(prefix)):] if _as_string(text).startswith(_as_string(prefix)) else _as_string(text),
    "trimsuffix": lambda e, text, suffix: _as_string(text)[:-len(_as_string(suffix))] if _as_string(suffix) and _as_string(text).endswith(_as_string(suffix)) else _as_string(text),
    "startswith": lambda e, text, prefix: _as_string(text).startswith(_as_string(prefix)),
    "endswith": lambda e, text, suffix: _as_string(text).endswith(_as_string(suffix)),
    "join": lambda e, separator, *lists: _as_string(separator).join(s for items in lists for s in _strings(items)),
    "split": _split,
    "replace": lambda e, text, old, new: _as_string(text).replace(_as_string(old), _as_string(new)) if not _as_string(old).startswith("/") else Unknown(None),
    "element": _element,
    "index": lambda e, items, value: next((i for i, v in enumerate(_list(items)) if _equal(v, value)), None),
    "range": _range,
    "zipmap": lambda e, ks, vs: dict(zip(_strings(ks), _list(vs))),
    "min": lambda e, *numbers: _tidy(min(_as_number(n) for n in numbers)),
    "max": lambda e, *numbers: _tidy(max(_as_number(n) for n in numbers)),
    "abs": lambda e, number: abs(_as_number(number)),
    "sum": lambda e, numbers: _tidy(sum(_as_number(n) for n in _list(numbers))),
    "one": _one,
    "alltrue": lambda e, items: all(_as_bool(v) for v in _list(items)),
    "anytrue": lambda e, items: any(_as_bool(v) for v in _list(items)),
    "sort": lambda e, items: sorted(_strings(items)),
    "reverse": lambda e, items: list(reversed(_list(items))),
    "slice": lambda e, items, start, end: _list(items)[_as_number(start):_as_number(end)],
    "setunion": lambda e, *sets: _sorted_set([v for s in sets for v in _list(s)]),
    "nonsensitive": lambda e, value: value,
    "sensitive": lambda e, value: value,
}
# functions whose result is known while parts of their arguments are not (length of a list of unknowns)
_PARTIAL = {"length", "keys", "values", "lookup", "concat", "merge", "tolist", "tomap", "element", "one", "slice",
            "reverse", "coalescelist", "nonsensitive", "sensitive"}


# ---------------------------------------------------------------------------------------------
# Scope: what names mean in one module instance
# ---------------------------------------------------------------------------------------------

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
        if name not in self.variables:
            return Unknown(f"var.{name}", path=True)
        value = self.variables[name]
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
        """A value in bc-python-hcl2's shape as the value Terraform would compute: Unknown where the
        scan cannot know it (inside collections too)."""
        if isinstance(raw, str):
            return self._template(raw, depth)
        if isinstance(raw, list):
            return [self.value(v, depth) for v in raw]
        if isinstance(raw, Mapping):
            return {k: (v if isinstance(k, str) and k.startswith("__") else self.value(v, depth)) for k, v in raw.items()}
        return raw

    def evaluate(self, expression: str, depth: int = 0) -> Any:
        """The value of one expression (the text inside `${}`), Unknown where the scan cannot know it."""
        if depth > MAX_LOCAL_DEPTH or not expression.strip():
            return Unknown(None)
        try:
            return _Evaluator(self, depth).eval(parse_expression(expression.strip()), {})
        except (_Undecidable, EvalError, RecursionError):
            return Unknown(None)

    def _template(self, text: str, depth: int) -> Any:
        if "${" not in text:
            return text  # no interpolation: kept as written (`$${` too)
        parts = split_template(text)
        if parts is None:
            return Unknown(None)
        if len(parts) == 1 and parts[0][0]:
            return self.evaluate(parts[0][1], depth)
        pieces: List[str] = []
        for is_expression, piece in parts:
            if not is_expression:
                pieces.append(piece.replace("${", "$${").replace("%{", "%%{"))
                continue
            value = self.evaluate(piece, depth)
            if isinstance(value, Unknown):
                return value
            if not isinstance(value, (str, int, float, bool)):
                return Unknown(None)
            pieces.append(_as_string(value))
        return "".join(pieces)

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """A value in bc-python-hcl2's shape with every expression the scan can evaluate replaced by
        its value; what it cannot stays an expression string ("${var.x}") that names what it
        depends on, which core.terraform_reference reads."""
        if isinstance(value, str):
            if "${" not in value:
                return value
            computed = self._template(value, depth)
            if isinstance(computed, Unknown):
                return "${" + computed.text + "}" if computed.text else value
            return value if contains_unknown(computed) else computed
        if isinstance(value, list):
            return [self.resolve(v, depth) for v in value]
        if isinstance(value, Mapping):
            return {k: (v if isinstance(k, str) and k.startswith("__") else self.resolve(v, depth)) for k, v in value.items()}
        return value


class TooManyInstances(Exception):
    """A count / for_each past MAX_INSTANCES: not expanded (the message says what it was)."""

    def reason(self) -> str:
        return f"{self.args[0]} is too large to expand (more than {MAX_INSTANCES} instances); not judged"


def instance_keys(meta: str, value: Any) -> Optional[List[Any]]:
    """The instance keys `count` / `for_each` make (ints, or strings), or None when unresolved.
    Raises TooManyInstances past MAX_INSTANCES."""
    if isinstance(value, Unknown) or (isinstance(value, str) and "${" in value):
        return None
    if meta == "count":
        try:
            number = _as_number(value)
        except EvalError:
            return None
        if isinstance(number, (int, float)) and float(number).is_integer() and number >= 0:
            if number > MAX_INSTANCES:
                raise TooManyInstances(f"count of {int(number)}")
            return list(range(int(number)))
        return None
    if isinstance(value, (Mapping, list)) and len(value) > MAX_INSTANCES:
        raise TooManyInstances(f"for_each of {len(value)} elements")
    if isinstance(value, Mapping):
        return sorted(k for k in value if not (isinstance(k, str) and k.startswith("__")))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _sorted_set(value)
    return None


def for_each_value(value: Any, key: Any) -> Any:
    """`each.value` for one key of a resolved for_each."""
    return value.get(key) if isinstance(value, Mapping) else key


__all__ = [
    "EvalError", "FastHclParser", "FastParseError", "LineIndex", "Lexed", "MAX_DEPTH", "MAX_INSTANCES", "Scope",
    "TooManyInstances", "UNRESOLVED", "Unknown", "contains_unknown", "decode_escapes", "for_each_value", "instance_keys",
    "json_depth", "lex_hcl", "normalize_string", "parse_expression", "plain_number", "split_template",
    "without_exponents",
]
