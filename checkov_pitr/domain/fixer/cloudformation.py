"""Edits that turn PITR on in a CloudFormation / SAM / serverless.yml template (YAML or JSON).

Only literal values are edited. A value from a parameter (`!Ref P`), an `Fn::If`, another
intrinsic, a serverless variable or a YAML anchor is left alone, and the reason says what to
change instead. No checkov here."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from checkov_pitr.domain.core import CFN_GLOBAL_TABLE as GLOBAL_TABLE, SAM_SIMPLE_TABLE as SIMPLE_TABLE
from checkov_pitr.domain.fixer.edits import FileFix, Target, Unfixable
from checkov_pitr.domain.fixer.tree import Node, TreeError, compose_yaml, parse_json
from checkov_pitr.domain.fixer.writer import TreeWriter
from checkov_pitr.domain.readers.yaml_loader import intrinsic
from checkov_pitr.rule import FIX_TEMPLATES as T


def is_json_text(path: str, text: str) -> bool:
    return path.lower().endswith(".json") or text.lstrip("\ufeff \t\r\n").startswith("{")


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


def _what_to_change(found: Tuple[str, str], setting: str, want: str) -> str:
    kind, name = found
    if kind == "parameter":
        return (f"{setting} comes from parameter {name}: set Parameters.{name}.Default to {want} "
                f"(and pass {want} wherever the stack is deployed)")
    if kind == "if":
        return f"{setting} is an Fn::If on condition {name}: set {want} in every branch"
    if kind == "novalue":
        return f"{setting} is Ref AWS::NoValue (an Fn::If branch?): write {want} there"
    if kind == "serverless":
        return f"{setting} comes from the serverless variable {name}: make it resolve to {want}"
    return f"{setting} comes from {name}: replace it with {want}"


def literal_true(node: Node) -> bool:
    return node.kind == "scalar" and node.tag is None and (
        node.value is True or (isinstance(node.value, str) and node.value.lower() == "true"))


def literal_days(node: Node) -> Optional[int]:
    value = node.value
    if node.kind != "scalar" or node.tag is not None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _merged(mapping: Node, key: str) -> bool:
    """Whether `key` reaches the mapping through a YAML merge key."""
    merge = mapping.get("<<")
    if merge is None:
        return False
    sources = merge.items if merge.kind == "seq" else [merge]
    return any(s.kind == "map" and (s.get(key) is not None or _merged(s, key)) for s in sources)


class _TemplateFixer:
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        root = None
        if is_json_text(path, text):
            try:
                root = parse_json(text)
            except TreeError:
                pass  # JSON-looking YAML (one-line flow style)
        self.root = root if root is not None else compose_yaml(text)
        self.writer = TreeWriter(path, text, self.root, "yaml" if root is None else "json")
        # logical id -> every (Resources mapping, resource) written under it, in file order: the
        # template is indexed once, so fixing each of its tables costs no more than that table
        self.written: Dict[Any, List[Tuple[Node, Node]]] = {}
        for holder in self.resources():
            for key, value in holder.pairs:
                if key.kind == "scalar":
                    self.written.setdefault(key.value, []).append((holder, value))

    # --- finding things -------------------------------------------------------------------------
    def resources(self) -> List[Node]:
        found = []
        if self.root.kind != "map":
            return found
        for holder in [self.root] + self._serverless_holders():
            resources = holder.get("Resources")
            if resources is not None and resources.kind == "map":
                found.append(resources)
        return found

    def _serverless_holders(self) -> List[Node]:
        section = self.root.get("resources")
        if section is None:
            return []
        return [section] if section.kind == "map" else [i for i in section.items if i.kind == "map"]

    def globals_spec(self) -> Optional[Node]:
        globals_ = self.root.get("Globals") if self.root.kind == "map" else None
        simple = globals_.get("SimpleTable") if globals_ is not None and globals_.kind == "map" else None
        return simple.get(T.cfn_spec) if simple is not None and simple.kind == "map" else None

    # --- fixing ---------------------------------------------------------------------------------
    def fix(self, target: Target) -> FileFix:
        result = FileFix(self.path)
        rtype, _, logical_id = target.resource.partition(".")
        note = lambda reason: result.unfixable.append(Unfixable(target.resource, f"{logical_id}: {reason}"))  # noqa: E731
        matches = self.written.get(logical_id, [])
        if not matches:
            note("not written in this file as a resource (made by Fn::ForEach, an include or a transform?): "
                 "set PITR where it is written")
            return result
        holder, resource = matches[-1]
        if len(matches) > 1:
            note("the logical id appears more than once (CloudFormation refuses the template): keep one")
            return result
        if resource.kind != "map" or resource.shared:
            note("the resource is not a plain mapping in this file (a YAML anchor or alias?): set PITR by hand")
            return result
        type_node = resource.get("Type")
        if type_node is None or type_node.value != rtype:
            note(f"its Type is not {rtype} in this file: nothing to fix here")
            return result
        properties = resource.get("Properties")
        fallback = self.globals_spec() if rtype == SIMPLE_TABLE else None
        found = dependency(properties) if properties is not None else None
        if found or (properties is not None and (properties.kind != "map" or properties.shared)):
            note(_what_to_change(found, "Properties", "a mapping with PITR enabled") if found
                 else "Properties is not a plain mapping in this file: set PITR by hand")
        elif rtype == GLOBAL_TABLE:
            self._fix_replicas(logical_id, properties, target, result)
        elif properties is not None:
            self._fix_holder(logical_id, properties, target, result, fallback)
        elif self._globals_on(fallback, logical_id, target, result) or not target.enable:
            pass
        elif _merged(resource, "Properties"):
            note("Properties comes from a YAML merge key (<<): set PITR in the merged mapping, or here")
        else:
            result.edits.append(self.writer.insert_pair(resource, "Properties", {T.cfn_spec: {T.cfn_enabled: True}},
                                                        T.enable_description.format(label=logical_id)))
        return result

    def _globals_on(self, fallback: Optional[Node], label: str, target: Target, result: FileFix) -> bool:
        """Whether SAM's Globals.SimpleTable turns PITR on for a table without its own specification;
        then only its period can be short, and it is fixed there."""
        flag = fallback.get(T.cfn_enabled) if fallback is not None and fallback.kind == "map" else None
        if flag is None or not literal_true(flag):
            return False
        if target.period:
            self._fix_period(f"Globals.SimpleTable (for {label})", fallback, target.minimum, result, target.resource)
        return True

    def _fix_replicas(self, logical_id: str, properties: Optional[Node], target: Target, result: FileFix) -> None:
        def note(label: str, reason: str) -> None:
            result.unfixable.append(Unfixable(target.resource, f"{label}: {reason}"))

        replicas = properties.get("Replicas") if properties is not None else None
        if replicas is None or (replicas.kind == "seq" and not replicas.items):
            return note(logical_id, "no Replicas to read: add Replicas, each with PointInTimeRecoverySpecification")
        found = dependency(replicas)
        if found or replicas.kind != "seq":
            return note(logical_id, _what_to_change(found, "Replicas", "replicas with PITR enabled") if found
                        else "Replicas is not a list")
        for index, replica in enumerate(replicas.items, start=1):
            region = replica.get("Region") if replica.kind == "map" else None
            name = region.value if region is not None and region.kind == "scalar" and region.tag is None and \
                isinstance(region.value, str) and "${" not in region.value else f"#{index}"
            label = f"replica {name} of {logical_id}"
            found = dependency(replica)
            if found or replica.kind != "map" or replica.shared:
                spec = replica.get(T.cfn_spec) if replica.kind == "map" else None
                flag = spec.get(T.cfn_enabled) if spec is not None and spec.kind == "map" else None
                if found or flag is None or not literal_true(flag):
                    note(label, _what_to_change(found, "the replica", "a replica with PITR enabled") if found
                         else "not a plain mapping in this file")
                continue
            self._fix_holder(label, replica, target, result)

    def _fix_holder(self, label: str, holder: Node, target: Target, result: FileFix,
                    fallback: Optional[Node] = None) -> None:
        """PITR on, and its period at least the minimum, in the mapping that holds the specification."""
        def note(reason: str) -> None:
            result.unfixable.append(Unfixable(target.resource, f"{label}: {reason}"))

        enable_text = T.enable_description.format(label=label)
        if holder.count(T.cfn_spec) > 1:
            note(f"{T.cfn_spec} appears more than once (CloudFormation refuses the template): keep one")
            return
        spec = holder.get(T.cfn_spec)
        if spec is None:
            if _merged(holder, T.cfn_spec):
                note(f"{T.cfn_spec} comes from a YAML merge key (<<): set PITR in the merged mapping")
            elif (fallback is None or dependency(fallback) or not self._globals_on(fallback, label, target, result)) \
                    and target.enable:
                result.edits.append(self.writer.insert_pair(holder, T.cfn_spec, {T.cfn_enabled: True}, enable_text))
            return
        found = dependency(spec)
        if found:
            note(_what_to_change(found, T.cfn_spec, f"{{{T.cfn_enabled}: true}}"))
            return
        if spec.shared:
            note(f"{T.cfn_spec} is a YAML anchor or alias shared with other places: set PITR there by hand")
            return
        if spec.kind == "scalar" and spec.value is None:
            if target.enable:
                key = holder.key_node(T.cfn_spec)
                result.edits.append(self.writer.fill_empty(key, spec, {T.cfn_enabled: True}, enable_text))
            return
        if spec.kind != "map":
            note(f"{T.cfn_spec} is not a mapping: write {{{T.cfn_enabled}: true}}")
            return
        flag = spec.get(T.cfn_enabled)
        newly_on = False
        if spec.count(T.cfn_enabled) > 1:
            note(f"{T.cfn_enabled} appears more than once: keep one")
            return
        if flag is None:
            if _merged(spec, T.cfn_enabled):
                note(f"{T.cfn_enabled} comes from a YAML merge key (<<): set it in the merged mapping")
                return
            if not target.enable:
                return
            result.edits.append(self.writer.insert_pair(spec, T.cfn_enabled, True, enable_text))
            newly_on = True
        elif literal_true(flag):
            pass
        else:
            found = dependency(flag)
            if found and not target.enable:  # only the period fails: the flag is on wherever it is read
                self._fix_period(label, spec, target.minimum, result, target.resource)
                return
            if found:
                note(_what_to_change(found, T.cfn_enabled, "true"))
                return
            if flag.kind == "scalar" and flag.value is None and not self.text[flag.start:flag.end].strip():
                if not target.enable:
                    return
                result.edits.append(self.writer.fill_empty(spec.key_node(T.cfn_enabled), flag, True, enable_text))
                newly_on = True
            elif flag.kind == "scalar" and not flag.shared:
                if not target.enable:
                    return
                result.edits.append(self.writer.set_scalar(flag, True, enable_text))
                newly_on = True
            else:
                note(f"{T.cfn_enabled} is not a plain value in this file: set it to true")
                return
        if target.period or newly_on:
            self._fix_period(label, spec, target.minimum, result, target.resource)

    def _fix_period(self, label: str, spec: Node, minimum: int, result: FileFix, resource: str) -> None:
        period = spec.get(T.cfn_period)
        if period is None:
            return  # 35 days by default
        found = dependency(period)
        if found:
            result.unfixable.append(Unfixable(resource, f"{label}: " + _what_to_change(
                found, T.cfn_period, f"at least {minimum}")))
            return
        days = literal_days(period)
        if days is not None and minimum <= days <= 35:
            return
        if period.shared or period.kind != "scalar":
            result.unfixable.append(Unfixable(resource, f"{label}: {T.cfn_period} is not a plain value in this file: "
                                                        f"set it to {minimum}"))
            return
        result.edits.append(self.writer.set_scalar(period, minimum,
                                                   T.period_description.format(label=label, minimum=minimum)))

