"""Where a Terraform module call's source is on disk, without downloading anything.

Local sources (`./x`, `../x`) are folders relative to the calling module. Registry and git sources
are on disk only after `terraform init`, which records each call in
`.terraform/modules/modules.json`: `{"Modules": [{"Key": "orders.inner", "Dir": "..."}]}`, where
Key is the dotted chain of call names (the root module is "") and Dir is relative to the root folder.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

MODULES_JSON = os.path.join(".terraform", "modules", "modules.json")


def is_local_source(source: Any) -> bool:
    """Terraform treats only sources starting with ./ or ../ as local paths."""
    return isinstance(source, str) and source.replace("\\", "/").startswith(("./", "../"))


def installed_modules(root_folder: str) -> Dict[str, str]:
    """Call key -> absolute folder, from modules.json under the root folder (empty without it)."""
    path = os.path.join(root_folder, MODULES_JSON)
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8-sig"))
    except (OSError, ValueError):
        return {}
    found: Dict[str, str] = {}
    modules = data.get("Modules") if isinstance(data, dict) else None
    for entry in modules if isinstance(modules, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
            folder = entry["Dir"]
            found[entry["Key"]] = os.path.normpath(folder if os.path.isabs(folder) else os.path.join(root_folder, folder))
    return found


def module_folder(source: str, calling_folder: str, key: str, installed: Dict[str, str]) -> Optional[str]:
    """The folder a module call reads, or None when it is not on disk (not installed)."""
    if is_local_source(source):
        # a local call inside an installed module is recorded too; either way it is the same folder
        return os.path.normpath(os.path.join(calling_folder, source))
    folder = installed.get(key)
    return folder if folder and os.path.isdir(folder) else None


__all__ = ["MODULES_JSON", "installed_modules", "is_local_source", "module_folder"]
