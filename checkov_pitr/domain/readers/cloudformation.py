"""CloudFormation / SAM templates read as CloudFormation reads them, without checkov: `Fn::ForEach` expanded, `Ref`s
to parameters with a Default resolved (as checkov does), `Condition`s evaluated under the defaults. A resource
CloudFormation would reject still yields its table, with `FoundTable.problem` saying why it fails."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Tuple

from checkov_pitr.domain import core
from checkov_pitr.domain.inventory import (CLOUDFORMATION, SERVERLESS, SERVERLESS_NAMES, UNRESOLVED_PREFIX, FileReading,
                                          FoundTable, mentions_dynamodb)
from checkov_pitr.domain.readers import yaml_loader
from checkov_pitr.domain.readers.yaml_loader import Duplicate, LoadError, Loaded, Lines

# The strings that make a file, or a resource, "mention" a DynamoDB type.
DYNAMODB_MARKERS = ("AWS::DynamoDB::", core.SAM_SIMPLE_TABLE)
FOREACH_PREFIX = "Fn::ForEach::"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
# Fn::ForEach loops nest; their product is bounded like alias expansion.
MAX_FOREACH_RESOURCES = 100_000
MAX_CONDITION_DEPTH = 50
MAX_REF_DEPTH = 250  # above yaml_loader.MAX_DEPTH: every loaded value fits


# --- The pre-filter: may a file hold a table, as the tool will decode it? ---

# Text that names a table type, or a construct that can bring one in from elsewhere.
TEMPLATE_NEEDLES = DYNAMODB_MARKERS + ("Fn::ForEach", "AWS::Include", "TemplateBody", "StackSet", "${file(", "${self:")
# Text that can decode into a needle: escapes that make letters or ':' (\\x, \\u, \\U), an escaped line break
# (a YAML line continuation), a standard or verbatim tag, a %TAG directive, an alias (`*name`). Each regex runs
# only when its first character is in the text (a substring search is much faster than a regex scan).
_ESCAPE = r"\\(?:[xuU]|\r?\n|\r)"
_ALIAS = r"(?:^|[\s\[{,:])\*[^\s,\[\]{}*'\"]"
_MAY_DECODE_TEXT = ((re.compile(_ESCAPE), "\\"), (re.compile(_ALIAS, re.MULTILINE), "*"))
_MAY_DECODE_BYTES = tuple((re.compile(p.pattern.encode("ascii"), p.flags & re.MULTILINE), first.encode("ascii"))
                          for p, first in _MAY_DECODE_TEXT)
_TAGS = ("!!", "!<", "%TAG")
_TEMPLATE_NEEDLE_BYTES = tuple(needle.encode("ascii") for needle in TEMPLATE_NEEDLES + _TAGS)


def may_hold_tables(raw: bytes, path: str) -> bool:
    """Whether a file's text names a table type or a construct that brings one in, or could decode into one; no parse.
    A serverless file's variables can build any text (`AWS::${self:custom.db}::Table`)."""
    text: Any = raw
    needles, patterns, variables = _TEMPLATE_NEEDLE_BYTES, _MAY_DECODE_BYTES, (b"${", b"resources")
    if json.detect_encoding(raw[:4]) not in ("utf-8", "utf-8-sig"):  # UTF-16/32: search the decoded text
        try:
            text = yaml_loader.decode(raw)
        except LoadError:  # not text in any encoding: only a needle in its bytes makes it one of ours
            return mentions_dynamodb(raw)
        needles, patterns, variables = TEMPLATE_NEEDLES + _TAGS, _MAY_DECODE_TEXT, ("${", "resources")
    return (any(needle in text for needle in needles)
            or any(first in text and pattern.search(text) is not None for pattern, first in patterns)
            or (os.path.basename(path) in SERVERLESS_NAMES and all(needle in text for needle in variables)))


# --- Parameters and Ref ---

