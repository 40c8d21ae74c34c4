"""serverless.yml / .yaml / .json `resources` read as the Serverless Framework reads them (serverless/serverless,
packages/serverless and packages/sf-core). Variables (sf-core/src/lib/resolvers/placeholders.js) are resolved where
the file decides them: `${self:a.b}`, `${file(x.yml):a.b}` (relative to the including file, then the service
folder), `${strToBool(...)}`; `${opt:..}`, `${env:..}` and `${sls:stage}` only through their literal fallbacks.
Other sources stay as written (the core reports them unresolved). A table from an include is at the include's line."""
from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

from checkov_pitr.domain import core
from checkov_pitr.domain.inventory import SERVERLESS, FileReading, read_file_bytes
from checkov_pitr.domain.readers import yaml_loader
from checkov_pitr.domain.readers.cloudformation import (
    context_for, duplicate_problem, load_text, may_hold_tables, tables_of_template, unreadable)
from checkov_pitr.domain.readers.yaml_loader import Duplicate, LineMap, LoadError, Lines

MAX_INCLUDE_DEPTH = 10
MAX_INCLUDE_BYTES = 10 * 1024 * 1024
MAX_INCLUDES = 200  # include reads per serverless file
MAX_VARIABLE_DEPTH = 25  # variables whose values are variables...
MAX_VARIABLES = 20_000  # variables resolved per serverless file
MAX_TEXT = 1024 * 1024  # characters of one interpolated string


class IncludeError(LoadError):  # an include (or the variables) cannot be read: the file is not judged
    pass


class _Unresolved(Exception):  # a variable whose value the file does not decide
    pass


_ABSENT = object()  # a source without a value: the Framework tries the next fallback

# ${provider(params):key} and ${provider:key} (placeholders.js mainRegex)
_SOURCE = re.compile(r"^([^:()]+)(?:\((.*)\))?(?::(.*))?$", re.DOTALL)
# Sources the Framework ignores (placeholders.js shouldBeIgnored): CloudFormation's own ${AWS::Region}, ...
_IGNORED = ("AWS", "PROP", "iot")
_TOKEN = re.compile(r"\$\{|[}(),]")  # what _scan counts
_EXTENSION_REPLACED = ("Condition", "CreationPolicy", "DeletionPolicy", "UpdatePolicy", "UpdateReplacePolicy")


def _scan(text: str) -> Tuple[List[Tuple[int, int]], List[str]]:
    """The outermost `${...}` spans of a text, and its parts split at commas outside `(...)` and `${...}`
    (placeholders.js extractPlaceholdersFromString and findIndicesOutsideParenthesesAndBraces)."""
    spans: List[Tuple[int, int]] = []
    parts: List[str] = []
    braces, parens, start, last = 0, 0, -1, 0
    for match in _TOKEN.finditer(text):
        token, index = match.group(), match.start()
        if token == "${":
            if braces == 0:
                start = index
            braces += 1
        elif token == "}" and braces > 0:
            braces -= 1
            if braces == 0:
                spans.append((start, index + 1))
        elif token in "()":
            parens += 1 if token == "(" else -1
        elif token == "," and braces == 0 and parens == 0:
            parts.append(text[last:index])
            last = index + 1
    return spans, parts + [text[last:]]


def placeholders(text: str) -> List[Tuple[int, int]]:
    """(start, end) of each `${...}` the Framework treats as a variable (it has a ':' or '(...)')."""
    found = []
    for start, end in _scan(text)[0]:
        body = text[start + 2:end - 1]
        if ":" in body or ("(" in body and ")" in body):
            fallbacks = _scan(body)[1]
            source = _SOURCE.match(fallbacks[0].strip())
            name = source.group(1) if source else ""
            if not ((len(fallbacks) == 1 and name in _IGNORED) or name.startswith("!")):
                found.append((start, end))
    return found


def _literal(text: str) -> Any:
    """A fallback literal: quoted is text, unquoted is JSON (placeholders.js parseLiteralValue)."""
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        raise _Unresolved() from None  # the Framework stops with an error


