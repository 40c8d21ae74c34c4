"""Terraform plans (`terraform show -json`) end to end through checkov.

tests/fixtures/plan/ holds hand-written plans in the real format (one line like real output, one
pretty-printed; format_version 0.1, 0.2, 1.0, 1.1 and 1.2); tests/fixtures/plan_unreadable/ a good
plan beside a truncated plan, a state file and a package.json. checkov-pitr runs once per folder.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, Row, assert_row, folder_rows, index_report, run_pitr

PLANS = FIXTURES / "plan"
UNREADABLE = FIXTURES / "plan_unreadable"
FOLDERS = ("plan", "plan_unreadable")


@pytest.mark.parametrize("folder,row", folder_rows(FOLDERS), ids=[f"{f}{r[0]}:{r[1]}:{r[2]}" for f, r in folder_rows(FOLDERS)])
def test_expected_row(scans, folder: str, row: Row) -> None:
    assert_row(scans(folder).report, row, "terraform_plan")


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_result_is_expected(scans, folder: str) -> None:
    scan = scans(folder)
    written = {row[:3] for row in scan.expected}
    assert set(scan.report) - written == set()
    assert "Traceback" not in scan.process.stderr
    assert scan.process.returncode == 1  # both folders hold failing tables


def test_fixtures_are_real_show_json_shapes() -> None:
    # one line like `terraform show -json` writes, except the one pretty-printed on purpose
    versions = set()
    for path in sorted(PLANS.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        plan = json.loads(text)
        versions.add(plan["format_version"])
        assert "terraform_version" in plan and "planned_values" in plan and "resource_changes" in plan
        if "pretty" in path.name:
            assert text.count("\n") > 100, path.name
        else:
            assert text.count("\n") == 1 and text.endswith("}\n"), path.name
    assert {"0.1", "0.2", "1.0", "1.2"} <= versions


def test_every_plan_file_is_judged(scans) -> None:
    judged = {key[0] for key in scans("plan").report}
    assert judged == {f"/{p.name}" for p in PLANS.glob("*.json")}


def test_nested_module_results_carry_full_address(scans) -> None:
    resources = {key[1] for key in scans("plan").report}
    assert 'module.app.module.storage.aws_dynamodb_table.t["events"]' in resources  # depth 2, for_each key
    assert "module.app.module.storage.module.archive.aws_dynamodb_table.archive" in resources  # depth 3
    assert "module.app.aws_dynamodb_table.sessions[1]" in resources  # count index
    assert 'module.tenant["acme"].aws_dynamodb_table.data' in resources  # for_each module


def test_unreadable_plans_are_failed_results_and_the_good_plan_is_judged(scans) -> None:
    scan = scans("plan_unreadable")
    assert scan.process.returncode == 1
    truncated = scan.report[("/truncated_tfplan.json", "file", "CKV_PITR_001")]
    state = scan.report[("/tfstate_not_a_plan.json", "file", "CKV_PITR_001")]
    assert "truncated JSON" in truncated[0]["details"][0] and "not judged" in truncated[0]["details"][0]
    assert "a Terraform state" in state[0]["details"][0] and "terraform show -json tfplan" in state[0]["details"][0]
    assert not [key for key in scan.report if key[0] == "/package.json"]
    assert "Traceback" not in scan.process.stderr
    assert {key[0] for key in scan.report} == {"/good_tfplan.json", "/truncated_tfplan.json", "/tfstate_not_a_plan.json"}


@pytest.mark.parametrize("name,message", [
    ("truncated_tfplan.json", "truncated JSON"),
    ("tfstate_not_a_plan.json", "a Terraform state"),
])
def test_single_unreadable_file_fails_the_run_saying_why(name: str, message: str, tmp_path: Path) -> None:
    process = run_pitr("-f", str(UNREADABLE / name), "-o", "json", cwd=tmp_path)
    assert process.returncode == 1, process.stderr[-2000:]
    records = [r for key, rs in index_report(process.stdout).items() if key[1] == "file" for r in rs]
    assert [r["_verdict"] for r in records] == ["FAILED"] and message in records[0]["details"][0]
    assert "Traceback" not in process.stderr


def test_plan_given_with_f_from_another_folder(tmp_path: Path) -> None:
    # the README workflow: terraform show -json tfplan > tfplan.json && checkov-pitr -f tfplan.json
    plan = tmp_path / "tfplan.json"
    plan.write_text((PLANS / "update_turns_pitr_off.json").read_text(encoding="utf-8"), encoding="utf-8")
    process = run_pitr("-f", "tfplan.json", "-o", "json", cwd=tmp_path)
    report = index_report(process.stdout)
    records = report[("/tfplan.json", "aws_dynamodb_table.live", "CKV_PITR_003")]
    assert [r["_verdict"] for r in records] == ["FAILED"]
    assert "continuous backups" in records[0]["details"][0] and "restore window" in records[0]["details"][0]
    assert records[0]["severity"] == "CRITICAL"
    assert process.returncode == 1


def test_update_whose_resource_change_cannot_be_read_fails_closed(tmp_path: Path) -> None:
    # the check itself, without a checkov run: checkov says "update" but the plan file is gone
    from checkov_pitr.integration.adapter import PlanPitrChangeCheck
    from checkov_pitr.domain.core import Policy, Result
    from checkov_pitr.domain.policy import LoadedPolicy

    conf = {"__address__": "aws_dynamodb_table.live", "__change_actions__": ["update"],
            "point_in_time_recovery": [{"enabled": [True]}]}
    verdict = PlanPitrChangeCheck().judge(conf, "aws_dynamodb_table.live", "aws_dynamodb_table",
                                          str(tmp_path / "gone.json"), LoadedPolicy("default", Policy()))
    assert verdict.result is Result.FAILED
    assert "resource_changes entry could not be read" in verdict.reason


@pytest.mark.parametrize("name,text,message", [
    ("tfplan.json", (PLANS / "update_turns_pitr_off.json").read_text(encoding="utf-8"), None),
    ("pretty.json", (PLANS / "v0_2_pretty_period_after_apply_and_replicas.json").read_text(encoding="utf-8"), None),
    ("cut.json", (PLANS / "update_turns_pitr_off.json").read_text(encoding="utf-8")[:1500], "truncated JSON"),
    ("state.json", '{"format_version":"1.0","terraform_version":"1.9.8","values":{"root_module":{}}}',
     "a Terraform state"),
    ("odd.json", '{"format_version":"1.0","terraform_version":"1.9.8"}', "JSON, but not a Terraform plan"),
    ("package.json", '{"name": "web", "version": "1.0.0"}', None),  # not Terraform's: not ours to judge
    ("template.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {', None),
])
def test_plan_problem(tmp_path: Path, name: str, text: str, message) -> None:
    from checkov_pitr.domain.readers.plan import looks_like_plan, read_plan

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    raw = path.read_bytes()
    problem = read_plan(str(path), raw).not_judged if looks_like_plan(raw) else None  # as the inventory asks
    if message is None:
        assert problem is None
    else:
        assert problem is not None and message in problem and "\n" not in problem