def resolved(value: Any, defaults: Mapping[str, Any], bindings: Mapping[str, str], depth: int = 0) -> Any:
    """A plain copy of `value`, each Ref to a parameter with a Default replaced by it (as checkov does) and the
    `substitute`d form of every key and string (Fn::Sub's too) under a Fn::ForEach's bindings."""
    if not (defaults or bindings) or depth > MAX_REF_DEPTH:
        return value
    if isinstance(value, str):
        return substitute(value, bindings)
    if isinstance(value, dict):
        name = value["Ref"] if len(value) == 1 and "Ref" in value else None
        if isinstance(name, str) and name in defaults:
            return defaults[name]
        return {substitute(key, bindings) if isinstance(key, str) else key:
                resolved(item, defaults, bindings, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item, defaults, bindings, depth + 1) for item in value]
    return value


# --- Conditions ---

@dataclass
class ConditionEvaluator:
    """Template Conditions under the parameter defaults: True, False, or None (unknown: a pseudo parameter, a parameter
    without Default, a cycle, nesting past MAX_CONDITION_DEPTH)."""

    conditions: Mapping[str, Any]
    defaults: Mapping[str, Any]
    cache: Dict[str, Optional[bool]] = field(default_factory=dict)

    def evaluate(self, name: Any, visiting: FrozenSet[str] = frozenset(), depth: int = 0) -> Optional[bool]:
        if not isinstance(name, str) or name not in self.cache and (
                name in visiting or depth > MAX_CONDITION_DEPTH or name not in self.conditions):
            return None
        if name not in self.cache:
            self.cache[name] = self._condition(self.conditions[name], visiting | {name}, depth + 1)
        return self.cache[name]

    def _condition(self, node: Any, visiting: FrozenSet[str], depth: int) -> Optional[bool]:
        if depth > MAX_CONDITION_DEPTH or not isinstance(node, dict) or len(node) != 1:
            return None
        (function, args), = node.items()
        if function == "Condition":
            return self.evaluate(args, visiting, depth)
        if function == "Fn::Equals" and isinstance(args, list) and len(args) == 2:
            left, right = self._scalar(args[0]), self._scalar(args[1])
            return None if left is None or right is None else left == right
        if not (isinstance(args, list) and (function == "Fn::Not" and len(args) == 1
                                            or function in ("Fn::And", "Fn::Or") and args)):
            return None
        results: List[Optional[bool]] = []
        for arg in args:  # the first unknown argument makes the function unknown
            results.append(self._condition(arg, visiting, depth + 1))
            if results[-1] is None:
                return None
        return not results[0] if function == "Fn::Not" else all(results) if function == "Fn::And" else any(results)

    def _scalar(self, value: Any) -> Optional[str]:
        """A value compared by Fn::Equals, as text (CloudFormation compares strings); None: unknown (a pseudo
        parameter, a parameter without Default)."""
        value = resolved(value, self.defaults, {})
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, (str, int, float)) else None


# --- Fn::ForEach ---

_PLACEHOLDER = re.compile(r"([$&])\{([^{}]+)\}")


def substitute(text: str, bindings: Mapping[str, str]) -> str:
    """`${Id}` becomes the value, `&{Id}` the value without non-alphanumerics; others stay."""
    def replace(match: "re.Match[str]") -> str:
        name = match.group(2)
        if name not in bindings:
            return match.group(0)
        value = bindings[name]
        return re.sub(r"[^A-Za-z0-9]", "", value) if match.group(1) == "&" else value
    return _PLACEHOLDER.sub(replace, text) if bindings and "{" in text else text


