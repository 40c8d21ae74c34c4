"""Terraform HCL and .tf.json end to end through checkov.

checkov-pitr runs once per fixture folder (tests/fixtures/terraform/<case>/ and tests/fixtures/tfjson/,
-o json); every row of the folder's expected.tsv is checked (verdict and message substring), every
result must have a row, and CKV_PITR_003 (plans only) gives no result at all.
"""
from __future__ import annotations

from typing import List

import pytest

from checkov_pitr.rule import CHECKS
from conftest import FIXTURES, Row, assert_row, folder_rows, index_report, read_expected, run, run_pitr, tool

TERRAFORM = FIXTURES / "terraform"
FOLDERS = sorted(f"terraform/{p.name}" for p in TERRAFORM.iterdir() if (p / "expected.tsv").is_file()) + ["tfjson"]
UNKNOWN_POLICY_FOLDER = "terraform/variables_and_locals"


UNKNOWN_POLICY = ("--policy", str(FIXTURES / "policy_unresolved_unknown.yaml"))


def _framework(folder: str) -> str:
    return "terraform_json" if folder == "tfjson" else "terraform"


@pytest.mark.parametrize("folder,row", folder_rows(FOLDERS), ids=[f"{f}{r[0]}:{r[1]}:{r[2]}" for f, r in folder_rows(FOLDERS)])
def test_expected_row(scans, folder: str, row: Row) -> None:
    assert_row(scans(folder).report, row, _framework(folder))


def _unknown_rows() -> List[Row]:
    return read_expected(FIXTURES / UNKNOWN_POLICY_FOLDER / "expected_unresolved_unknown.tsv")


@pytest.mark.parametrize("row", _unknown_rows(), ids=[f"{r[1]}:{r[2]}" for r in _unknown_rows()])
def test_expected_row_under_unresolved_unknown(scans, row: Row) -> None:
    assert_row(scans(UNKNOWN_POLICY_FOLDER, *UNKNOWN_POLICY).report, row, "terraform")


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_result_is_expected(scans, folder: str) -> None:
    # a result nobody wrote down is either a new behaviour or a duplicate: both need a look
    scan = scans(folder)
    written = {row[:3] for row in scan.expected}
    assert set(scan.report) - written == set()
    assert scan.report, scan.process.stderr[-2000:]
    assert "Traceback" not in scan.process.stderr
    failing = any(r["_verdict"] == "FAILED" for found in scan.report.values() for r in found)
    assert scan.process.returncode == (1 if failing else 0)


@pytest.mark.parametrize("folder", FOLDERS)
def test_plan_check_gives_no_result_for_source_files(scans, folder: str) -> None:
    scan = scans(folder)
    assert [key for key in scan.report if key[2] == "CKV_PITR_003"] == []
    assert {key[2] for key in scan.report} <= {"CKV_PITR_001", "CKV_PITR_002"}


def test_severity_follows_rule_metadata(scans) -> None:
    records = [r for found in scans("terraform/replicas").report.values() for r in found]
    assert records
    for record in records:
        assert record["severity"] == CHECKS[record["check_id"]].severity


def test_plain_checkov_with_external_checks_dir_agrees(scans) -> None:
    folder = FIXTURES / "terraform" / "local_module_twice"
    checks_dir = run_pitr("--checks-dir").stdout.strip()
    process = run([tool("checkov"), "--skip-download", "--framework", "terraform", "-d", ".", "-o", "json",
                   "--external-checks-dir", checks_dir, "--check", ",".join(CHECKS)], cwd=folder)
    plain = {key: [r["_verdict"] for r in records] for key, records in index_report(process.stdout).items()}
    ours = {key: [r["_verdict"] for r in records]
            for key, records in scans("terraform/local_module_twice").report.items()}
    assert plain == ours
    assert plain[("/modules/table/main.tf", "module.without_pitr.aws_dynamodb_table.this", "CKV_PITR_001")] == ["FAILED"]
