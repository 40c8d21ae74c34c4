"""Terraform JSON (.tf.json / .tofu.json) for hcl.TerraformFixer, on the JSON position tree. Strings with
`${...}` are expressions: left alone, with what to change. No checkov here."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from checkov_pitr.domain.fixer.cloudformation import Node, TreeSyntax, literal_true, parse_json
from checkov_pitr.domain.fixer.hcl import TerraformFixer
from checkov_pitr.domain.fixer.writer import TreeWriter


def _objects(node: Optional[Node]) -> List[Node]:
    """.tf.json allows an object or a list of objects at each level."""
    return [] if node is None else [node] if node.kind == "map" else [item for item in node.items if item.kind == "map"]


class _TfJsonFixer(TreeSyntax, TerraformFixer):
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.root = parse_json(text)
        self.writer = TreeWriter(text, self.root, "json")
        # (type, name) -> the resource's (last) configuration object, indexed once for every table
        self.configs: Dict[Tuple[Any, Any], Node] = {}
        for top in _objects(self.root):
            for resources in _objects(top.get("resource")):
                for type_key, of_types in resources.pairs:
                    for of_type in _objects(of_types):
                        for name_key, configs in of_type.pairs:
                            for config in _objects(configs):
                                self.configs[(type_key.value, name_key.value)] = config

    def resource(self, rtype: str, name: str) -> Optional[Node]:
        return self.configs.get((rtype, name))

    objects = staticmethod(_objects)
    is_true = staticmethod(literal_true)

    def expression(self, node: Node) -> Optional[str]:
        return node.value if node.kind == "scalar" and isinstance(node.value, str) and "${" in node.value else None

    def string(self, node: Node) -> Optional[str]:
        return node.value if isinstance(node.value, str) and self.expression(node) is None else None

    def replica_blocks(self, owner: Node) -> List[Tuple[Node, bool]]:
        return [(replica, False) for replica in _objects(owner.get("replica"))]

    def list_items(self, node: Node) -> Optional[List[Union[Node, str]]]:
        return [item if item.kind == "map" else str(item.value if item.kind == "scalar" else "a list")
                for item in node.items] if node.kind == "seq" else None
