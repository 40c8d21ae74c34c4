"""Terraform's PITR edits: `TerraformFixer` says what to change; `_HclFixer` (on the reader's HCL scanner) and
`_TfJsonFixer` (.tf.json / .tofu.json, on the JSON position tree) read and write. Only literals are edited (in JSON,
strings with `${...}` are expressions), else the reason says what to change."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from checkov_pitr.domain.core import TF_TYPES
from checkov_pitr.domain.fixer.cloudformation import Node, TreeSyntax, literal_true, parse_json
from checkov_pitr.domain.fixer.edits import Edit, Fixer, Target, what_to_change
from checkov_pitr.domain.fixer.writer import TreeWriter, leading_space, line_start, newline_of
from checkov_pitr.domain.plan_sources import parse_address
from checkov_pitr.domain.readers.terraform_eval import Item, expression_end, matching_close, parse_body, skip_blank
from checkov_pitr.rule import FIX_TEMPLATES as T

_LITERAL = re.compile(r'(?:true|false|null|-?\d+(?:\.\d+)?|"[^"$%\\]*")\Z')
_REFERENCE = re.compile(r"\b(var|local|module|each|count|data|self)\.([A-Za-z_][A-Za-z0-9_-]*)")


def literal(text: str) -> Optional[str]:
    """The expression's text when it is a literal (true, false, null, a number, a plain string)."""
    return text.strip() if _LITERAL.match(text.strip()) else None


class TerraformFixer(Fixer):
    """What to change in a Terraform resource; the syntax also gives resource, expression (a non-literal's
    text), replica_blocks and list_items (None: not a list)."""

    def fix_target(self, target: Target) -> None:
        address = parse_address(target.resource)
        self.modules = address.modules if address else ()
        rtype = address.type if address and address.mode == "managed" else ""
        if rtype == "resource":  # checkov names .tf.json resources "resource.NAME": the scan's type, or the one written
            written = [t for t in TF_TYPES if self.resource(t, address.name) is not None]
            rtype = target.resource_type or (written[-1] if written else "")
        config = self.resource(rtype, address.name) if rtype else None
        if config is None:
            return self.note(f"not written in {self.path} as a resource: set PITR where it is written", target.resource)
        label = f"{rtype}.{address.name}" if address.type == "resource" else target.resource
        if rtype == "aws_dynamodb_table":
            self.spec(config, T.tf_block, T.tf_enabled, T.tf_period, label)
            for index, (replica, dynamic) in enumerate(self.replica_blocks(config) if target.enable else [], start=1):
                name = self.string_at(replica, "region_name") or f"#{index}"
                replica_label = f'dynamic "replica" of {label}' if dynamic else f"replica {name} of {label}"
                self.turn_on(replica, T.tf_replica, T.tf_replica, replica_label)
        elif rtype == "aws_dynamodb_table_replica" and target.enable:
            self.turn_on(config, T.tf_replica, T.tf_replica, label)
        elif rtype == "awscc_dynamodb_table":
            self.spec(config, T.awscc_spec, T.awscc_enabled, T.awscc_period, label)
        elif rtype == "awscc_dynamodb_global_table":
            self._global_replicas(config, label)

    def why_not(self, entry: Any, setting: str, value: Any) -> Optional[str]:
        expression, flag = self.expression(entry), next(iter(value)) if isinstance(value, dict) else None
        want = f"{{ {flag} = true }}" if flag else "true" if value is True else str(value)
        return None if expression is None else self._what_to_change(expression, setting, want)

    def _what_to_change(self, expression: str, setting: str, want: str) -> str:
        shown = " ".join(expression.split())
        match = _REFERENCE.search(shown)
        kind, name = match.groups() if match else ("", shown)
        kind = "input" if kind == "var" and self.modules else "each" if kind == "count" else kind
        return what_to_change(setting, (kind, name), want, shown, module=self.modules[-1] if self.modules else "",
                              caller=".".join(f"module.{m}" for m in self.modules))

    def _global_replicas(self, config: Any, label: str) -> None:
        found = self.get(config, T.awscc_replicas)
        items = self.list_items(found[-1]) if found else None
        if items is None:
            expression = self.expression(found[-1]) if found else None
            return self.note(self._what_to_change(expression, T.awscc_replicas, "a list of replicas with PITR enabled")
                             if expression else f"no {T.awscc_replicas} list to read: add {T.awscc_replicas}, each "
                             f"with {T.awscc_spec}", label)
        for index, item in enumerate(items, start=1):
            if isinstance(item, str):
                self.note(self._what_to_change(item, "the replica", "an object with PITR enabled"),
                          f"replica #{index} of {label}")
            else:
                name = self.string_at(item, "region") or f"#{index}"
                self.spec(item, T.awscc_spec, T.awscc_enabled, T.awscc_period, f"replica {name} of {label}")


