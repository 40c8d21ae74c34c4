"""The one bounded YAML loader of the package (built from PyYAML's event stream, without recursion, so depth,
alias expansion and size are bounded before anything is built), and JSON with line numbers. No checkov here."""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import yaml
from yaml import events as ev

MAX_DEPTH = 200
MAX_ALIAS_NODES = 100_000
MAX_TEXT_CHARS = 64 * 1024 * 1024  # the inventory reads at most 64 MiB of a file

# libyaml's parser when PyYAML was built with it (several times faster); the pure Python one otherwise.
# Only the parser is used (events), never the composer or constructor.
_PARSER_CLASS = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

Lines = Tuple[int, int]


class LineMap(dict):
    """A mapping with the 1-based (first, last) lines of each entry and the entries duplicate keys `replaced`."""

    __slots__ = ("lines", "replaced")
    lines: Dict[Any, Lines]
    replaced: List[Tuple[Any, Any, Lines]]

    @classmethod
    def new(cls, mapping: Any = ()) -> "LineMap":  # empty, or a copy with the lines and replaced entries it has
        # no __init__ override: building hundreds of thousands of mappings is the hot path
        copy = cls(mapping)
        copy.lines = dict(getattr(mapping, "lines", {}))
        copy.replaced = list(getattr(mapping, "replaced", []))
        return copy


@dataclass(frozen=True)
class Duplicate:
    key: str
    first_line: int
    second_line: int


@dataclass
class Loaded:
    documents: List[Any]
    duplicates: List[Duplicate] = field(default_factory=list)


class LoadError(Exception):
    """`str()`: a one-line reason with the fix. `bounded`: stopped by a bound (not for checkov either)."""

    def __init__(self, reason: str, bounded: bool = False, line: Optional[int] = None) -> None:
        super().__init__(reason)
        self.bounded = bounded
        self.line = line  # 1-based line of a syntax error, when known


class TooDeep(LoadError):
    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_DEPTH} levels deep, not read", bounded=True)


class AliasBomb(LoadError):
    def __init__(self, limit: int = MAX_ALIAS_NODES) -> None:
        super().__init__(f"YAML aliases expand past {limit:,} nodes (an alias bomb?), not read", bounded=True)


# --- Text ---

def encoding_name(raw: bytes) -> str:
    """UTF-8, UTF-16 or UTF-32: by the BOM, else where the NUL bytes are (json.detect_encoding)."""
    return json.detect_encoding(raw[:4])[:6].rstrip("-").upper()


