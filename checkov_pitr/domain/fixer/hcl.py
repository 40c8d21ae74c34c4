"""Edits that turn PITR on in Terraform HCL (.tf / .tofu), on the offsets of the reader's HCL scanner
(readers/terraform_eval.parse_body), for aws_dynamodb_table, aws_dynamodb_table_replica, awscc_dynamodb_table
and awscc_dynamodb_global_table. Only literal values are edited; a value from a variable, a local,
a module input or for_each is left alone, and the reason says what to change. No checkov here."""
from __future__ import annotations

import re
from typing import List, Optional, Sequence

from checkov_pitr.domain.fixer.edits import Edit, FileFix, Target, Unfixable
from checkov_pitr.domain.fixer.writer import leading_space, line_end, line_start, newline_of
from checkov_pitr.domain.plan_sources import parse_address
from checkov_pitr.domain.readers.terraform_eval import HclError, Item, expression_end, matching_close, parse_body, skip_blank
from checkov_pitr.rule import FIX_TEMPLATES as T

_LITERAL = re.compile(r'(?:true|false|null|-?\d+(?:\.\d+)?|"[^"$%\\]*")\Z')
_REFERENCE = re.compile(r"\b(var|local|module|each|count|data|self)\.([A-Za-z_][A-Za-z0-9_-]*)")


# --- Writing ---

def literal(text: str) -> Optional[str]:
    """The expression's text when it is a literal (true, false, null, a number, a plain string)."""
    stripped = text.strip()
    return stripped if _LITERAL.match(stripped) else None


def is_true(expression: str) -> bool:
    stripped = expression.strip()
    return stripped == "true" or (stripped.startswith('"') and stripped[1:-1].lower() == "true")


def literal_days(expression: str) -> Optional[int]:
    value = expression.strip().strip('"')
    return int(value) if value.isdigit() else None


def what_to_change(expression: str, setting: str, want: str, modules: Sequence[str]) -> str:
    expression = " ".join(expression.split())
    match = _REFERENCE.search(expression)
    if match and match.group(1) == "var":
        variable = match.group(2)
        if modules:
            caller = ".".join(f"module.{m}" for m in modules)
            return (f"{setting} is {expression}, an input of {caller}: set {variable} = {want} in the "
                    f'module "{modules[-1]}" block that calls it (not in the module, which every caller shares)')
        return (f'{setting} is {expression}: set the default of variable "{variable}" to {want}, or pass '
                f"{variable} = {want} (.tfvars or -var)")
    if match and match.group(1) == "local":
        return f"{setting} is {expression}: set local.{match.group(2)} to {want}"
    if match and match.group(1) in ("each", "count"):
        return f"{setting} is {expression}: set it to {want} in the for_each / count values"
    if match and match.group(1) == "module":
        return f"{setting} is {expression}, an output of module.{match.group(2)}: make that output {want}"
    return f"{setting} is {expression}: make it {want}"


