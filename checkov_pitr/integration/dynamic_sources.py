"""What checkov drops from a `dynamic` block: its `for_each`, read back from the HCL source.

checkov hands a check a dynamic block it could not render as its content alone (for_each gone), e.g.

    dynamic "replica" {
      for_each = var.secondary_region == "" ? [] : [1]
      content { region_name = var.secondary_region }
    }

arrives as `{"dynamic": [{"replica": [{"region_name": ["var.secondary_region"]}]}]}` whether the
default makes for_each `[]` or `[1]` (checkov evaluates `"" == "" ? [] : [1]` inside `${}` to None).
This module reads the resource's `dynamic` blocks from the file, collects the variable values the
scan knows (defaults, terraform.tfvars, *.auto.tfvars, --var-file, and for a module the literal
arguments of its module calls), and lets the core decide each for_each (core.evaluate_for_each).
The decision goes to the core under core.DYNAMIC_FOR_EACH_KEY; anything it cannot read or decide
is left out, so the core judges the table as before (fail closed: the content counts as a block).
"""
from __future__ import annotations

import glob
import json
import os
import sys
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from checkov_pitr.domain import core
from checkov_pitr.domain.plan_sources import is_local_source, parse_address

_UNKNOWN: Any = object()


def _identity(path: str) -> Tuple[str, float, int]:
    stat = os.stat(path)
    return path, stat.st_mtime, stat.st_size


@lru_cache(maxsize=256)
def _parse_hcl(identity: Tuple[str, float, int]) -> Mapping[str, Any]:
    import hcl2  # checkov's own HCL parser (bc-python-hcl2)

    with open(identity[0], encoding="utf-8-sig") as handle:
        return hcl2.load(handle)


def _parsed(path: str) -> Mapping[str, Any]:
    try:
        document = _parse_hcl(_identity(path))
    except Exception:  # an unreadable file decides nothing
        return {}
    return document if isinstance(document, Mapping) else {}


def _tf_files(folder: str) -> List[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n.endswith((".tf", ".tofu")) and os.path.isfile(os.path.join(folder, n))]


def _items(document: Mapping[str, Any], keyword: str) -> List[Tuple[str, Mapping[str, Any]]]:
    """(label, body) of every `keyword "label" {}` block of a parsed file."""
    found: List[Tuple[str, Mapping[str, Any]]] = []
    for entry in document.get(keyword) or []:
        if isinstance(entry, Mapping):
            for label, body in entry.items():
                if isinstance(body, Mapping):
                    found.append((label, body))
    return found


def _literal(value: Any) -> Any:
    """A parsed HCL value if it is a literal (no `${...}` anywhere), else _UNKNOWN."""
    if isinstance(value, str):
        return _UNKNOWN if "${" in value else value
    if isinstance(value, list):
        items = [_literal(v) for v in value]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    if isinstance(value, Mapping):
        items = {k: _literal(v) for k, v in value.items() if not core._is_internal_key(k)}
        return _UNKNOWN if any(i is _UNKNOWN for i in items.values()) else items
    return value


def _defaults(folder: str) -> Tuple[Dict[str, Any], List[str]]:
    """Variable defaults of a module folder (literals only) and the names of all its variables."""
    values: Dict[str, Any] = {}
    names: List[str] = []
    for path in _tf_files(folder):
        for name, body in _items(_parsed(path), "variable"):
            names.append(name)
            if "default" in body:
                raw = body["default"]  # the parser wraps the value in one list
                default = _literal(raw[0] if isinstance(raw, list) and len(raw) == 1 else raw)
                if default is not _UNKNOWN:
                    values[name] = default
    return values, names


def _var_file_values(path: str) -> Optional[Dict[str, Any]]:
    try:
        if path.endswith(".json"):
            with open(path, encoding="utf-8-sig") as handle:
                document = json.load(handle)
        else:
            document = dict(_parsed(path))
            document = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in document.items()}
    except (OSError, ValueError):
        return None
    if not isinstance(document, Mapping):
        return None
    return {k: _literal(v) for k, v in document.items()}


def _command_line_var_files(argv: Sequence[str]) -> List[str]:
    from checkov_pitr.integration.scan import option_values

    return option_values(argv, "--var-file")


