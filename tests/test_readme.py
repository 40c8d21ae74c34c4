"""README.md never repeats rule metadata by hand: its check table is generated from rule.py."""
from __future__ import annotations

from checkov_pitr import docs
from checkov_pitr.rule import CHECKS, GUIDELINE_URL
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_checks_table_is_the_generated_one() -> None:
    assert README.count(docs.BEGIN) == 1 and README.count(docs.END) == 1
    between = README.split(docs.BEGIN, 1)[1].split(docs.END, 1)[0]
    assert between == f"\n{docs.checks_table()}\n", "run: python -m checkov_pitr.docs README.md"
    assert docs.render(README) == README


def test_every_check_id_is_in_the_readme() -> None:
    for check_id, meta in CHECKS.items():
        assert f"`{check_id}`" in README
        assert f"| `{check_id}` | {meta.severity} |" in README
    assert GUIDELINE_URL in README
