"""Bounded loading of CloudFormation-style YAML and JSON text, with line numbers. No checkov here.

Why not `yaml.load` with a constructor subclass: PyYAML's composer and constructor are recursive
(deep nesting raises RecursionError, and the C composer can overflow the C stack), and they build
every alias expansion a document asks for. Here the document is built from PyYAML's event stream
(libyaml's when available, for speed), which is produced without recursion, so nesting depth and
alias expansion are counted *before* anything is built:

- nesting deeper than `MAX_DEPTH` stops the reading (`TooDeep`);
- aliases are counted by the size of what they point at; more than `MAX_ALIAS_NODES` nodes reached
  through aliases stops the reading (`AliasBomb`). An alias shares the object it points at, so a
  "billion laughs" file costs only its own size to refuse.

What the result looks like, as CloudFormation reads a template:
- CloudFormation short tags: `!Ref X` is `{"Ref": "X"}`, `!Condition C` is `{"Condition": "C"}`,
  `!GetAtt a.b` is `{"Fn::GetAtt": ["a", "b"]}`, and any other `!Name v` is `{"Fn::Name": v}`;
- a mapping key keeps the text it is written with (`On:` is the key "On", never True: logical ids
  and property names are strings to CloudFormation);
- values follow YAML 1.1 as checkov's loader does (`true`, `yes`, `on` are booleans), except that
  timestamps stay strings (`AWSTemplateFormatVersion: 2010-09-09`);
- merge keys follow YAML: `<<: *base` (or a list of aliases, the earlier winning) adds the keys the
  mapping does not set itself, so an explicit key beside `<<:` wins;
- duplicate keys are recorded (with both lines), never silently resolved: CloudFormation rejects them.

Mappings are `LineMap`s, dicts that also know the lines of each entry.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

import yaml
from yaml import events as ev

MAX_DEPTH = 200
MAX_ALIAS_NODES = 100_000

# libyaml's parser when PyYAML was built with it (several times faster); the pure Python one otherwise.
# Only the parser is used (events), never the composer or constructor.
_PARSER_CLASS = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"

Lines = Tuple[int, int]


class LineMap(dict):
    """A mapping that also knows, for each key, the 1-based (first, last) lines of its entry, and keeps
    the entries a duplicate key replaced (`replaced`: (key, value, lines)), which CloudFormation would
    reject but which must still be found."""

    __slots__ = ("lines", "replaced")
    lines: Dict[Any, Lines]
    replaced: List[Tuple[Any, Any, Lines]]

    @classmethod
    def new(cls) -> "LineMap":
        # no __init__ override: building hundreds of thousands of mappings is the hot path
        mapping = cls()
        mapping.lines = {}
        mapping.replaced = []
        return mapping


@dataclass(frozen=True)
class Duplicate:
    key: str
    first_line: int
    second_line: int


@dataclass
class Loaded:
    """The documents of one text (JSON: one), and the duplicate keys found anywhere in them."""

    documents: List[Any]
    duplicates: List[Duplicate] = field(default_factory=list)


class LoadError(Exception):
    """The text cannot be read; `str()` is a one-line reason with the fix. `bounded` marks a reading that
    was stopped by a bound (checkov must not be given the file either)."""

    def __init__(self, reason: str, bounded: bool = False) -> None:
        super().__init__(reason)
        self.bounded = bounded


class TooDeep(LoadError):
    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_DEPTH} levels deep, not read", bounded=True)


class AliasBomb(LoadError):
    def __init__(self) -> None:
        super().__init__(f"YAML aliases expand past {MAX_ALIAS_NODES:,} nodes (an alias bomb?), not read", bounded=True)


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
)


def _encoding_without_bom(raw: bytes) -> Tuple[str, str]:
    """Templates start with ASCII, so UTF-16/32 without a BOM show as NUL bytes around the first character."""
    head = raw[:4]
    if len(head) == 4:
        if head[:3] == b"\x00\x00\x00" and head[3]:
            return "utf-32-be", "UTF-32"
        if head[0] and head[1:] == b"\x00\x00\x00":
            return "utf-32-le", "UTF-32"
    if len(head) >= 2:
        if not head[0] and head[1]:
            return "utf-16-be", "UTF-16"
        if head[0] and not head[1]:
            return "utf-16-le", "UTF-16"
    return "utf-8", "UTF-8"


def decode(raw: bytes) -> str:
    """The text of a file in UTF-8 (with or without BOM), UTF-16 or UTF-32 (with BOM, or UTF-16 without).
    Raises LoadError naming the first bad byte."""
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            break
    else:
        codec, name = _encoding_without_bom(raw)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise LoadError(f"not valid {name} text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                        "save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------

_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


# First characters of the plain scalars YAML 1.1 may read as something other than a string.
_IMPLICIT_FIRST = frozenset(key for key in _RESOLVER.yaml_implicit_resolvers if key)


def _plain_value(value: str) -> Any:
    """A plain (unquoted, untagged) scalar as YAML 1.1 reads it; timestamps stay text."""
    if not value:
        return None
    if value[0] not in _IMPLICIT_FIRST:
        return value  # most values ("AWS::DynamoDB::Table", "PAY_PER_REQUEST"): no resolver needed
    return _typed_value(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)), value)


def _typed_value(tag: str, value: str) -> Any:
    if tag == _STR:
        return value
    if tag == _BOOL:
        lowered = value.lower()
        if lowered in ("yes", "true", "on"):
            return True
        if lowered in ("no", "false", "off"):
            return False
        return value
    if tag == _NULL:
        return None
    try:
        if tag == _INT:
            return _CONSTRUCTOR.construct_yaml_int(yaml.ScalarNode(tag, value))
        if tag == _FLOAT:
            return _CONSTRUCTOR.construct_yaml_float(yaml.ScalarNode(tag, value))
    except (ValueError, TypeError):
        pass
    return value  # timestamps, binary, unknown standard tags: the text, as CloudFormation keeps it


def intrinsic(tag: str, value: Any) -> Dict[str, Any]:
    """A CloudFormation short tag (`!Name value`) as the long form CloudFormation reads."""
    name = tag[1:]
    if name in ("Ref", "Condition"):
        return {name: value}
    if name == "GetAtt" and isinstance(value, str):
        head, _, tail = value.partition(".")
        return {"Fn::GetAtt": [head, tail] if tail else [head]}
    return {f"Fn::{name}": value}


def _scalar(event: ev.ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        return _plain_value(event.value) if (tag is None and event.implicit[0]) else event.value
    if tag.startswith("tag:yaml.org,2002:"):
        return _typed_value(tag, event.value)
    if tag.startswith("!"):
        return intrinsic(tag, event.value)
    return event.value


def _last_line(mark: Any, first: int) -> int:
    """1-based last line of a node ending at `mark` (a mark at column 0 is the start of the next line)."""
    line = mark.line + 1 if mark.column > 0 else mark.line
    return max(first, line)


class _Frame:
    """A collection being built from events."""

    __slots__ = ("value", "anchor", "tag", "first", "last", "flow", "size", "key", "key_line", "merges", "is_map")

    def __init__(self, is_map: bool, event: Any) -> None:
        self.is_map = is_map
        self.value: Any = LineMap.new() if is_map else []
        self.anchor = event.anchor
        self.tag = event.tag
        self.first = event.start_mark.line + 1
        self.last = self.first
        self.flow = bool(event.flow_style)
        self.size = 1
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.merges: List[Tuple[Any, int]] = []


_NO_KEY = object()
_MERGE_KEY = object()


class _Builder:
    """Builds documents from events, counting depth and alias expansion as it goes."""

    def __init__(self) -> None:
        self.stack: List[_Frame] = []
        self.anchors: Dict[str, Tuple[Any, int]] = {}
        self.alias_nodes = 0
        self.documents: List[Any] = []
        self.duplicates: List[Duplicate] = []

    def handlers(self) -> Dict[type, Any]:
        """The handler of each event type (a dict lookup: this is the hot loop)."""
        return {ev.ScalarEvent: self._scalar, ev.MappingStartEvent: self._start_mapping,
                ev.SequenceStartEvent: self._start_sequence, ev.MappingEndEvent: self._end,
                ev.SequenceEndEvent: self._end, ev.AliasEvent: self._alias, ev.DocumentStartEvent: self._document}

    def _document(self, event: Any) -> None:
        self.anchors = {}  # anchors do not cross documents

    def _start_mapping(self, event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise TooDeep()
        self.stack.append(_Frame(True, event))

    def _start_sequence(self, event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise TooDeep()
        self.stack.append(_Frame(False, event))

    def _scalar(self, event: ev.ScalarEvent) -> None:
        first = event.start_mark.line + 1
        top = self.stack[-1] if self.stack else None
        if top is not None and top.is_map and top.key is _NO_KEY:
            # a key keeps its text: `On:` is "On", `1:` is "1"; a plain `<<` is YAML's merge key
            is_merge = event.value == "<<" and event.tag is None and event.implicit[0]
            top.key, top.key_line = (_MERGE_KEY if is_merge else event.value), first
            if event.anchor:
                self.anchors[event.anchor] = (event.value, 1)
            return
        value = _scalar(event)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        last = first if event.value == "" else _last_line(event.end_mark, first)
        self._add(value, 1, first, last)

    def _alias(self, event: ev.AliasEvent) -> None:
        if event.anchor not in self.anchors:
            line = event.start_mark.line + 1
            raise LoadError(f"not valid YAML: alias *{event.anchor} has no anchor (line {line}); fix the YAML")
        value, size = self.anchors[event.anchor]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise AliasBomb()
        first = event.start_mark.line + 1
        top = self.stack[-1] if self.stack else None
        if top is not None and top.is_map and top.key is _NO_KEY:
            top.key, top.key_line = (value if isinstance(value, str) else repr(value)), first
            return
        self._add(value, size, first, _last_line(event.end_mark, first))

    def _end(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.is_map and frame.merges:
            self._merge(frame)
        last = _last_line(event.end_mark, frame.first) if frame.flow else frame.last
        value = frame.value
        if frame.tag and frame.tag.startswith("!") and frame.tag != "!":
            value = intrinsic(frame.tag, value)
        if frame.anchor:
            self.anchors[frame.anchor] = (value, frame.size)
        self._add(value, frame.size, frame.first, last)

    def _add(self, value: Any, size: int, first: int, last: int) -> None:
        """Put a finished node into the collection being built (or make it a document)."""
        if not self.stack:
            self.documents.append(value)
            return
        top = self.stack[-1]
        top.size += size
        if not top.is_map:
            top.value.append(value)
            top.last = max(top.last, last)
            return
        key, key_line = top.key, top.key_line
        top.key = _NO_KEY
        if key is _NO_KEY:  # a collection used as a key (`? [a, b]`): CloudFormation has none; keep its text
            top.key, top.key_line = repr(value), first
            return
        top.last = max(top.last, last)
        if key is _MERGE_KEY:
            top.merges.append((value, key_line))
            return
        mapping: LineMap = top.value
        if key in mapping:
            self.duplicates.append(Duplicate(str(key), mapping.lines[key][0], key_line))
            mapping.replaced.append((key, mapping[key], mapping.lines[key]))
        mapping[key] = value
        mapping.lines[key] = (key_line, max(key_line, last))

    @staticmethod
    def _merge(frame: _Frame) -> None:
        """YAML merge keys: keys the mapping sets itself win; among merged mappings, the earlier wins."""
        mapping: LineMap = frame.value
        for value, line in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise LoadError(f"not valid YAML: a merge key (<<) at line {line} needs a mapping or a list of "
                                    "mappings; fix the YAML")
                for key, item in source.items():
                    if key not in mapping:
                        mapping[key] = item
                        mapping.lines[key] = getattr(source, "lines", {}).get(key, (line, line))


def _yaml_error(exc: yaml.YAMLError, text: str) -> LoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    # libyaml does not name the character; a tab where a token should start is the usual cause
    at_tab = mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t"
    hint = "indent with spaces, not tabs" if at_tab or "\\t" in problem else "fix the YAML"
    return LoadError(f"not valid YAML: {problem}{where}; {hint}")


def load_yaml(text: str) -> Loaded:
    """Every document of a YAML text, built within the bounds. Raises LoadError."""
    builder = _Builder()
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
        raise _yaml_error(exc, text) from None
    finally:
        parser.dispose()
    return Loaded(builder.documents, builder.duplicates)


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _JsonReader:
    """JSON with the lines of the entries of the first few object levels (a template's resources),
    duplicate keys recorded, and the same depth bound as YAML. Values below those levels are read by the
    json module (C speed) and then measured for depth without recursion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.duplicates: List[Duplicate] = []
        self.deep_duplicates: List[str] = []
        self.decoder = json.JSONDecoder(object_pairs_hook=self._pairs)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.newlines, offset - 1) + 1

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
        column = index - (self.newlines[line - 2] if line >= 2 else -1)
        return LoadError(f"not valid JSON: {message} at line {line}, column {column}; fix the JSON")

    def value(self, index: int, levels: int) -> Tuple[Any, int]:
        """The value at `index`; the first `levels` object levels become LineMaps."""
        index = self._skip(index)
        if levels > 0 and self.text.startswith("{", index):
            return self._object(index, levels)
        try:
            value, end = self.decoder.raw_decode(self.text, index)
        except json.JSONDecodeError as exc:
            raise self._fail(exc.msg, exc.pos) from None
        except RecursionError:
            raise TooDeep() from None
        return value, end

    def _object(self, index: int, levels: int) -> Tuple[LineMap, int]:
        mapping = LineMap.new()
        index = self._skip(index + 1)
        if self.text.startswith("}", index):
            return mapping, index + 1
        while True:
            if not self.text.startswith('"', index):
                raise self._fail("Expecting property name enclosed in double quotes", index)
            key_start = index
            try:
                key, index = json.decoder.scanstring(self.text, index + 1)
            except json.JSONDecodeError as exc:
                raise self._fail(exc.msg, exc.pos) from None
            index = self._skip(index)
            if not self.text.startswith(":", index):
                raise self._fail("Expecting ':' delimiter", index)
            value, index = self.value(index + 1, levels - 1)
            lines = (self.line(key_start), self.line(index - 1))
            if key in mapping:
                self.duplicates.append(Duplicate(key, mapping.lines[key][0], lines[0]))
                mapping.replaced.append((key, mapping[key], mapping.lines[key]))
            mapping[key], mapping.lines[key] = value, lines
            index = self._skip(index)
            if self.text.startswith(",", index):
                index = self._skip(index + 1)
                continue
            if self.text.startswith("}", index):
                return mapping, index + 1
            raise self._fail("Expecting ',' delimiter", index)

    def deep_duplicate_lines(self) -> List[Duplicate]:
        """Lines of duplicate keys the json module saw below the second level (it gives no positions)."""
        found: List[Duplicate] = []
        for key in self.deep_duplicates:
            pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
            lines = [self.line(m.start()) for m in pattern.finditer(self.text)][:2]
            if len(lines) == 2:
                found.append(Duplicate(key, lines[0], lines[1]))
        return found


