"""Where a Terraform plan's resource is written in the Terraform source. No checkov here.

A plan names resources by address (`module.a.module.b.aws_x.y["k"]`); its `configuration` block
gives each module call's source. From the folder terraform ran in, local sources lead to the module's
folder and its `resource "TYPE" "NAME"` block; registry and remote modules have no source place.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from checkov_pitr.domain.readers.terraform import is_local_source, resource_blocks


@dataclass(frozen=True)
class ResourceAddress:
    modules: Tuple[str, ...]  # module call names, outermost first (instance keys dropped)
    mode: str  # "managed" | "data"
    type: str
    name: str
    index: Optional[str]  # the for_each key or count index as written in the address, or None


@dataclass(frozen=True)
class SourcePlace:
    path: str  # absolute path of the .tf / .tf.json file
    start_line: int  # 1-based
    end_line: int  # >= start_line


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _split_address(address: str) -> Optional[List[Tuple[str, Optional[str]]]]:
    """`module.a["x.y"].aws_t.n[0]` -> [("module", None), ("a", '"x.y"'), ("aws_t", None), ("n", "0")]."""
    parts: List[Tuple[str, Optional[str]]] = []
    i, n = 0, len(address)
    while i < n:
        match = _NAME.match(address, i)
        if not match:
            return None
        name, i = match.group(0), match.end()
        index: Optional[str] = None
        if i < n and address[i] == "[":
            if i + 1 < n and address[i + 1] == '"':
                try:  # a JSON string: keys may hold dots, brackets and escaped quotes
                    _, end = json.JSONDecoder().raw_decode(address, i + 1)
                except ValueError:
                    return None
            else:
                end = address.find("]", i)
                if end < 0:
                    return None
            if end >= n or address[end] != "]":
                return None
            index, i = address[i + 1:end], end + 1
        parts.append((name, index))
        if i < n:
            if address[i] != ".":
                return None
            i += 1
            if i == n:
                return None
    return parts


def parse_address(address: str) -> Optional[ResourceAddress]:
    """The parts of a plan resource address, or None when it is not one."""
    parts = _split_address(address.strip()) if isinstance(address, str) else None
    if not parts:
        return None
    modules: List[str] = []
    while len(parts) >= 3 and parts[0] == ("module", None):
        modules.append(parts[1][0])
        parts = parts[2:]
    mode = "managed"
    if parts and parts[0] == ("data", None) and len(parts) == 3:
        mode, parts = "data", parts[1:]
    if len(parts) != 2 or parts[0][1] is not None or parts[0][0] == "module":
        return None
    (rtype, _), (name, index) = parts
    return ResourceAddress(tuple(modules), mode, rtype, name, index)


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
        if parsed is None:
            return None
        configuration = plan.get("configuration") if isinstance(plan, Mapping) else None
        if parsed.modules and not isinstance(configuration, Mapping):
            return None  # without the configuration block, module sources are unknown
        if parsed.mode == "data":
            return None
        for root in root_folders:
            folder = module_folder(configuration or {}, parsed.modules, os.path.abspath(root))
            if folder is None:
                return None  # a registry or remote module: the same from every root
            place = self.find_block(folder, parsed.type, parsed.name)  # each folder is read once
            if place:
                return place
        return None
