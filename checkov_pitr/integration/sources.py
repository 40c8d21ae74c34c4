"""The few things a check needs from the scanned file itself, read once per file and run.

checkov hands a check one resource and a path relative to the scan root; two checks need more:
SAM SimpleTables need the template's Globals when checkov could not merge them, and CKV_PITR_003
needs the plan's `resource_changes` (checkov keeps only the after-apply values).
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from checkov_pitr.domain import core
from checkov_pitr.domain.plan import PlanError, load_plan


def _file_marks(conf: Any, depth: int = 0) -> Iterable[str]:
    """checkov stamps `__file__` on parsed mappings (a string, or a one-element list in plans)."""
    if depth > 3 or not isinstance(conf, Mapping):
        return
    mark = core.unwrap(conf.get("__file__"))
    if isinstance(mark, str) and mark:
        yield mark
    for value in conf.values():
        for item in value if isinstance(value, list) else [value]:
            yield from _file_marks(item, depth + 1)


def scan_roots(argv: List[str]) -> Tuple[List[str], List[str]]:
    """The -d directories and -f files of the checkov command line this process runs."""
    directories: List[str] = []
    files: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        for flags, target in ((("-d", "--directory"), directories), (("-f", "--file"), files)):
            if arg in flags:
                j = i + 1
                while j < len(argv) and not argv[j].startswith("-"):
                    target.append(argv[j])
                    j += 1
            elif any(arg.startswith(f + "=") for f in flags if f.startswith("--")):
                target.append(arg.split("=", 1)[1])
        i += 1
    return directories, files


def locate(scanned_file: str, conf: Any) -> Optional[str]:
    """The absolute path of the file checkov reports as `scanned_file` (relative to its scan root)."""
    for mark in _file_marks(conf):
        path = os.path.abspath(mark)
        if os.path.isfile(path):
            return path
    relative = scanned_file.lstrip("/")
    if os.path.isabs(scanned_file) and os.path.isfile(scanned_file):
        return scanned_file
    directories, files = scan_roots(sys.argv[1:])
    for candidate in files:
        path = os.path.abspath(candidate)
        if path.endswith(os.sep + relative) or os.path.basename(path) == relative:
            return path
    for root in directories + [os.getcwd()]:
        path = os.path.abspath(os.path.join(root, relative))
        if os.path.isfile(path):
            return path
    return None


def _identity(path: str) -> Tuple[str, float, int]:
    stat = os.stat(path)
    return path, stat.st_mtime, stat.st_size


@lru_cache(maxsize=64)
def _globals_spec(identity: Tuple[str, float, int]) -> Any:
    from checkov.cloudformation.parser import parse

    template, _ = parse(identity[0])
    globals_section = template.get("Globals") if isinstance(template, Mapping) else None
    simple_table = globals_section.get("SimpleTable") if isinstance(globals_section, Mapping) else None
    if not isinstance(simple_table, Mapping):
        return core.MISSING
    return simple_table.get(core.CFN_SPEC, core.MISSING)


def simple_table_globals_spec(scanned_file: str, conf: Any) -> Any:
    """Globals.SimpleTable.PointInTimeRecoverySpecification of the template, or MISSING."""
    path = locate(scanned_file, conf)
    if path is None or os.path.basename(path).startswith("serverless."):
        return core.MISSING
    try:
        return _globals_spec(_identity(path))
    except Exception:  # an unreadable Globals section is no fallback: the table is judged on its own
        return core.MISSING


@lru_cache(maxsize=16)
def _resource_changes(identity: Tuple[str, float, int]) -> Dict[str, Mapping[str, Any]]:
    plan = load_plan(identity[0])
    changes: Dict[str, Mapping[str, Any]] = {}
    for change in plan.get("resource_changes") or []:
        # keep only what CKV_PITR_003 can ask for: the rest of a big plan is freed right away
        if isinstance(change, Mapping) and isinstance(change.get("address"), str) and (
                change.get("type") in core.TF_TYPES or not isinstance(change.get("type"), str)):
            changes[change["address"]] = change
    return changes


def plan_resource_change(path: str, address: str) -> Optional[Mapping[str, Any]]:
    """The resource_changes entry for `address`; the plan is parsed once per run."""
    try:
        return _resource_changes(_identity(path)).get(address)
    except (OSError, PlanError):
        return None
