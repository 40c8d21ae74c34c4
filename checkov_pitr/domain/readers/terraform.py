"""Every DynamoDB resource a Terraform / OpenTofu configuration holds, read as Terraform reads it:
module calls followed (local ones, and those `terraform init` installed), override files merged,
the values a scan can know resolved (literals, defaults, tfvars, locals, module arguments); the
rest stays an unresolved "${...}" string that `core.terraform_reference` names. No checkov here."""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import os
import re
import stat
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from checkov_pitr.domain.core import TF_TYPES
from checkov_pitr.domain.inventory import (
    MAX_FILE_BYTES, TERRAFORM, TERRAFORM_JSON, FileReading, FoundTable, collector_paused, file_kind, read_file_bytes,
)
from checkov_pitr.domain.readers.terraform_eval import (
    MAX_DEPTH, MAX_INSTANCES, HclError, Lexed, Scope, Unknown, instances_of, json_depth, lex_hcl,
    line_numbers, normalize_string, parse_hcl,
)
from checkov_pitr.domain.skips import skips_in_comments

IN_SCOPE_TYPES = TF_TYPES  # the judges' Terraform types
TERRAFORM_TOOL, OPENTOFU_TOOL, BOTH_TOOLS = "terraform", "opentofu", "both"
_EXTENSIONS = (".tf.json", ".tofu.json", ".tf", ".tofu")  # longest first: "x.tf.json" is JSON, not ".json"
_TOFU_TWIN = {".tf": ".tofu", ".tf.json": ".tofu.json"}
_NOT_READ = {TERRAFORM_TOOL: "not read by Terraform (a .tofu file)",
             OPENTOFU_TOOL: "not read by OpenTofu: a .tofu file of the same name replaces it"}
_IN_SCOPE_TEXT = (b"aws_dynamodb_table", b"awscc_dynamodb_table", b"awscc_dynamodb_global_table")
_MODULE_CALL_TEXT = re.compile(rb'(?m)^[ \t]*module[ \t]+"|"module"[ \t\r\n]*:')
MAX_MODULE_DEPTH = 16
_MODULES_JSON = os.path.join(".terraform", "modules", "modules.json")  # where `terraform init` records module calls
MAX_WALK_INSTANCES = 5 * MAX_INSTANCES  # table and module instances of one root module, all depths
_TOOL_NAMES = {TERRAFORM_TOOL: "Terraform", OPENTOFU_TOOL: "OpenTofu"}
_MODULE_META = ("source", "version", "count", "for_each", "providers", "depends_on")
# .tf.json: object values of these arguments are attributes (maps), not nested blocks
_JSON_MAP_ARGUMENTS = ("tags", "tags_all", "for_each", "count", "depends_on", "provider", "triggers")


# --- Which files Terraform / OpenTofu load ---

def _split_name(name: str) -> Optional[Tuple[str, str]]:
    """("main", ".tf") for main.tf; None for a file no Terraform tool loads."""
    if name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#")):
        return None  # Terraform ignores hidden and editor backup files
    for extension in _EXTENSIONS:
        if name.endswith(extension) and len(name) > len(extension):
            return name[: -len(extension)], extension
    return None


def _is_override(name: str) -> bool:
    split = _split_name(name)
    return bool(split) and (split[0] == "override" or split[0].endswith("_override"))


def _is_tofu(path: str) -> bool:
    return path.endswith((".tofu", ".tofu.json"))


def may_hold_tables(raw: bytes) -> bool:
    """Whether a Terraform file may declare an in-scope resource or call a module (a `\\u` may spell a type)."""
    return (any(needle in raw for needle in _IN_SCOPE_TEXT) or bool(_MODULE_CALL_TEXT.search(raw))
            or b"\\u" in raw or b"\\U" in raw)


def _framework(path: str) -> str:
    return TERRAFORM_JSON if path.endswith(".json") else TERRAFORM


# --- Parsing one file into bc-python-hcl2's shape ---

@dataclass
class _File:
    path: str
    blocks: Dict[str, Any] = field(default_factory=dict)
    comments: List[Tuple[int, str]] = field(default_factory=list)  # (line, comment text)
    problem: Optional[str] = None


_TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels of brackets) to read; flatten the configuration"


