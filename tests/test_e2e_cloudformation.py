"""CloudFormation, SAM, CDK output and serverless.yml end to end through checkov.

checkov-pitr runs once per fixture folder (-o json); every row of the folder's expected.tsv is
checked (verdict and message substring), and plain checkov with --external-checks-dir must agree.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from checkov_pitr.rule import CHECKS, GUIDELINE_URL
from conftest import FIXTURES, Key, Row, assert_row, folder_rows, index_report, run, run_pitr, tool

FOLDERS = ("cloudformation", "serverless")
OUR_CLOUDFORMATION_CHECKS = ("CKV_PITR_001", "CKV_PITR_002")
FRAMEWORK = {"cloudformation": "cloudformation", "serverless": "serverless"}


@pytest.mark.parametrize(
    "folder,row", folder_rows(FOLDERS),
    ids=[f"{folder}{row[0]}:{row[1].split('.')[-1]}:{row[2]}" for folder, row in folder_rows(FOLDERS)],
)
def test_expected_row(scans, folder: str, row: Row) -> None:
    assert_row(scans(folder).report, row, FRAMEWORK[folder])


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_result_is_expected(scans, folder: str) -> None:
    # a result nobody wrote down is either a new behaviour or a duplicate: both need a look
    scan = scans(folder)
    written = {row[:3] for row in scan.expected}
    assert set(scan.report) - written == set()
    assert scan.process.returncode == 1  # the folder holds failing tables
    assert "Traceback" not in scan.process.stderr


@pytest.mark.parametrize("folder", FOLDERS)
def test_severity_and_guideline_in_json(scans, folder: str) -> None:
    records = [r for found in scans(folder).report.values() for r in found]
    assert {r["check_id"] for r in records} == set(OUR_CLOUDFORMATION_CHECKS)
    for record in records:
        assert record["severity"] == CHECKS[record["check_id"]].severity
        assert record["guideline"] == GUIDELINE_URL
        assert record["check_name"] == CHECKS[record["check_id"]].name
    assert {r["severity"] for r in records if r["check_id"] == "CKV_PITR_001"} == {"HIGH"}
    assert {r["severity"] for r in records if r["check_id"] == "CKV_PITR_002"} == {"MEDIUM"}


def _verdicts(report: Dict[Key, List[dict]]) -> Dict[Key, List[Tuple[str, Tuple[str, ...]]]]:
    return {
        key: sorted((r["_verdict"], tuple(r["details"])) for r in records)
        for key, records in report.items()
        if key[2] in OUR_CLOUDFORMATION_CHECKS
    }


@pytest.mark.parametrize("folder", FOLDERS)
def test_plain_checkov_gives_the_same_verdicts(scans, folder: str) -> None:
    checks_dir = run([tool("checkov-pitr"), "--checks-dir"]).stdout.strip()
    plain = run([tool("checkov"), "--skip-download", "--external-checks-dir", checks_dir,
                 "--check", ",".join(OUR_CLOUDFORMATION_CHECKS), "-d", str(FIXTURES / folder), "-o", "json"])
    assert plain.returncode == 1, plain.stderr[-2000:]
    ours = _verdicts(scans(folder).report)
    assert ours  # an empty report on both sides would agree trivially
    assert _verdicts(index_report(plain.stdout)) == ours


def test_policy_settings_reach_the_checks(tmp_path: Path) -> None:
    # one run with a lenient policy: unresolved values give no result, 7 days are enough
    policy = tmp_path / "policy.yaml"
    policy.write_text("min_recovery_period_days: 7\nunresolved: unknown\n", encoding="utf-8")
    process = run_pitr("--policy", str(policy), "-d", str(FIXTURES / "cloudformation"), "-o", "json")
    report = index_report(process.stdout)
    verdict = {key: [r["_verdict"] for r in records] for key, records in report.items()}
    assert ("/fail_ref_parameter_without_default.yaml", "AWS::DynamoDB::Table.Orders", "CKV_PITR_001") not in verdict
    assert verdict[("/recovery_periods.yaml", "AWS::DynamoDB::Table.Period7", "CKV_PITR_002")] == ["PASSED"]
    assert verdict[("/fn_if_every_branch_judged.yaml", "AWS::DynamoDB::Table.BothBranchesOn", "CKV_PITR_002")] == ["PASSED"]
    assert verdict[("/recovery_periods.yaml", "AWS::DynamoDB::Table.Period90", "CKV_PITR_002")] == ["FAILED"]
    assert verdict[("/fail_table_off.json", "AWS::DynamoDB::Table.Carts", "CKV_PITR_001")] == ["FAILED"]
    period7 = report[("/recovery_periods.yaml", "AWS::DynamoDB::Table.Period7", "CKV_PITR_002")][0]
    assert "minimum 7 days" in period7["details"][0]
