"""Edits that turn PITR on in Terraform JSON configuration (.tf.json / .tofu.json), in the file's
JSON style. Strings with `${...}` are expressions: left alone, with what to change. No checkov here."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Tuple

from checkov_pitr.domain.fixer.edits import FileFix, Target, Unfixable
from checkov_pitr.domain.fixer.hcl import what_to_change
from checkov_pitr.domain.fixer.tree import Node, parse_json
from checkov_pitr.domain.fixer.writer import TreeWriter
from checkov_pitr.domain.plan_sources import parse_address
from checkov_pitr.domain.readers.terraform import IN_SCOPE_TYPES
from checkov_pitr.rule import FIX_TEMPLATES as T


def _objects(node: Optional[Node]) -> List[Node]:
    """.tf.json allows an object or a list of objects at each level."""
    if node is None:
        return []
    if node.kind == "map":
        return [node]
    return [item for item in node.items if item.kind == "map"] if node.kind == "seq" else []


def _is_true(node: Node) -> bool:
    return node.kind == "scalar" and (node.value is True or (isinstance(node.value, str) and node.value.lower() == "true"))


def _expression(node: Node) -> Optional[str]:
    if node.kind == "scalar" and isinstance(node.value, str) and "${" in node.value:
        return node.value
    return None


def _days(node: Node) -> Optional[int]:
    value = node.value
    if node.kind != "scalar" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class _TfJsonFixer:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.root = parse_json(text)
        self.writer = TreeWriter(path, text, self.root, "json")
        # (type, name) -> the resource's (last) configuration object, indexed once for every table
        self.configs: Dict[Tuple[Any, Any], Node] = {}
        for top in _objects(self.root):
            for resources in _objects(top.get("resource")):
                for type_key, of_types in resources.pairs:
                    for of_type in _objects(of_types):
                        for name_key, configs in of_type.pairs:
                            for config in _objects(configs):
                                self.configs[(type_key.value, name_key.value)] = config

    def config(self, rtype: str, name: str) -> Optional[Node]:
        return self.configs.get((rtype, name))

    def fix(self, target: Target) -> FileFix:
        result = FileFix(self.path)
        address = parse_address(target.resource)
        self.modules = address.modules if address else ()

        def note(reason: str, label: str = target.resource) -> None:
            result.unfixable.append(Unfixable(target.resource, f"{label}: {reason}"))

        rtype = address.type if address else ""
        if address and rtype == "resource" and target.resource_type:
            rtype = target.resource_type
        elif address and rtype == "resource":
            # checkov names .tf.json resources "resource.NAME": find the table type that has NAME
            for candidate in IN_SCOPE_TYPES:
                if self.config(candidate, address.name) is not None:
                    rtype = candidate
        config = self.config(rtype, address.name) if address else None
        if config is None:
            note(f"not written in {self.path} as a resource: set PITR where it is written")
            return result
        if address.type == "resource":  # labels name the table as Terraform does
            target = dataclasses.replace(target, resource=f"{rtype}.{address.name}")
        if rtype == "aws_dynamodb_table":
            self._table(target, config, result, note)
        elif rtype == "aws_dynamodb_table_replica":
            self._flag(target, config, T.tf_replica, target.resource, result, note)
        elif rtype == "awscc_dynamodb_table":
            self._spec(target, config, T.awscc_spec, T.awscc_enabled, T.awscc_period, target.resource, result, note)
        elif rtype == "awscc_dynamodb_global_table":
            replicas = config.get(T.awscc_replicas)
            if replicas is None or replicas.kind != "seq":
                note("no replicas list to read: add replicas, each with point_in_time_recovery_specification")
                return result
            for index, replica in enumerate(replicas.items, start=1):
                region = replica.get("region") if replica.kind == "map" else None
                label = f"replica {region.value if region is not None and isinstance(region.value, str) else '#' + str(index)} of {target.resource}"
                if replica.kind != "map":
                    note("not an object: write one with point_in_time_recovery_specification", label)
                    continue
                self._spec(target, replica, T.awscc_spec, T.awscc_enabled, T.awscc_period, label, result, note)
        return result

    def _table(self, target: Target, config: Node, result: FileFix, note) -> None:
        self._spec(target, config, T.tf_block, T.tf_enabled, T.tf_period, target.resource, result, note)
        if not target.enable:
            return
        for index, replica in enumerate(_objects(config.get("replica")), start=1):
            region = replica.get("region_name")
            name = region.value if region is not None and isinstance(region.value, str) and "${" not in region.value \
                else f"#{index}"
            self._flag(target, replica, T.tf_replica, f"replica {name} of {target.resource}", result, note)

    def _flag(self, target: Target, owner: Node, key: str, label: str, result: FileFix, note) -> None:
        if not target.enable:
            return
        text = T.enable_description.format(label=label)
        flag = owner.get(key)
        if flag is None:
            result.edits.append(self.writer.insert_pair(owner, key, True, text))
        elif _expression(flag):
            note(what_to_change(_expression(flag), key, "true", self.modules), label)
        elif not _is_true(flag):
            result.edits.append(self.writer.set_scalar(flag, True, text))

    def _spec(self, target: Target, owner: Node, key: str, enabled_key: str, period_key: str, label: str,
              result: FileFix, note) -> None:
        text = T.enable_description.format(label=label)
        spec_node = owner.get(key)
        if spec_node is None:
            if target.enable:
                result.edits.append(self.writer.insert_pair(owner, key, {enabled_key: True}, text))
            return
        if _expression(spec_node):
            note(what_to_change(_expression(spec_node), key, f"{{{enabled_key} = true}}", self.modules), label)
            return
        specs = _objects(spec_node)
        if len(specs) != 1:
            note(f"{key} is not one object: write {{\"{enabled_key}\": true}}", label)
            return
        spec = specs[0]
        flag = spec.get(enabled_key)
        newly_on = False
        if flag is None:
            if not target.enable:
                return
            result.edits.append(self.writer.insert_pair(spec, enabled_key, True, text))
            newly_on = True
        elif _expression(flag):
            note(what_to_change(_expression(flag), f"{key}.{enabled_key}", "true", self.modules), label)
            return
        elif not _is_true(flag):
            if not target.enable:
                return
            result.edits.append(self.writer.set_scalar(flag, True, text))
            newly_on = True
        if not (target.period or newly_on):
            return
        period = spec.get(period_key)
        if period is None:
            return
        if _expression(period):
            note(what_to_change(_expression(period), period_key, str(target.minimum), self.modules), label)
            return
        days = _days(period)
        if days is None or not target.minimum <= days <= 35:
            result.edits.append(self.writer.set_scalar(
                period, target.minimum, T.period_description.format(label=label, minimum=target.minimum)))