def decode(raw: bytes) -> str:
    """A file's UTF-8/16/32 text; LoadError names a bad byte."""
    try:
        text = raw.decode(json.detect_encoding(raw[:4]))
    except UnicodeDecodeError as exc:
        raise LoadError(f"not valid {encoding_name(raw)} text (byte 0x{raw[exc.start]:02x} at offset "
                        f"{exc.start}); save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


# --- YAML: one event-driven reading, four modes ---

@dataclass(frozen=True)
class Mode:
    # plain: SafeLoader's rules: keys are values (`On:` is True), a local tag and a duplicate key are errors,
    # `!!timestamp x` is constructed. Otherwise keys are text, `!Ref x` is {"Ref": "x"}, duplicates recorded.
    plain: bool = False
    yaml12: bool = False  # plain scalars by YAML 1.2's core schema (js-yaml: `yes`, `on` are text)
    max_alias_nodes: int = MAX_ALIAS_NODES


CLOUDFORMATION = Mode()
# The Serverless Framework reads serverless.yml and its YAML includes with js-yaml's DEFAULT_SCHEMA plus
# CloudFormation's short tags (serverless/serverless: lib/configuration/read.js and
# sf-core/src/utils/fs/cloudformation-schema.js): YAML 1.2 core scalars, so `enabled: yes` is the text "yes".
SERVERLESS = Mode(yaml12=True)
PLAIN = Mode(plain=True, max_alias_nodes=10_000)


class DuplicateKey(LoadError):
    def __init__(self, duplicate: Duplicate) -> None:
        super().__init__(f"duplicate key {excerpt(duplicate.key)} at line {duplicate.second_line} "
                         f"(first at line {duplicate.first_line})")
        self.duplicate = duplicate


class AliasToItself(LoadError):
    def __init__(self, anchor: str, line: int) -> None:
        super().__init__(f"a YAML alias refers to itself (*{excerpt(anchor)} at line {line}); fix the YAML")


EXCERPT_CHARS = 60  # no message quotes more of a file than this


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A value from a file (repr() unless text) in one line of at most `limit` characters."""
    text = " ".join((value if isinstance(value, str) else repr(value)).splitlines())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


# First characters of the plain scalars YAML 1.1 may read as something other than a string.
_IMPLICIT_FIRST = frozenset(key for key in _RESOLVER.yaml_implicit_resolvers if key)

# YAML 1.2 core schema as js-yaml 4 resolves plain scalars (js-yaml: lib/type/{null,bool,int,float}.js).
_YAML12_NULL = re.compile(r"^(?:~|null|Null|NULL)?$")
_YAML12_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_YAML12_INT = re.compile(r"^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$")
_YAML12_FLOAT = re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
                           r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


def _yaml12_value(value: str) -> Any:
    if _YAML12_NULL.match(value):
        return None
    if value in _YAML12_BOOL:
        return _YAML12_BOOL[value]
    if value[-1:] != "_" and _YAML12_INT.match(value):
        digits = value.replace("_", "")
        return int(digits, 0 if digits.lstrip("+-")[:2] in ("0b", "0o", "0x") else 10)
    if _YAML12_FLOAT.match(value):
        return float(value.replace("_", "").lower().replace(".inf", "inf").replace(".nan", "nan"))
    return value


def _typed_value(tag: str, value: str) -> Any:
    """A YAML 1.1 standard scalar; timestamps, binary and unknown tags stay text, as CloudFormation keeps them."""
    kind = tag.rpartition(":")[2]
    if kind not in ("bool", "int", "float", "null"):
        return value
    try:
        return _constructed(f"tag:yaml.org,2002:{kind}", value, 0)
    except LoadError:  # `!!int x`: text
        return value


def _constructed(tag: str, value: str, line: int) -> Any:
    """An explicitly tagged standard scalar (`!!timestamp 2027-01-31`), constructed as SafeLoader does."""
    construct = _CONSTRUCTOR.yaml_constructors.get(tag)
    if construct is None:
        raise _no_constructor(tag, line)
    try:
        return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, value))
    except (ValueError, TypeError, KeyError, OverflowError, yaml.YAMLError) as exc:  # KeyError: `!!bool x`
        reason = " ".join(str(exc).split())
        raise LoadError(f"not valid YAML: {excerpt(tag)} {excerpt(value)} at line {line} ({excerpt(reason)})",
                        line=line) from None


def intrinsic(tag: str, value: Any) -> Dict[str, Any]:
    """A CloudFormation short tag (`!Name value`) as the long form CloudFormation reads."""
    name = tag[1:]
    if name in ("Ref", "Condition"):
        return {name: value}
    if name == "GetAtt" and isinstance(value, str):
        head, _, tail = value.partition(".")
        return {"Fn::GetAtt": [head, tail] if tail else [head]}
    return {f"Fn::{name}": value}


def _no_constructor(tag: str, line: int) -> LoadError:
    return LoadError(f"not valid YAML: no constructor for the tag {excerpt(tag)} (line {line}); fix the YAML",
                     line=line)


def _local_tag(tag: str, value: Any, mode: Mode, line: int) -> Any:
    if mode.plain:
        raise _no_constructor(tag, line)
    return intrinsic(tag, value)


def _scalar(event: ev.ScalarEvent, mode: Mode = CLOUDFORMATION) -> Any:
    tag, value = event.tag, event.value
    if tag is None and event.implicit[0]:  # plain (unquoted, untagged): as the mode's YAML version reads it
        if mode.yaml12:
            return _yaml12_value(value)
        if value and value[0] not in _IMPLICIT_FIRST:
            return value  # most values ("AWS::DynamoDB::Table", "PAY_PER_REQUEST"): no resolver needed
        return _typed_value(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)), value)
    if tag is None or tag == "!":
        return value
    if tag.startswith("tag:yaml.org,2002:"):
        return _constructed(tag, value, event.start_mark.line + 1) if mode.plain else _typed_value(tag, value)
    return _local_tag(tag, value, mode, event.start_mark.line + 1) if tag.startswith("!") else value


def _last_line(mark: Any, first: int) -> int:
    """1-based last line of a node ending at `mark` (a mark at column 0 is the start of the next line)."""
    return max(first, mark.line + 1 if mark.column > 0 else mark.line)


_NO_KEY = object()
_MERGE_KEY = object()


class _Frame:  # a collection being built from events
    __slots__ = ("value", "anchor", "tag", "first", "last", "flow", "size", "key", "key_line", "merges", "is_map")

    def __init__(self, is_map: bool, event: Any, value: Any) -> None:
        self.is_map = is_map
        self.value = value
        self.anchor = event.anchor
        self.tag = event.tag
        self.first = event.start_mark.line + 1
        self.last = self.first
        self.flow = bool(event.flow_style)
        self.size = 1
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.merges: List[Tuple[Any, int]] = []


class Node:
    """A mapping, sequence or scalar of a position tree, with its offsets (slotted: there are tens of thousands)."""

    __slots__ = ("kind", "start", "end", "flow", "value", "tag", "block_scalar", "shared", "pairs", "items", "column",
                 "line", "end_line")

    def __init__(self, kind: str, start: int, end: int, flow: bool = False, value: Any = None,
                 tag: Optional[str] = None, block_scalar: bool = False, shared: bool = False,
                 pairs: Optional[List[Tuple["Node", "Node"]]] = None, items: Optional[List["Node"]] = None,
                 column: int = 0, line: int = 0, end_line: int = 0) -> None:
        self.kind = kind  # "map" | "seq" | "scalar"
        self.start, self.end = start, end
        self.flow = flow  # YAML flow style ({...} / [...]); JSON nodes are always flow
        self.value = value  # scalar: its value (YAML: bool / int / float / None / str as YAML 1.1 resolves it)
        self.tag = tag  # an explicit local tag ("!Ref", "!If"), else None
        self.block_scalar = block_scalar  # YAML | or > scalar
        self.shared = shared  # YAML: an anchored node, inside one, or an alias: an edit would change other places
        self.pairs: List[Tuple["Node", "Node"]] = [] if pairs is None else pairs
        self.items: List["Node"] = [] if items is None else items
        self.column, self.line, self.end_line = column, line, end_line  # 0-based

    def _pairs_of(self, key: str) -> List[Tuple["Node", "Node"]]:
        return [pair for pair in self.pairs if pair[0].kind == "scalar" and pair[0].value == key]

    def get(self, key: str) -> Optional["Node"]:
        """The value of the last pair with this key (as YAML and JSON loaders keep it)."""
        pairs = self._pairs_of(key)
        return pairs[-1][1] if pairs else None

    def key_node(self, key: str) -> Optional["Node"]:
        pairs = self._pairs_of(key)
        return pairs[-1][0] if pairs else None

    def count(self, key: str) -> int:
        return len(self._pairs_of(key))


class _Builder:
    """One reading of the event stream, with the depth bound, anchors and the alias bound: values as the mode reads
    them (LineMaps, lists, scalars) or, with `positions`, a position tree (Nodes as written: merge and duplicate keys
    kept as pairs, tags kept, nothing constructed)."""

    def __init__(self, mode: Mode, positions: bool = False) -> None:
        self.mode = mode
        self.positions = positions
        self.stack: List[_Frame] = []
        self.anchors: Dict[str, Tuple[Any, int]] = {}
        self.alias_nodes = 0
        self.documents: List[Any] = []
        self.duplicates: List[Duplicate] = []

    def handlers(self) -> Dict[type, Any]:
        """The handler of each event type (a dict lookup: the hot loop)."""
        return {ev.ScalarEvent: self._scalar, ev.MappingStartEvent: lambda event: self._push(True, event),
                ev.SequenceStartEvent: lambda event: self._push(False, event), ev.MappingEndEvent: self._end,
                ev.SequenceEndEvent: self._end, ev.AliasEvent: self._alias,
                ev.DocumentStartEvent: lambda event: self.anchors.clear()}  # anchors do not cross documents

    def _push(self, is_map: bool, event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise TooDeep()
        if self.positions:
            shared = bool(event.anchor) or bool(self.stack and self.stack[-1].value.shared)
            mark = event.start_mark
            value: Any = Node("map" if is_map else "seq", mark.index, mark.index, bool(event.flow_style), None,
                              _local_tag_name(event.tag), False, shared, None, None, mark.column, mark.line)
        else:
            value = LineMap.new() if is_map else []
        self.stack.append(_Frame(is_map, event, value))

    def _scalar(self, event: ev.ScalarEvent) -> None:
        first = event.start_mark.line + 1
        top = self.stack[-1] if self.stack else None
        if self.positions:  # the hot path of a position tree (most nodes are scalars): few calls, positional arguments
            tag, text, style = _local_tag_name(event.tag), event.value, event.style
            shared = bool(event.anchor) or bool(top and top.value.shared)
            if not (tag or style or (event.tag is None and text and text[0] not in _IMPLICIT_FIRST)):
                text = _scalar(event)
            start, end = event.start_mark, event.end_mark
            value: Any = Node("scalar", start.index, end.index, False, text, tag, style in ("|", ">"), shared, None,
                              None, start.column, start.line, end.line)
        elif top is not None and top.is_map and top.key is _NO_KEY:
            # `<<` plain is YAML's merge key; other keys keep their text (CloudFormation) or are values (plain)
            is_merge = event.value == "<<" and event.tag is None and event.implicit[0]
            key = _MERGE_KEY if is_merge else (_scalar(event, self.mode) if self.mode.plain else event.value)
            top.key, top.key_line = key, first
            if event.anchor:
                self.anchors[event.anchor] = ("<<" if key is _MERGE_KEY else key, 1)
            return
        else:
            value = _scalar(event, self.mode)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self._add(value, 1, first, first if event.value == "" else _last_line(event.end_mark, first))

    def _alias(self, event: ev.AliasEvent) -> None:  # an alias key is counted, as in a position tree
        line = event.start_mark.line + 1
        if event.anchor not in self.anchors:
            if any(frame.anchor == event.anchor for frame in self.stack):
                raise AliasToItself(event.anchor, line)
            raise LoadError(f"not valid YAML: alias *{excerpt(event.anchor)} has no anchor (line {line}); fix the YAML",
                            line=line)
        value, size = self.anchors[event.anchor]
        self.alias_nodes += size
        if self.alias_nodes > self.mode.max_alias_nodes:
            raise AliasBomb(self.mode.max_alias_nodes)
        self._add(value, size, line, _last_line(event.end_mark, line))

    def _end(self, event: Any) -> None:
        frame = self.stack.pop()
        value, last = frame.value, frame.last
        if self.positions:
            value.end, value.end_line = event.end_mark.index, event.end_mark.line
        else:
            if frame.merges:
                self._merge(frame)
            if frame.flow:
                last = _last_line(event.end_mark, frame.first)
            if _local_tag_name(frame.tag):
                value = _local_tag(frame.tag, value, self.mode, frame.first)
        if frame.anchor:
            self.anchors[frame.anchor] = (value, frame.size)
        self._add(value, frame.size, frame.first, last)

    def _add(self, value: Any, size: int, first: int, last: int) -> None:
        if not self.stack:
            self.documents.append(value)
            return
        top = self.stack[-1]
        top.size += size
        if not top.is_map:
            (top.value.items if self.positions else top.value).append(value)
            top.last = max(top.last, last)
            return
        key, key_line = top.key, top.key_line
        top.key = _NO_KEY
        if key is _NO_KEY:  # a collection or an alias as a key (`? [a, b]`): CloudFormation has none, its text is kept
            key = value if self.positions or self.mode.plain or isinstance(value, str) else repr(value)
            try:
                hash(key)
            except TypeError:
                raise LoadError(f"not valid YAML: a mapping key at line {first} is a collection; fix the YAML",
                                line=first) from None
            top.key, top.key_line = key, first
            return
        top.last = max(top.last, last)
        if self.positions:
            top.value.pairs.append((key, value))
            return
        if key is _MERGE_KEY:
            top.merges.append((value, key_line))
            return
        mapping: LineMap = top.value
        if key in mapping:
            duplicate = Duplicate(str(key), mapping.lines[key][0], key_line)
            if self.mode.plain:
                raise DuplicateKey(duplicate)
            self.duplicates.append(duplicate)
            mapping.replaced.append((key, mapping[key], mapping.lines[key]))
        mapping[key] = value
        mapping.lines[key] = (key_line, max(key_line, last))

    @staticmethod
    def _merge(frame: _Frame) -> None:
        """YAML merge keys: keys the mapping sets itself win; among merged mappings, the earlier wins."""
        mapping: LineMap = frame.value
        for value, line in frame.merges:
            for source in value if isinstance(value, list) else [value]:
                if not isinstance(source, dict):
                    raise LoadError(f"not valid YAML: a merge key (<<) at line {line} needs a mapping or a list of "
                                    "mappings; fix the YAML", line=line)
                for key, item in source.items():
                    if key not in mapping:
                        mapping[key] = item
                        mapping.lines[key] = getattr(source, "lines", {}).get(key, (line, line))


def _local_tag_name(tag: Optional[str]) -> Optional[str]:
    return tag if isinstance(tag, str) and tag.startswith("!") and tag != "!" else None


def _read_events(text: str, builder: _Builder, max_chars: int) -> _Builder:
    if len(text) > max_chars:
        raise LoadError(f"larger than {max_chars // (1024 * 1024)} MiB of text, not read", bounded=True)
    handlers = builder.handlers()
    ignore = lambda event: None  # noqa: E731 (stream and document ends)
    parser = _PARSER_CLASS(text)
    try:
        get_event = parser.get_event
        event = get_event()
        while event is not None and type(event) is not ev.StreamEndEvent:
            handlers.get(type(event), ignore)(event)
            event = get_event()
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own bound (1000), above ours
            raise TooDeep() from None
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        # libyaml does not name the character; a tab where a token should start is the usual cause
        at_tab = mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t"
        hint = "indent with spaces, not tabs" if at_tab or "\\t" in problem else "fix the YAML"
        raise LoadError(f"not valid YAML: {problem}{where}; {hint}",
                        line=mark.line + 1 if mark is not None else None) from None
    finally:
        parser.dispose()
    return builder


def load_yaml(text: str, mode: Mode = CLOUDFORMATION, max_chars: int = MAX_TEXT_CHARS) -> Loaded:
    """Every document of a YAML text as `mode` reads it. Raises LoadError."""
    builder = _read_events(text, _Builder(mode), max_chars)
    return Loaded(builder.documents, builder.duplicates)


def load_positions(text: str, is_json: bool = False) -> Node:
    """The position tree of a one-document YAML or JSON text. Raises LoadError."""
    if is_json:
        return _JsonReader(text).whole(MAX_DEPTH, positions=True)
    builder = _read_events(text, _Builder(CLOUDFORMATION, positions=True), MAX_TEXT_CHARS)
    if len(builder.documents) > 1:
        raise LoadError("not valid YAML: expected a single document, found more; fix the YAML")
    if not builder.documents:
        raise LoadError("an empty YAML document")
    return builder.documents[0]


# --- JSON ---

_WHITESPACE = re.compile(r"[ \t\n\r]*")


def line_starts(text: str) -> List[int]:
    """Offsets of the first character of each line (lines end at \n; a \r before it is the line's)."""
    return [0] + [match.end() for match in re.finditer("\n", text)]


class _JsonReader:  # JSON with positions

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)
        self.duplicates: List[Duplicate] = []
        self.deep_duplicates: List[str] = []
        self.decoder = json.JSONDecoder(object_pairs_hook=self._pairs)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def _pairs(self, pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        result: Dict[str, Any] = {}
        for key, value in pairs:
            if key in result and len(self.deep_duplicates) < 10:
                self.deep_duplicates.append(key)
            result[key] = value
        return result

    def _skip(self, index: int) -> int:
        return _WHITESPACE.match(self.text, index).end()  # type: ignore[union-attr]

    def _fail(self, message: str, index: int) -> LoadError:
        line = self.line(index)
        return LoadError(f"not valid JSON: {message} at line {line}, column {index - self.starts[line - 1] + 1}; "
                         "fix the JSON")

    def _scalar(self, index: int) -> Tuple[Any, int]:
        try:
            return self.decoder.raw_decode(self.text, index)
        except json.JSONDecodeError as exc:
            raise self._fail(exc.msg, exc.pos) from None
        except RecursionError:
            raise TooDeep() from None

    def _members(self, index: int, close: str, read: Any) -> Tuple[List[Tuple[Any, ...]], int]:
        """The (key, key start, key end, value, value end) of each member of the object (close "}") or array
        (close "]", no key) whose bracket is just before `index`."""
        members: List[Tuple[Any, ...]] = []
        index = self._skip(index)
        if self.text.startswith(close, index):
            return members, index + 1
        while True:
            key, key_start, key_end = None, index, index
            if close == "}":
                if not self.text.startswith('"', index):
                    raise self._fail("Expecting property name enclosed in double quotes", index)
                key, key_end = self._scalar(index)
                index = self._skip(key_end)
                if not self.text.startswith(":", index):
                    raise self._fail("Expecting ':' delimiter", index)
                index += 1
            value, index = read(index)
            members.append((key, key_start, key_end, value, index))
            index = self._skip(index)
            if self.text.startswith(",", index):
                index = self._skip(index + 1)
            elif self.text.startswith(close, index):
                return members, index + 1
            else:
                raise self._fail("Expecting ',' delimiter", index)

    def read(self, index: int, levels: int, positions: bool = False) -> Tuple[Any, int]:
        """A value, its first `levels` object levels as LineMaps (deeper ones by the json module, at C speed);
        with `positions`, a position tree (duplicate keys kept as pairs) refused past `levels` levels."""
        index = self._skip(index)
        if positions and levels < 0:
            raise TooDeep()
        bracket = self.text[index:index + 1]
        if bracket not in ("{", "[") or not positions and (levels <= 0 or bracket == "["):
            value, end = self._scalar(index)
            return (self._node("scalar", index, end, value=value) if positions else value), end
        members, end = self._members(index + 1, "}" if bracket == "{" else "]",
                                     lambda at: self.read(at, levels - 1, positions))
        if bracket == "[":
            return self._node("seq", index, end, items=[item for _, _, _, item, _ in members]), end
        if positions:
            return self._node("map", index, end, pairs=[(self._node("scalar", key_start, key_end, value=key), value)
                                                        for key, key_start, key_end, value, _ in members]), end
        mapping = LineMap.new()
        for key, key_start, _, value, value_end in members:
            lines = (self.line(key_start), self.line(value_end - 1))
            if key in mapping:
                self.duplicates.append(Duplicate(key, mapping.lines[key][0], lines[0]))
                mapping.replaced.append((key, mapping[key], mapping.lines[key]))
            mapping[key], mapping.lines[key] = value, lines
        return mapping, end

    def _node(self, kind: str, start: int, end: int, **parts: Any) -> Node:
        line = self.line(start) - 1
        return Node(kind, start, end, flow=True, line=line, column=start - self.starts[line],
                    end_line=self.line(max(end - 1, start)) - 1, **parts)

    def deep_duplicate_lines(self) -> List[Duplicate]:  # the json module's duplicates have no positions
        found = [(key, [self.line(m.start()) for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", self.text)][:2])
                 for key in self.deep_duplicates]
        return [Duplicate(key, *lines) for key, lines in found if len(lines) == 2]

    def whole(self, levels: int, positions: bool = False) -> Any:  # the one value the text holds, after a BOM
        value, end = self.read(1 if self.text.startswith("\ufeff") else 0, levels, positions)
        if self._skip(end) != len(self.text):
            raise self._fail("Extra data", self._skip(end))
        return value


def load_json(text: str, line_levels: int = 2) -> Loaded:
    """One JSON document, its first `line_levels` object levels as LineMaps. Raises LoadError."""
    reader = _JsonReader(text)
    value = reader.whole(line_levels)
    stack: List[Tuple[Any, int]] = [(value, 1)]  # the json module's deeper values, measured without recursion
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:  # (only the top value may be a scalar)
            raise TooDeep()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return Loaded([value], reader.duplicates + reader.deep_duplicate_lines())


def load(text: str, prefer_json: bool = False, json_line_levels: int = 2, mode: Mode = CLOUDFORMATION) -> Loaded:
    """JSON, else YAML (such as one-line flow style); for neither, the error of the form the file claims."""
    if text.lstrip(" \t\r\n").startswith(("{", "[")):
        try:
            return load_json(text, json_line_levels)
        except TooDeep:
            raise
        except LoadError as json_error:
            try:
                return load_yaml(text, mode)
            except LoadError as yaml_error:
                if yaml_error.bounded:
                    raise
                raise (json_error if prefer_json else yaml_error) from None
    return load_yaml(text, mode)
