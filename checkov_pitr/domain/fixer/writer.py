"""New keys and values written into a YAML or JSON position tree in the file's own style (indentation,
flow or block, `"key" : value` spacing). No checkov here."""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any, List, Mapping

from checkov_pitr.domain.fixer.edits import Edit
from checkov_pitr.domain.readers.yaml_loader import Node

_SPACE = re.compile(r"[ \t]*")


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset of the line break ending the line that holds `offset` (len(text) at the end)."""
    end = text.find("\n", offset)
    return len(text) if end < 0 else end - 1 if end > 0 and text[end - 1] == "\r" else end


def leading_space(text: str, offset: int) -> str:
    return _SPACE.match(text, line_start(text, offset)).group()  # type: ignore[union-attr]


def yaml_flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {yaml_flow(v)}" for k, v in value.items()) + "}"
    return "true" if value is True else "false" if value is False else str(value)


def yaml_block_lines(key: str, value: Any, column: int, step: int) -> List[str]:
    if isinstance(value, Mapping):
        return [" " * column + f"{key}:"] + [line for k, v in value.items()
                                             for line in yaml_block_lines(k, v, column + step, step)]
    return [" " * column + f"{key}: {yaml_flow(value)}"]


def json_text(value: Any, separator: str = ": ", indent: str = "", step: str = "", nl: str = "") -> str:
    """`value` as JSON on one line; with `nl`, an object's members each on its line (`indent`: the object's line's)."""
    if isinstance(value, Mapping) and (value or not nl):
        members = [f"{indent}{step}{json.dumps(k)}{separator}{json_text(v, separator, indent + step, step, nl)}"
                   for k, v in value.items()]
        return "{" + nl + ("," + (nl or " ")).join(members) + nl + indent + "}"
    return json.dumps(value)


def yaml_step(root: Node) -> int:
    """The most common column difference between a block mapping's key and its block mapping's keys."""
    steps: Counter = Counter()

    def walk(node: Node, depth: int = 0) -> None:  # (only maps have pairs, only sequences items)
        if depth > 100:
            return
        for key, value in node.pairs:
            if value.kind == "map" and not value.flow and not node.flow and value.pairs \
                    and value.pairs[0][0].column > key.column:
                steps[value.pairs[0][0].column - key.column] += 1
            walk(value, depth + 1)
        for item in node.items:
            walk(item, depth + 1)

    walk(root)
    return steps.most_common(1)[0][0] if steps else 2


class TreeWriter:
    """Edits on one YAML or JSON text."""

    def __init__(self, text: str, root: Node, fmt: str) -> None:
        self.text, self.fmt = text, fmt
        self.nl = newline_of(text)
        self.step = yaml_step(root) if fmt == "yaml" else 2

    # --- values ---------------------------------------------------------------------------------
    def set_scalar(self, node: Node, value: Any, description: str) -> Edit:
        if self.fmt == "json":
            return Edit(node.start, node.end, json_text(value), description)
        space = "" if node.end > node.start else " "  # `key:` with nothing after it needs the space YAML requires
        return Edit(node.start, node.end, space + yaml_flow(value), description)

    def fill_empty(self, mapping: Node, name: str, value: Any, description: str) -> Edit:
        """`name:` with nothing after it (YAML), or `name: ~` / null, in `mapping`: give it `value`."""
        key, value_node = mapping.key_node(name), mapping.get(name)
        assert key is not None and value_node is not None
        empty = self.fmt == "yaml" and not self.text[value_node.start:value_node.end].strip()
        if empty and isinstance(value, Mapping) and not mapping.flow:  # (YAML has no block inside a flow collection)
            position = line_end(self.text, key.end)
            lines = yaml_block_lines("", value, key.column, self.step)[1:]  # the key's own line dropped
            return Edit(position, position, self.nl + self.nl.join(lines), description)
        return self.set_scalar(value_node, value, description)  # (which gives an empty `name:` its space)

    # --- keys -----------------------------------------------------------------------------------
    def insert_pair(self, mapping: Node, key: str, value: Any, description: str) -> Edit:
        return (self._json_insert if self.fmt == "json" else self._yaml_insert)(mapping, key, value, description)

    def _flow_insert(self, mapping: Node, entry: str, description: str) -> Edit:
        if not mapping.pairs:
            return Edit(mapping.start + 1, mapping.start + 1, entry, description)
        last = mapping.pairs[-1][1]
        comma = self.text[last.end:mapping.end - 1].find(",")
        if comma >= 0:  # a trailing comma: `{a: 1, }`
            position = last.end + comma + 1
            return Edit(position, position, " " + entry, description)
        return Edit(last.end, last.end, ", " + entry, description)

    def _yaml_insert(self, mapping: Node, key: str, value: Any, description: str) -> Edit:
        text = self.text
        if mapping.flow:
            return self._flow_insert(mapping, f"{key}: {yaml_flow(value)}", description)
        first_key, first_value = mapping.pairs[0]
        column = first_key.column
        lines = yaml_block_lines(key, value, column, self.step)
        start = line_start(text, first_key.start)
        if not text[start:first_key.start].strip():
            return Edit(start, start, self.nl.join(lines) + self.nl, description)
        one_line = first_value.end_line == first_key.line and (
            (first_value.kind == "scalar" and not first_value.block_scalar) or first_value.flow)
        end = line_end(text, first_value.end)
        rest = text[first_value.end:end].strip()
        if one_line and (not rest or rest.startswith("#")):
            if end >= len(text):
                return Edit(end, end, self.nl + self.nl.join(lines), description)
            after = end + len(self.nl) if text.startswith("\r\n", end) else end + 1
            return Edit(after, after, self.nl.join(lines) + self.nl, description)
        # `- FirstKey: {...` spanning lines: write the new key first, on the item's own line
        lines[0] = lines[0][column:]
        return Edit(first_key.start, first_key.start, self.nl.join(lines) + self.nl + " " * column, description)

    def _json_insert(self, mapping: Node, key: str, value: Any, description: str) -> Edit:
        text = self.text
        if not mapping.pairs:
            return self._flow_insert(mapping, f"{json.dumps(key)}: {json_text(value)}", description)
        first_key, first_value = mapping.pairs[0]
        separator = text[first_key.end:first_value.start]
        separator = ": " if "\n" in separator or ":" not in separator else separator
        start = line_start(text, first_key.start)
        if first_key.line > mapping.line and not text[start:first_key.start].strip():
            indent = text[start:first_key.start]
            parent = leading_space(text, mapping.start)
            step = indent[len(parent):] if indent.startswith(parent) and len(indent) > len(parent) else (
                "\t" if "\t" in indent else "  ")
            entry = f"{indent}{json.dumps(key)}{separator}{json_text(value, separator, indent, step, self.nl)},"
            return Edit(start, start, entry + self.nl, description)
        return Edit(first_key.start, first_key.start,
                    f"{json.dumps(key)}{separator}{json_text(value, separator)}, ", description)
