"""What a check in plain checkov needs beyond the resource checkov hands it, from the domain's reading of
the file (once per file and run): a Terraform block's skip comments, a SAM template's Globals.SimpleTable,
a plan's resource_changes entry (checkov keeps only the after-apply values)."""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Any, Dict, Mapping, Optional

from checkov_pitr.domain import core
from checkov_pitr.domain.inventory import MAX_FILE_BYTES, PlanChange, read_file, read_file_bytes


def locate(scanned_file: str, conf: Any) -> Optional[str]:
    """The file checkov reports as `scanned_file`, relative to the folder it scans: a plan resource
    carries its path (`__file__`); otherwise the `root_folder` of the checkov runner that called the
    check (with several -d, one runner per folder), else the working folder."""
    mark = core.unwrap(conf.get("__file__")) if isinstance(conf, Mapping) else None
    frame = sys._getframe(1)
    while frame is not None and "root_folder" not in frame.f_locals:
        frame = frame.f_back
    root = frame.f_locals["root_folder"] if frame is not None else None
    for path in (mark, os.path.join(root if isinstance(root, str) else os.getcwd(), scanned_file.lstrip("/"))):
        if isinstance(path, str) and os.path.isfile(path):
            return os.path.abspath(path)
    return None


def _cached(read: Any) -> Any:
    """read(path) once per file version and run; None when the file is gone or cannot be read."""
    cached = lru_cache(maxsize=64)(lambda path, mtime, size: read(path))

    def get(path: str) -> Any:
        try:
            info = os.stat(path)
            return cached(path, info.st_mtime, info.st_size)
        except Exception:  # an unreadable file: the caller fails closed
            return None

    return get


@_cached
def terraform_skips(path: str) -> Dict[int, Dict[str, str]]:
    """Skip comments of each resource block, by its first line."""
    from checkov_pitr.domain.readers.terraform import resource_blocks

    return {block.lines[0]: block.skips for block in resource_blocks(path)}


@_cached
def plan_changes(path: str) -> Dict[str, Optional[PlanChange]]:
    from checkov_pitr.domain.readers.plan import plan_changes as changes_of

    raw, _ = read_file_bytes(path, MAX_FILE_BYTES)
    return changes_of(raw or b"")


@_cached
def template_tables(path: str) -> Dict[str, Any]:
    """The domain's tables of a template by resource name."""
    reading = read_file(path, named=True)
    return {table.resource: table for table in (reading.tables if reading else [])}
