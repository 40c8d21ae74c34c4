"""The Terraform reader of the inventory: every DynamoDB resource a Terraform / OpenTofu configuration
holds, read as Terraform reads it, independent of checkov. No checkov here.

`read_terraform_root(folder, scan_root)` reads one folder as a root module (checkov treats every
folder it scans as one), follows its module calls (local ones, and registry / git ones that
`terraform init` installed), merges override files, and resolves the values a scan can know
(literals, variable defaults and tfvars, locals, module arguments). Everything else stays an
unresolved "${...}" string that `core.terraform_reference` names in the verdict.
"""
from __future__ import annotations

import bisect
import gc
import json
import json.decoder
import json.scanner
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import hcl2

from checkov_pitr.domain.inventory import TERRAFORM, TERRAFORM_JSON, FileReading, FoundTable
from checkov_pitr.domain.readers.terraform_eval import (
    MAX_DEPTH, FastHclParser, FastParseError, LineIndex, Scope, for_each_value, instance_keys,
    json_depth, lex_hcl, without_exponents,
)
from checkov_pitr.domain.readers.terraform_modules import installed_modules, module_folder

IN_SCOPE_TYPES = ("aws_dynamodb_table", "aws_dynamodb_table_replica", "awscc_dynamodb_table", "awscc_dynamodb_global_table")
_EXTENSIONS = (".tf.json", ".tofu.json", ".tf", ".tofu")  # longest first: "x.tf.json" is JSON, not ".json"
_TOFU_TWIN = {".tf": ".tofu", ".tf.json": ".tofu.json"}
_IN_SCOPE_TEXT = (b"aws_dynamodb_table", b"awscc_dynamodb_table", b"awscc_dynamodb_global_table")
_MODULE_CALL_TEXT = re.compile(rb'(?m)^[ \t]*module[ \t]+"|"module"[ \t\r\n]*:')
# bc-python-hcl2 (lark) reads about 700 tables a second; larger files go to the fast parser first
FAST_PARSE_BYTES = 256 * 1024
MAX_MODULE_DEPTH = 16
_MODULE_META = ("source", "version", "count", "for_each", "providers", "depends_on")
# checkov's own pattern (checkov/common/comment/enum.py), applied to real comments only
_SKIP = re.compile(r"(?:checkov:skip=|bridgecrew:skip=|cortex:skip=) *([A-Za-z_\d-]+(?:,[A-Za-z_\d-]+)*)?(:[^\n]*)?")
# .tf.json: object values of these arguments are attributes (maps), not nested blocks
_JSON_MAP_ARGUMENTS = ("tags", "tags_all", "for_each", "count", "depends_on", "provider", "triggers")


# ---------------------------------------------------------------------------------------------
# Which files Terraform / OpenTofu load
# ---------------------------------------------------------------------------------------------

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


def _folder_files(folder: str) -> Tuple[List[str], List[str]]:
    """(files loaded, files shadowed: x.tf beside x.tofu, which OpenTofu does not read), sorted."""
    try:
        names = sorted(n for n in os.listdir(folder) if _split_name(n) and os.path.isfile(os.path.join(folder, n)))
    except OSError:
        return [], []
    present = set(names)
    loaded, shadowed = [], []
    for name in names:
        base, extension = _split_name(name)  # type: ignore[misc]
        twin = _TOFU_TWIN.get(extension)
        target = shadowed if twin and base + twin in present else loaded
        target.append(os.path.abspath(os.path.join(folder, name)))
    return loaded, shadowed


def terraform_files(folder: str) -> List[str]:
    """The files Terraform / OpenTofu load from one folder (not its subfolders), sorted by name:
    .tf, .tf.json, .tofu, .tofu.json, without x.tf where x.tofu exists, hidden and backup files."""
    return _folder_files(folder)[0]


def _framework(path: str) -> str:
    return TERRAFORM_JSON if path.endswith(".json") else TERRAFORM


def _is_tofu(path: str) -> bool:
    return path.endswith((".tofu", ".tofu.json"))