def _as_text(value: Any) -> str:
    """A value interpolated into text, as JavaScript writes it."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)  # true, false, null
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    raise _Unresolved()  # a mapping or list inside text


class _At(NamedTuple):  # where a value being resolved is
    where: Lines  # its lines in the serverless file
    foreign: bool  # from another file: every entry is reported at `where`
    base_dir: str  # what its includes are relative to
    includes: int  # how deep in includes


class Variables:
    """Resolves a serverless document's variables as the Framework does, where the file decides them."""

    def __init__(self, document: Any, service_dir: str, text_lines: List[str], duplicates: List[Duplicate],
                 listing: bool = False) -> None:
        self.document = document
        self.service_dir = service_dir
        self.text_lines = text_lines
        self.duplicates = duplicates
        self.self_cache: Dict[Tuple[str, ...], Any] = {}
        self.resolving: Set[Tuple[str, ...]] = set()
        self.depth = 0
        self.budget = MAX_VARIABLES
        self.included: List[str] = []  # every include read (bounded by MAX_INCLUDES), for the pre-commit hook
        self.listing = listing  # listing includes: a broken include is skipped, not an error
        self.missing: Optional[str] = None  # an include that is not there, for the message

    def resolve(self, value: Any, at: _At) -> Any:
        """A copy of `value` with every variable the file decides resolved."""
        if isinstance(value, str):
            return self.text(value, at) if "${" in value else value
        if isinstance(value, dict):
            resolved = LineMap.new()
            lines = getattr(value, "lines", {})
            for key, item in value.items():
                where = at.where if at.foreign else lines.get(key, at.where)
                resolved[key] = self.resolve(item, at._replace(where=where))
                resolved.lines[key] = where
            resolved.replaced = [(key, item, at.where if at.foreign else item_lines)
                                 for key, item, item_lines in getattr(value, "replaced", [])]
            return resolved
        if isinstance(value, list):
            return [self.resolve(item, self._item_at(item, at)) for item in value]
        return value

    def _item_at(self, item: Any, at: _At) -> _At:
        """A list item has no lines of its own: an include in it is found in the text."""
        if at.foreign or not isinstance(item, str) or "${" not in item:
            return at
        for number in range(at.where[0], min(at.where[1], len(self.text_lines)) + 1):
            if item.strip() in self.text_lines[number - 1]:
                return at._replace(where=(number, number))
        return at

    def text(self, value: str, at: _At) -> Any:
        """One variable is its value; variables in text are interpolated; undecided ones stay as written."""
        spans = placeholders(value)
        if not spans:
            return value
        whole = spans == [(0, len(value))]
        parts: List[Any] = []
        last = 0
        for start, end in spans:
            try:
                resolved = self.variable(value[start:end], at)
                parts += [value[last:start], resolved if whole else _as_text(resolved)]
            except _Unresolved:
                parts += [value[last:start], value[start:end]]
            last = end
        if whole:  # one variable: its value, whatever its type
            return parts[1]
        joined = "".join(parts) + value[last:]
        if len(joined) > MAX_TEXT:
            raise IncludeError(f"variables make a text longer than {MAX_TEXT:,} characters, not read", bounded=True)
        return joined

    def _interpolated(self, value: str, at: _At) -> str:
        """Text whose nested variables must all resolve (a variable's own key or path)."""
        result = _as_text(self.text(value, at))
        if placeholders(result):
            raise _Unresolved()
        return result

    def variable(self, placeholder: str, at: _At) -> Any:
        """The value of `${...}`: its first fallback that has one. Raises _Unresolved."""
        self.budget -= 1
        if self.budget < 0:
            raise IncludeError(f"more than {MAX_VARIABLES:,} variables to resolve, not read", bounded=True)
        if self.depth >= MAX_VARIABLE_DEPTH:
            raise _Unresolved()
        self.depth += 1
        outer, self.missing = self.missing, None  # an include missing here matters only if no fallback has a value
        try:
            for fallback in _scan(placeholder[2:-1])[1]:
                value = self._fallback(fallback.strip(), at)
                if value is not _ABSENT and value is not None:
                    return value
            if self.missing is not None:
                raise IncludeError(self.missing)
            raise _Unresolved()
        finally:
            self.depth -= 1
            self.missing = outer

    def _fallback(self, text: str, at: _At) -> Any:
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return _literal(text)
        if placeholders(text) == [(0, len(text))]:
            return self.variable(text, at)
        if "${" in text:
            text = self._interpolated(text, at)
        match = _SOURCE.match(text)
        if not match or not (match.group(2) is not None or match.group(3) is not None):
            return _literal(text)
        provider, params, key = match.group(1).strip(), match.group(2), match.group(3)
        if provider == "self":
            return self.self_value(key or "")
        if provider in ("opt", "env"):
            return _ABSENT  # known only at deploy time: the fallback decides, as a parameter's Default
        if provider == "sls" and key == "stage":
            stage = self.self_value("provider.stage")
            return "dev" if stage is _ABSENT or stage is None else stage
        if provider == "file" and params is not None:
            return self.include(params, key, at)
        if provider == "strToBool":
            flag = str(params if params is not None else key).strip().lower()
            if flag in ("true", "1", "false", "0"):
                return flag in ("true", "1")
        raise _Unresolved()

    def self_value(self, key: str) -> Any:
        """`${self:a.b.c}`: the document's value there, resolved (lists by index); _ABSENT if none."""
        path = tuple(part for part in key.split(".") if part)
        if path in self.self_cache:
            return self.self_cache[path]
        if path in self.resolving:
            raise _Unresolved()  # a cycle: the Framework stops with an error
        self.resolving.add(path)
        try:
            node: Any = self.document
            for number, part in enumerate(path):
                if isinstance(node, str) and "${" in node:  # a variable that makes a mapping (an include)
                    node = self.self_value(".".join(path[:number]))
                if isinstance(node, dict):
                    node = node.get(part, _ABSENT)
                elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                else:
                    node = _ABSENT
                if node is _ABSENT:
                    break
            value = node if node is _ABSENT else self.resolve(
                node, _At((1, 1), False, self.service_dir, 0))
        finally:
            self.resolving.discard(path)
        self.self_cache[path] = value
        return value

    def include(self, params: str, selector: Optional[str], at: _At) -> Any:
        written = self._interpolated(params.strip(), at).strip().strip("'\"")
        if at.includes >= MAX_INCLUDE_DEPTH:
            raise IncludeError(f"include {written}: includes nest more than {MAX_INCLUDE_DEPTH} deep (a loop?), "
                               "not read")
        candidates = (os.path.normpath(os.path.join(folder, written)) for folder in (at.base_dir, self.service_dir))
        path = next((candidate for candidate in candidates if os.path.lexists(candidate)), None)
        if path is None:
            self.missing = f"include {written} cannot be read (no such file); fix the path"
            return _ABSENT
        try:
            content = self._load(path, written)
        except IncludeError:
            if not self.listing:
                raise
            return _ABSENT
        if selector:
            selector = self._interpolated(selector.strip(), at)
            for part in selector.split("."):
                if not isinstance(content, dict) or part not in content:
                    self.missing = f"include {written}:{selector}: {part!r} is not in {written}; fix the selector"
                    return _ABSENT
                content = content[part]
        return self.resolve(content, _At(at.where, True, os.path.dirname(path), at.includes + 1))

    def _load(self, path: str, written: str) -> Any:
        self.included.append(os.path.abspath(path))
        if len(self.included) > MAX_INCLUDES:
            raise IncludeError(f"include {written}: more than {MAX_INCLUDES} includes, not read", bounded=True)
        raw, why_not = read_file_bytes(path, MAX_INCLUDE_BYTES)
        if raw is None:
            bounded = not why_not.startswith("cannot be read")
            raise IncludeError(f"include {written} {why_not}" + ("" if bounded else "; fix the path"), bounded=bounded)
        real = os.path.realpath(path)
        if not real.lower().endswith((".yml", ".yaml", ".json")):
            raise IncludeError(f"include {written} is not YAML or JSON (the scan cannot run JavaScript); "
                               "include a YAML or JSON file")
        _, loaded, error = load_text(real, raw, json_line_levels=3, mode=yaml_loader.SERVERLESS)
        if loaded is None:
            raise IncludeError(f"include {written}: {error}", bounded=error.bounded)
        self.duplicates.extend(Duplicate(f"{d.key}' in '{written}", d.first_line, d.second_line)
                               for d in loaded.duplicates)
        return loaded.documents[0] if loaded.documents else None


