"""The Terraform plan reader: `terraform show -json` output -> the DynamoDB resources it will leave. No checkov
here. A file that is no readable plan (cut short, gzip'd, a state, only wrapper lines) fails closed: a one-line
`not_judged` with the fix. A gzip'd plan is never judged (no line to point at, a bomb to bound); UTF-16/32 is."""
from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from checkov_pitr.domain.core import TF_TYPES as PLAN_TYPES, kind_name
from checkov_pitr.domain.inventory import (GZIP_MAGIC, TERRAFORM_PLAN, ZIP_MAGIC, FileReading, FoundTable, PlanChange,
                                           collector_paused)
from checkov_pitr.domain.plan_sources import parse_address
from checkov_pitr.domain.policy import exemption_ids
from checkov_pitr.domain.readers import yaml_loader

WRAPPER_WARNING = ("the plan is wrapped in hashicorp/setup-terraform's output lines; judged the JSON inside; "
                   "set terraform_wrapper: false")
SCAN_ALL = "scan the complete terraform show -json output"
NO_PLANNED_VALUES_WARNING = ("the plan has no readable planned_values; judged the after values in resource_changes "
                             f"({SCAN_ALL})")

RERUN = "re-run terraform show -json tfplan > tfplan.json"
GZIP_REASON = "gzip-compressed; decompress it (gunzip) before scanning"
ZIP_REASON = "a binary plan file (terraform plan -out); scan terraform show -json tfplan > tfplan.json instead"
STATE_REASON = ("a Terraform state (terraform show -json without a plan file), not a plan; "
                "run terraform show -json tfplan")
NEITHER_REASON = ("JSON, but not a Terraform plan (no format_version with planned_values or resource_changes); "
                  "run terraform show -json tfplan")
DEPTH_REASON = f"nested more than {yaml_loader.MAX_DEPTH} levels deep, not read"
EMPTY_REASON = f"empty file, not a Terraform plan; {RERUN}"
WRAPPER_ONLY_REASON = ("hashicorp/setup-terraform's output lines without a complete Terraform plan in them; "
                       f"set terraform_wrapper: false and {RERUN}")

# Actions after which the resource is not in the planned state, so it has no result (SPEC: deleted).
# "forget" (Terraform 1.7+, a `removed` block with `destroy = false`) leaves the table in AWS as it is,
# no longer managed: it has no result either, whether or not planned_values still lists it (Terraform
# listed forgotten resources there until hashicorp/terraform#38665), and a warning names it.
_GONE_ACTIONS = (["delete"], ["forget"])
FORGOTTEN_WARNING = ("forgotten (a `removed` block with destroy = false): Terraform stops managing it and the "
                     "table stays in AWS as it is; no result")

# How far into a file `looks_like_plan` looks: Terraform writes format_version first; `jq -S` sorts keys,
# which puts applyable / complete / configuration first, so known keys are searched in a bounded head.
_HEAD = 64 * 1024
_TERRAFORM_KEY = re.compile(r'"(?:format_version|terraform_version|planned_values|resource_changes|prior_state|root_module)"\s*:')
_WRAPPER_LINE = re.compile(r"\[command\]|::[A-Za-z-]+(?: [^:\n]*)?::")
# the lines that repeat Terraform's output (the wrapper before v2, 2021, printed it with ::set-output)
_STDOUT_LINE = re.compile(r"\s*(?:::debug::stdout:|::set-output name=stdout::)([^\r\n]*)")
_PERCENT_ESCAPE = re.compile(r"%(25|0D|0A)")  # @actions/core escapes these in ::debug:: command data
_UNESCAPE = {"25": "%", "0D": "\r", "0A": "\n"}
_ADDRESS = re.compile(r'"address"\s*:\s*("[^"\\]*(?:\\.[^"\\]*)*")')
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"')
_BRACKET_STRING = re.compile(rb'"[^"]*"')
# brackets -> signed bytes +1 / -1, so `accumulate` over a memoryview sums depth at C speed
_BRACKET_DELTA = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_DECODER = json.JSONDecoder()


class NotAPlan(Exception):
    """The bytes or text hold no readable Terraform plan; str() is a one-line reason with the fix."""


@dataclass(frozen=True)
class PlanDocument:  # the plan JSON found in a file, and where in the file's text it is
    data: Dict[str, Any]
    text: str  # the whole file, decoded
    start: int  # the JSON's span in `text` (the whole text unless it is wrapped in other lines)
    end: int
    warnings: Tuple[str, ...] = ()