def foreach_collection(collection: Any, defaults: Mapping[str, Any]) -> Tuple[Optional[List[str]], str]:
    """The values a Fn::ForEach loops over, or (None, what it depends on)."""
    if isinstance(collection, dict) and len(collection) == 1 and "Ref" in collection:
        name = collection["Ref"]
        if isinstance(name, str) and name in defaults:
            collection = defaults[name]
            if isinstance(collection, str):
                # CommaDelimitedList and List<...> defaults are comma-separated; members are space-trimmed
                return [item.strip() for item in collection.split(",")], ""
        else:
            return None, core.cfn_dependency(collection) or "a Ref"
    if isinstance(collection, list) and all(isinstance(item, (str, int, float)) and not isinstance(item, bool)
                                            for item in collection):
        return [str(item) for item in collection], ""
    return None, core.cfn_dependency(collection) or f"{core._short(collection)}"


@dataclass
class Entry:
    logical_id: str
    value: Any
    lines: Lines
    problem: Optional[str] = None  # set by the loop that made it (unresolved, or too many)
    label: Optional[str] = None  # the name in messages, when it is not the logical id


def _items_with_lines(mapping: Mapping[str, Any], fallback: Lines) -> Iterator[Tuple[Any, Any, Lines]]:
    """The entries of a mapping with their lines; entries a duplicate key replaced come first."""
    yield from getattr(mapping, "replaced", [])
    lines = getattr(mapping, "lines", {})
    for key, value in mapping.items():
        yield key, value, lines.get(key, fallback)


def _expand_loop(key: str, spec: Any, bindings: Dict[str, str], defaults: Mapping[str, Any], lines: Lines,
                 budget: List[int], depth: int, problem: Optional[str],
                 unresolved: Optional[str] = None) -> List[Entry]:
    """The entries a loop makes. Past a loop over values the scan cannot resolve (`unresolved`: its name), bodies
    are read once, as written, nested loops included."""
    loop = key[len(FOREACH_PREFIX):]
    if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[2], Mapping)
            and (isinstance(spec[0], str) or unresolved is not None)):
        # CloudFormation rejects a malformed loop; whatever it holds must still be found
        return [Entry(eid, value, elines, f"Fn::ForEach::{loop} is not [Identifier, Collection, {{OutputKey: ...}}]; "
                                          "CloudFormation rejects it")
                for eid, value, elines in _mentioned_entries(spec, lines)]
    identifier, collection, body = spec
    values: Optional[List[str]] = None
    if unresolved is None:
        values, dependency = foreach_collection(resolved(collection, {}, bindings), defaults)
        if values is None:
            unresolved, problem = loop, (
                f"{UNRESOLVED_PREFIX}made by Fn::ForEach::{loop} over {dependency}, which the scan cannot resolve; "
                "give the parameter a Default or list the values"
            ).replace(", which has no Default, which", ", which has no Default and which")
    entries: List[Entry] = []
    for item in [None] if values is None else values:
        inner = bindings if item is None else dict(bindings, **{identifier: item})
        for out_key, template, out_lines in _items_with_lines(body, lines):
            nested = isinstance(out_key, str) and out_key.startswith(FOREACH_PREFIX)
            if nested and (unresolved is None or depth < 10 and isinstance(template, list) and len(template) == 3
                           and isinstance(template[2], Mapping)):
                too_deep = Entry(out_key, template, out_lines, "Fn::ForEach nested more than 10 deep, not expanded")
                entries.extend([too_deep] if depth >= 10 else _expand_loop(
                    out_key, template, inner, defaults, out_lines, budget, depth + 1, problem, unresolved))
                continue
            if unresolved is None:  # a body read once, as written, makes no more than its text
                budget[0] -= 1
                if budget[0] < 0:
                    return entries + [Entry(key, spec, lines, f"Fn::ForEach makes more than "
                                                               f"{MAX_FOREACH_RESOURCES:,} resources, not expanded")]
            logical_id = substitute(str(out_key), inner)
            entries.append(Entry(logical_id, resolved(template, {}, inner), out_lines, problem,
                                 None if unresolved is None else f"{logical_id} (made by Fn::ForEach::{unresolved})"))
    return entries