# ---------------------------------------------------------------------------------------------
# Parsing one file into bc-python-hcl2's shape
# ---------------------------------------------------------------------------------------------

@dataclass
class _File:
    path: str
    raw: bytes
    blocks: Dict[str, Any] = field(default_factory=dict)
    comments: List[Tuple[int, str]] = field(default_factory=list)  # (line, comment text)
    problem: Optional[str] = None
    rewritten: bool = False  # exponent literals written out so bc-python-hcl2 could read it

    @property
    def mentions_tables(self) -> bool:
        return any(needle in self.raw for needle in _IN_SCOPE_TEXT)

    @property
    def mentions_modules(self) -> bool:
        return bool(_MODULE_CALL_TEXT.search(self.raw))


def _decode(raw: bytes) -> Tuple[Optional[str], Optional[str]]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 text (byte {exc.start}: {exc.reason}); save the file as UTF-8"


def _parse_file(path: str, raw: bytes) -> _File:
    parsed = _File(path, raw)
    text, parsed.problem = _decode(raw)
    if text is not None:
        if path.endswith(".json"):
            _parse_json_file(parsed, text)
        else:
            _parse_hcl_file(parsed, text)
    return parsed


def _too_deep() -> str:
    return f"nested too deeply (more than {MAX_DEPTH} levels of brackets) to read; flatten the configuration"


def _parse_hcl_file(parsed: _File, text: str) -> None:
    lexed = lex_hcl(text)
    if lexed.max_depth > MAX_DEPTH:
        parsed.problem = _too_deep()
        return
    lines = LineIndex(text)
    parsed.comments = [(lines.line(offset), comment) for offset, comment in lexed.comments]
    try:
        parsed.blocks = _load_hcl(text)
        # the fast parser reads exponents; checkov's parser would have refused the file
        parsed.rewritten = bool(lexed.exponents) and len(text) > FAST_PARSE_BYTES
        return
    except RecursionError:
        parsed.problem = _too_deep()
        return
    except Exception as exc:  # lark raises many types; any of them means "not HCL it can read"
        first_error = exc
    if lexed.exponents:
        # bc-python-hcl2 0.4.3 refuses `1e3`: read the same values written without exponents
        try:
            parsed.blocks = _load_hcl(without_exponents(text, lexed.exponents))
            parsed.rewritten = True
            return
        except Exception:  # noqa: BLE001 - the first error is the one to report
            pass
    parsed.problem = f"not valid HCL ({_hcl_error(first_error)}); fix the syntax (terraform validate shows it)"


def _load_hcl(text: str) -> Dict[str, Any]:
    if len(text) > FAST_PARSE_BYTES:
        try:
            return FastHclParser(text).parse()
        except FastParseError:
            pass  # bc-python-hcl2 reads it, or reports the error
    return hcl2.loads(text)


def _hcl_error(exc: Exception) -> str:
    line = getattr(exc, "line", None)
    token = getattr(exc, "token", None)
    char = getattr(exc, "char", None)
    if token is not None:
        what = "unexpected end of file" if str(getattr(token, "type", "")) == "$END" else f"unexpected {str(token)[:40]!r}"
    elif char is not None:
        what = f"unexpected character {char!r}"
    else:
        what = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:80]
    return f"line {line}: {what}" if isinstance(line, int) and line > 0 else what


# -- .tf.json --

class _JsonObject(dict):
    """A JSON object that remembers where it is in the text."""

    start = 0
    end = 0


def _positioned_decoder() -> json.JSONDecoder:
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: Tuple[str, int], strict: bool, scan_once: Any, object_hook: Any,
                     object_pairs_hook: Any, memo: Any = None) -> Tuple[Any, int]:
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        obj = _JsonObject(pairs)
        obj.start, obj.end = s_and_end[1] - 1, end
        return obj, end

    decoder.parse_object = parse_object  # type: ignore[assignment]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the C scanner ignores parse_object
    return decoder