def looks_like_plan(raw: bytes) -> bool:
    """Whether `raw` is Terraform JSON output (also inside setup-terraform's lines, gzip'd, or a binary
    `terraform plan -out` zip): a file the scan must judge or explain. Reads a bounded head only."""
    if raw.startswith(ZIP_MAGIC):  # Terraform's plan file is a zip whose first entry is tfplan (then tfstate, tfconfig/)
        name_length = int.from_bytes(raw[26:28], "little")
        return raw[30:30 + name_length].startswith((b"tfplan", b"tfstate", b"tfconfig")) or b"tfplan" in raw
    try:
        if raw.startswith(GZIP_MAGIC):  # the first few KiB it decompresses to, never more
            head = zlib.decompressobj(wbits=31).decompress(raw[:_HEAD], 4096).decode("utf-8", errors="ignore")
        else:
            head = raw[:_HEAD].decode(json.detect_encoding(raw[:_HEAD]), errors="ignore")
    except (zlib.error, LookupError):
        return False
    head = head.lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return bool(_TERRAFORM_KEY.search(head))
    # wrapper lines: the first names terraform, or Terraform's keys follow
    return bool(_WRAPPER_LINE.match(head)) and ("terraform" in head.split("\n", 1)[0] or bool(_TERRAFORM_KEY.search(head)))


def decode_plan_bytes(raw: bytes) -> PlanDocument:
    """The plan document in a file's bytes (UTF-16/32 with a warning); else NotAPlan with the reason and fix."""
    for magic, reason in ((GZIP_MAGIC, GZIP_REASON), (ZIP_MAGIC, ZIP_REASON)):
        if raw.startswith(magic):
            raise NotAPlan(reason)
    try:
        text = yaml_loader.decode(raw)
    except yaml_loader.LoadError as exc:  # "not valid UTF-8 text (byte 0xe9 at offset 70); save the file as UTF-8"
        raise NotAPlan(f"{str(exc).split(';')[0]}; {RERUN}") from None
    document, encoding = decode_plan_text(text), yaml_loader.encoding_name(raw)
    return document if encoding == "UTF-8" else replace(document, warnings=(
        f"the plan is {encoding} text (Windows PowerShell's > writes it); judged it; write it as UTF-8 so that checkov "
        "reads it too",) + document.warnings)


def decode_plan_text(text: str) -> PlanDocument:
    """The plan document in a text: the whole text, or the JSON inside setup-terraform's wrapper lines."""
    text = text.removeprefix("\ufeff")
    start = len(text) - len(text.lstrip())
    if start == len(text):
        raise NotAPlan(EMPTY_REASON)
    if _WRAPPER_LINE.match(text, start):
        return _unwrap(text)
    # wrapper lines may follow the JSON without the `[command]` line before it (a log cut at the top)
    data, end = _parse_plan(text, start, wrapped=text.startswith("{", start))
    return PlanDocument(data, text, start, end, (WRAPPER_WARNING,) if text[end:].strip() else ())


def _parse_plan(document: str, start: int, wrapped: bool) -> Tuple[Dict[str, Any], int]:
    """(the plan JSON starting at `start`, where it ends). After it, only white space, or (`wrapped`) wrapper
    lines, may follow. NotAPlan for JSON that is cut short, invalid, nested too deeply, or no plan."""
    if _nesting_exceeds(document, start, yaml_loader.MAX_DEPTH):
        raise NotAPlan(DEPTH_REASON)
    try:
        with collector_paused():
            data, end = _DECODER.raw_decode(document, start)
    except RecursionError:  # not reached after the pre-scan, but a reader must never raise
        raise NotAPlan(DEPTH_REASON) from None
    except json.JSONDecodeError as exc:
        if _is_truncation(exc, document):
            raise NotAPlan(f"truncated JSON (it breaks off after {len(document.rstrip()) - start} characters); "
                           "re-run terraform show -json") from None
        raise NotAPlan(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); {RERUN}") from None
    rest = document[end:]
    if rest.strip() and not (wrapped and all(_WRAPPER_LINE.match(line.lstrip())
                                             for line in rest.splitlines() if line.strip())):
        line = document.count("\n", 0, end) + 1
        raise NotAPlan(f"not valid JSON (extra data after the JSON document, at line {line}); {RERUN}")
    # Terraform's version keys with planned_values or resource_changes
    if isinstance(data, dict) and ("format_version" in data or "terraform_version" in data) and (
            "planned_values" in data or "resource_changes" in data):
        return data, end
    raise NotAPlan(STATE_REASON if isinstance(data, dict) and "format_version" in data and "values" in data
                   else NEITHER_REASON)