class _HclFixer:
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.nl = newline_of(text)
        self.top = parse_body(text, 0, len(text))  # the file read once, whatever its number of tables
        # (type, name) -> the resource block (the last one, when a name is written twice)
        self.resources = {(item.labels[0], item.labels[1]): item for item in self.top
                          if item.kind == "block" and item.name == "resource" and len(item.labels) == 2}
        self.step = self._file_step()

    def _file_step(self) -> str:
        for item in self.top:
            if item.kind != "block":
                continue
            for inner in parse_body(self.text, item.open + 1, item.close):
                indent, outer = self._indent_of(inner.start), self._indent_of(item.start)
                if indent is not None and outer is not None and indent.startswith(outer) and len(indent) > len(outer):
                    return indent[len(outer):]
        return "  "

    def _indent_of(self, offset: int) -> Optional[str]:
        start = line_start(self.text, offset)
        before = self.text[start:offset]
        if start == 0:
            before = before.lstrip("\ufeff")  # a BOM is no indentation
        return before if not before.strip() else None

    def _body_indent(self, owner_start: int, items: Sequence[Item]) -> str:
        for item in items:
            indent = self._indent_of(item.start)
            if indent is not None:
                return indent
        return leading_space(self.text, owner_start) + self.step

    # --- insertions -----------------------------------------------------------------------------
    def _insert_lines(self, owner_start: int, open_: int, close: int, items: Sequence[Item],
                      lines: List[str], description: str, blank_before: bool = False) -> Edit:
        """Insert lines (relative indentation with {step}) as the last items of a body or object."""
        text, nl = self.text, self.nl
        indent = self._body_indent(owner_start, items)
        body = nl.join(indent + line.replace("{step}", self.step) for line in lines)
        if items:
            end = line_end(text, items[-1].end)
            if end < close:  # the body goes on after the last item's line
                position = end + len(nl) if text.startswith("\r\n", end) else end + 1
                return Edit(self.path, position, position, (nl if blank_before else "") + body + nl, description)
            close_indent = leading_space(text, owner_start)
            return Edit(self.path, items[-1].end, close, nl + body + nl + close_indent, description)
        newline = text.find("\n", open_, close)
        if newline >= 0:
            return Edit(self.path, newline + 1, newline + 1, body + nl, description)
        close_indent = leading_space(text, owner_start)
        return Edit(self.path, open_ + 1, close, nl + body + nl + close_indent, description)

    def _aligned(self, key: str, items: Sequence[Item]) -> str:
        """`key = ` padded to the `=` column of the last attribute, terraform fmt's way."""
        if items and items[-1].kind == "attr":
            last = items[-1]
            width = last.equals - last.start
            if width > len(key):
                return key.ljust(width) + "= "
        return key + " = "

    def _set(self, item: Item, value: str, description: str) -> Edit:
        return Edit(self.path, item.value_start, item.value_end, value, description)

    # --- the resources --------------------------------------------------------------------------
    def fix(self, target: Target) -> FileFix:
        result = FileFix(self.path)
        address = parse_address(target.resource)

        def note(reason: str, label: str = target.resource) -> None:
            result.unfixable.append(Unfixable(target.resource, f"{label}: {reason}"))

        if address is None or address.mode != "managed":
            note("not a resource address: nothing to fix")
            return result
        resource = self.resources.get((address.type, address.name))
        if resource is None:
            note(f'no resource "{address.type}" "{address.name}" block in {self.path}: set PITR where it is written')
            return result
        self.modules = address.modules
        items = parse_body(self.text, resource.open + 1, resource.close)
        if address.type == "aws_dynamodb_table":
            self._table(target, resource, items, result, note)
        elif address.type == "aws_dynamodb_table_replica":
            self._flag_attr(target, resource, items, T.tf_replica, target.resource, result, note)
        elif address.type == "awscc_dynamodb_table":
            self._awscc_spec(target, resource.start, resource.open, resource.close, items, target.resource, result, note)
        elif address.type == "awscc_dynamodb_global_table":
            self._awscc_replicas(target, items, result, note)
        return result

    def _table(self, target: Target, resource: Item, items: List[Item], result: FileFix, note) -> None:
        label = target.resource
        enable_text = T.enable_description.format(label=label)
        blocks = [i for i in items if i.kind == "block" and i.name == T.tf_block]
        dynamic = [i for i in items if i.kind == "block" and i.name == "dynamic" and i.labels == [T.tf_block]]
        attrs = [i for i in items if i.kind == "attr" and i.name == T.tf_block]
        if attrs:
            note(f"{T.tf_block} is an attribute here, not a block: write {T.tf_block} {{ enabled = true }}")
        elif len(blocks) > 1:
            note(f"{len(blocks)} {T.tf_block} blocks (Terraform allows one): keep one, with enabled = true")
        elif not blocks and dynamic:
            note(f'{T.tf_block} is a dynamic block: make its for_each non-empty and its content enabled = true, '
                 f"or replace it with a {T.tf_block} {{ enabled = true }} block")
        elif not blocks:
            if target.enable:
                lines = T.tf_block_text.split("\n")
                blank = bool(items) and items[-1].kind == "block"
                result.edits.append(self._insert_lines(resource.start, resource.open, resource.close, items, lines,
                                                       enable_text, blank_before=blank))
        else:
            block = blocks[0]
            inner = parse_body(self.text, block.open + 1, block.close)
            enabled = [i for i in inner if i.kind == "attr" and i.name == T.tf_enabled]
            newly_on = False
            ok = True
            if not enabled:
                if target.enable:
                    result.edits.append(self._insert_first(block, inner, T.tf_enabled, "true", enable_text))
                    newly_on = True
                else:
                    ok = False
            elif not is_true(self._value(enabled[-1])):
                expression = self._value(enabled[-1])
                if literal(expression) is None:
                    note(what_to_change(expression, f"{T.tf_block}.enabled", "true", self.modules))
                    ok = False
                elif target.enable:
                    result.edits.append(self._set(enabled[-1], "true", enable_text))
                    newly_on = True
                else:
                    ok = False
            if ok and (target.period or newly_on):
                self._period(target, inner, label, result, note)
        if target.enable:
            self._replicas(target, items, result, note)

    def _insert_first(self, block: Item, inner: List[Item], key: str, value: str, description: str) -> Edit:
        """`key = value` as the first line of a block (`enabled` leads in the rule's own example)."""
        text, nl = self.text, self.nl
        if inner:
            first = inner[0]
            indent = self._indent_of(first.start)
            if indent is not None:
                width = first.equals - first.start if first.kind == "attr" else 0
                head = key.ljust(width) + "= " if width > len(key) and text[first.start:first.equals].rstrip() == first.name else key + " = "
                position = line_start(text, first.start)
                return Edit(self.path, position, position, indent + head + value + nl, description)
        return self._insert_lines(block.start, block.open, block.close, inner, [f"{key} = {value}"], description)

    def _period(self, target: Target, inner: List[Item], label: str, result: FileFix, note) -> None:
        periods = [i for i in inner if i.kind == "attr" and i.name == T.tf_period]
        if not periods:
            return
        expression = self._value(periods[-1])
        days = literal_days(expression)
        if days is not None and target.minimum <= days <= 35:
            return
        if literal(expression) is None:
            note(what_to_change(expression, T.tf_period, str(target.minimum), self.modules))
            return
        result.edits.append(self._set(periods[-1], str(target.minimum),
                                      T.period_description.format(label=label, minimum=target.minimum)))

    def _value(self, item: Item) -> str:
        return self.text[item.value_start:item.value_end]

    def _replicas(self, target: Target, items: List[Item], result: FileFix, note) -> None:
        replicas = [(i, None) for i in items if i.kind == "block" and i.name == "replica"]
        for dynamic in (i for i in items if i.kind == "block" and i.name == "dynamic" and i.labels == ["replica"]):
            for content in parse_body(self.text, dynamic.open + 1, dynamic.close):
                if content.kind == "block" and content.name == "content":
                    replicas.append((content, dynamic))
        for index, (block, dynamic) in enumerate(replicas, start=1):
            inner = parse_body(self.text, block.open + 1, block.close)
            region = [i for i in inner if i.kind == "attr" and i.name == "region_name"]
            region_text = literal(self._value(region[-1])) if region else None
            name = region_text.strip('"') if region_text else f"#{index}"
            label = f'dynamic "replica" of {target.resource}' if dynamic else f"replica {name} of {target.resource}"
            self._flag_attr(target, block, inner, T.tf_replica, label, result, note)

    def _flag_attr(self, target: Target, owner: Item, inner: List[Item], key: str, label: str, result: FileFix,
                   note) -> None:
        if not target.enable:
            return
        text = T.enable_description.format(label=label)
        found = [i for i in inner if i.kind == "attr" and i.name == key]
        if not found:
            line = self._aligned(key, inner) + "true"
            result.edits.append(self._insert_lines(owner.start, owner.open, owner.close, inner, [line], text))
            return
        expression = self._value(found[-1])
        if is_true(expression):
            return
        if literal(expression) is None:
            note(what_to_change(expression, key, "true", self.modules), label)
            return
        result.edits.append(self._set(found[-1], "true", text))

    # --- awscc ----------------------------------------------------------------------------------
    def _awscc_spec(self, target: Target, owner_start: int, open_: int, close: int, items: List[Item], label: str,
                    result: FileFix, note, inline: bool = False) -> None:
        text = T.enable_description.format(label=label)
        found = [i for i in items if i.kind == "attr" and i.name == T.awscc_spec]
        if not found:
            if not target.enable:
                return
            if inline:
                result.edits.append(self._object_insert(open_, close, items, T.awscc_inline_text, text))
            else:
                result.edits.append(self._insert_lines(owner_start, open_, close, items, T.awscc_text.split("\n"), text))
            return
        spec = found[-1]
        value = self._value(spec)
        if not value.startswith("{"):
            note(what_to_change(value, T.awscc_spec, f"{{ {T.awscc_enabled} = true }}", self.modules), label)
            return
        spec_close = matching_close(self.text, spec.value_start)
        inner = parse_body(self.text, spec.value_start + 1, spec_close, object_body=True)
        flag = [i for i in inner if i.kind == "attr" and i.name == T.awscc_enabled]
        newly_on = False
        if not flag:
            if not target.enable:
                return
            result.edits.append(self._object_insert(spec.value_start, spec_close, inner,
                                                    f"{T.awscc_enabled} = true", text, owner_start=spec.start))
            newly_on = True
        elif not is_true(self._value(flag[-1])):
            expression = self._value(flag[-1])
            if literal(expression) is None:
                note(what_to_change(expression, T.awscc_enabled, "true", self.modules), label)
                return
            if not target.enable:
                return
            result.edits.append(self._set(flag[-1], "true", text))
            newly_on = True
        if target.period or newly_on:
            self._period(target, inner, label, result, lambda reason: note(reason, label))

    def _object_insert(self, open_: int, close: int, items: List[Item], entry: str, description: str,
                       owner_start: Optional[int] = None) -> Edit:
        if self.text.find("\n", open_, close) >= 0:
            return self._insert_lines(owner_start if owner_start is not None else open_, open_, close, items,
                                      entry.split("\n"), description)
        if items:
            return Edit(self.path, items[-1].end, items[-1].end, ", " + entry, description)
        return Edit(self.path, open_ + 1, close, " " + entry + " ", description)

    def _awscc_replicas(self, target: Target, items: List[Item], result: FileFix, note) -> None:
        found = [i for i in items if i.kind == "attr" and i.name == T.awscc_replicas]
        if not found:
            note("no replicas to read: add replicas, each with point_in_time_recovery_specification")
            return
        value_start = found[-1].value_start
        if not self.text.startswith("[", value_start):
            note(what_to_change(self._value(found[-1]), T.awscc_replicas, "a list of replicas with PITR enabled",
                                self.modules))
            return
        close = matching_close(self.text, value_start)
        i, index = value_start + 1, 0
        while True:
            i = skip_blank(self.text, i, close, commas=True)
            if i >= close:
                break
            end = expression_end(self.text, i, close, commas=True)
            index += 1
            if not self.text.startswith("{", i):
                note(what_to_change(self.text[i:end], "the replica", "an object with PITR enabled", self.modules),
                     f"replica #{index} of {target.resource}")
                i = end
                continue
            obj_close = matching_close(self.text, i)
            inner = parse_body(self.text, i + 1, obj_close, object_body=True)
            region = [x for x in inner if x.kind == "attr" and x.name == "region"]
            region_text = literal(self._value(region[-1])) if region else None
            label = f"replica {region_text.strip(chr(34)) if region_text else '#' + str(index)} of {target.resource}"
            multiline = self.text.find("\n", i, obj_close) >= 0
            self._awscc_spec(target, i, i, obj_close, inner, label, result, note, inline=not multiline)
            i = obj_close + 1