def _parse_json_file(parsed: _File, text: str) -> None:
    if json_depth(text) > MAX_DEPTH:
        parsed.problem = _too_deep()
        return
    try:
        document = _positioned_decoder().decode(text)
    except RecursionError:
        parsed.problem = _too_deep()
        return
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        parsed.problem = f"not valid JSON (line {line}: {getattr(exc, 'msg', exc)}); fix the syntax"
        return
    parsed.blocks = _json_blocks(document, LineIndex(text))


def _objects(value: Any) -> List[dict]:
    """Terraform JSON allows an object, or an array of objects, at every level of a block."""
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


def _json_blocks(document: Any, lines: LineIndex) -> Dict[str, Any]:
    blocks: Dict[str, Any] = {"resource": [], "variable": [], "locals": [], "module": []}
    for top in _objects(document):
        for kind, value in top.items():
            for item in _objects(value):
                if kind == "resource":
                    for resource_type, named in item.items():
                        for names in _objects(named):
                            for name, bodies in names.items():
                                for body in _objects(bodies):
                                    converted = _json_body(body, resource_type.startswith("aws_"))
                                    converted["__start_line__"] = lines.line(getattr(body, "start", 0))
                                    converted["__end_line__"] = lines.line(getattr(body, "end", 1) - 1)
                                    converted["__json_comments__"] = _json_comments(body)
                                    blocks["resource"].append({resource_type: {name: converted}})
                elif kind in ("variable", "module"):
                    for name, bodies in item.items():
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
    """A .tf.json resource body in the HCL shape: attributes wrapped in one list, nested blocks as
    lists of bodies. Which objects are blocks needs the provider schema: for the aws provider's
    DynamoDB types every nested object except maps such as `tags` is a block; awscc has none."""
    converted: Dict[str, Any] = {}
    for key, value in body.items():
        if key == "//":
            continue
        if key == "dynamic":
            converted["dynamic"] = [
                {name: {**{k: [_plain(v)] for k, v in spec.items() if k not in ("content", "//")},
                        "content": [_json_body(c, blocks_by_shape) for c in _objects(spec.get("content"))]}}
                for item in _objects(value) for name, specs in item.items() for spec in _objects(specs)
            ]
        elif blocks_by_shape and key not in _JSON_MAP_ARGUMENTS and _objects(value) and (
                isinstance(value, dict) or all(isinstance(v, dict) for v in value)):
            converted[key] = [_json_body(v, blocks_by_shape) for v in _objects(value)]
        else:
            converted[key] = [_plain(value)]
    return converted


# ---------------------------------------------------------------------------------------------
# One module folder: its blocks, override files merged
# ---------------------------------------------------------------------------------------------

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
    authoritative: bool = False  # override files, shadowed files or rewritten numbers: checkov reads it otherwise


def _unwrap1(value: Any) -> Any:
    """Take off the one list bc-python-hcl2 wraps every attribute value in."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _skips(comments: List[str]) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for comment in comments:
        for match in _SKIP.finditer(comment):
            reason = match.group(2)[1:].strip() if match.group(2) else "No comment provided"
            for check_id in (match.group(1) or "").split(","):
                if check_id.strip():
                    found.setdefault(check_id.strip(), reason)
    return found


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
                found.append(_Resource(resource_type, name, body, parsed.path, lines, _skips(comments)))
    return found


def _merge_body(original: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    """Terraform's override merge of one block: each argument replaces the original's, and nested
    blocks of a type replace all the original's blocks of that type (static or `dynamic`)."""
    merged = dict(original)
    replaced: List[str] = []
    for key, value in override.items():
        if key.startswith("__") or key == "dynamic":
            continue
        merged[key] = value
        replaced.append(key)
    override_dynamic = [e for e in override.get("dynamic", []) or [] if isinstance(e, dict)]
    replaced += [name for entry in override_dynamic for name in entry]
    for name in replaced:
        if name in merged and any(name in e for e in override_dynamic):
            del merged[name]
    kept = [e for e in merged.get("dynamic", []) or [] if isinstance(e, dict) and not any(n in replaced for n in e)]
    if kept or override_dynamic:
        merged["dynamic"] = kept + override_dynamic
    elif "dynamic" in merged:
        del merged["dynamic"]
    return merged


