"""Position trees of YAML and JSON texts for the fixer, read by the package's one bounded loader
(readers/yaml_loader.load_positions: offsets, tags such as !Ref kept, depth and aliases bounded)."""
from __future__ import annotations

from checkov_pitr.domain.readers.yaml_loader import LoadError, Node, load_positions  # noqa: F401


class TreeError(ValueError):
    pass


def compose_yaml(text: str, is_json: bool = False) -> Node:
    """The position tree of a one-document YAML text (or, `is_json`, a JSON text: a leading BOM is allowed)."""
    try:
        return load_positions(text, is_json=is_json)
    except LoadError as exc:
        raise TreeError(f"not readable as YAML ({exc})" if not is_json else str(exc)) from None


def parse_json(text: str) -> Node:
    return compose_yaml(text, is_json=True)
