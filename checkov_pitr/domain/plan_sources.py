"""Where a Terraform plan's resource (`module.a.aws_x.y["k"]`) is written in the Terraform source: the
plan's `configuration` gives each module call's source; only local ones lead to a folder. No checkov here."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from checkov_pitr.domain.readers.terraform import is_local_source, resource_blocks


@dataclass(frozen=True)
class ResourceAddress:
    modules: Tuple[str, ...]  # module call names, outermost first (instance keys dropped)
    mode: str  # "managed" | "data"
    type: str
    name: str  # without its count index or for_each key: every instance has the one block


@dataclass(frozen=True)
class SourcePlace:
    path: str  # absolute path of the .tf / .tf.json file
    start_line: int  # 1-based
    end_line: int  # >= start_line


# an instance key: a JSON string (which may hold dots and brackets), or anything up to `]`
_KEY = r'\[(?:"(?:[^"\\]|\\.)*"|(?:[^\]"][^\]]*)?)\]'
_NAME = r"[A-Za-z_][\w-]*"
_MODULE = re.compile(rf"module\.({_NAME})({_KEY})?\.", re.ASCII)
_RESOURCE_ADDRESS = re.compile(rf"((?:module\.{_NAME}(?:{_KEY})?\.)*)(data\.)?({_NAME})\.({_NAME})({_KEY})?", re.ASCII)


def parse_address(address: str) -> Optional[ResourceAddress]:
    """The parts of a plan resource address (`module.a["x.y"].aws_t.n[0]`), or None when it is not one."""
    match = _RESOURCE_ADDRESS.fullmatch(address.strip()) if isinstance(address, str) else None
    if not match or match.group(3) == "module":
        return None
    modules = _MODULE.findall(match.group(1))
    for key in [key for _, key in modules] + [match.group(5) or ""]:
        if key.startswith('["'):
            try:
                json.loads(key[1:-1])
            except ValueError:
                return None
    return ResourceAddress(tuple(name for name, _ in modules), "data" if match.group(2) else "managed",
                           match.group(3), match.group(4))


def module_folder(configuration: Any, modules: Sequence[str], root_folder: str) -> Optional[str]:
    """The folder of the module that `modules` (call names, outermost first) leads to from the root
    module in `root_folder`; None when a call is unknown or its source is not a local path."""
    folder = root_folder
    module = configuration.get("root_module") if isinstance(configuration, Mapping) else None
    for name in modules:
        calls = module.get("module_calls") if isinstance(module, Mapping) else None
        call = calls.get(name) if isinstance(calls, Mapping) else None
        if not isinstance(call, Mapping) or not is_local_source(call.get("source")):
            return None
        folder = os.path.normpath(os.path.join(folder, call["source"].replace("\\", "/")))
        module = call.get("module")
    return folder


class SourceFinder:
    """Finds resource blocks in Terraform folders; each folder's files are read once."""

    def __init__(self) -> None:
        self._folders: Dict[str, Dict[Tuple[str, str], SourcePlace]] = {}

    def find_block(self, folder: str, rtype: str, name: str) -> Optional[SourcePlace]:
        """The `resource "TYPE" "NAME"` block in the folder's .tf / .tf.json files, as the Terraform reader finds it."""
        if folder not in self._folders:
            try:
                names = sorted(n for n in os.listdir(folder) if n.endswith((".tf", ".tf.json")))
            except OSError:
                names = []
            blocks: Dict[Tuple[str, str], SourcePlace] = {}
            for path in (os.path.join(folder, n) for n in names):
                for block in resource_blocks(path):
                    blocks.setdefault((block.type, block.name), SourcePlace(path, block.lines[0], max(block.lines)))
            self._folders[folder] = blocks
        return self._folders[folder].get((rtype, name))

    def locate(self, plan: Mapping[str, Any], address: str, root_folders: Sequence[str]) -> Optional[SourcePlace]:
        """The source place of a plan resource: the first root folder (the folder terraform ran in,
        then the scan roots) from which the module sources lead to a folder holding the block."""
        parsed = parse_address(address)
        if parsed is None or parsed.mode == "data":
            return None
        configuration = plan.get("configuration") if isinstance(plan, Mapping) else None
        for root in root_folders:
            folder = module_folder(configuration, parsed.modules, os.path.abspath(root))
            if folder is None:
                return None  # a registry or remote module, or no configuration: the same from every root
            place = self.find_block(folder, parsed.type, parsed.name)  # each folder is read once
            if place:
                return place
        return None