def _parse_file(path: str, raw: bytes) -> _File:
    parsed = _File(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed.problem = f"not valid UTF-8 text (byte {exc.start}: {exc.reason}); save the file as UTF-8"
        return parsed
    is_json = path.endswith(".json")
    lexed, line_at = Lexed() if is_json else lex_hcl(text), line_numbers(text)
    parsed.comments = [(line_at(offset), comment) for offset, comment in lexed.comments]
    try:
        if (json_depth(text) if is_json else lexed.max_depth) > MAX_DEPTH:
            parsed.problem = _TOO_DEEP
        elif is_json:
            parsed.blocks = _json_blocks(_positioned_decoder().decode(text), line_at)
        else:
            parsed.blocks = _normalized(parse_hcl(text, line_at)) if "\\" in text else parse_hcl(text, line_at)
    except HclError as exc:
        parsed.problem = (f"not valid HCL (line {line_at(exc.offset)}: {exc}); "
                          "fix the syntax (terraform validate shows it)")
    except ValueError as exc:  # the JSON decoder's (a number too long for int() too)
        if not is_json:
            raise
        line, why = getattr(exc, "lineno", None), getattr(exc, "msg", exc)
        parsed.problem = f"not valid JSON (line {line}: {why}); fix the syntax"
    except RecursionError:
        parsed.problem = _TOO_DEEP
    return parsed


def _normalized(value: Any) -> Any:
    """The parser keeps quoted strings as written: decode their escapes (labels, keys, values),
    so `resource "aws_dynamodb_\\u0074able"` is the aws_dynamodb_table it is to Terraform."""
    if isinstance(value, dict):
        return {normalize_string(k) if isinstance(k, str) and "${" not in k else k: _normalized(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return normalize_string(value) if isinstance(value, str) else value


# -- .tf.json --

class _JsonObject(dict):
    """A JSON object that remembers where it is in the text, and every property in order: HCL's JSON
    syntax keeps duplicate property names (two "resource" keys define the resources of both;
    https://github.com/hashicorp/hcl/blob/main/json/spec.md "Blocks"): `start`, `end`, `pairs`."""


def _positioned_decoder() -> json.JSONDecoder:
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: Tuple[str, int], strict: bool, scan_once: Any, *hooks_and_memo: Any) -> Tuple[Any, int]:
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, hooks_and_memo[-1])
        obj = _JsonObject(pairs)
        obj.start, obj.end, obj.pairs = s_and_end[1] - 1, end, pairs
        return obj, end

    decoder.parse_object = parse_object  # type: ignore[assignment]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the C scanner ignores parse_object
    return decoder


def _properties(value: dict) -> List[Tuple[str, Any]]:
    return value.pairs if isinstance(value, _JsonObject) else list(value.items())


def _objects(value: Any) -> List[dict]:
    """Terraform JSON allows an object, or an array of objects, at every level of a block (for each
    label, and for the body: https://github.com/hashicorp/hcl/blob/main/json/spec.md "Blocks")."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _json_blocks(document: Any, line_at: Callable[[int], int]) -> Dict[str, Any]:
    blocks: Dict[str, Any] = {"resource": [], "variable": [], "locals": [], "module": []}
    for top in _objects(document):
        for kind, value in _properties(top):
            for item in _objects(value):
                if kind == "resource":
                    for resource_type, named in _properties(item):
                        for names in _objects(named):
                            for name, bodies in _properties(names):
                                for body in _objects(bodies):
                                    converted = _json_body(body, resource_type.startswith("aws_"))
                                    converted["__start_line__"] = line_at(getattr(body, "start", 0))
                                    converted["__end_line__"] = line_at(getattr(body, "end", 1) - 1)
                                    converted["__json_comments__"] = _json_comments(body)
                                    blocks["resource"].append({resource_type: {name: converted}})
                elif kind in ("variable", "module"):
                    for name, bodies in _properties(item):
                        for body in _objects(bodies):
                            blocks[kind].append({name: {k: [_plain(v)] for k, v in body.items() if k != "//"}})
                elif kind == "locals":
                    blocks["locals"].append({k: [_plain(v)] for k, v in item.items() if k != "//"})
    return blocks


def _json_comments(body: Any) -> List[str]:
    # Terraform's JSON syntax takes a "//" property as a comment
    comment = body.get("//") if isinstance(body, dict) else None
    return [c for c in (comment if isinstance(comment, list) else [comment]) if isinstance(c, str)]


def _json_body(body: dict, blocks_by_shape: bool) -> Dict[str, Any]:
    """A .tf.json resource body in the HCL shape. Which objects are blocks needs the provider schema:
    for aws DynamoDB types every nested object but maps such as `tags`; awscc has none."""
    converted: Dict[str, Any] = {}
    for key, value in _properties(body):
        if key == "//":
            continue
        if key == "dynamic":
            converted.setdefault("dynamic", []).extend(
                {name: {**{k: [_plain(v)] for k, v in spec.items() if k not in ("content", "//")},
                        "content": [_json_body(c, blocks_by_shape) for c in _objects(spec.get("content"))]}}
                for item in _objects(value) for name, specs in _properties(item) for spec in _objects(specs)
            )
        elif blocks_by_shape and key not in _JSON_MAP_ARGUMENTS and _objects(value) and (
                isinstance(value, dict) or all(isinstance(v, dict) for v in value)):
            # a repeated block property adds blocks (two "replica" keys are two replicas)
            converted.setdefault(key, []).extend(_json_body(v, blocks_by_shape) for v in _objects(value))
        else:
            converted[key] = [_plain(value)]
    return converted


# --- One module folder: its blocks, override files merged ---

@dataclass
class _Resource:
    type: str
    name: str
    body: Dict[str, Any]
    path: str
    lines: Tuple[int, int]
    skips: Dict[str, str]


@dataclass
class _Call:
    name: str
    body: Dict[str, Any]
    path: str


@dataclass
class _Module:
    folder: str
    resources: List[_Resource] = field(default_factory=list)
    variables: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    locals: Dict[str, Any] = field(default_factory=dict)
    calls: Dict[str, _Call] = field(default_factory=dict)
    readings: List[FileReading] = field(default_factory=list)  # problems, shadowed and override files
    table_files: List[str] = field(default_factory=list)  # files with in-scope resource text
    has_tofu: bool = False  # Terraform and OpenTofu read this folder differently


def _unwrap1(value: Any) -> Any:
    """Take off the one list bc-python-hcl2 wraps every attribute value in."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _resources_of(parsed: _File) -> List[_Resource]:
    found: List[_Resource] = []
    comment_lines = [line for line, _ in parsed.comments]  # in file order: sorted
    for entry in parsed.blocks.get("resource", []) or []:
        for resource_type, named in (entry.items() if isinstance(entry, dict) else []):
            for name, body in (named.items() if isinstance(named, dict) else []):
                if not isinstance(body, dict):
                    continue
                lines = (int(body.get("__start_line__", 1)), int(body.get("__end_line__", 1)))
                first, last = bisect.bisect_left(comment_lines, lines[0]), bisect.bisect_right(comment_lines, lines[1])
                comments = [text for _, text in parsed.comments[first:last]]
                comments += body.get("__json_comments__", [])
                found.append(_Resource(resource_type, name, body, parsed.path, lines, skips_in_comments(comments)))
    return found


def resource_blocks(path: str) -> List[_Resource]:
    """Each `resource` block of one file, unevaluated; none when the file cannot be read or parsed."""
    raw, _ = read_file_bytes(path, MAX_FILE_BYTES)
    return _resources_of(_parse_file(path, raw or b""))


def _merge_body(original: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    """Terraform's override merge of one block: each argument replaces the original's, and nested
    blocks of a type replace all the original's blocks of that type (static or `dynamic`)."""
    arguments = {k: v for k, v in override.items() if not k.startswith("__") and k != "dynamic"}
    dynamic = [e for e in override.get("dynamic", []) or [] if isinstance(e, dict)]
    replaced = set(arguments) | {name for entry in dynamic for name in entry}
    merged = {k: v for k, v in {**original, **arguments}.items() if not any(k in entry for entry in dynamic)}
    kept = [e for e in merged.get("dynamic", []) or [] if isinstance(e, dict) and not replaced & set(e)]
    if kept or dynamic:
        merged["dynamic"] = kept + dynamic
    else:
        merged.pop("dynamic", None)
    return merged


def _collect(module: _Module, parsed: _File, resources: List[_Resource], override: bool) -> None:
    """Add one file's blocks (`resources`: its resource blocks) to the module; an override file's blocks merge
    into existing ones."""
    by_name = {(r.type, r.name): i for i, r in enumerate(module.resources)} if override else {}
    for resource in resources:
        if not override:
            module.resources.append(resource)
            continue
        index = by_name.get((resource.type, resource.name))
        if index is not None:
            original = module.resources[index]
            # the table stays where it is written; its lines too. Skips in either block count.
            module.resources[index] = _Resource(original.type, original.name, _merge_body(original.body, resource.body),
                                                original.path, original.lines, {**resource.skips, **original.skips})
    for entry in parsed.blocks.get("variable", []) or []:
        for name, body in (entry.items() if isinstance(entry, dict) else []):
            if isinstance(body, dict) and (not override or name in module.variables):
                module.variables[name] = {**module.variables.get(name, {}), **body}
    for entry in parsed.blocks.get("locals", []) or []:
        for name, value in (entry.items() if isinstance(entry, dict) else []):
            if not name.startswith("__"):
                module.locals[name] = _unwrap1(value)
    for entry in parsed.blocks.get("module", []) or []:
        for name, body in (entry.items() if isinstance(entry, dict) else []):
            if not isinstance(body, dict):
                continue
            if not override:
                module.calls.setdefault(name, _Call(name, body, parsed.path))
            elif name in module.calls:
                call = module.calls[name]
                module.calls[name] = _Call(name, _merge_body(call.body, body), call.path)


def _module(modules: Dict[Tuple[str, str], Any], folder: str, tool: str) -> _Module:
    """A folder as `tool` reads it, loaded once per tree: a folder without .tofu files reads the same
    under both tools, so one reading serves both."""
    if (folder, tool) not in modules:
        module = _load_module(folder, tool)
        modules[(folder, tool)] = module
        if not module.has_tofu:
            modules.setdefault((folder, OPENTOFU_TOOL if tool == TERRAFORM_TOOL else TERRAFORM_TOOL), module)
    return modules[(folder, tool)]


def _load_module(folder: str, tool: str) -> _Module:
    """One module folder as `tool` reads it: Terraform .tf and .tf.json; OpenTofu also .tofu and .tofu.json,
    and x.tofu instead of x.tf (https://opentofu.org/docs/language/files/); override files merged."""
    module = _Module(folder)
    try:
        names = sorted(n for n in os.listdir(folder) if _split_name(n))
    except OSError:
        names = []
    raws: Dict[str, bytes] = {}
    for name in names:
        path = os.path.abspath(os.path.join(folder, name))
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            why_not = f"cannot be read ({exc.strerror or exc})"
            module.readings.append(FileReading(path, _framework(path), not_judged=why_not))
            continue
        if stat.S_ISDIR(mode):
            continue  # Terraform skips a folder whatever its name
        if not stat.S_ISREG(mode):
            why_not = f"not a regular file ({file_kind(mode)}); not read"
            module.readings.append(FileReading(path, _framework(path), not_judged=why_not))
            continue
        base, extension = _split_name(name)  # type: ignore[misc]
        module.has_tofu = module.has_tofu or _is_tofu(name)
        raw, why_not = read_file_bytes(path, MAX_FILE_BYTES)
        twin = _TOFU_TWIN.get(extension, "")
        if (_is_tofu(name) if tool == TERRAFORM_TOOL else bool(twin) and base + twin in names):
            if raw is not None and may_hold_tables(raw):
                module.readings.append(FileReading(path, _framework(path), shadowed=True, warning=_NOT_READ[tool]))
            continue
        if raw is None:
            module.readings.append(FileReading(path, _framework(path), not_judged=why_not))
        raws[path] = raw or b""
    holds = {path: may_hold_tables(raw) for path, raw in raws.items()}  # each file's bytes scanned once
    # only folders that may hold a table, or call a module that may, are parsed
    if not any(holds.values()):
        return module
    # override files are merged after the others, in lexical order of their names (raws are in that order)
    for path in sorted(raws, key=lambda p: _is_override(os.path.basename(p))):
        parsed = _parse_file(path, raws[path])
        is_override = _is_override(os.path.basename(path))
        if parsed.problem:
            if holds[path]:
                module.readings.append(FileReading(path, _framework(path), not_judged=parsed.problem))
            continue
        resources = _resources_of(parsed)
        _collect(module, parsed, resources, is_override)
        if any(r.type in IN_SCOPE_TYPES for r in resources) or (not is_override and holds[path] and not parsed.blocks):
            if is_override:
                module.readings.append(FileReading(path, _framework(path), shadowed=True, warning=(
                    "override file: its blocks are merged into the resources they override, which are judged there")))
            else:
                module.table_files.append(path)
    return module


# --- Instances: count / for_each, values, module calls ---

def _tfvars(walk: _Walk, folder: str) -> Dict[str, Any]:
    """Root-module variable values in Terraform's order (later wins): terraform.tfvars(.json),
    *.auto.tfvars(.json) by name, then -var-file files. A file that cannot be read sets nothing."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    ordered = [os.path.join(folder, n) for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    ordered += [os.path.join(folder, n) for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    ordered += [os.path.abspath(f) for f in walk.var_files]
    values: Dict[str, Any] = {}
    for path in ordered:
        raw, why_not = read_file_bytes(path, MAX_FILE_BYTES)
        try:
            if raw is None:
                raise ValueError(why_not)
            text = raw.decode("utf-8-sig")
            data = json.loads(text) if path.endswith(".json") else {
                k: Scope().value(_normalized(_unwrap1(v))) for k, v in parse_hcl(text).items()
                if not k.startswith("__")}
        except Exception as exc:  # noqa: BLE001 - Terraform itself would stop: the tables are judged on defaults
            walk.warn(os.path.abspath(path), f"variables file not read ({exc}); defaults used instead")
            continue
        if isinstance(data, dict):
            values.update(data)
    return values


def _render_dynamic(entries: Any, scope: Scope) -> List[Dict[str, Any]]:
    """`dynamic` blocks rendered (`{"replica": [block, ...]}`) where for_each and content resolve,
    else kept unrendered (`{"replica": {"for_each": [...], "content": [...]}}`) for core._dynamic_blocks."""
    rendered: List[Dict[str, Any]] = []
    for entry in entries if isinstance(entries, list) else []:
        for name, spec in (entry.items() if isinstance(entry, dict) else []):
            if not isinstance(spec, dict):
                continue
            raw_for_each = _unwrap1(spec.get("for_each"))
            items = scope.value(raw_for_each)  # known as a collection even where some values are not
            iterator = str(_unwrap1(spec.get("iterator", name))).strip("${} ") or name
            content = spec.get("content", [])
            pairs = (sorted(items.items()) if isinstance(items, dict) else list(enumerate(items))
                     if isinstance(items, list) else None)
            if pairs and len(pairs) <= MAX_INSTANCES:
                blocks = [scope.child(**{iterator: {"key": k, "value": v}}).resolve(content) for k, v in pairs]
                flat = [b for block in blocks for b in (block if isinstance(block, list) else [block])]
                if not re.search(rf"\$\{{\s*{re.escape(iterator)}\.", json.dumps(flat, default=str)):
                    rendered.append({name: flat})
                    continue
            unrendered = {k: scope.resolve(v) for k, v in spec.items() if k != "content"}
            unrendered["for_each"] = [scope.resolve(raw_for_each)]
            unrendered["content"] = content
            rendered.append({name: unrendered})
    return rendered


def _config(body: Dict[str, Any], scope: Scope, expanded: bool) -> Dict[str, Any]:
    skipped = ("count", "for_each") if expanded else ()  # an instance's config has no count / for_each
    return {key: _render_dynamic(value, scope) if key == "dynamic" else scope.resolve(value)
            for key, value in body.items() if not key.startswith("__") and key not in skipped}


@dataclass
class _Walk:
    """State of one reading of one root module by one tool."""

    tool: str
    installed: Dict[str, str]
    modules: Dict[Tuple[str, str], _Module]  # shared by every root of a tree: (folder, tool) -> module
    var_files: Sequence[str] = ()
    readings: Dict[str, FileReading] = field(default_factory=dict)
    made: int = 0  # table and module instances made so far (MAX_WALK_INSTANCES)
    saw_tofu: bool = False  # a folder of this walk reads differently under Terraform and OpenTofu

    def reading(self, path: str) -> FileReading:
        return self.readings.setdefault(path, FileReading(path, _framework(path)))

    def warn(self, path: str, warning: str) -> None:
        _add_warning(self.reading(path), warning)

    def instances(self, body: Dict[str, Any], scope: Scope, problem: Optional[str],
                  json_root: bool = False) -> Tuple[List[Tuple[str, Scope]], Optional[str]]:
        """(address suffix, scope) per count / for_each instance of a resource or module call, and why
        not judged: too many to expand, or past the walk's bound (then one, unexpanded)."""
        meta = next((m for m in ("count", "for_each") if m in body), None)
        instances, too_many = instances_of(meta, scope.value(_unwrap1(body[meta]))) if meta else ([("", {})], None)
        if json_root and instances:
            # checkov's terraform_json framework does not expand count / for_each: one `resource.NAME`
            instances = [("", instances[0][1] if len(instances) == 1 else {})]
        self.made += len(instances)
        problem = problem or too_many
        if self.made > MAX_WALK_INSTANCES and not problem:
            instances, problem = [("", {})], (f"more than {MAX_WALK_INSTANCES} table and module instances in this "
                                              "configuration; not judged")
        return [(suffix, scope.child(**names) if names else scope) for suffix, names in instances], problem


def _module_scope(module: _Module, inputs: Dict[str, Any], tfvars: Dict[str, Any]) -> Scope:
    variables: Dict[str, Any] = {}
    literal = Scope()  # a default or a tfvars value is a literal: evaluated with no names in scope
    for name, body in module.variables.items():
        has_default = "default" in body
        nullable = _unwrap1(body.get("nullable", True)) not in (False, "false")
        if name in inputs and not (inputs[name] is None and not nullable and has_default):
            variables[name] = inputs[name]  # null passed to a `nullable = false` variable takes its default
        elif name in tfvars:
            variables[name] = tfvars[name]
        elif has_default:  # a default of null leaves the argument unset: the provider's default
            variables[name] = literal.value(_unwrap1(body["default"]))
    return Scope(variables, dict(module.locals))


def _walk(walk: _Walk, folder: str, inputs: Dict[str, Any], prefix: str, key: List[str],
          caller: Optional[str], chain: Tuple[str, ...], problem: Optional[str]) -> None:
    module = _module(walk.modules, folder, walk.tool)
    walk.saw_tofu = walk.saw_tofu or module.has_tofu
    for reading in module.readings:
        walk.readings.setdefault(reading.path, reading)
    for path in module.table_files:
        walk.reading(path)
    # tfvars and -var-file set the root module's variables only
    scope = _module_scope(module, inputs, {} if prefix else _tfvars(walk, folder))
    for resource in module.resources:
        if resource.type in IN_SCOPE_TYPES:
            _add_tables(walk, resource, scope, prefix, caller, problem)
    for call in module.calls.values():
        _follow_call(walk, module, call, scope, prefix, key, chain, problem)


def _add_tables(walk: _Walk, resource: _Resource, scope: Scope, prefix: str, caller: Optional[str],
                problem: Optional[str]) -> None:
    json_root = resource.path.endswith(".json") and not prefix
    instances, problem = walk.instances(resource.body, scope, problem, json_root)
    for suffix, instance_scope in instances:
        config = _config(resource.body, instance_scope, expanded=bool(suffix)) if not problem else {}
        address = f"{prefix}{resource.type}.{resource.name}{suffix}"
        plain = f"{resource.type}.{resource.name}"
        tags = _unwrap1(config.get("tags"))
        walk.reading(resource.path).tables.append(FoundTable(
            path=resource.path, framework=_framework(resource.path), resource_type=resource.type,
            resource=f"resource.{resource.name}" if json_root else address, label=address,
            lines=resource.lines, config=config, skips=dict(resource.skips),
            tags=dict(tags) if isinstance(tags, dict) else {},
            resource_ids=tuple(dict.fromkeys([address, plain])) if not prefix else (address,),
            calling_file=caller,
            problem=problem,
        ))


def _input(scope: Scope, raw: Any) -> Any:
    """A module argument's value; an unknown one named by the caller's expression."""
    value = scope.value(raw)
    if isinstance(value, Unknown) and not value.text and isinstance(raw, str):
        text = raw.strip()
        return Unknown(text[2:-1].strip() if text.startswith("${") and text.endswith("}") else text)
    return value


def _follow_call(walk: _Walk, module: _Module, call: _Call, scope: Scope, prefix: str, key: List[str],
                 chain: Tuple[str, ...], problem: Optional[str]) -> None:
    source = _unwrap1(call.body.get("source"))
    call_key = key + [call.name]
    target = _call_target(call, module.folder, call_key, walk.installed)
    too_deep = target in chain or len(call_key) > MAX_MODULE_DEPTH
    why_not = ("is not on disk: run terraform init, or scan the plan" if target is None else
               "calls itself or nests too deeply: not read" if too_deep else "")
    if why_not:
        walk.warn(call.path, f"module {call.name} (source {source}) {why_not}")
        return
    instances, problem = walk.instances(call.body, scope, problem)
    for suffix, call_scope in instances:
        inputs = {arg: _input(call_scope, _unwrap1(value)) for arg, value in call.body.items()
                  if arg not in _MODULE_META and not arg.startswith("__")}
        _walk(walk, target, inputs, f"{prefix}module.{call.name}{suffix}.", call_key, call.path,
              chain + (target,), problem)


def is_local_source(source: Any) -> bool:
    """Terraform treats only sources starting with ./ or ../ as local paths."""
    return isinstance(source, str) and source.replace("\\", "/").startswith(("./", "../"))


def _installed(folder: str, modules: Dict[Tuple[str, str], Any]) -> Dict[str, str]:
    """Call key ("a.b") -> folder of the modules `terraform init` installed for a root (Dir is relative to
    it in `{"Modules": [{"Key": "a.b", "Dir": "..."}]}`), read once per tree (kept beside the modules)."""
    key = (folder, _MODULES_JSON)
    if key not in modules:
        modules[key] = found = {}
        try:
            with open(os.path.join(folder, _MODULES_JSON), "rb") as handle:
                data = json.loads(handle.read().decode("utf-8-sig"))
        except (OSError, ValueError):
            data = None
        entries = data.get("Modules") if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
                found[entry["Key"]] = os.path.normpath(os.path.join(folder, entry["Dir"]))  # Dir may be absolute
    return modules[key]


def _call_target(call: _Call, calling_folder: str, call_key: List[str], installed: Dict[str, str]) -> Optional[str]:
    """The folder a module call reads, or None when it is not on disk: a local source is relative to
    the calling folder (a local call inside an installed module is recorded too: the same folder)."""
    source = _unwrap1(call.body.get("source"))
    if is_local_source(source):
        target = os.path.normpath(os.path.join(calling_folder, source))
    else:
        target = installed.get(".".join(call_key)) if isinstance(source, str) else None
    return target if target and os.path.isdir(target) else None


def _called_folders(folder: str, modules: Dict[Tuple[str, str], _Module]) -> Set[str]:
    """Every folder `folder` calls as a module, at any depth, under either tool."""
    installed = _installed(folder, modules)
    found: Set[str] = set()
    pending: List[Tuple[str, List[str], int]] = [(folder, [], 0)]
    while pending:
        current, key, depth = pending.pop()
        for tool in (OPENTOFU_TOOL, TERRAFORM_TOOL):
            for call in _module(modules, current, tool).calls.values():
                call_key = key + [call.name]
                target = _call_target(call, current, call_key, installed)
                if target and target not in found and target != folder and depth < MAX_MODULE_DEPTH:
                    found.add(target)
                    pending.append((target, call_key, depth + 1))
    return found


# --- Readings merged: one table per address, judged under every reading (tool, caller) ---

def _add_warning(reading: FileReading, warnings: Optional[str]) -> None:
    for warning in (warnings or "").split("; "):
        if warning and warning not in (reading.warning or ""):
            reading.warning = f"{reading.warning}; {warning}" if reading.warning else warning


def _same_reading(first: FoundTable, other: FoundTable) -> bool:
    return (first.path, first.lines, first.config, first.problem, dict(first.skips)) == (
        other.path, other.lines, other.config, other.problem, dict(other.skips))


def _in_context(table: FoundTable, context: str) -> List[FoundTable]:
    """The readings `table` stands for (its variants, else itself), each named in `context` too."""
    return [replace(t, context=f"{context}, {t.context}" if t.context and context else (context or t.context))
            for t in table.variants or (table,)]


def _merge_readings(groups: Sequence[Tuple[str, List[FileReading]]], by_tool: bool = False) -> List[FileReading]:
    """(context, readings) of the same files as one FileReading per path, one table per resource. The
    readings of one root by each tool (`by_tool`) hold a resource under one address (in x.tf and x.tofu),
    judged in Terraform's file where it has one, and name the tool where only one of them reads it.
    Readings of a resource that agree are one; otherwise the first is reported, with every reading in
    `variants` (judged each, verdicts.judge), and a skip counts only where every reading has it."""
    files: Dict[str, FileReading] = {}
    tables: Dict[Any, List[Tuple[str, FoundTable]]] = {}
    for context, readings in groups:
        for reading in readings:
            merged = files.setdefault(reading.path, replace(reading, tables=[], warning=None))
            merged.not_judged = merged.not_judged or reading.not_judged
            merged.shadowed = merged.shadowed and reading.shadowed  # no result of its own only if no reading reads it
            _add_warning(merged, reading.warning)
            for table in reading.tables:
                key = table.resource if by_tool else (table.path, table.resource)
                named = f"{context} ({os.path.basename(table.path)})" if by_tool else context
                tables.setdefault(key, []).append((named, table))
    for found in tables.values():
        table = found[0][1]
        if not all(_same_reading(table, other) for _, other in found[1:]):
            variants = [variant for context, other in found for variant in _in_context(other, context)]
            skips = {check: reason for check, reason in table.skips.items() if all(check in v.skips for v in variants)}
            table = replace(table, skips=skips, variants=tuple(variants), context="")
        elif by_tool and len(found) == 1:
            (table,) = _in_context(table, found[0][0])
        files[table.path].tables.append(table)
        files[table.path].shadowed = False
    return sorted(files.values(), key=lambda r: r.path)


# --- The public API ---

def _read_root(folder: str, modules: Dict[Tuple[str, str], _Module], var_files: Sequence[str],
               deployed_with: str) -> List[FileReading]:
    readings: Dict[str, List[FileReading]] = {}
    for tool in [OPENTOFU_TOOL, TERRAFORM_TOOL] if deployed_with == BOTH_TOOLS else [deployed_with]:
        walk = _Walk(tool, _installed(folder, modules), modules, var_files)
        _walk(walk, folder, {}, "", [], None, (folder,), None)
        readings[tool] = list(walk.readings.values())
        if not walk.saw_tofu:
            break  # no folder of this configuration has a .tofu file: both tools read the same files
    if len(readings) == 1:
        return sorted(*readings.values(), key=lambda r: r.path)
    return _merge_readings([(f"under {_TOOL_NAMES[tool]}", readings[tool]) for tool in (TERRAFORM_TOOL, OPENTOFU_TOOL)],
                           by_tool=True)


def _roots(candidates: Sequence[str], modules: Dict[Tuple[str, str], _Module]) -> Dict[str, Set[str]]:
    """The root folders among `candidates` (the folders no other candidate calls, and folders that only
    call each other), each with every folder it calls."""
    called: Dict[str, Set[str]] = {}
    for folder in candidates:
        try:
            called[folder] = _called_folders(folder, modules)
        except RecursionError:
            called[folder] = set()
    roots = [f for f in candidates if not any(f in called[other] for other in candidates if other != f)]
    reached = set(roots) | {f for root in roots for f in called[root]}
    roots += [f for f in candidates if f not in reached]
    return {root: called[root] for root in roots}


def roots_reading(folders: Iterable[str], changed_folders: Iterable[str]) -> List[str]:
    """The root folders among `folders` (one scan root's Terraform folders) whose reading reads a
    `changed` folder: the folder itself when it is a root, else the roots that call it."""
    changed = {os.path.abspath(f) for f in changed_folders}
    with collector_paused():
        roots = _roots(sorted(changed | {os.path.abspath(f) for f in folders}), {})
    return sorted(root for root, called in roots.items() if changed & (called | {root}))


def read_terraform_tree(folders: Iterable[str], scan_root: str, var_files: Sequence[str] = (),
                        deployed_with: str = BOTH_TOOLS) -> List[FileReading]:
    """Every folder of one scan root that holds Terraform files, as deployed: one FileReading per file
    that holds an in-scope resource, cannot be read (not_judged), is not read by the tool (shadowed:
    x.tf beside x.tofu, override files), or calls a module not on disk (warning). A folder another one
    calls is no root of its own (judged per caller, FoundTable.variants "called from <folder>");
    `deployed_with` "both" judges each table under both tools' readings. One root's failure costs only it."""
    if deployed_with not in (TERRAFORM_TOOL, OPENTOFU_TOOL, BOTH_TOOLS):
        raise ValueError(f"deployed_with must be terraform, opentofu or both, not {deployed_with!r}")
    modules: Dict[Tuple[str, str], _Module] = {}
    groups: List[Tuple[str, List[FileReading]]] = []
    with collector_paused():
        for root in _roots(sorted({os.path.abspath(f) for f in folders}), modules):
            context = f"called from {os.path.relpath(root, scan_root) if scan_root else root}"
            try:
                groups.append((context, _read_root(root, modules, var_files, deployed_with)))
            except Exception as exc:  # fail closed: the folder's files are "not judged"
                why = "nested too deeply to read" if isinstance(exc, RecursionError) else (
                    f"checkov-pitr could not read this module ({type(exc).__name__}: {exc})")
                groups.append((context, [FileReading(root, TERRAFORM, not_judged=why)]))
        return _merge_readings(groups)


__all__ = ["BOTH_TOOLS", "IN_SCOPE_TYPES", "OPENTOFU_TOOL", "TERRAFORM_TOOL", "is_local_source",
           "may_hold_tables", "read_terraform_tree", "resource_blocks", "roots_reading"]
