"""Position trees of YAML and JSON texts: every mapping, sequence and scalar with its character
offsets, for edits that change only what they must. No checkov here.

YAML is read with PyYAML's composer (node marks carry offsets; tags such as !Ref are kept, never
constructed). JSON is read by a small scanner of its own: the json module gives no positions.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import yaml


class TreeError(ValueError):
    pass


@dataclass
class Node:
    kind: str  # "map" | "seq" | "scalar"
    start: int
    end: int
    flow: bool = False  # YAML flow style ({...} / [...]); JSON nodes are always flow
    value: Any = None  # scalar: its value (YAML: bool / int / float / None / str as YAML 1.1 resolves it)
    tag: Optional[str] = None  # an explicit local tag ("!Ref", "!If"), else None
    block_scalar: bool = False  # YAML | or > scalar
    shared: bool = False  # YAML: an anchored node, inside one, or an alias: an edit would change other places
    pairs: List[Tuple["Node", "Node"]] = field(default_factory=list)
    items: List["Node"] = field(default_factory=list)
    column: int = 0  # 0-based column of start
    line: int = 0  # 0-based line of start
    end_line: int = 0

    def get(self, key: str) -> Optional["Node"]:
        """The value of the last pair with this key (as YAML and JSON loaders keep it)."""
        found = None
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                found = v
        return found

    def key_node(self, key: str) -> Optional["Node"]:
        found = None
        for k, _ in self.pairs:
            if k.kind == "scalar" and k.value == key:
                found = k
        return found

    def count(self, key: str) -> int:
        return sum(1 for k, _ in self.pairs if k.kind == "scalar" and k.value == key)

    def keys(self) -> List[Any]:
        return [k.value for k, _ in self.pairs if k.kind == "scalar"]


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------

class _Composer(yaml.SafeLoader):
    """SafeLoader's composer, remembering which nodes carry an anchor."""

    def compose_document(self):  # type: ignore[override]
        self.get_event()
        node = self.compose_node(None, None)
        self.get_event()
        self.anchored = {id(n) for n in self.anchors.values()}
        self.anchors = {}
        return node


_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"


def _scalar_value(node: yaml.ScalarNode) -> Any:
    if node.style is not None:  # quoted or block: a string
        return node.value
    if node.tag == _BOOL:
        return node.value.lower() in ("true", "yes", "on", "y")
    if node.tag == _INT:
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return node.value
    if node.tag == _NULL:
        return None
    return node.value


def compose_yaml(text: str) -> Node:
    """The position tree of a one-document YAML text."""
    loader = _Composer(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise TreeError(f"not readable as YAML ({str(exc).splitlines()[0]})") from None
    finally:
        loader.dispose()
    if root is None:
        raise TreeError("an empty YAML document")
    anchored = getattr(loader, "anchored", set())
    seen: set = set()

    def convert(node: Any, shared: bool) -> Node:
        shared = shared or id(node) in anchored or id(node) in seen
        seen.add(id(node))
        tag = node.tag if isinstance(node.tag, str) and node.tag.startswith("!") else None
        common = dict(start=node.start_mark.index, end=node.end_mark.index, tag=tag, shared=shared,
                      column=node.start_mark.column, line=node.start_mark.line, end_line=node.end_mark.line,
                      flow=bool(getattr(node, "flow_style", False)))
        if isinstance(node, yaml.MappingNode):
            return Node("map", pairs=[(convert(k, shared), convert(v, shared)) for k, v in node.value], **common)
        if isinstance(node, yaml.SequenceNode):
            return Node("seq", items=[convert(i, shared) for i in node.value], **common)
        return Node("scalar", value=_scalar_value(node) if tag is None else node.value,
                    block_scalar=node.style in ("|", ">"), **common)

    return convert(root, False)


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WS = " \t\r\n"
_MAX_DEPTH = 200


def parse_json(text: str) -> Node:
    """The position tree of a JSON text (a leading BOM is allowed)."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    import bisect

    def place(offset: int) -> Tuple[int, int]:
        line = bisect.bisect_right(starts, offset) - 1
        return line, offset - starts[line]

    def skip(i: int) -> int:
        while i < len(text) and text[i] in _WS:
            i += 1
        return i

    def node(kind: str, start: int, end: int, **kw: Any) -> Node:
        line, column = place(start)
        end_line, _ = place(max(end - 1, start))
        return Node(kind, start, end, flow=True, line=line, column=column, end_line=end_line, **kw)

    def value(i: int, depth: int) -> Tuple[Node, int]:
        if depth > _MAX_DEPTH:
            raise TreeError("JSON nested too deep")
        i = skip(i)
        if i >= len(text):
            raise TreeError("JSON ends early")
        char = text[i]
        if char == "{":
            start, pairs = i, []
            i = skip(i + 1)
            if i < len(text) and text[i] == "}":
                return node("map", start, i + 1, pairs=pairs), i + 1
            while True:
                i = skip(i)
                if i >= len(text) or text[i] != '"':
                    raise TreeError(f"JSON: a key expected at offset {i}")
                key, i = value(i, depth + 1)
                i = skip(i)
                if i >= len(text) or text[i] != ":":
                    raise TreeError(f"JSON: ':' expected at offset {i}")
                item, i = value(i + 1, depth + 1)
                pairs.append((key, item))
                i = skip(i)
                if i < len(text) and text[i] == ",":
                    i += 1
                    continue
                if i < len(text) and text[i] == "}":
                    return node("map", start, i + 1, pairs=pairs), i + 1
                raise TreeError(f"JSON: ',' or '}}' expected at offset {i}")
        if char == "[":
            start, items = i, []
            i = skip(i + 1)
            if i < len(text) and text[i] == "]":
                return node("seq", start, i + 1, items=items), i + 1
            while True:
                item, i = value(i, depth + 1)
                items.append(item)
                i = skip(i)
                if i < len(text) and text[i] == ",":
                    i += 1
                    continue
                if i < len(text) and text[i] == "]":
                    return node("seq", start, i + 1, items=items), i + 1
                raise TreeError(f"JSON: ',' or ']' expected at offset {i}")
        if char == '"':
            try:
                string, end = json.decoder.scanstring(text, i + 1)
            except ValueError as exc:
                raise TreeError(f"JSON: {exc}") from None
            return node("scalar", i, end, value=string), end
        for word, literal in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return node("scalar", i, i + len(word), value=literal), i + len(word)
        match = _NUMBER.match(text, i)
        if match:
            number = match.group(0)
            parsed: Any = float(number) if any(c in number for c in ".eE") else int(number)
            return node("scalar", i, match.end(), value=parsed), match.end()
        raise TreeError(f"JSON: unexpected {char!r} at offset {i}")

    begin = 1 if text.startswith("\ufeff") else 0
    root, end = value(begin, 0)
    if skip(end) != len(text):
        raise TreeError("JSON: text after the document")
    return root
