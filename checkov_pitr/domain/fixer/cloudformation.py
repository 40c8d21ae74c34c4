"""PITR edits in CloudFormation / SAM / serverless.yml templates (YAML or JSON). Only literals are edited; a
parameter, intrinsic, serverless variable or YAML anchor is left alone, with what to change instead."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from checkov_pitr.domain.core import CFN_GLOBAL_TABLE as GLOBAL_TABLE, SAM_SIMPLE_TABLE as SIMPLE_TABLE
from checkov_pitr.domain.fixer.edits import Edit, Fixer, Target, what_to_change
from checkov_pitr.domain.fixer.writer import TreeWriter, yaml_flow
from checkov_pitr.domain.readers.yaml_loader import LoadError, Node, intrinsic, load_positions
from checkov_pitr.rule import FIX_TEMPLATES as T


def compose_yaml(text: str, is_json: bool = False) -> Node:
    try:
        return load_positions(text, is_json=is_json)
    except LoadError as exc:
        raise ValueError(f"not readable as YAML ({exc})" if not is_json else str(exc)) from None


def parse_json(text: str) -> Node:
    return compose_yaml(text, is_json=True)


def dependency(node: Node) -> Optional[Tuple[str, str]]:
    """(kind, name) when the node's value comes from elsewhere: ("parameter", P), ("if", C),
    ("intrinsic", "Fn::GetAtt"), ("serverless", "${opt:x}"); None for a literal."""
    if node.tag:  # a short tag, named as its long form (`!If` is Fn::If)
        name, value = next(iter(intrinsic(node.tag, None))), node
    elif node.kind == "map" and len(node.pairs) == 1 and node.pairs[0][0].kind == "scalar":
        name, value = str(node.pairs[0][0].value), node.pairs[0][1]
    else:
        return ("serverless", node.value.strip()) if node.kind == "scalar" and isinstance(node.value, str) \
            and "${" in node.value else None
    if name == "Ref":
        target = value.value if value.kind == "scalar" else "?"
        return ("novalue", "AWS::NoValue") if target == "AWS::NoValue" else ("parameter", str(target))
    if name == "Fn::If":
        first = value.items[0] if value.kind == "seq" and value.items else None
        return "if", str(first.value if first is not None and first.kind == "scalar" else "?")
    return ("intrinsic", name) if name.startswith("Fn::") or name == "Condition" else None


def literal_true(node: Node) -> bool:
    return node.kind == "scalar" and node.tag is None and (
        node.value is True or (isinstance(node.value, str) and node.value.lower() == "true"))


def literal_days(node: Node) -> Optional[int]:
    value = node.value
    if node.kind != "scalar" or node.tag is not None or isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return int(value)
    return int(value.strip()) if isinstance(value, str) and value.strip().isdigit() else None


def _at(node: Optional[Node], *keys: str) -> Optional[Node]:
    for key in keys:
        node = node.get(key) if node is not None else None
    return node


def _merged(mapping: Node, key: str) -> bool:  # whether `key` reaches the mapping through a YAML merge key
    merge = mapping.get("<<")
    if merge is None:
        return False
    sources = merge.items if merge.kind == "seq" else [merge]
    return any(s.kind == "map" and (s.get(key) is not None or _merged(s, key)) for s in sources)


class TreeSyntax:
    """Fixer's reading and writing on a position tree (YAML or JSON), with `self.writer` its TreeWriter."""

    writer: TreeWriter
    days = staticmethod(literal_days)

    def get(self, owner: Node, key: str) -> List[Node]:
        return [] if owner.get(key) is None else [owner.get(key)]  # type: ignore[list-item]

    def set(self, node: Node, value: Any, description: str) -> Edit:
        return self.writer.set_scalar(node, value, description)

    def string(self, node: Node) -> Optional[str]:  # a literal string (no tag, no `${...}`)
        return node.value if node.kind == "scalar" and node.tag is None and isinstance(node.value, str) \
            and "${" not in node.value else None

    def insert(self, owner: Node, key: str, value: Any, description: str) -> Edit:  # a `key:` with no value gets one
        insert = self.writer.fill_empty if owner.get(key) is not None else self.writer.insert_pair
        return insert(owner, key, value, description)