def _mentioned_entries(spec: Any, lines: Lines) -> Iterator[Tuple[str, Any, Lines]]:
    """Resource-like mappings inside a malformed loop."""
    stack = [spec]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict) and "Type" in value:
                    yield str(key), value, lines
                elif isinstance(value, (dict, list)):
                    stack.append(value)


# --- Resources to tables ---

@dataclass
class TemplateContext:
    path: str
    framework: str
    text: str
    defaults: Mapping[str, Any]
    conditions: ConditionEvaluator
    globals_spec: Any
    file_problem: Optional[str]  # duplicate keys: every table fails with it
    lines_override: Optional[Lines] = None  # StackSet bodies: the StackSet resource's lines
    name_prefix: str = ""  # StackSet bodies: "AWS::CloudFormation::StackSet.<Id>/"
    depth: int = 0  # StackSet bodies inside bodies

    @cached_property
    def text_lines(self) -> List[str]:  # split only when a resource of an odd shape needs its source text
        return self.text.splitlines()


def _type_named(text: str) -> Optional[str]:
    found = next((kind for kind in core.CFN_TYPES if kind in text), None)
    return found or (core.CFN_TABLE if "AWS::DynamoDB::" in text else None)


def dynamodb_type_in(value: Any, text: str = "") -> Optional[str]:
    """The DynamoDB type a resource mentions, in its value (keys too) or its source text, or None."""
    stack, seen = [value], 0
    while stack and seen < 10_000:
        item = stack.pop()
        seen += 1
        if isinstance(item, str) and (found := _type_named(item)):
            return found
        if isinstance(item, dict):
            stack += [*item.values(), *(key for key in item if isinstance(key, str))]
        elif isinstance(item, list):
            stack += item
    return _type_named(text)