# What a cut-off JSON text can end in: part of a literal, a sign, a fraction or exponent; or, inside a
# string, part of a \u escape.
_CUT_TAIL = re.compile(r"(?:t(?:r(?:u)?)?|f(?:a(?:l(?:s)?)?)?|n(?:u(?:l)?)?|-|[0-9]*[.eE][+-]?)\Z")
_CUT_ESCAPE = re.compile(r"\\?u?[0-9a-fA-F]{0,3}\Z")


def _is_truncation(exc: json.JSONDecodeError, document: str) -> bool:
    """Whether the parser failed because the text ends too early (rather than on a wrong character)."""
    if exc.msg.startswith("Extra data"):
        return False
    rest = document[exc.pos:].rstrip()
    if not rest or exc.msg.startswith("Unterminated string"):
        return True
    if exc.msg.startswith("Invalid \\uXXXX escape"):  # a cut inside `\\u00e9`
        return bool(_CUT_ESCAPE.fullmatch(rest))
    return bool(_CUT_TAIL.fullmatch(rest))


def _nesting_exceeds(text: str, start: int, limit: int) -> bool:
    """Whether JSON brackets outside strings nest deeper than `limit`, without a recursive parser and at
    C speed (about 0.2 s for 15 MB): escapes are dropped, then every byte but quotes and brackets, then
    the strings (nearly all are now `""`), and the brackets' depth is summed."""
    skeleton = (text[start:] if start else text).encode("utf-8", "surrogatepass")
    if skeleton.count(b"[") + skeleton.count(b"{") <= limit:
        return False
    if b"\\" in skeleton:
        # pairs of backslashes first, so that `\\\\"` (a backslash, then the string's end) keeps its quote
        skeleton = skeleton.replace(b"\\\\", b"").replace(b'\\"', b"")
    # removing `""` either drops a string with no brackets or merges two adjacent strings: both keep
    # the structure outside strings as it is
    skeleton = skeleton.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = _BRACKET_STRING.sub(b"", skeleton)
        open_quote = skeleton.find(b'"')
        if open_quote >= 0:  # a string left open by a cut runs to the end and holds no structure
            skeleton = skeleton[:open_quote]
    deltas = skeleton.translate(_BRACKET_DELTA)
    return len(deltas) > limit and max(accumulate(memoryview(deltas).cast("b"))) > limit


def _unwrap(text: str) -> PlanDocument:
    """The plan inside the wrapper's lines (`[command]...`, the JSON, `::debug::` lines repeating it escaped):
    the first candidate that is a plan wins; when none is, the first candidate's reason is the file's."""
    failure: Optional[NotAPlan] = None
    for start, end, candidate in _wrapper_candidates(text):
        try:
            data, _ = _parse_plan(candidate, len(candidate) - len(candidate.lstrip()), wrapped=True)
        except NotAPlan as exc:
            failure = failure or exc
            continue
        return PlanDocument(data, text, start, end, (WRAPPER_WARNING,))
    if failure is not None:
        raise NotAPlan(f"{failure} (inside hashicorp/setup-terraform's output lines; set terraform_wrapper: false)")
    raise NotAPlan(WRAPPER_ONLY_REASON)


def _wrapper_candidates(text: str) -> Iterator[Tuple[int, int, str]]:
    """(start, end, JSON text) for each place a plan may be: a line starting with `{` (the JSON runs to the
    first wrapper line after it), or the escaped data of a `::debug::stdout:` line."""
    lines = text.splitlines(keepends=True)
    offsets = list(accumulate(map(len, lines), initial=0))
    wrapper_starts = [offsets[i] for i, line in enumerate(lines) if _WRAPPER_LINE.match(line.lstrip())] + [len(text)]
    for line, offset in zip(lines, offsets):
        if line.startswith("{"):  # Terraform's JSON starts at column 0; indented lines are inside it
            end = next(at for at in wrapper_starts if at > offset)
            yield offset, end, text[offset:end]
        stdout = _STDOUT_LINE.match(line)
        data = _PERCENT_ESCAPE.sub(lambda m: _UNESCAPE[m.group(1)], stdout.group(1)) if stdout else ""
        if stdout and data.lstrip().startswith("{"):
            yield offset + stdout.start(1), offset + stdout.end(1), data


