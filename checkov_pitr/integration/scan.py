"""What a checkov command line scans: its `-d` folders and `-f` files, walked with checkov's own skip
rules, and the inventory of those files (read by the domain's readers, before checkov runs).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from checkov_pitr.domain.inventory import Inventory, build_inventory
from checkov_pitr.integration.sources import scan_roots


@dataclass
class ScanTargets:
    directories: List[str]  # as given on the command line
    files: List[str]  # as given on the command line
    skip_paths: List[str] = field(default_factory=list)

    def missing(self) -> List[str]:
        """The named inputs that do not exist: the run must stop, never scan nothing."""
        gone = [d for d in self.directories if not os.path.isdir(d)]
        return gone + [f for f in self.files if not os.path.exists(f)]


def option_values(argv: Sequence[str], name: str) -> List[str]:
    """The values of `name VALUE...` and `name=VALUE` in a checkov command line."""
    values: List[str] = []
    for index, arg in enumerate(argv):
        if arg == name:
            j = index + 1
            while j < len(argv) and not argv[j].startswith("-"):
                values.append(argv[j])
                j += 1
        elif arg.startswith(name + "="):
            values.append(arg.split("=", 1)[1])
    return values


def scan_targets(argv: Sequence[str]) -> ScanTargets:
    directories, files = scan_roots(list(argv))
    return ScanTargets(directories, files, option_values(argv, "--skip-path"))


def walk(targets: ScanTargets) -> List[Tuple[str, str, bool]]:
    """(path, scan root, named) for every file checkov would consider: each -f file (root: the current
    folder, as checkov reports -f paths), and the files under each -d folder that checkov's skip rules
    (hidden folders, node_modules, .terraform, .serverless, --skip-path) leave."""
    from checkov.common.runners.base_runner import filter_ignored_paths

    found: List[Tuple[str, str, bool]] = [(f, os.curdir, True) for f in targets.files if os.path.isfile(f)]
    for directory in targets.directories:
        for root, dir_names, file_names in os.walk(directory):
            filter_ignored_paths(root, dir_names, targets.skip_paths)
            filter_ignored_paths(root, file_names, targets.skip_paths)
            dir_names.sort()
            found.extend((os.path.join(root, name), directory, False) for name in sorted(file_names))
    return found


def inventory_of(targets: ScanTargets) -> Inventory:
    return build_inventory(walk(targets))


def reported_path(path: str, root: str) -> str:
    """The `file_path` checkov reports for a file: relative to its scan root, with a leading /."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return "/" + relative.replace(os.sep, "/")


def skip_path_pattern(path: str, root: str) -> str:
    """A --skip-path regex that keeps checkov away from this file: checkov matches it against the path
    joined from its walk (`./sub/x.yaml`). No brackets or parentheses: checkov's module finder pastes
    the list of patterns into one regex as text, where they would unbalance it."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
    return "/" + re.escape(relative) + "$"


def roots_by_path(files: Sequence[Tuple[str, str, bool]]) -> Dict[str, Tuple[str, str]]:
    """realpath -> (the path as joined from its scan root, the scan root)."""
    return {os.path.realpath(path): (path, root) for path, root, _ in files}


def root_of(path: str, roots: Dict[str, Tuple[str, str]], directories: Sequence[str]) -> Tuple[str, Optional[str]]:
    """(the path as checkov would join it, its scan root) for an inventory path."""
    known = roots.get(os.path.realpath(path))
    if known:
        return known
    absolute = os.path.abspath(path)
    for directory in directories:
        base = os.path.abspath(directory)
        if absolute == base or absolute.startswith(base + os.sep):
            return os.path.join(directory, os.path.relpath(absolute, base)), directory
    return path, os.curdir


__all__ = ["ScanTargets", "inventory_of", "reported_path", "root_of", "roots_by_path", "scan_targets", "walk"]