@dataclass
class _Body:
    """A block's body or an object's elements: `start` is where its owner's line indentation is read."""
    start: int
    open: int
    close: int
    items: List[Item]
    is_object: bool = False


class _HclFixer(TerraformFixer):
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.nl = newline_of(text)
        self.top = parse_body(text, 0, len(text))  # the file read once, whatever its number of tables
        # (type, name) -> the resource block (the last one, when a name is written twice)
        self.resources = {(item.labels[0], item.labels[1]): item for item in self.top
                          if item.kind == "block" and item.name == "resource" and len(item.labels) == 2}
        # the file's indentation step: the first nested item's indentation beyond its block's
        steps = (indent[len(outer):] for item in self.top if item.kind == "block"
                 for inner in parse_body(text, item.open + 1, item.close)
                 for indent, outer in [(self._indent_of(inner.start), self._indent_of(item.start))]
                 if indent is not None and outer is not None and indent.startswith(outer) and len(indent) > len(outer))
        self.step = next(steps, "  ")

    def _indent_of(self, offset: int) -> Optional[str]:
        start = line_start(self.text, offset)
        before = self.text[start:offset].lstrip("\ufeff" if start == 0 else "")  # a BOM is no indentation
        return before if not before.strip() else None

    # --- reading ----------------------------------------------------------------------------------
    def _block(self, item: Item) -> _Body:
        return _Body(item.start, item.open, item.close, parse_body(self.text, item.open + 1, item.close))

    def _object(self, start: int, open_: int) -> _Body:
        close = matching_close(self.text, open_)
        return _Body(start, open_, close, parse_body(self.text, open_ + 1, close, object_body=True), is_object=True)

    def resource(self, rtype: str, name: str) -> Optional[_Body]:
        return self._block(self.resources[rtype, name]) if (rtype, name) in self.resources else None

    def get(self, owner: _Body, key: str) -> List[Item]:
        return [i for i in owner.items if i.name == key]

    def _value(self, item: Item) -> str:
        return self.text[item.value_start:item.value_end]

    def objects(self, item: Item) -> List[_Body]:
        if item.kind == "block":
            return [self._block(item)]
        return [self._object(item.start, item.value_start)] if self._value(item).startswith("{") else []

    def expression(self, item: Item) -> Optional[str]:
        if item.kind == "block":
            return f"a {item.name} block"
        return self._value(item) if literal(self._value(item)) is None else None

    def is_true(self, item: Item) -> bool:
        value = self._value(item).strip() if item.kind == "attr" else ""
        return value == "true" or (value.startswith('"') and value[1:-1].lower() == "true")

    def days(self, item: Item) -> Optional[int]:
        value = self._value(item).strip().strip('"')
        return int(value) if value.isdigit() else None

    def string(self, item: Item) -> Optional[str]:
        value = literal(self._value(item)) if item.kind == "attr" else None
        return value.strip('"') if value else None

    def shape_problem(self, owner: _Body, key: str) -> Optional[str]:
        if key != T.tf_block:
            return None
        if any(i.kind == "attr" for i in self.get(owner, key)):
            return f"{key} is an attribute here, not a block: write {key} {{ enabled = true }}"
        if not self.get(owner, key) and any(i.name == "dynamic" and i.labels == [key] for i in owner.items):
            return (f"{key} is a dynamic block: make its for_each non-empty and its content enabled = true, "
                    f"or replace it with a {key} {{ enabled = true }} block")
        return None

    def replica_blocks(self, owner: _Body) -> List[Tuple[_Body, bool]]:
        blocks = [(self._block(i), False) for i in owner.items if i.kind == "block" and i.name == "replica"]
        for dynamic in (i for i in owner.items if i.kind == "block" and i.name == "dynamic" and i.labels == ["replica"]):
            blocks += [(self._block(c), True) for c in parse_body(self.text, dynamic.open + 1, dynamic.close)
                       if c.kind == "block" and c.name == "content"]
        return blocks

    def list_items(self, item: Item) -> Optional[List[Union[_Body, str]]]:
        if item.kind != "attr" or not self.text.startswith("[", item.value_start):
            return None
        text, close = self.text, matching_close(self.text, item.value_start)
        items: List[Union[_Body, str]] = []
        i = skip_blank(text, item.value_start + 1, close, commas=True)
        while i < close:  # an object literal is an element to fix; any other element is an expression's text
            element = self._object(i, i) if text.startswith("{", i) else None
            end = element.close + 1 if element else expression_end(text, i, close, commas=True)
            items.append(element or text[i:end])
            i = skip_blank(text, end, close, commas=True)
        return items

    # --- writing ----------------------------------------------------------------------------------
    def set(self, item: Item, value: Any, description: str) -> Edit:
        return Edit(item.value_start, item.value_end, "true" if value is True else str(value), description)

    def insert(self, owner: _Body, key: str, value: Any, description: str) -> Edit:
        """`key = value` (a mapping: the rule's block or object text) as the last item of owner, or, for
        `enabled` in PITR's block, as its first (`enabled` leads in the rule's own example)."""
        if isinstance(value, dict):
            lines, inline = (T.tf_block_text if key == T.tf_block else T.awscc_text).split("\n"), T.awscc_inline_text
        else:
            last = owner.items[-1] if owner.items else None  # `key = ` padded to its `=` column, as terraform fmt
            width = last.equals - last.start if last is not None and last.kind == "attr" and not owner.is_object \
                and key != T.tf_enabled else 0
            lines, inline = [(key.ljust(width) + "= " if width > len(key) else f"{key} = ") + "true"], f"{key} = true"
        if owner.is_object and self.text.find("\n", owner.open, owner.close) < 0:  # a one-line object stays one line
            if owner.items:
                return Edit(owner.items[-1].end, owner.items[-1].end, ", " + inline, description)
            return Edit(owner.open + 1, owner.close, " " + inline + " ", description)
        if key == T.tf_enabled and not owner.is_object and owner.items:
            first = owner.items[0]
            indent = self._indent_of(first.start)
            if indent is not None:
                width = first.equals - first.start if first.kind == "attr" else 0
                aligned = width > len(key) and self.text[first.start:first.equals].rstrip() == first.name
                position = line_start(self.text, first.start)
                return Edit(position, position,
                            indent + (key.ljust(width) + "= " if aligned else key + " = ") + "true" + self.nl, description)
        # the lines (relative indentation with {step}) as the last items of the body or object
        text, nl, items = self.text, self.nl, owner.items
        blank_before = key == T.tf_block and bool(items) and items[-1].kind == "block"
        indent = next((i for i in map(self._indent_of, (item.start for item in items)) if i is not None),
                      leading_space(text, owner.start) + self.step)
        body = nl.join(indent + line.replace("{step}", self.step) for line in lines)
        after = items[-1].end if items else owner.open + 1
        newline = text.find("\n", after, owner.close)
        if newline >= 0:  # the body goes on after the last item's line (or the opening brace's)
            return Edit(newline + 1, newline + 1, (nl if blank_before else "") + body + nl, description)
        return Edit(after, owner.close, nl + body + nl + leading_space(text, owner.start), description)


