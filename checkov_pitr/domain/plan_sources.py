"""Where a Terraform plan's resource (`module.a.aws_x.y["k"]`) is written in the Terraform source: the
plan's `configuration` gives each module call's source; only local ones lead to a folder. No checkov here."""
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


# one part of an address: a name, an optional [index] (a JSON string key may hold dots and brackets), "." or the end
_PART = re.compile(r'([A-Za-z_][\w-]*)(?:\[("(?:[^"\\]|\\.)*"|(?:[^\]"][^\]]*)?)\])?(\.|\Z)', re.ASCII)


def _split_address(address: str) -> Optional[List[Tuple[str, Optional[str]]]]:
    """`module.a["x.y"].aws_t.n[0]` -> [("module", None), ("a", '"x.y"'), ("aws_t", None), ("n", "0")]."""
    parts: List[Tuple[str, Optional[str]]] = []
    i = 0
    while i < len(address):
        match = _PART.match(address, i)
        if not match or match.end() == len(address) and match.group(3):
            return None  # not a name, an unclosed index, or a trailing "."
        name, index, i = match.group(1), match.group(2), match.end()
        if index and index.startswith('"'):
            try:
                json.loads(index)
            except ValueError:
                return None
        parts.append((name, index))
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
