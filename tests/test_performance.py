"""Performance promises that can be tested without timing anything:

- checkov-pitr's indexed plan lookup (checkov_pitr/speedups.py) builds exactly the context checkov
  builds, on every plan fixture and on a plan whose resources share names across modules and
  count/for_each instances (where a lookup by type and name alone would pick the wrong one);
- loading our checks reads no file and no policy (they only register);
- a plan is read by us once per run, however many of its tables CKV_PITR_003 judges.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conftest import FIXTURES

from checkov_pitr.integration.speedups import indexed_get_entity_context


def _tricky_plan() -> dict:
    def resource(address: str, name: str, index: Any = None, mode: str = "managed") -> dict:
        entry = {"address": address, "mode": mode, "type": "aws_dynamodb_table", "name": name,
                 "values": {"name": address, "point_in_time_recovery": [{"enabled": True}]}}
        if index is not None:
            entry["index"] = index
        return entry

    root = [resource("aws_dynamodb_table.t", "t"), resource('aws_dynamodb_table.t["a"]', "t", "a"),
            resource("aws_dynamodb_table.c[0]", "c", 0), resource("aws_dynamodb_table.c[1]", "c", 1),
            resource("data.aws_dynamodb_table.t", "t", mode="data")]
    children = [{"address": f"module.m{k}", "resources": [resource(f"module.m{k}.aws_dynamodb_table.t", "t")],
                 "child_modules": [{"address": f"module.m{k}.module.inner",
                                    "resources": [resource(f"module.m{k}.module.inner.aws_dynamodb_table.t", "t")]}]}
                for k in range(3)]
    return {"format_version": "1.2", "terraform_version": "1.6.6",
            "planned_values": {"root_module": {"resources": root, "child_modules": children}},
            "resource_changes": []}


def _plans(tmp_path: Path) -> List[Path]:
    tricky = tmp_path / "tricky_plan.json"
    tricky.write_text(json.dumps(_tricky_plan(), indent=1))
    found = [tricky]
    for path in sorted(FIXTURES.rglob("*.json")):
        if "fail_closed" in path.parts or "readers" in path.parts:
            continue  # plans made to break checkov's own parser: compared with nothing
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and "format_version" in data and "planned_values" in data:
            found.append(path)
    return found


def test_indexed_lookup_builds_the_context_checkov_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checkov.terraform import plan_utils
    from checkov.terraform.plan_parser import TF_PLAN_RESOURCE_ADDRESS

    original = plan_utils.get_entity_context
    plans = _plans(tmp_path)
    assert len(plans) > 5
    compared = 0
    for plan in plans:
        definitions, raw = plan_utils.create_definitions(None, [str(plan)])
        expected: Dict[str, Any] = plan_utils.build_definitions_context(definitions, raw)
        monkeypatch.setattr(plan_utils, "get_entity_context", indexed_get_entity_context(original, TF_PLAN_RESOURCE_ADDRESS))
        assert plan_utils.build_definitions_context(definitions, raw) == expected, plan.name
        monkeypatch.setattr(plan_utils, "get_entity_context", original)
        compared += sum(len(entities) for entities in expected.values())
    assert compared >= 20  # the tricky plan alone has 11 resources with clashing names


def test_install_is_idempotent() -> None:
    from checkov.terraform import plan_utils

    from checkov_pitr.integration import speedups

    before = plan_utils.get_entity_context
    try:
        assert speedups.install() is None
        patched = plan_utils.get_entity_context
        assert getattr(patched, "_checkov_pitr", False)
        assert speedups.install() is None and plan_utils.get_entity_context is patched
    finally:
        plan_utils.get_entity_context = before


def _python(script: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-c", script], cwd=str(cwd), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_loading_our_checks_reads_no_file_and_no_policy(tmp_path: Path) -> None:
    script = """
import sys
import checkov.main  # checkov's own start-up is not ours
opened = []
sys.addaudithook(lambda event, args: opened.append(args[0]) if event == "open" and isinstance(args[0], str)
                 and not args[0].endswith((".py", ".pyc")) else None)
from checkov.cloudformation.checks.resource.registry import cfn_registry
from checkov.terraform.checks.resource.registry import resource_registry
from checkov_pitr.cli import checks_dir
resource_registry.load_external_checks(checks_dir())
cfn_registry.load_external_checks(checks_dir())
from checkov_pitr.domain import policy
ids = sorted({c.id for c in resource_registry.checks.get("aws_dynamodb_table", []) if c.id.startswith("CKV_PITR")})
print(ids, opened, policy._cached_policy.cache_info().currsize)
"""
    assert _python(script, tmp_path).strip() == "['CKV_PITR_001', 'CKV_PITR_002', 'CKV_PITR_003'] [] 0"


def test_a_plan_is_read_once_per_run_whatever_the_number_of_updates(tmp_path: Path) -> None:
    changes, resources = [], []
    for i in range(6):  # six tables updated in place: CKV_PITR_003 looks each one up in resource_changes
        after = {"name": f"t{i}", "point_in_time_recovery": [{"enabled": i % 2 == 0}]}
        before = {"name": f"t{i}", "point_in_time_recovery": [{"enabled": True}]}
        resources.append({"address": f"aws_dynamodb_table.t{i}", "mode": "managed", "type": "aws_dynamodb_table",
                          "name": f"t{i}", "values": after})
        changes.append({"address": f"aws_dynamodb_table.t{i}", "mode": "managed", "type": "aws_dynamodb_table",
                        "name": f"t{i}", "change": {"actions": ["update"], "before": before, "after": after}})
    plan = {"format_version": "1.2", "terraform_version": "1.6.6",
            "planned_values": {"root_module": {"resources": resources}}, "resource_changes": changes}
    (tmp_path / "tfplan.json").write_text(json.dumps(plan))
    script = """
import json, sys
from checkov_pitr import cli
from checkov_pitr.domain import plan
from checkov_pitr.integration import sources
reads = []
original = plan.load_plan
def counting_load_plan(path):
    reads.append(path)
    return original(path)
plan.load_plan = sources.load_plan = counting_load_plan
sys.stdout = open("report.json", "w")
# one framework: checkov runs it in this process (several run in forked children, out of our sight)
code = cli.main(["-d", ".", "-o", "json", "--framework", "terraform_plan"])
sys.stdout.close()
sys.stdout = sys.__stdout__
failed = [r["resource"] for r in json.load(open("report.json"))["results"]["failed_checks"] if r["check_id"] == "CKV_PITR_003"]
print(code, len(reads), sorted(failed))
"""
    code, reads, failed = _python(script, tmp_path).strip().split(" ", 2)
    assert (code, reads) == ("1", "1")
    assert failed == str(sorted(f"aws_dynamodb_table.t{i}" for i in (1, 3, 5)))