def _collect(module: _Module, parsed: _File, override: bool) -> None:
    """Add one file's blocks to the module; an override file's blocks merge into existing ones."""
    for resource in _resources_of(parsed):
        if not override:
            module.resources.append(resource)
            continue
        for index, original in enumerate(module.resources):
            if (original.type, original.name) == (resource.type, resource.name):
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


def _load_module(folder: str) -> _Module:
    module = _Module(folder)
    loaded, shadowed = _folder_files(folder)
    raws: Dict[str, bytes] = {}
    for path in loaded + shadowed:
        try:
            with open(path, "rb") as handle:
                raws[path] = handle.read()
        except OSError as exc:
            raws[path] = b""
            module.readings.append(FileReading(path, _framework(path), not_judged=f"cannot be read ({exc.strerror or exc})"))
    for path in shadowed:
        module.authoritative = True  # checkov read it with the rest of the folder
        if any(n in raws[path] for n in _IN_SCOPE_TEXT):
            module.readings.append(FileReading(path, _framework(path), shadowed=True,
                                               warning="not read by OpenTofu: a .tofu file of the same name replaces it"))
    # only folders that may hold a table, or call a module that may, are parsed
    if not any(any(n in raws[p] for n in _IN_SCOPE_TEXT) or _MODULE_CALL_TEXT.search(raws[p]) for p in loaded):
        return module
    primaries = [p for p in loaded if not _is_override(os.path.basename(p))]
    overrides = [p for p in loaded if _is_override(os.path.basename(p))]
    module.authoritative = module.authoritative or bool(overrides)
    for path in primaries + overrides:
        parsed = _parse_file(path, raws[path])
        is_override = path in overrides
        if parsed.problem:
            if parsed.mentions_tables or parsed.mentions_modules:
                module.readings.append(FileReading(path, _framework(path), not_judged=parsed.problem))
            continue
        module.authoritative = module.authoritative or parsed.rewritten
        _collect(module, parsed, is_override)
        if parsed.mentions_tables:
            if is_override:
                module.readings.append(FileReading(
                    path, _framework(path), shadowed=True,
                    warning="override file: its blocks are merged into the resources they override, which are judged there"))
            else:
                module.table_files.append(path)
    return module


# ---------------------------------------------------------------------------------------------
# Instances: count / for_each, values, module calls
# ---------------------------------------------------------------------------------------------