# --- What the Framework makes of `resources` ---

def lodash_merge(target: Any, source: Any) -> Any:
    """lodash `_.merge(target, source)` as a new value: a key already there keeps its lines, lists merge by index."""
    if isinstance(source, dict):
        if isinstance(target, list):
            return target  # lodash sets the keys on the array; the template's JSON drops them
        merged = LineMap.new(target if isinstance(target, dict) else {})
        source_lines = getattr(source, "lines", {})
        for key, value in source.items():
            merged[key] = lodash_merge(merged.get(key), value)
            merged.lines.setdefault(key, source_lines.get(key, (1, 1)))
        merged.replaced.extend(getattr(source, "replaced", []))
        return merged
    if isinstance(source, list):
        kept = list(target) if isinstance(target, list) else []
        return [lodash_merge(kept[index] if index < len(kept) else None, item)
                for index, item in enumerate(source)] + kept[len(source):]
    return source


def merge_resources_list(resources: Any) -> Any:
    """`resources:` as a list: its mappings merged in order (service.js mergeArrays)."""
    if not isinstance(resources, list):
        return resources
    merged: Any = LineMap.new()
    for item in resources:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise IncludeError(f"resources is a list holding {core._short(item)}, not a mapping; the Serverless "
                               "Framework refuses it (Non-object value specified in resources array)")
        merged = lodash_merge(merged, item)
    return merged