# What judging a table reads of its values: the rest of a big plan (attributes, GSIs, tags_all)
# is not kept for the length of checkov's run.
_PITR_KEYS = ("point_in_time_recovery", "point_in_time_recovery_specification", "replica", "replicas")


def _pitr_part(values: Any) -> Any:  # an odd shape is judged (and reported) as it is
    return {key: values[key] for key in _PITR_KEYS if key in values} if isinstance(values, Mapping) else values


@dataclass(frozen=True)
class _Entry:  # one in-scope resource as the plan lists it: in planned_values, or as a resource_changes entry
    address: str
    resource_type: str
    values: Any  # its values (a change's `after`)
    problem: Optional[str] = None
    actions: Any = None  # a change's actions and what CKV_PITR_003 needs of it
    change: Optional[PlanChange] = None


def _note_if_in_scope(value: Any, what: str, unidentified: List[str]) -> None:
    """Note `what` (an odd part of the plan) as unidentified when the value there mentions an in-scope type."""
    text = value if isinstance(value, str) else json.dumps(value, default=repr)
    if value is not None and ("aws_dynamodb_table" in text or "awscc_dynamodb_" in text):
        unidentified.append(what)


def _unreadable(*details: Optional[str]) -> Optional[str]:
    """The problem of an entry with these shape problems (None and empty ones left out), or None."""
    text = "; ".join(filter(None, details))
    return f"the plan's entry for this resource cannot be read ({text}); {SCAN_ALL}" if text else None


def _items(container: Any, where: str, unidentified: List[str]) -> Tuple[List[Tuple[str, Any]], Optional[str]]:
    """(where, element) of what should be a list, and a shape problem for a mapping; else none (noted if in scope)."""
    if isinstance(container, list):
        return [(f"{where}[{i}]", item) for i, item in enumerate(container)], None
    if isinstance(container, Mapping):
        return [(f"{where}.{key}", item) for key, item in container.items()], f"{where} is a mapping, not a list"
    _note_if_in_scope(container, f"{where} is {kind_name(container)}, not a list", unidentified)
    return [], None


def _identify(resource: Any, where: str, noun: str, module_address: Any,
              unidentified: List[str]) -> Tuple[Optional[str], Optional[str], List[str]]:
    """(address, type, shape problems) of an in-scope resource entry, else (None, None, []); one that
    mentions an in-scope type but cannot be named goes to `unidentified`. The address is parsed only
    when `type` or `mode` is missing: parsing 10,000 addresses would cost more than the rest of the read."""
    if not isinstance(resource, Mapping):
        _note_if_in_scope(resource, f"{where} is {kind_name(resource)}, not a mapping", unidentified)
        return None, None, []
    address, rtype, mode = resource.get("address"), resource.get("type"), resource.get("mode")
    parsed = parse_address(address) if isinstance(address, str) and (mode is None or not isinstance(rtype, str)) else None
    problems = [] if isinstance(rtype, str) else [f"its type is {kind_name(rtype)}"]
    rtype = rtype if isinstance(rtype, str) else parsed.type if parsed else None
    if rtype not in PLAN_TYPES or mode == "data" or (parsed and parsed.mode == "data"):
        return None, None, []
    if isinstance(address, str) and f"{rtype}." not in address:
        problems.append(f"its type {rtype} and its address disagree")
    if mode is not None and mode != "managed":
        text = json.dumps(mode, default=repr)
        problems.append(f"its mode is {text if len(text) <= 40 else text[:37] + '...'}")
    if not isinstance(address, str):  # the address Terraform would write, from the entry's parts
        problems.append(f"its address is {kind_name(address)}, not a string")
        name, index = resource.get("name"), resource.get("index")
        readable = index is None or (isinstance(index, (str, int)) and not isinstance(index, bool))
        key = "" if index is None else f"[{json.dumps(index)}]"
        if not isinstance(name, str) or not readable:
            unidentified.append(f"{where} is {noun} of type {rtype} without a readable address")
            return None, None, []
        address = ".".join(part for part in (module_address, f"{rtype}.{name}{key}") if isinstance(part, str) and part)
    return address, rtype, problems


