"""awscc (hashicorp/awscc) tables end to end through `checkov-pitr`: HCL, .tf.json and a plan.

tests/fixtures/awscc/<terraform|tfjson|plan>/ each hold an expected.tsv; checkov-pitr runs once per
folder. Also: SARIF plan findings point at the awscc resource block, policy exemptions by address
apply to awscc resources, and the awscc example fails.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, Row, assert_row, folder_rows, index_report, run_pitr

FOLDERS = ("awscc/terraform", "awscc/tfjson", "awscc/plan")
FRAMEWORK = {"awscc/terraform": "terraform", "awscc/tfjson": "terraform_json"}


def _framework(folder: str, row: Row) -> str:
    if folder == "awscc/plan":
        return "terraform_plan" if row[0].endswith(".json") else "terraform"
    return FRAMEWORK[folder]


@pytest.mark.parametrize("folder,row", folder_rows(FOLDERS), ids=[f"{f}{r[0]}:{r[1]}:{r[2]}" for f, r in folder_rows(FOLDERS)])
def test_expected_row(scans, folder: str, row: Row) -> None:
    assert_row(scans(folder).report, row, _framework(folder, row))


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_result_is_expected_and_the_run_fails(scans, folder: str) -> None:
    scan = scans(folder)
    written = {row[:3] for row in scan.expected}
    assert scan.report, scan.process.stderr[-2000:]
    assert set(scan.report) - written == set()
    assert "Traceback" not in scan.process.stderr
    assert scan.process.returncode == 1  # each folder holds failing tables


def test_plan_check_judges_awscc_plans_only(scans) -> None:
    for folder in ("awscc/terraform", "awscc/tfjson"):
        assert [key for key in scans(folder).report if key[2] == "CKV_PITR_003"] == []
    plan = scans("awscc/plan").report
    assert {key[1] for key in plan if key[2] == "CKV_PITR_003" and key[0] == "/tfplan.json"} == {
        "awscc_dynamodb_table.orders", "awscc_dynamodb_table.new_no_pitr", "awscc_dynamodb_table.ledger",
        "awscc_dynamodb_table.audit", "awscc_dynamodb_global_table.game"}
    [record] = plan[("/tfplan.json", "awscc_dynamodb_table.ledger", "CKV_PITR_003")]
    assert record["severity"] == "CRITICAL"


def _line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(text):
            return number
    raise AssertionError(f"{text!r} not in {path}")


def test_sarif_plan_findings_point_at_the_awscc_resource_block(tmp_path: Path) -> None:
    folder = FIXTURES / "awscc" / "plan"
    process = run_pitr("-d", "tests/fixtures/awscc/plan", "-o", "sarif", "--output-file-path", str(tmp_path),
                       cwd=REPO, env={"GITHUB_WORKSPACE": ""})
    assert process.returncode == 1, process.stderr[-2000:]
    run = json.loads((tmp_path / "results_sarif.sarif").read_text(encoding="utf-8"))["runs"][0]
    for check_id, address, block in [
        ("CKV_PITR_003", "awscc_dynamodb_table.ledger", 'resource "awscc_dynamodb_table" "ledger"'),
        ("CKV_PITR_001", "awscc_dynamodb_global_table.game", 'resource "awscc_dynamodb_global_table" "game"'),
    ]:
        [item] = [r for r in run["results"] if r["ruleId"] == check_id and r["properties"]["resource"] == address
                  and r["properties"]["checkType"] == "terraform_plan"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "tests/fixtures/awscc/plan/main.tf"
        assert location["region"]["startLine"] == _line_of(folder / "main.tf", block)
        assert location["region"]["endLine"] > location["region"]["startLine"]
        [related] = item["relatedLocations"]
        assert related["physicalLocation"]["artifactLocation"]["uri"] == "tests/fixtures/awscc/plan/tfplan.json"


def test_policy_exemptions_by_address_apply_to_awscc(tmp_path: Path) -> None:
    later = dt.date.today() + dt.timedelta(days=30)
    policy = tmp_path / "pitr-policy.yaml"
    policy.write_text(
        "exemptions:\n"
        "  - resources: [awscc_dynamodb_table.off]\n"
        "    reason: Scratch table\n"
        f"    expires: {later}\n"
        "  - resources: [\"awscc_dynamodb_global_table.replica_*\"]\n"
        "    checks: [CKV_PITR_001]\n"
        "    reason: Replicas being rebuilt\n"
        f"    expires: {later}\n", encoding="utf-8")
    process = run_pitr("--policy", str(policy), "-d", ".", "-o", "json", cwd=FIXTURES / "awscc" / "terraform")
    report = index_report(process.stdout)
    verdicts = {key: [r["_verdict"] for r in records] for key, records in report.items()}
    [off] = report[("/main.tf", "awscc_dynamodb_table.off", "CKV_PITR_001")]
    assert off["_verdict"] == "SKIPPED" and "Scratch table" in off["check_result"]["suppress_comment"]
    for name in ("replica_missing_pitr", "replica_short_period", "replica_from_variable"):
        assert verdicts[("/main.tf", f"awscc_dynamodb_global_table.{name}", "CKV_PITR_001")] == ["SKIPPED"]
    # the glob matches whole addresses and only the checks it names
    assert verdicts[("/main.tf", "awscc_dynamodb_global_table.replica_short_period", "CKV_PITR_002")] == ["FAILED"]
    assert verdicts[("/main.tf", "awscc_dynamodb_global_table.all_replicas_on", "CKV_PITR_001")] == ["PASSED"]
    assert verdicts[("/main.tf", "awscc_dynamodb_table.missing", "CKV_PITR_001")] == ["FAILED"]
    assert process.returncode == 1


def test_awscc_example_fails_with_the_awscc_fix() -> None:
    folder = REPO / "examples" / "terraform" / "fail_awscc_table_without_pitr"
    process = run_pitr("-d", ".", "-o", "json", cwd=folder)
    report = index_report(process.stdout)
    assert set(report) == {("/main.tf", "awscc_dynamodb_table.game_scores", "CKV_PITR_001")}
    [record] = report[("/main.tf", "awscc_dynamodb_table.game_scores", "CKV_PITR_001")]
    assert record["_verdict"] == "FAILED"
    assert record["details"] == [
        "awscc_dynamodb_table.game_scores: point_in_time_recovery_specification missing (PITR is off by default); "
        "set point_in_time_recovery_specification = { point_in_time_recovery_enabled = true }"]
    assert process.returncode == 1