def apply_extensions(resources: Any, extensions: Any) -> Tuple[Any, Dict[str, str]]:
    """`resources.extensions` applied to `Resources` (merge-custom-provider-resources.js); returns the new
    Resources and, per logical id, why the Framework refuses an extension of it."""
    if not isinstance(extensions, dict) or not isinstance(resources, dict):
        return resources, {}
    extended = LineMap.new(resources)
    refused: Dict[str, str] = {}
    for name, extension in extensions.items():
        resource = extended.get(name)
        if not isinstance(resource, dict) or not isinstance(extension, dict):
            continue  # a resource the Framework generates (functions, roles): never a table
        resource = dict(resource)  # lines are those of the entries of Resources, not of their keys
        for attribute, value in extension.items():
            if attribute in _EXTENSION_REPLACED:
                resource[attribute] = value
            elif attribute in ("Properties", "Metadata"):  # Object.assign: each key replaced as a whole
                current = resource.get(attribute)
                resource[attribute] = {**(current if isinstance(current, dict) else {}),
                                       **(value if isinstance(value, dict) else {})}
            elif attribute == "DependsOn":
                current = resource.get("DependsOn")
                current = [] if current is None else ([current] if isinstance(current, str) else list(current))
                resource["DependsOn"] = current + (value if isinstance(value, list) else [value])
            else:
                refused[str(name)] = (f"resources.extensions.{name}.{attribute}: the Serverless Framework refuses to "
                                      f"extend {attribute} (only Properties, Metadata, DependsOn, Condition and the "
                                      "policies); remove it")
        extended[name] = resource
    return extended, refused


def read_serverless(path: str, raw: bytes) -> FileReading:
    """Every DynamoDB resource under a serverless file's `resources`."""
    abspath = os.path.abspath(path)
    text, loaded, error = load_text(path, raw, json_line_levels=3, mode=yaml_loader.SERVERLESS)
    if loaded is None:
        return unreadable(path, SERVERLESS, raw, error)
    document = loaded.documents[0] if loaded.documents else None
    if not isinstance(document, dict) or "resources" not in document:
        return FileReading(abspath, SERVERLESS)
    service_dir = os.path.dirname(abspath)
    variables = Variables(document, service_dir, (text or "").splitlines(), list(loaded.duplicates))
    resources_lines = getattr(document, "lines", {}).get("resources", (1, 1))
    try:
        resources = merge_resources_list(variables.resolve(document["resources"],
                                                           _At(resources_lines, False, service_dir, 0)))
    except IncludeError as exc:
        return FileReading(abspath, SERVERLESS, not_judged=str(exc))
    where, section = ("resources.Resources", resources.get("Resources")) if isinstance(resources, dict) else (
        "resources", resources)
    if not isinstance(resources, dict) or not isinstance(section, (dict, type(None))):
        # a variable hides the tables; anything else holds none
        variable = core.serverless_variable(section)
        return FileReading(abspath, SERVERLESS, not_judged=None if not (variable and may_hold_tables(raw, path)) else (
            f"{where} depends on serverless variable {variable}, which the scan cannot resolve; write the "
            "resources in the file or include them with ${file(...)}"))
    section, refused = apply_extensions(section, resources.get("extensions"))
    problem = duplicate_problem(variables.duplicates, who="the Serverless Framework")
    template = {"Resources": section or {}, "Conditions": resources.get("Conditions") or {},
                "Parameters": resources.get("Parameters") or {}}
    context = context_for(template, abspath, SERVERLESS, text or "", problem)
    tables = [dataclasses.replace(table, problem=table.problem or refused[table.resource_ids[1]])
              if table.resource_ids[1] in refused else table
              for table in tables_of_template(template, context, require_transform=False)]
    return FileReading(abspath, SERVERLESS, tables=tables)


def included_files(path: str) -> List[str]:
    """The files a serverless file's `resources` includes (includes of includes too), for the pre-commit hook."""
    raw, _ = read_file_bytes(path, MAX_INCLUDE_BYTES)
    _, loaded, _ = load_text(path, raw or b"", json_line_levels=3, mode=yaml_loader.SERVERLESS)
    document = loaded.documents[0] if loaded is not None and loaded.documents else None
    if not isinstance(document, dict) or "resources" not in document:
        return []
    service_dir = os.path.dirname(os.path.abspath(path))
    variables = Variables(document, service_dir, [], [], listing=True)
    sections = document["resources"]
    for section in sections if isinstance(sections, list) else [sections]:
        try:
            variables.resolve(section, _At((1, 1), False, service_dir, 0))
        except Exception:  # a listing for the hook: one broken section does not end it
            continue
    return list(dict.fromkeys(variables.included))

