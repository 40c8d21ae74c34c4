"""The domain layer knows nothing of checkov, and nothing of the layers above it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parent.parent / "checkov_pitr" / "domain"
MODULES = sorted(DOMAIN.rglob("*.py"))


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(DOMAIN)) for p in MODULES])
def test_domain_module_imports_no_checkov_and_no_upper_layer(path: Path) -> None:
    bad = [name for name in _imports(path)
           if name == "checkov" or name.startswith("checkov.")
           or name.startswith(("checkov_pitr.integration", "checkov_pitr.cli", "checkov_pitr.fix_command",
                               "checkov_pitr.checks", "checkov_pitr.precommit", "checkov_pitr.messages"))]
    assert bad == []


def test_the_domain_has_modules() -> None:
    assert len(MODULES) >= 10