def _objects(node: Optional[Node]) -> List[Node]:
    """.tf.json allows an object or a list of objects at each level."""
    return [] if node is None else [node] if node.kind == "map" else [item for item in node.items if item.kind == "map"]


class _TfJsonFixer(TreeSyntax, TerraformFixer):
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.root = parse_json(text)
        self.writer = TreeWriter(text, self.root, "json")
        # (type, name) -> the resource's (last) configuration object, indexed once for every table
        self.configs: Dict[Tuple[Any, Any], Node] = {
            (type_key.value, name_key.value): config for top in _objects(self.root)
            for resources in _objects(top.get("resource")) for type_key, of_types in resources.pairs
            for of_type in _objects(of_types) for name_key, configs in of_type.pairs for config in _objects(configs)}

    def resource(self, rtype: str, name: str) -> Optional[Node]:
        return self.configs.get((rtype, name))

    objects = staticmethod(_objects)
    is_true = staticmethod(literal_true)

    def expression(self, node: Node) -> Optional[str]:
        return node.value if node.kind == "scalar" and isinstance(node.value, str) and "${" in node.value else None

    def replica_blocks(self, owner: Node) -> List[Tuple[Node, bool]]:
        return [(replica, False) for replica in _objects(owner.get("replica"))]

    def list_items(self, node: Node) -> Optional[List[Union[Node, str]]]:
        return [item if item.kind == "map" else str(item.value if item.kind == "scalar" else "a list")
                for item in node.items] if node.kind == "seq" else None
