"""serverless.yml / serverless.yaml / serverless.json read as the Serverless Framework reads them,
independent of checkov: the CloudFormation resources under `resources`, with `${file(...)}` includes
resolved relative to the serverless file's folder.

Where the Framework allows includes, they are followed (at most `MAX_INCLUDE_DEPTH` deep):
`resources: ${file(x.yml)}`, `resources: [ {Resources: ...}, ${file(x.yml)} ]`,
`Resources: ${file(x.yml)}`, a single resource `Users: ${file(users.yml)}`, and a value anywhere below
(`Properties: ${file(props.yml):Table}`), with an optional `:a.b` selector. A table that came from an
include is reported in the serverless file at the line of the include. Other variables (`${opt:..}`,
`${self:..}`, `${env:..}`) are left as text; the core reports the values that depend on them as
unresolved.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from checkov_pitr.domain.inventory import MAX_FILE_BYTES, SERVERLESS, FileReading, read_file_bytes
from checkov_pitr.domain.readers import yaml_loader
from checkov_pitr.domain.readers.cloudformation import (
    DYNAMODB_MARKERS, context_for, duplicate_problem, load_text, tables_of_template, unreadable)
from checkov_pitr.domain.readers.yaml_loader import Duplicate, LineMap, LoadError, Lines

MAX_INCLUDE_DEPTH = 10
MAX_INCLUDE_BYTES = 10 * 1024 * 1024
SERVERLESS_MARKERS = DYNAMODB_MARKERS + ("${file(",)

# `${file(./x.yml)}`, `${file(./x.yml):a.b}`, `${file(x.yml), 'fallback'}`: the whole value is one include
_FILE_VARIABLE = re.compile(
    r"^\$\{\s*file\(\s*(?P<path>[^)]+?)\s*\)\s*(?::\s*(?P<selector>[^,}\s]+))?\s*(?:,\s*(?P<fallback>[^}]*))?\}$")


class IncludeError(LoadError):
    """An include that cannot be read: the file is not judged, naming it."""


@dataclass
class _Includes:
    """Reads included files (relative to the including file's folder, then the service's) within bounds."""

    service_dir: str
    duplicates: List[Duplicate]

    def resolve(self, value: Any, base_dir: str, depth: int = 0) -> Any:
        """`value` with every `${file(...)}` string replaced by what it includes, below any depth."""
        if isinstance(value, str):
            match = _FILE_VARIABLE.match(value.strip())
            return self._include(match, base_dir, depth) if match else value
        if isinstance(value, dict):
            resolved = LineMap.new()
            for key, item in value.items():
                resolved[key] = self.resolve(item, base_dir, depth)
            resolved.lines = dict(getattr(value, "lines", {}))
            resolved.replaced = list(getattr(value, "replaced", []))
            return resolved
        if isinstance(value, list):
            return [self.resolve(item, base_dir, depth) for item in value]
        return value

    def _include(self, match: "re.Match[str]", base_dir: str, depth: int) -> Any:
        written = match.group("path").strip().strip("'\"")
        if depth >= MAX_INCLUDE_DEPTH:
            raise IncludeError(f"include {written}: includes nest more than {MAX_INCLUDE_DEPTH} deep (a loop?), not read")
        path = self._locate(written, base_dir)
        if path is None:
            if match.group("fallback") is not None:
                return match.group("fallback").strip().strip("'\"")  # the Framework uses the fallback
            raise IncludeError(f"include {written} cannot be read (no such file); fix the path")
        content = self._load(path, written)
        selector = match.group("selector")
        for part in selector.split(".") if selector else []:
            if not isinstance(content, dict) or part not in content:
                raise IncludeError(f"include {written}:{selector}: {part!r} is not in {written}; fix the selector")
            content = content[part]
        return self.resolve(content, os.path.dirname(path), depth + 1)

    def _locate(self, written: str, base_dir: str) -> Optional[str]:
        for folder in (base_dir, self.service_dir):
            candidate = os.path.normpath(os.path.join(folder, written))
            if os.path.lexists(candidate):
                return candidate
        return None

    def _load(self, path: str, written: str) -> Any:
        try:
            os.stat(path)  # a missing file or a symlink loop raises here (realpath's strict= is Python 3.10+)
            real = os.path.realpath(path)
        except (OSError, RuntimeError) as exc:
            raise IncludeError(f"include {written} cannot be read ({getattr(exc, 'strerror', None) or exc}); fix the path") from None
        if not os.path.isfile(real):
            raise IncludeError(f"include {written} is not a regular file; include a YAML or JSON file")
        if not real.lower().endswith((".yml", ".yaml", ".json")):
            raise IncludeError(f"include {written} is not YAML or JSON (the scan cannot run JavaScript); "
                               "include a YAML or JSON file")
        if os.path.getsize(real) > MAX_INCLUDE_BYTES:
            raise IncludeError(f"include {written} is larger than {MAX_INCLUDE_BYTES // (1024 * 1024)} MiB, not read")
        try:
            with open(real, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise IncludeError(f"include {written} cannot be read ({exc.strerror or exc}); fix the path") from None
        try:
            loaded = yaml_loader.load(yaml_loader.decode(raw), real.lower().endswith(".json"), json_line_levels=3)
        except LoadError as exc:
            raise IncludeError(f"include {written}: {exc}", bounded=exc.bounded) from None
        self.duplicates.extend(Duplicate(f"{d.key}' in '{written}", d.first_line, d.second_line)
                               for d in loaded.duplicates)
        return loaded.documents[0] if loaded.documents else None


def _is_include(value: Any) -> bool:
    return isinstance(value, str) and bool(_FILE_VARIABLE.match(value.strip()))


def _line_of(text_lines: List[str], needle: str, within: Lines) -> Lines:
    """The line in `within` where `needle` (a list item's include) is written; all of `within` if not found."""
    for number in range(within[0], min(within[1], len(text_lines)) + 1):
        if needle in text_lines[number - 1]:
            return number, number
    return within


def _sections(resources: Any, lines: Lines, includes: _Includes, base_dir: str,
              text_lines: List[str]) -> List[Tuple[Any, Optional[Lines]]]:
    """The mappings that make up `resources` (a mapping, a list of them, or includes of them), includes
    resolved, each with the lines to report its tables at when they came from an include (None: each
    entry's own lines). Whether a part is an include is decided before it is resolved."""
    if _is_include(resources):
        return [(includes.resolve(resources, base_dir), lines)]
    sections: List[Tuple[Any, Optional[Lines]]] = []
    for item in resources if isinstance(resources, list) else [resources]:
        if _is_include(item):
            item_lines: Optional[Lines] = _line_of(text_lines, item.strip(), lines)
        elif isinstance(item, LineMap) and _is_include(item.get("Resources")):
            item_lines = item.lines.get("Resources")  # `Resources: ${file(x.yml)}`
        else:
            item_lines = None
        sections.append((includes.resolve(item, base_dir), item_lines))
    return sections


def read_serverless(path: str, raw: bytes) -> FileReading:
    """Every DynamoDB resource under a serverless file's `resources` (includes followed)."""
    abspath = os.path.abspath(path)
    text, loaded, error = load_text(path, raw, json_line_levels=3)
    if error is not None or loaded is None:
        return unreadable(path, SERVERLESS, raw, text, error or LoadError("cannot be read"), SERVERLESS_MARKERS)
    document = loaded.documents[0] if loaded.documents else None
    if not isinstance(document, dict) or "resources" not in document:
        return FileReading(abspath, SERVERLESS)
    service_dir = os.path.dirname(abspath)
    includes = _Includes(service_dir, list(loaded.duplicates))
    resources_lines = getattr(document, "lines", {}).get("resources", (1, 1))
    try:
        text_lines = (text or "").splitlines()
        sections = _sections(document["resources"], resources_lines, includes, service_dir, text_lines)
        merged, conditions = _merge_sections(sections)
    except IncludeError as exc:
        return FileReading(abspath, SERVERLESS, not_judged=str(exc), keep_from_checkov=exc.bounded)
    problem = duplicate_problem(includes.duplicates, who="the Serverless Framework")
    template = {"Resources": merged, "Conditions": conditions}
    context = context_for(template, abspath, SERVERLESS, text or "", problem)
    tables = tables_of_template(template, context, require_transform=False)
    return FileReading(abspath, SERVERLESS, tables=tables)


def included_files(path: str) -> List[str]:
    """The files a serverless file's `resources` includes with `${file(...)}`, includes of includes too
    (the pre-commit hook judges a serverless file when one of them changes). Unlike the reading, a
    broken include does not stop the listing: every include that exists is listed, whatever the selector."""
    raw, _ = read_file_bytes(path, MAX_FILE_BYTES)
    _, loaded, _ = load_text(path, raw or b"", json_line_levels=3)
    document = loaded.documents[0] if loaded is not None and loaded.documents else None
    if not isinstance(document, dict) or "resources" not in document:
        return []
    service_dir = os.path.dirname(os.path.abspath(path))
    found: List[str] = []
    _list_includes(document["resources"], service_dir, _Includes(service_dir, []), 0, found)
    return found


def _list_includes(value: Any, base_dir: str, includes: _Includes, depth: int, found: List[str]) -> None:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            _list_includes(item, base_dir, includes, depth, found)
        return
    match = _FILE_VARIABLE.match(value.strip()) if isinstance(value, str) else None
    if match is None or depth >= MAX_INCLUDE_DEPTH:
        return
    written = match.group("path").strip().strip("'\"")
    path = includes._locate(written, base_dir)
    if path is None or path in found:
        return
    found.append(path)
    try:
        content = includes._load(path, written)
    except IncludeError:
        return
    _list_includes(content, os.path.dirname(path), includes, depth + 1, found)


def _merge_sections(sections: List[Tuple[Any, Optional[Lines]]]) -> Tuple[LineMap, Dict[str, Any]]:
    """The Framework merges a list of resources sections into one template; a later logical id replaces
    an earlier one (the scan keeps the later, as a whole)."""
    merged = LineMap.new()
    conditions: Dict[str, Any] = {}
    for section, section_lines in sections:
        resources = section.get("Resources") if isinstance(section, dict) else None
        resources = resources if isinstance(resources, dict) else {}
        include_lines = section_lines
        entry_lines: Dict[Any, Lines] = getattr(resources, "lines", {})
        for key, value in resources.items():
            merged[key] = value
            merged.lines[key] = include_lines or entry_lines.get(key, (1, 1))
        for key, value, lines in getattr(resources, "replaced", []):
            merged.replaced.append((key, value, include_lines or lines))
        if isinstance(section.get("Conditions") if isinstance(section, dict) else None, dict):
            conditions.update(section["Conditions"])
    return merged, conditions


__all__ = ["included_files", "read_serverless"]
