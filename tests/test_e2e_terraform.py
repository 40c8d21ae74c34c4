"""Terraform HCL and .tf.json end to end through checkov.

checkov-pitr runs once per fixture folder (tests/fixtures/terraform/<case>/ and tests/fixtures/tfjson/,
-o json); every row of the folder's expected.tsv is checked (verdict and message substring), every
result must have a row, and CKV_PITR_003 (plans only) gives no result at all.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from checkov_pitr.rule import CHECKS
from conftest import FIXTURES, Key, index_report, read_expected, run, run_pitr, tool

TERRAFORM = FIXTURES / "terraform"
FOLDERS = sorted(f"terraform/{p.name}" for p in TERRAFORM.iterdir() if (p / "expected.tsv").is_file()) + ["tfjson"]
UNKNOWN_POLICY_FOLDER = "terraform/variables_and_locals"
Row = Tuple[str, str, str, str, str]


class Scan:
    def __init__(self, folder: str, policy: Optional[Path] = None) -> None:
        self.path = FIXTURES / folder
        extra = ["--policy", str(policy)] if policy else []
        # -d . from inside the folder: checkov reports files relative to it ("/main.tf")
        self.process = run_pitr("-d", ".", "-o", "json", *extra, cwd=self.path)
        self.report: Dict[Key, List[dict]] = index_report(self.process.stdout)


_scans: Dict[Tuple[str, str], Scan] = {}


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    def get(folder: str, policy: str = "default") -> Scan:
        if (folder, policy) not in _scans:
            policy_file = None
            if policy == "unknown":
                policy_file = tmp_path_factory.mktemp("policy") / "unresolved-unknown.yaml"
                policy_file.write_text("min_recovery_period_days: 35\nunresolved: unknown\n", encoding="utf-8")
            _scans[(folder, policy)] = Scan(folder, policy_file)
        return _scans[(folder, policy)]

    return get


def _framework(folder: str) -> str:
    return "terraform_json" if folder == "tfjson" else "terraform"


def assert_row(report: Dict[Key, List[dict]], row: Row, framework: str) -> None:
    file, resource, check_id, verdict, message = row
    records = report.get((file, resource, check_id), [])
    if verdict == "NONE":
        assert records == [], f"expected no result, got {[(r['_verdict'], r['details']) for r in records]}"
        return
    assert len(records) == 1, f"expected one {verdict} result, got {[r['_verdict'] for r in records]}"
    record = records[0]
    assert record["_verdict"] == verdict, record["details"]
    assert record["_check_type"] == framework
    if verdict == "SKIPPED":
        assert message in (record["check_result"].get("suppress_comment") or ""), record["check_result"]
    elif message:
        assert len(record["details"]) == 1 and message in record["details"][0], record["details"]
        assert "\n" not in record["details"][0]


def _rows() -> List[Tuple[str, Row]]:
    return [(folder, row) for folder in FOLDERS for row in read_expected(FIXTURES / folder / "expected.tsv")]


@pytest.mark.parametrize("folder,row", _rows(), ids=[f"{f}{r[0]}:{r[1]}:{r[2]}" for f, r in _rows()])
def test_expected_row(scans, folder: str, row: Row) -> None:
    assert_row(scans(folder).report, row, _framework(folder))


def _unknown_rows() -> List[Row]:
    return read_expected(FIXTURES / UNKNOWN_POLICY_FOLDER / "expected_unresolved_unknown.tsv")


@pytest.mark.parametrize("row", _unknown_rows(), ids=[f"{r[1]}:{r[2]}" for r in _unknown_rows()])
def test_expected_row_under_unresolved_unknown(scans, row: Row) -> None:
    assert_row(scans(UNKNOWN_POLICY_FOLDER, "unknown").report, row, "terraform")


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_result_is_expected(scans, folder: str) -> None:
    # a result nobody wrote down is either a new behaviour or a duplicate: both need a look
    scan = scans(folder)
    written = {row[:3] for row in read_expected(scan.path / "expected.tsv")}
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