def _tfvars(folder: str) -> Dict[str, Any]:
    """Root-module variable values, in the order Terraform loads them (later files win)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return {}
    ordered = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    ordered += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    values: Dict[str, Any] = {}
    for name in ordered:
        try:
            with open(os.path.join(folder, name), "rb") as handle:
                text = handle.read().decode("utf-8-sig")
            data = json.loads(text) if name.endswith(".json") else {k: _unwrap1(v) for k, v in hcl2.loads(text).items()}
        except Exception:  # noqa: BLE001 - an unreadable tfvars leaves defaults (Terraform itself would stop)
            continue
        if isinstance(data, dict):
            values.update(data)
    return values


def _instances(body: Dict[str, Any], scope: Scope) -> List[Tuple[str, Dict[str, Any]]]:
    """(address suffix, iterator names) per instance: [] when count is 0 or for_each is empty,
    one un-indexed instance when count / for_each cannot be resolved (as checkov reports it)."""
    if "count" in body:
        value = scope.resolve(_unwrap1(body["count"]))
        keys = instance_keys("count", value)
        if keys is None:
            return [("", {})]
        return [(f"[{i}]", {"count": {"index": i}}) for i in keys]
    if "for_each" in body:
        value = scope.resolve(_unwrap1(body["for_each"]))
        keys = instance_keys("for_each", value)
        if keys is None:
            return [("", {})]
        return [(f'["{k}"]', {"each": {"key": k, "value": for_each_value(value, k)}}) for k in keys]
    return [("", {})]


def _render_dynamic(entries: Any, scope: Scope) -> List[Dict[str, Any]]:
    """`dynamic` blocks: rendered (`{"replica": [block, ...]}`, as checkov hands them over) where
    for_each and the content resolve; otherwise kept unrendered (`{"replica": {"for_each": [...],
    "content": [...]}}`) with for_each resolved as far as it goes, which core._dynamic_blocks reads."""
    rendered: List[Dict[str, Any]] = []
    for entry in entries if isinstance(entries, list) else []:
        for name, spec in (entry.items() if isinstance(entry, dict) else []):
            if not isinstance(spec, dict):
                continue
            items = scope.resolve(_unwrap1(spec.get("for_each")))
            iterator = str(_unwrap1(spec.get("iterator", name))).strip("${} ") or name
            content = spec.get("content", [])
            pairs = list(items.items()) if isinstance(items, dict) else list(enumerate(items)) if isinstance(items, list) else None
            if pairs:
                blocks = [scope.child(**{iterator: {"key": k, "value": v}}).resolve(content) for k, v in pairs]
                flat = [b for block in blocks for b in (block if isinstance(block, list) else [block])]
                if not re.search(rf"\$\{{\s*{re.escape(iterator)}\.", json.dumps(flat, default=str)):
                    rendered.append({name: flat})
                    continue
            unrendered = {k: scope.resolve(v) for k, v in spec.items() if k != "content"}
            unrendered["for_each"] = [items]
            unrendered["content"] = content
            rendered.append({name: unrendered})
    return rendered


def _config(body: Dict[str, Any], scope: Scope, expanded: bool) -> Dict[str, Any]:
    config: Dict[str, Any] = {}
    for key, value in body.items():
        if key.startswith("__") or (expanded and key in ("count", "for_each")):
            continue
        config[key] = _render_dynamic(value, scope) if key == "dynamic" else scope.resolve(value)
    return config


def _unindexed(address: str) -> str:
    return re.sub(r'\[(?:\d+|"[^"]*")\]', "", address)


@dataclass
class _Walk:
    """State of one read_terraform_root call."""

    root: str
    installed: Dict[str, str]
    modules: Dict[str, _Module] = field(default_factory=dict)
    readings: Dict[str, FileReading] = field(default_factory=dict)

    def module(self, folder: str) -> _Module:
        if folder not in self.modules:
            self.modules[folder] = _load_module(folder)
        return self.modules[folder]

    def reading(self, path: str) -> FileReading:
        if path not in self.readings:
            self.readings[path] = FileReading(path, _framework(path))
        return self.readings[path]

    def warn(self, path: str, warning: str) -> None:
        reading = self.reading(path)
        if warning not in (reading.warning or ""):
            reading.warning = f"{reading.warning}; {warning}" if reading.warning else warning


def _module_scope(module: _Module, inputs: Dict[str, Any], tfvars: Dict[str, Any]) -> Scope:
    variables: Dict[str, Any] = {}
    for name, body in module.variables.items():
        if name in inputs:
            variables[name] = inputs[name]
        elif name in tfvars:
            variables[name] = tfvars[name]
        elif "default" in body:
            variables[name] = _unwrap1(body["default"])
    return Scope(variables, dict(module.locals))


def _walk(walk: _Walk, folder: str, inputs: Dict[str, Any], prefix: str, key: List[str],
          caller: Optional[str], inherited: bool, chain: Tuple[str, ...]) -> None:
    module = walk.module(folder)
    for reading in module.readings:
        walk.readings.setdefault(reading.path, reading)
    for path in module.table_files:
        walk.reading(path)
    scope = _module_scope(module, inputs, _tfvars(folder) if not prefix else {})
    authoritative = inherited or module.authoritative
    for resource in module.resources:
        if resource.type in IN_SCOPE_TYPES:
            _add_tables(walk, resource, scope, prefix, caller, authoritative)
    for call in module.calls.values():
        _follow_call(walk, module, call, scope, prefix, key, authoritative, chain)


def _add_tables(walk: _Walk, resource: _Resource, scope: Scope, prefix: str, caller: Optional[str],
                authoritative: bool) -> None:
    json_root = resource.path.endswith(".json") and not prefix
    instances = _instances(resource.body, scope)
    if json_root and instances:
        # checkov's terraform_json framework does not expand count / for_each: one `resource.NAME`
        instances = [("", instances[0][1] if len(instances) == 1 else {})]
    for suffix, names in instances:
        instance_scope = scope.child(**names) if names else scope
        config = _config(resource.body, instance_scope, expanded=bool(suffix))
        address = f"{prefix}{resource.type}.{resource.name}{suffix}"
        plain = f"{resource.type}.{resource.name}"
        aliases = [plain] if json_root else ([_unindexed(address)] if _unindexed(address) != address else [])
        tags = _unwrap1(config.get("tags"))
        walk.reading(resource.path).tables.append(FoundTable(
            path=resource.path, framework=_framework(resource.path), resource_type=resource.type,
            resource=f"resource.{resource.name}" if json_root else address, label=address,
            lines=resource.lines, config=config, aliases=tuple(aliases), skips=dict(resource.skips),
            tags=dict(tags) if isinstance(tags, dict) else {},
            resource_ids=tuple(dict.fromkeys([address, plain])) if not prefix else (address,),
            authoritative=authoritative or _is_tofu(resource.path), calling_file=caller,
        ))


def _follow_call(walk: _Walk, module: _Module, call: _Call, scope: Scope, prefix: str, key: List[str],
                 authoritative: bool, chain: Tuple[str, ...]) -> None:
    source = _unwrap1(call.body.get("source"))
    call_key = key + [call.name]
    target = module_folder(source, module.folder, ".".join(call_key), walk.installed) if isinstance(source, str) else None
    if target is None or not os.path.isdir(target):
        walk.warn(call.path, f"module {call.name} (source {source}) is not on disk: run terraform init, or scan the plan")
        return
    if target in chain or len(call_key) > MAX_MODULE_DEPTH:
        walk.warn(call.path, f"module {call.name} (source {source}) calls itself or nests too deeply: not read")
        return
    for suffix, names in _instances(call.body, scope):
        call_scope = scope.child(**names) if names else scope
        inputs = {arg: call_scope.resolve(_unwrap1(value)) for arg, value in call.body.items()
                  if arg not in _MODULE_META and not arg.startswith("__")}
        _walk(walk, target, inputs, f"{prefix}module.{call.name}{suffix}.", call_key, call.path, authoritative,
              chain + (target,))


# ---------------------------------------------------------------------------------------------
# The public API
# ---------------------------------------------------------------------------------------------

def read_terraform_root(folder: str, scan_root: str) -> List[FileReading]:
    """Read `folder` as a root module, following its module calls, and return one FileReading per
    file that holds an in-scope resource (its tables, maybe none), cannot be read (not_judged), is
    shadowed (x.tf beside x.tofu; override files, whose blocks are judged where they merge), or
    calls a module that is not on disk (warning).

    `scan_root` is the folder the scan started from (kept for the caller's bookkeeping); modules.json
    is read from `folder`, the root module, where `terraform init` writes it.
    """
    folder = os.path.abspath(folder)
    walk = _Walk(folder, installed_modules(folder))
    # a large folder makes millions of small objects and no cycles: the cyclic collector would
    # spend more time scanning them than the reading takes
    collecting = gc.isenabled()
    gc.disable()
    try:
        _walk(walk, folder, {}, "", [], None, False, (folder,))
    finally:
        if collecting:
            gc.enable()
    return sorted(walk.readings.values(), key=lambda r: r.path)


__all__ = ["IN_SCOPE_TYPES", "read_terraform_root", "terraform_files"]