def metadata_skips(value: Any) -> Dict[str, str]:
    """Metadata.checkov.skip and Metadata.bridgecrew.skip entries [{id, comment}], as checkov reads them
    (checkov/cloudformation/context_parser.py collect_skip_comments; the first entry for an id counts)."""
    metadata = value.get("Metadata") if isinstance(value, dict) else None
    found: Dict[str, str] = {}
    for section in ("checkov", "bridgecrew"):
        holder = metadata.get(section) if isinstance(metadata, dict) else None
        skip = holder.get("skip") if isinstance(holder, dict) else None
        for item in skip if isinstance(skip, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                comment = item.get("comment", "No comment provided")
                found.setdefault(item["id"], comment if isinstance(comment, str) else str(comment))
    return found


def template_tags(properties: Any) -> Dict[str, Any]:
    """Tags as a dict: a list of {Key, Value} (DynamoDB::Table) or a map (SAM)."""
    tags = properties.get("Tags") if isinstance(properties, dict) else None
    if isinstance(tags, dict):
        return {str(k): v for k, v in tags.items()}
    return {item["Key"]: item.get("Value") for item in (tags if isinstance(tags, list) else [])
            if isinstance(item, dict) and isinstance(item.get("Key"), str)}


def table_of(entry: Entry, context: TemplateContext) -> Optional[FoundTable]:
    """The FoundTable an entry is, or None when it is not a DynamoDB resource. A resource CloudFormation would reject
    is one when its value or source lines (comments too) mention a DynamoDB type: never dropped."""
    value = entry.value if isinstance(entry.value, dict) else {}
    kind, properties, problem = value.get("Type"), value.get("Properties"), None
    if not isinstance(kind, str):
        source = "\n".join(context.text_lines[entry.lines[0] - 1:entry.lines[1]]) if context.text else ""
        mentioned = dynamodb_type_in(entry.value, source)
        if mentioned is None:
            return None
        if entry.value is None:
            problem = "resource value is null, CloudFormation rejects it"
        elif not isinstance(entry.value, dict):
            problem = f"resource value is {core.kind_name(entry.value)}, not a mapping; CloudFormation rejects it"
        elif "Type" not in value:
            problem = "resource has no Type, CloudFormation rejects it"
        else:
            problem = f"Type is {core.kind_name(kind)} ({core._short(kind)}), not a string; CloudFormation rejects it"
        kind = mentioned
    elif kind not in core.CFN_TYPES:
        return None
    elif properties is not None and not isinstance(properties, dict):
        problem = f"Properties is {core.kind_name(properties)}, not a mapping; CloudFormation rejects it"
    defaults = context.defaults if isinstance(properties, dict) else {}
    config = {} if properties is None else resolved(properties, defaults, {})
    variable = core.serverless_variable(properties) if context.framework == SERVERLESS else None
    if variable:  # `Properties: ${ssm:...}`: what the table is depends on it
        problem = (f"{UNRESOLVED_PREFIX}Properties depends on serverless variable {variable}, which the scan cannot "
                   "resolve; write the PITR settings in the file")
    condition = value.get("Condition")
    if context.name_prefix:
        resource = f"{context.name_prefix}{entry.logical_id}"
        label = resource.split(".", 1)[1]
    else:
        resource, label = f"{kind}.{entry.logical_id}", entry.label or entry.logical_id
    return FoundTable(
        path=context.path,
        framework=context.framework,
        resource_type=kind,
        resource=resource,
        label=label if condition is None or context.conditions.evaluate(condition) is not False else
        f"{label} (Condition {condition} is false under the parameter defaults)",
        lines=context.lines_override or entry.lines,
        config=config,
        problem=context.file_problem or problem or entry.problem,
        skips=metadata_skips(value),
        tags=template_tags(config),
        resource_ids=(resource, label) if context.name_prefix else (resource, entry.logical_id),
        globals_spec=context.globals_spec if kind == core.SAM_SIMPLE_TABLE else core.MISSING,
    )


def duplicate_problem(duplicates: Sequence[Duplicate], who: str = "CloudFormation") -> Optional[str]:
    if not duplicates:
        return None
    first = duplicates[0]
    more = f" ({len(duplicates) - 1} more)" if len(duplicates) > 1 else ""
    return (f"{who} rejects duplicate keys: '{first.key}' at line {first.first_line} "
            f"(and line {first.second_line}){more}; remove one")


def tables_of_template(template: Mapping[str, Any], context: TemplateContext,
                       require_transform: bool = True) -> List[FoundTable]:
    """Every DynamoDB resource of a loaded template."""
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return []
    foreach_problem = None
    transform = template.get("Transform")
    if require_transform and not (transform == LANGUAGE_EXTENSIONS
                                  or (isinstance(transform, list) and LANGUAGE_EXTENSIONS in transform)):
        foreach_problem = (f"made by Fn::ForEach without Transform: {LANGUAGE_EXTENSIONS}; CloudFormation rejects "
                           f"the template; add the transform")
    tables: List[FoundTable] = []
    budget = [MAX_FOREACH_RESOURCES]
    # every entry, duplicates included, Fn::ForEach loops expanded
    section_lines = getattr(template, "lines", {}).get("Resources", (1, 1))
    for key, value, lines in _items_with_lines(resources, section_lines):
        for entry in (_expand_loop(key, value, {}, context.defaults, lines, budget, 0, foreach_problem)
                      if isinstance(key, str) and key.startswith(FOREACH_PREFIX) else [Entry(str(key), value, lines)]):
            if isinstance(entry.value, dict) and entry.value.get("Type") == STACK_SET:
                tables.extend(stack_set_tables(entry, context))
            elif (table := table_of(entry, context)) is not None:
                tables.append(table)
    return tables


# --- AWS::CloudFormation::StackSet: the template inside ---

STACK_SET = "AWS::CloudFormation::StackSet"
MAX_STACK_SET_DEPTH = 3  # a StackSet's body may hold StackSets; deeper bodies are not read


def stack_set_tables(entry: Entry, context: TemplateContext) -> List[FoundTable]:
    """The tables of a StackSet's inline TemplateBody, named `AWS::CloudFormation::StackSet.<Id>/<LogicalId>`, at the
    StackSet's lines (a TemplateURL body is elsewhere: none). A body that cannot be read is one table, not judged."""
    properties = entry.value.get("Properties")
    body = properties.get("TemplateBody") if isinstance(properties, dict) else None
    if body is None:
        return []
    prefix = f"{context.name_prefix or STACK_SET + '.'}{entry.logical_id}/"
    where = context.lines_override or entry.lines

    text = "" if isinstance(body, dict) else body if isinstance(body, str) else repr(body)
    documents, problem, why = [body], None, "is not a template"
    if context.depth >= MAX_STACK_SET_DEPTH:
        documents, why = [], f"is a StackSet body nested more than {MAX_STACK_SET_DEPTH} deep"
    elif isinstance(body, str):
        try:
            loaded = yaml_loader.load(body, prefer_json=True)
            documents, problem = loaded.documents, duplicate_problem(loaded.duplicates)
        except LoadError as exc:
            documents, why = [], f"cannot be read ({exc})"
    elif not isinstance(body, dict):
        documents, why = [], f"is {core.kind_name(body)} ({core._short(body)}), which the scan cannot read"
    template = documents[0] if len(documents) == 1 else None
    if not is_template(template):
        if context.depth < MAX_STACK_SET_DEPTH and not may_hold_tables(text.encode("utf-8"), "body.yaml"):
            return []
        resource = prefix[:-1]
        return [FoundTable(path=context.path, framework=context.framework, resource_type=STACK_SET,
                           resource=resource, label=resource.split(".", 1)[1], lines=where, config={},
                           problem=f"the TemplateBody of StackSet {entry.logical_id} {why}: its tables are not judged",
                           skips=metadata_skips(entry.value), resource_ids=(resource, entry.logical_id))]
    # the StackSet's literal Parameters set the body's; a parameter stack instances override is unknown
    set_values = ((item["ParameterKey"], resolved(item.get("ParameterValue"), context.defaults, {}))
                  for item in _parameter_items(properties.get("Parameters")))
    values = {key: value for key, value in set_values if isinstance(value, (str, int, float, bool))}
    groups = properties.get("StackInstancesGroup")
    overridden = {item["ParameterKey"] for group in (groups if isinstance(groups, list) else [])
                  if isinstance(group, dict) for item in _parameter_items(group.get("ParameterOverrides"))}
    return tables_of_template(template, context_for(
        template, context.path, context.framework, text, context.file_problem or problem, (values, overridden),
        lines_override=where, name_prefix=prefix, depth=context.depth + 1))


def _parameter_items(items: Any) -> List[Dict[str, Any]]:
    return [item for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict) and isinstance(item.get("ParameterKey"), str)]


