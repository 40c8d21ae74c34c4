"""Position trees of YAML and JSON texts: every mapping, sequence and scalar with its character
offsets, for edits that change only what they must. No checkov here.

YAML is read by the package's one bounded loader (readers/yaml_loader.load_positions: node offsets,
tags such as !Ref kept, never constructed; depth and aliases bounded). JSON is read by a small scanner
of its own: the json module gives no positions.
"""
from __future__ import annotations

import json
import re
from typing import Any, Tuple

from checkov_pitr.domain.readers.yaml_loader import LoadError, Node, load_positions


class TreeError(ValueError):
    pass


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------

def compose_yaml(text: str) -> Node:
    """The position tree of a one-document YAML text."""
    try:
        return load_positions(text)
    except LoadError as exc:
        raise TreeError(f"not readable as YAML ({exc})") from None


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