class _TemplateFixer(TreeSyntax, Fixer):
    qualified_flag = False

    def __init__(self, path: str, text: str) -> None:
        self.path = path  # (the text is the writer's)
        root = None
        if path.lower().endswith(".json") or text.lstrip("\ufeff \t\r\n").startswith("{"):
            try:
                root = parse_json(text)
            except ValueError:
                pass  # JSON-looking YAML (one-line flow style)
        self.root = root if root is not None else compose_yaml(text)
        self.writer = TreeWriter(text, self.root, "yaml" if root is None else "json")
        # logical id -> every resource written under it (serverless.yml: under `resources:`), indexed once
        self.written: Dict[Any, List[Node]] = {}
        section = self.root.get("resources")
        for holder in [self.root] + ([section] + section.items if section is not None else []):
            resources = holder.get("Resources")
            for key, value in resources.pairs if resources is not None else []:
                if key.kind == "scalar":
                    self.written.setdefault(key.value, []).append(value)

    def fix_target(self, target: Target) -> None:
        rtype, _, logical_id = target.resource.partition(".")
        matches = self.written.get(logical_id, [])
        resource = matches[-1] if matches else None
        type_node = resource.get("Type") if resource is not None else None
        if resource is None:
            self.note("not written in this file as a resource (made by Fn::ForEach, an include or a transform?): "
                      "set PITR where it is written", logical_id)
        elif len(matches) > 1:
            self.note("the logical id appears more than once (CloudFormation refuses the template): keep one", logical_id)
        elif resource.kind != "map" or resource.shared:
            self.note("the resource is not a plain mapping in this file (a YAML anchor or alias?): set PITR by hand",
                      logical_id)
        elif type_node is None or type_node.value != rtype:
            self.note(f"its Type is not {rtype} in this file: nothing to fix here", logical_id)
        else:
            self._fix_resource(resource, rtype, logical_id)

    def _fix_resource(self, resource: Node, rtype: str, logical_id: str) -> None:
        properties = resource.get("Properties")
        # SAM's Globals.SimpleTable holds the specification of tables without one
        fallback = _at(self.root, "Globals", "SimpleTable", T.cfn_spec) if rtype == SIMPLE_TABLE else None
        found = dependency(properties) if properties is not None else None
        if found or (properties is not None and (properties.kind != "map" or properties.shared)):
            self.note(what_to_change("Properties", found, "a mapping with PITR enabled") if found
                      else "Properties is not a plain mapping in this file: set PITR by hand", logical_id)
        elif rtype == GLOBAL_TABLE:
            self._fix_replicas(logical_id, properties)
        elif properties is not None:
            if properties.get(T.cfn_spec) is not None or _merged(properties, T.cfn_spec) or fallback is None \
                    or dependency(fallback) or not self._globals_on(fallback, logical_id):
                self.spec(properties, T.cfn_spec, T.cfn_enabled, T.cfn_period, logical_id)
        elif self._globals_on(fallback, logical_id) or not self.target.enable:
            pass
        elif _merged(resource, "Properties"):
            self.note("Properties comes from a YAML merge key (<<): set PITR in the merged mapping, or here", logical_id)
        else:
            self.result.edits.append(self.writer.insert_pair(resource, "Properties", {T.cfn_spec: {T.cfn_enabled: True}},
                                                             T.enable_description.format(label=logical_id)))

    def _globals_on(self, fallback: Optional[Node], label: str) -> bool:  # Globals.SimpleTable turns PITR on?
        flag = _at(fallback, T.cfn_enabled)
        if flag is None or not literal_true(flag):
            return False
        if self.target.period:  # then only its period can be short: fixed there
            self.period(fallback, T.cfn_period, f"Globals.SimpleTable (for {label})")
        return True

    def _fix_replicas(self, logical_id: str, properties: Optional[Node]) -> None:
        replicas = _at(properties, "Replicas")
        if replicas is None or (replicas.kind == "seq" and not replicas.items):
            return self.note("no Replicas to read: add Replicas, each with PointInTimeRecoverySpecification", logical_id)
        found = dependency(replicas)
        if found or replicas.kind != "seq":
            return self.note(what_to_change("Replicas", found, "replicas with PITR enabled") if found
                             else "Replicas is not a list", logical_id)
        for index, replica in enumerate(replicas.items, start=1):
            label = f"replica {self.string_at(replica, 'Region') or f'#{index}'} of {logical_id}"
            found = dependency(replica)
            if found or replica.kind != "map" or replica.shared:
                flag = _at(replica, T.cfn_spec, T.cfn_enabled)
                if found or flag is None or not literal_true(flag):
                    self.note(what_to_change("the replica", found, "a replica with PITR enabled") if found
                              else "not a plain mapping in this file", label)
            else:
                self.spec(replica, T.cfn_spec, T.cfn_enabled, T.cfn_period, label)

    # --- the syntax, for Fixer -------------------------------------------------------------------
    def is_null(self, node: Node) -> bool:
        return node.kind == "scalar" and node.value is None and node.tag is None and not node.shared

    def objects(self, node: Node) -> List[Node]:
        return [node] if node.kind == "map" and not node.shared and dependency(node) is None else []

    def is_true(self, node: Node) -> bool:  # a value from elsewhere, when only the period fails, is on where read
        return literal_true(node) or (not self.target.enable and dependency(node) is not None)

    def shape_problem(self, owner: Node, key: str) -> Optional[str]:
        spec = key == T.cfn_spec
        if owner.count(key) > 1:
            return f"{key} appears more than once{' (CloudFormation refuses the template)' if spec else ''}: keep one"
        if owner.get(key) is None and _merged(owner, key):
            return f"{key} comes from a YAML merge key (<<): set {'PITR' if spec else 'it'} in the merged mapping"
        return None

    def why_not(self, node: Node, setting: str, value: Any) -> Optional[str]:
        found, shown = dependency(node), yaml_flow(value)
        if found:  # (a period: at least the minimum)
            return what_to_change(setting, found, shown if isinstance(value, (bool, dict)) else f"at least {shown}")
        if isinstance(value, dict):
            return f"{setting} is a YAML anchor or alias shared with other places: set PITR there by hand" \
                if node.shared else f"{setting} is not a mapping: write {shown}"
        return f"{setting} is not a plain value in this file: set it to {shown}" \
            if node.shared or node.kind != "scalar" else None