def _walk_module(module: Any, where: str, inherited: Optional[str], entries: List[_Entry],
                 unidentified: List[str]) -> None:
    """Every in-scope resource in a module and its child_modules, in document order (the pre-scan bounds the depth)."""
    if not isinstance(module, Mapping):
        _note_if_in_scope(module, f"{where} is {kind_name(module)}, not a mapping", unidentified)
        return
    items, shape = _items(module.get("resources"), f"{where}.resources", unidentified)
    for item_where, resource in items:
        address, rtype, problems = _identify(resource, item_where, "an entry", module.get("address"), unidentified)
        if address is not None:
            values = resource.get("values")
            odd = None if isinstance(values, Mapping) else f"its values are {kind_name(values)}"
            entries.append(_Entry(address, rtype, values, _unreadable(inherited or shape, *problems, odd)))
    child_items, child_shape = _items(module.get("child_modules"), f"{where}.child_modules", unidentified)
    for child_where, child in child_items:
        _walk_module(child, child_where, inherited or child_shape, entries, unidentified)


def _changes(resource_changes: Any) -> Tuple[Dict[str, _Entry], List[str], Optional[str]]:
    """(in-scope resource_changes by address, unidentified pieces, a problem for every table when
    resource_changes itself cannot be read). Deposed objects (being deleted) and data sources are left out."""
    if resource_changes is not None and not isinstance(resource_changes, (list, Mapping)):
        return {}, [], _unreadable(f"resource_changes is {kind_name(resource_changes)}, not a list")
    changes: Dict[str, _Entry] = {}
    unidentified: List[str] = []
    items, shape = _items(resource_changes, "resource_changes", unidentified)
    for where, entry in items:
        is_mapping = isinstance(entry, Mapping)
        if is_mapping and entry.get("deposed"):
            continue
        address, rtype, problems = _identify(entry, where, "a change", is_mapping and entry.get("module_address"),
                                             unidentified)
        if address is None or address in changes:
            continue
        change = entry.get("change")
        body = change if isinstance(change, Mapping) else {}
        actions = body.get("actions")
        if body is not change:
            problems.append(f"its change is {kind_name(change)}, not a mapping")
        elif not isinstance(actions, list):
            problems.append(f"its change.actions is {kind_name(actions)}, not a list")
        plan_change = (PlanChange(tuple(actions), _pitr_part(body.get("before")), _pitr_part(body.get("after")))
                       if isinstance(actions, list) else None)
        changes[address] = _Entry(address, rtype, body.get("after"), _unreadable(shape, *problems), actions,
                                  plan_change)
    return changes, unidentified, None


def _address_lines(document: PlanDocument, addresses: Sequence[str], section: str) -> Dict[str, int]:
    """The 1-based line of each address's first `"address": "..."` in `section` (else elsewhere in the JSON,
    else the JSON's first line): one regex pass that stops when every address is found."""
    text, start, end = document.text, document.start, document.end
    # addresses as JSON writes them, so that a match is a set lookup, not a decode
    pending = {json.dumps(address, ensure_ascii=False): address for address in set(addresses)}
    section_at = re.compile(r'"' + section + r'"\s*:').search(text, start, end)
    floor = section_at.start() if section_at else start
    positions: Dict[str, int] = {}
    for low, high in ((floor, end), (start, floor)):
        for match in _ADDRESS.finditer(text, low, high) if pending else ():
            quoted = match.group(1)
            if quoted not in pending and "\\" in quoted:
                try:  # Terraform escapes <, > and & as \u003c: compare as json.dumps writes it
                    quoted = json.dumps(json.loads(quoted), ensure_ascii=False)
                except ValueError:
                    continue
            if quoted in pending:
                positions[pending.pop(quoted)] = match.start()
                if not pending:
                    break
    positions.update({address: start for address in pending.values()})
    lines: Dict[str, int] = {}
    line, at = 1, 0
    for address, position in sorted(positions.items(), key=lambda item: item[1]):  # one newline count
        line, at = line + text.count("\n", at, position), position
        lines[address] = line
    return lines


def read_plan(path: str, raw: bytes) -> FileReading:
    """A FoundTable per in-scope resource the plan leaves in place, or `not_judged` with the fix; never raises."""
    path = os.path.abspath(path)
    with collector_paused():
        try:
            document = decode_plan_bytes(raw)
        except NotAPlan as exc:  # NEITHER_REASON for package.json and the like: not ours
            ours = str(exc) != NEITHER_REASON or looks_like_plan(raw)
            return FileReading(path, TERRAFORM_PLAN, not_judged=str(exc) if ours else None)
        return _reading(path, document)