def context_for(template: Mapping[str, Any], path: str, framework: str, text: str, file_problem: Optional[str],
                parameters: Tuple[Mapping[str, Any], Any] = ({}, ()), **nesting: Any) -> TemplateContext:
    """`parameters`: (values set, names unknown) of a StackSet body; Globals see only the Defaults."""
    parameters_section = template.get("Parameters")
    defaults = {name: spec["Default"] for name, spec in parameters_section.items()
                if isinstance(name, str) and isinstance(spec, Mapping) and "Default" in spec
                } if isinstance(parameters_section, Mapping) else {}
    globals_section = template.get("Globals")
    simple = globals_section.get("SimpleTable") if isinstance(globals_section, dict) else None
    globals_spec = resolved(simple.get(core.CFN_SPEC, core.MISSING) if isinstance(simple, dict) else core.MISSING,
                            defaults, {})
    defaults = {name: value for name, value in dict(defaults, **parameters[0]).items() if name not in parameters[1]}
    conditions = template.get("Conditions")
    return TemplateContext(
        path=path, framework=framework, text=text, defaults=defaults,
        conditions=ConditionEvaluator(conditions if isinstance(conditions, dict) else {}, defaults),
        globals_spec=globals_spec, file_problem=file_problem, **nesting)


# --- The reader ---