def max_depth_exceeded(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether plain data nests deeper than `limit`, measured without recursion."""
    stack: List[Tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def load_json(text: str, line_levels: int = 2) -> Loaded:
    """One JSON document, its first `line_levels` object levels as LineMaps (a template: the top level and
    its sections; serverless.json: one more, for resources.Resources). Raises LoadError."""
    reader = _JsonReader(text)
    value, end = reader.value(0, line_levels)
    if reader._skip(end) != len(text):
        raise reader._fail("Extra data", reader._skip(end))
    if max_depth_exceeded(value):
        raise TooDeep()
    return Loaded([value], reader.duplicates + reader.deep_duplicate_lines())


def looks_like_json(text: str) -> bool:
    return text.lstrip(" \t\r\n").startswith(("{", "["))


def load(text: str, prefer_json: bool = False, json_line_levels: int = 2) -> Loaded:
    """JSON when the text is JSON, else YAML (JSON-looking YAML, such as one-line flow style, falls back
    to YAML). For text that is neither, the error of the form the file claims (`prefer_json`) is raised."""
    if looks_like_json(text):
        try:
            return load_json(text, json_line_levels)
        except TooDeep:
            raise
        except LoadError as json_error:
            try:
                return load_yaml(text)
            except LoadError as yaml_error:
                if yaml_error.bounded:
                    raise
                raise (json_error if prefer_json else yaml_error) from None
    return load_yaml(text)


def plain(value: Any) -> Any:
    """A copy made of plain dicts and lists (aliases become copies; depth is already bounded)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


__all__ = ["LineMap", "Loaded", "LoadError", "TooDeep", "AliasBomb", "Duplicate", "decode", "load", "load_json",
           "load_yaml", "intrinsic", "plain", "MAX_DEPTH", "MAX_ALIAS_NODES"]