def plan_changes(raw: bytes) -> Dict[str, Optional[PlanChange]]:
    """Each in-scope change by address (None: unreadable), for plain checkov's CKV_PITR_003 (it keeps `after` only)."""
    with collector_paused():
        changes, _, _ = _changes(decode_plan_bytes(raw).data.get("resource_changes"))
    return {address: change.change for address, change in changes.items()}


def _reading(path: str, document: PlanDocument) -> FileReading:
    """The tables of a plan, from planned_values (else resource_changes); not judged where one cannot be named."""
    data, warnings = document.data, list(document.warnings)
    resource_changes = data.get("resource_changes")
    changes, unidentified, changes_problem = _changes(resource_changes)
    planned = data.get("planned_values")
    entries: List[_Entry] = []
    if isinstance(planned, Mapping):
        walked: List[str] = []
        _walk_module(planned.get("root_module"), "planned_values.root_module", None, entries, walked)
        unidentified, section = walked + unidentified, "planned_values"
        listed = {e.address for e in entries}
        # a change that creates or updates a resource planned_values does not list: inconsistent, fail closed
        unlisted = _unreadable("resource_changes creates or updates it, but planned_values does not list it")
        entries += [replace(c, problem=unlisted) for c in changes.values() if c.address not in listed
                    and (not isinstance(c.actions, list) or "create" in c.actions or "update" in c.actions)]
    else:
        for name, part in (("planned_values", planned), ("resource_changes", resource_changes)):
            if not isinstance(part, (list, Mapping)):
                _note_if_in_scope(part, f"{name} is {kind_name(part)}", unidentified)
        entries = [replace(c, problem=c.problem or (None if isinstance(c.values, Mapping) else _unreadable(
            f"its change.after is {kind_name(c.values)}"))) for c in changes.values()]  # gone ones are dropped below
        section = "resource_changes"
        warnings.append(NO_PLANNED_VALUES_WARNING)
    if unidentified:
        return FileReading(path, TERRAFORM_PLAN, not_judged=(
            f"the plan's structure cannot be read ({unidentified[0]}) where it mentions a DynamoDB resource; "
            f"{SCAN_ALL}"), warning="; ".join(warnings) or None)
    entries = [e for e in entries if e.address not in changes or changes[e.address].actions not in _GONE_ACTIONS]
    forgotten = [address for address, change in changes.items() if change.actions == ["forget"]]
    if forgotten:
        warnings.append(f"{', '.join(forgotten[:5])}{' and more' if len(forgotten) > 5 else ''} {FORGOTTEN_WARNING}")
    lines = _address_lines(document, [e.address for e in entries], section)
    tables = _tables(path, entries, changes, changes_problem, lines)
    return FileReading(path, TERRAFORM_PLAN, tables=tables, warning="; ".join(warnings) or None)


def _tables(path: str, entries: Sequence[_Entry], changes: Mapping[str, _Entry], changes_problem: Optional[str],
            lines: Mapping[str, int]) -> List[FoundTable]:
    """One FoundTable per address, with its change (CKV_PITR_003) and the first problem found on it."""
    tables: Dict[str, FoundTable] = {}
    for entry in entries:
        address, values = entry.address, entry.values
        change, line = changes.get(address), lines.get(address, 1)
        if address in tables:  # one result per address: a plan listing it twice is not to be trusted
            twice = tables[address]
            tables[address] = replace(twice, problem=twice.problem or _unreadable("the plan lists this address twice"))
            continue
        # exemption ids as the checks offer them: `type.name` only for a root-module resource
        bare = address.split("[", 1)[0]
        name = bare.rsplit(".", 1)[-1] if bare.startswith(entry.resource_type + ".") else ""
        tables[address] = FoundTable(
            path=path, framework=TERRAFORM_PLAN, resource_type=entry.resource_type, resource=address, label=address,
            lines=(line, line), config=_pitr_part(values),
            problem=entry.problem or (change.problem if change else None) or changes_problem,
            tags=values["tags"] if isinstance(values, Mapping) and isinstance(values.get("tags"), dict) else {},
            resource_ids=tuple(exemption_ids(address, entry.resource_type, name)),
            change=change.change if change else None)
    return list(tables.values())
