"""A fix for checkov's quadratic Terraform-plan scan, installed by `checkov-pitr` only.

checkov's `plan_utils.build_definitions_context` looks up every resource of a plan with
`get_entity_context`, which walks the plan's whole resource list from the start each time: a plan
with N resources costs N*N/2 steps (about 45 of 55 seconds for 10,000 tables on one core). The
replacement below finds the same resource through an index built once per resource list, then lets
checkov's own function build the context from that one resource, so the result is the same object
checkov would build. Shapes the index does not know fall back to checkov's function.

Plain `checkov --external-checks-dir` runs are left alone: our checks do no work at import time.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Optional, Tuple

_EXPECTED_PARAMETERS = ["definitions", "definitions_raw", "definition_path", "full_file_path", "entity_id", "block_type"]
_NOT_A_MAPPING = object()  # index key part: a definition checkov returns for any address


def _index(resources: List[Any], address_key: str) -> Dict[Tuple[Any, Any, Any], int]:
    """(resource type, name, address) -> position of the first resource checkov would pick."""
    index: Dict[Tuple[Any, Any, Any], int] = {}
    for position, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        for resource_type, by_name in resource.items():
            if not by_name or not isinstance(by_name, dict):
                continue
            for name, definition in by_name.items():
                address = definition.get(address_key) if isinstance(definition, dict) else _NOT_A_MAPPING
                try:
                    index.setdefault((resource_type, name, address), position)
                except TypeError:  # an unhashable address: leave it to checkov's own walk
                    continue
    return index


def indexed_get_entity_context(original: Callable[..., Dict[str, Any]], address_key: str) -> Callable[..., Dict[str, Any]]:
    cache: Dict[int, Tuple[List[Any], int, Dict[Tuple[Any, Any, Any], int]]] = {}

    def get_entity_context(definitions: Dict[str, Any], definitions_raw: Dict[str, Any], definition_path: List[str],
                           full_file_path: str, entity_id: str, block_type: str = "resource") -> Dict[str, Any]:
        resources = definitions.get(full_file_path, {}).get(block_type) if isinstance(definitions, dict) else None
        if not isinstance(resources, list) or len(definition_path) < 2:
            return original(definitions, definitions_raw, definition_path, full_file_path, entity_id, block_type)
        cached = cache.get(id(resources))
        if cached is None or cached[0] is not resources or cached[1] != len(resources):
            cached = (resources, len(resources), _index(resources, address_key))
            cache[id(resources)] = cached
        index = cached[2]
        resource_type, name = definition_path[0], definition_path[1]
        try:
            positions = [p for p in (index.get((resource_type, name, entity_id)),
                                     index.get((resource_type, name, _NOT_A_MAPPING))) if p is not None]
        except TypeError:
            positions = []
        if not positions:
            return original(definitions, definitions_raw, definition_path, full_file_path, entity_id, block_type)
        one = {full_file_path: {block_type: [resources[min(positions)]]}}
        return original(one, definitions_raw, definition_path, full_file_path, entity_id, block_type)

    get_entity_context._checkov_pitr = True  # type: ignore[attr-defined]
    return get_entity_context


def install() -> Optional[str]:
    """Install the indexed lookup into checkov; returns why not when this checkov looks different."""
    try:
        from checkov.terraform import plan_utils
        from checkov.terraform.plan_parser import TF_PLAN_RESOURCE_ADDRESS
    except ImportError as exc:
        return f"checkov has no plan_utils ({exc})"
    original = getattr(plan_utils, "get_entity_context", None)
    if original is None or getattr(original, "_checkov_pitr", False):
        return None if original is not None else "checkov has no plan_utils.get_entity_context"
    if list(inspect.signature(original).parameters) != _EXPECTED_PARAMETERS:
        return "checkov's plan_utils.get_entity_context has another signature"
    plan_utils.get_entity_context = indexed_get_entity_context(original, TF_PLAN_RESOURCE_ADDRESS)
    return None