def _root_values(folder: str) -> Dict[str, Any]:
    values, _ = _defaults(folder)
    files = [os.path.join(folder, "terraform.tfvars"), os.path.join(folder, "terraform.tfvars.json")]
    files += sorted(glob.glob(os.path.join(folder, "*.auto.tfvars")) + glob.glob(os.path.join(folder, "*.auto.tfvars.json")))
    files += [os.path.abspath(f) for f in _command_line_var_files(sys.argv[1:])]
    for path in files:
        if not os.path.isfile(path):
            continue
        overrides = _var_file_values(path)
        if overrides is None:
            return {}  # a variables file the scan cannot read: it may set anything
        for name, value in overrides.items():
            if value is _UNKNOWN:
                values.pop(name, None)
            else:
                values[name] = value
    return values


def _argument_value(value: Any, outer: Mapping[str, Any]) -> Any:
    """A module argument: a literal, or exactly `${var.x}` of the calling module with a known value."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    literal = _literal(value)
    if literal is not _UNKNOWN:
        return literal
    if isinstance(value, str) and value.startswith("${var.") and value.endswith("}") and value.count("${") == 1:
        name = value[len("${var."):-1]
        if name.isidentifier() and name in outer:
            return outer[name]
    return _UNKNOWN


def _module_values(root: str, modules: Sequence[str], target: str) -> Optional[Dict[str, Any]]:
    """The variable values of the module instance at `modules` (call names from `root`), if the calls
    lead from `root` to the folder `target`; None otherwise."""
    folder, values = root, _root_values(root)
    for call in modules:
        bodies = [body for path in _tf_files(folder) for name, body in _items(_parsed(path), "module") if name == call]
        if len(bodies) != 1:
            return None
        body = bodies[0]
        source = core.unwrap(body.get("source"))
        if not is_local_source(source):
            return None  # registry or git module: its folder is not this one
        inner = os.path.normpath(os.path.join(folder, source))
        defaults, names = _defaults(inner)
        for name in names:
            if name in body:
                argument = _argument_value(body[name], values)
                if argument is _UNKNOWN:
                    defaults.pop(name, None)
                else:
                    defaults[name] = argument
        folder, values = inner, defaults
    return values if os.path.normpath(folder) == os.path.normpath(target) else None


def _scan_roots() -> List[str]:
    from checkov_pitr.integration.sources import scan_roots

    directories, files = scan_roots(sys.argv[1:])
    roots = [os.path.abspath(d) for d in directories] + [os.path.dirname(os.path.abspath(f)) for f in files]
    return roots + [os.getcwd()]


def _variables(path: str, modules: Sequence[str]) -> Optional[Dict[str, Any]]:
    folder = os.path.dirname(path)
    if not modules:
        return _root_values(folder)
    for root in _scan_roots():
        values = _module_values(root, modules, folder)
        if values is not None:
            return values
    return None


def decided_for_each(path: str, address: str) -> Dict[str, Any]:
    """Block name -> the decided for_each of the resource's only `dynamic "name"` block."""
    parsed = parse_address(address)
    if parsed is None or not path.endswith((".tf", ".tofu")):
        return {}
    bodies = [body for entry in _parsed(path).get("resource") or [] if isinstance(entry, Mapping)
              for rtype, named in entry.items() if rtype == parsed.type and isinstance(named, Mapping)
              for name, body in named.items() if name == parsed.name and isinstance(body, Mapping)]
    if len(bodies) != 1:
        return {}
    expressions: Dict[str, List[Any]] = {}
    for element in bodies[0].get("dynamic") or []:
        if isinstance(element, Mapping):
            for name, block in element.items():
                if isinstance(block, Mapping) and "for_each" in block:
                    expressions.setdefault(name, []).append(block["for_each"])
    if not expressions:
        return {}
    variables = _variables(path, parsed.modules)
    if variables is None:
        return {}
    decided: Dict[str, Any] = {}
    for name, found in expressions.items():
        if len(found) == 1:
            value = core.evaluate_for_each(found[0], variables)
            if value is not core.MISSING:
                decided[name] = value
    return decided


def with_decided_for_each(scanned_file: str, conf: Any) -> Any:
    """`conf` (checkov's HCL shape) with the decided for_each of its dynamic blocks, or unchanged."""
    try:
        if not isinstance(conf, Mapping) or "dynamic" not in conf or "__change_actions__" in conf:
            return conf
        address = conf.get("__address__")
        if not isinstance(address, str):
            return conf
        from checkov_pitr.integration.sources import locate

        path = locate(scanned_file, conf)
        decided = decided_for_each(path, address) if path else {}
    except Exception:  # reading the source is a refinement; never a reason to lose the table
        return conf
    return {**conf, core.DYNAMIC_FOR_EACH_KEY: decided} if decided else conf