def is_template(document: Any) -> bool:
    """A CloudFormation template has a Resources mapping, or at least a template's own keys."""
    return isinstance(document, dict) and (
        "Resources" in document or "AWSTemplateFormatVersion" in document
        or (isinstance(document.get("Transform"), (str, list)) and "Globals" in document))


def load_text(path: str, raw: bytes, json_line_levels: int = 2, mode: yaml_loader.Mode = yaml_loader.CLOUDFORMATION
              ) -> Tuple[Optional[str], Optional[Loaded], Optional[LoadError]]:
    """(text, loaded, None) or (text or None, None, why not)."""
    text: Optional[str] = None
    try:
        text = yaml_loader.decode(raw)
        return text, yaml_loader.load(text, path.lower().endswith(".json"), json_line_levels, mode), None
    except LoadError as exc:
        return text, None, exc


def unreadable(path: str, framework: str, raw: bytes, error: LoadError) -> FileReading:
    """A file that cannot be read is not judged when it may hold tables, and silently not ours otherwise."""
    may_hold = mentions_dynamodb(raw) or may_hold_tables(raw, path)
    return FileReading(os.path.abspath(path), framework, not_judged=str(error) if may_hold else None)


def resource_include(resources: Any) -> Optional[str]:
    """The Location of a `Fn::Transform: AWS::Include` directly under Resources (where it adds resources), if any."""
    transforms = resources.get("Fn::Transform") if isinstance(resources, Mapping) else None
    for transform in transforms if isinstance(transforms, list) else [transforms]:
        if isinstance(transform, Mapping) and transform.get("Name") == "AWS::Include":
            parameters = transform.get("Parameters")
            location = parameters.get("Location") if isinstance(parameters, Mapping) else None
            return location if isinstance(location, str) else "a location"
    return None


def read_template(path: str, raw: bytes) -> FileReading:
    """Every DynamoDB resource of a CloudFormation/SAM template (YAML or JSON, any UTF encoding)."""
    abspath = os.path.abspath(path)
    text, loaded, error = load_text(path, raw)
    if loaded is None:
        return unreadable(path, CLOUDFORMATION, raw, error)
    templates = [doc for doc in loaded.documents if is_template(doc)]
    if not templates:
        return FileReading(abspath, CLOUDFORMATION)
    problem = duplicate_problem(loaded.duplicates)
    documents = [doc for doc in loaded.documents if doc is not None]  # a stray trailing `---` is no document
    if len(documents) > 1:
        problem = problem or (f"the file holds {len(documents)} YAML documents; CloudFormation reads a "
                              "template of one document")
    tables = [table for template in templates for table in
              tables_of_template(template, context_for(template, abspath, CLOUDFORMATION, text or "", problem))]
    included = next((where for template in templates if (where := resource_include(template.get("Resources")))
                     is not None), None)
    if included is not None:
        # AWS::Include pastes resources from a template the scan cannot see: tables may hide there
        return FileReading(abspath, CLOUDFORMATION, tables=tables, not_judged=(
            f"its Resources include {included} (AWS::Include), which the scan cannot read; inline the "
            "included resources or scan the included template too"))
    if not tables and isinstance(templates[0].get("Resources"), (list, str)) and may_hold_tables(raw, path):
        kind = core.kind_name(templates[0]["Resources"])
        return FileReading(abspath, CLOUDFORMATION,
                           not_judged=f"Resources is {kind}, not a mapping; CloudFormation rejects the template")
    return FileReading(abspath, CLOUDFORMATION, tables=tables)
