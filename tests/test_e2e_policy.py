"""Policy files end to end: `checkov-pitr --policy FILE` on CloudFormation, SAM, Terraform and a plan,
invalid policies (exit 2, one line), and what plain checkov honours.

Policies are written at test time with expiry dates relative to today, so the tests never rot.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import FIXTURES, Key, index_report, read_expected, run, run_pitr, tool

SCAN = FIXTURES / "policy" / "scan"
PLAIN = FIXTURES / "policy" / "plain"

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
LATER = TODAY + dt.timedelta(days=90)

# The exemptions' indexes are named in expected.tsv: append new entries at the end.
SCAN_POLICY = f"""\
min_recovery_period_days: 7
unresolved: unknown
severity:
  CKV_PITR_001: LOW
  CKV_PITR_002: HIGH
exemptions:
  - resources: ["AWS::DynamoDB::Table.Scratch*"]                  # 0: checks subset
    checks: [CKV_PITR_002]
    reason: Scratch tables for load tests
    expires: {LATER}
    owner: perf-team
    ticket: PERF-7
  - resources: ["module.cache.*", aws_dynamodb_table.sessions]    # 1: address globs
    reason: Rebuilt from the source of truth on every deploy
    expires: {LATER}
    owner: platform-team
  - tags: {{backup: exempt}}                                      # 2: tag on CFN list, SAM map, Terraform
    reason: Tagged exempt by the data owner
    expires: {LATER}
  - tags: {{ephemeral: true}}                                     # 3: YAML true vs the template's "true"
    reason: Ephemeral test data
    expires: {LATER}
  - tags: {{stage: dev, data-class: synthetic}}                   # 4: every tag must match
    reason: Synthetic dev data
    expires: {LATER}
  - resources: ["AWS::DynamoDB::Table.LegacyOrders", aws_dynamodb_table.legacy]  # 5: expired
    reason: Legacy tables being migrated
    expires: {YESTERDAY}
  - resources: ["AWS::DynamoDB::Table.EndsToday"]                 # 6: the expiry day itself applies
    reason: Last day of the migration window
    expires: {TODAY}
  - resources: [aws_dynamodb_table.live]                          # 7: CKV_PITR_003 only
    checks: [CKV_PITR_003]
    reason: Switching to on-demand backups
    expires: {LATER}
  - resources: ['aws_dynamodb_table.keyed["blue"]']               # 8: a for_each instance
    reason: Blue is being retired
    expires: {LATER}
  - resources: [aws_dynamodb_table.does_not_exist]                # 9: matches nothing
    reason: Table removed last quarter
    expires: {LATER}
"""


class Scan:
    def __init__(self, proc: subprocess.CompletedProcess, report: Dict[Key, List[dict]], policy: Path) -> None:
        self.proc, self.report, self.policy = proc, report, policy


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """One checkov run over the whole folder: CLI output on stdout, JSON into a file."""
    work = tmp_path_factory.mktemp("policy_scan")
    policy = work / "pitr-policy.yaml"
    policy.write_text(SCAN_POLICY, encoding="utf-8")
    out = work / "out"
    proc = run_pitr("--policy", str(policy), "-d", str(SCAN), "-o", "cli", "-o", "json",
                    "--output-file-path", str(out), cwd=work)
    report = index_report((out / "results_json.json").read_text(encoding="utf-8"))
    return Scan(proc, report, policy)


def test_scan_exit_code_is_checkovs(scan: Scan) -> None:
    assert scan.proc.returncode == 1, scan.proc.stderr  # findings remain


EXPECTED = read_expected(SCAN / "expected.tsv")


@pytest.mark.parametrize("file,resource,check,verdict,message", EXPECTED,
                         ids=[f"{r[1]}-{r[2]}" for r in EXPECTED])
def test_scan_results(scan: Scan, file: str, resource: str, check: str, verdict: str, message: str) -> None:
    records = scan.report.get((file, resource, check), [])
    if verdict == "NONE":
        assert records == []
        return
    assert [r["_verdict"] for r in records] == [verdict], records
    record = records[0]
    text = record["check_result"].get("suppress_comment") if verdict == "SKIPPED" else " ".join(record.get("details") or [])
    assert message in (text or "")


def test_scan_reports_nothing_beyond_expected_tsv(scan: Scan) -> None:
    # e.g. no SKIPPED CKV_PITR_003 on Terraform source: an exemption skips only what a check judges
    listed = {(f, r, c) for f, r, c, _, _ in EXPECTED}
    assert set(scan.report) - listed == set()


def test_skipped_result_shows_reason_owner_and_expiry_in_json_and_cli(scan: Scan) -> None:
    comment = (f"checkov-pitr policy exemptions[0] (AWS::DynamoDB::Table.Scratch*): Scratch tables for load tests "
               f"(expires {LATER.isoformat()}; owner perf-team; ticket PERF-7)")
    [record] = scan.report[("/cfn_exemptions.yaml", "AWS::DynamoDB::Table.ScratchLoadTest", "CKV_PITR_002")]
    assert record["check_result"] == {"result": "SKIPPED", "suppress_comment": comment}
    assert f"Suppress comment: {comment}" in scan.proc.stdout
    plan_comment = scan.report[("/tfplan.json", 'module.cache.aws_dynamodb_table.this["a"]', "CKV_PITR_001")][0]
    assert plan_comment["check_result"]["suppress_comment"].endswith(f"(expires {LATER.isoformat()}; owner platform-team)")


def test_exemption_applies_on_its_expiry_day(scan: Scan) -> None:
    [record] = scan.report[("/cfn_exemptions.yaml", "AWS::DynamoDB::Table.EndsToday", "CKV_PITR_001")]
    assert record["check_result"]["suppress_comment"].endswith(f"(expires {TODAY.isoformat()})")


@pytest.mark.parametrize("key", [
    ("/cfn_exemptions.yaml", "AWS::DynamoDB::Table.LegacyOrders", "CKV_PITR_001"),
    ("/main.tf", "aws_dynamodb_table.legacy", "CKV_PITR_001"),
    ("/tfplan.json", "aws_dynamodb_table.legacy", "CKV_PITR_001"),
], ids=["cloudformation", "terraform", "plan"])
def test_expired_exemption_fails_saying_it_expired_and_when(scan: Scan, key: Key) -> None:
    [record] = scan.report[key]
    assert record["_verdict"] == "FAILED"
    [details] = record["details"]
    assert details.endswith(f"expired on {YESTERDAY.isoformat()})")
    assert f"expired on {YESTERDAY.isoformat()}" in scan.proc.stdout  # CLI `Details:` too


def test_stale_exemption_gets_exactly_one_warning_line(scan: Scan) -> None:
    # (the run also lists each exemption that matched, on lines that are no warnings: test_pr_cannot_weaken.py)
    warnings = [line for line in scan.proc.stderr.splitlines() if "exemptions[" in line and ": warning: " in line]
    assert warnings == [f"checkov-pitr: warning: policy {scan.policy}: exemptions[9] (aws_dynamodb_table.does_not_exist) "
                        "matched no resource in this run; remove it if it is stale"]
    assert "Traceback" not in scan.proc.stderr


def test_severity_override_in_json_records(scan: Scan) -> None:
    severities: Dict[str, set] = {}
    for records in scan.report.values():
        for record in records:
            severities.setdefault(record["check_id"], set()).add(record["severity"])
    assert severities == {"CKV_PITR_001": {"LOW"}, "CKV_PITR_002": {"HIGH"}, "CKV_PITR_003": {"CRITICAL"}}


# --- invalid policy: exit 2, one stderr line, no scan ------------------------------------------------

INVALID_POLICY = "exemptions:\n  - resources: [aws_dynamodb_table.t]\n    reason: r\n    expires: 2027-13-45\n"
INVALID_MESSAGE = ": exemptions[0].expires: expected a date YYYY-MM-DD (got '2027-13-45')"


def assert_policy_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, (proc.stdout[-500:], proc.stderr[-500:])
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("checkov-pitr: policy ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert proc.stdout == ""


def test_invalid_policy_named_by_option(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(INVALID_POLICY, encoding="utf-8")
    assert_policy_error(run_pitr("--policy", "bad.yaml", "-d", str(PLAIN), cwd=tmp_path),
                        "policy bad.yaml" + INVALID_MESSAGE)


def test_invalid_policy_from_environment_and_local_file(tmp_path: Path) -> None:
    (tmp_path / "env.yaml").write_text("min_recovery_period_days: 36\n", encoding="utf-8")
    assert_policy_error(run_pitr("-d", str(PLAIN), cwd=tmp_path, env={"CHECKOV_PITR_POLICY": "env.yaml"}),
                        "policy env.yaml: min_recovery_period_days: expected a whole number from 1 to 35 (got 36)")
    (tmp_path / ".checkov-pitr.yaml").write_text("unresolved: maybe\n", encoding="utf-8")
    assert_policy_error(run_pitr("-d", str(PLAIN), cwd=tmp_path),
                        ".checkov-pitr.yaml: unresolved: expected one of fail, unknown (got 'maybe')")


@pytest.mark.parametrize("args,fragment", [
    (["--policy", "missing.yaml"], "policy missing.yaml: cannot be read (No such file or directory)"),
    (["--policy=not-yaml.yaml"], "policy not-yaml.yaml: is not valid YAML at line"),
    (["-d", str(PLAIN), "--policy"], "--policy needs a file name"),
], ids=["missing", "not_yaml", "no_value"])
def test_unusable_policy_argument(tmp_path: Path, args: List[str], fragment: str) -> None:
    (tmp_path / "not-yaml.yaml").write_text("exemptions: [unclosed\n  reason: : :\n", encoding="utf-8")
    proc = run_pitr(*args, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"checkov-pitr: {fragment}")


# --- plain checkov with --external-checks-dir ---------------------------------------------------------

PLAIN_POLICY = f"""\
exemptions:
  - resources: [ScratchPlain]
    reason: {{reason}}
    expires: {LATER}
"""


def plain_checkov(cwd: Path, env: Dict[str, str]) -> Tuple[subprocess.CompletedProcess, Dict[Key, List[dict]]]:
    checks_dir = subprocess.run([tool("checkov-pitr"), "--checks-dir"], capture_output=True, text=True,
                                check=True).stdout.strip()
    proc = run([tool("checkov"), "--skip-download", "--external-checks-dir", checks_dir, "-d", str(PLAIN),
                "--framework", "cloudformation", "--check", "CKV_PITR_001,CKV_PITR_002", "-o", "json"],
               cwd=cwd, env=env)
    return proc, index_report(proc.stdout)


@pytest.mark.parametrize("where", ["environment", "current_directory"])
def test_plain_checkov_honours_the_policy(tmp_path: Path, where: str) -> None:
    env: Dict[str, str] = {}
    if where == "environment":
        policy = tmp_path / "team-policy.yaml"
        env["CHECKOV_PITR_POLICY"] = str(policy)
    else:
        policy = tmp_path / ".checkov-pitr.yaml"
    policy.write_text(PLAIN_POLICY.format(reason=f"found via {where}"), encoding="utf-8")
    proc, report = plain_checkov(tmp_path, env)
    [record] = report[("/scratch_table.yaml", "AWS::DynamoDB::Table.ScratchPlain", "CKV_PITR_001")]
    assert record["_verdict"] == "SKIPPED", proc.stderr[-2000:]
    assert f"found via {where} (expires {LATER.isoformat()})" in record["check_result"]["suppress_comment"]


def test_plain_checkov_with_an_invalid_policy_fails_closed(tmp_path: Path) -> None:
    (tmp_path / ".checkov-pitr.yaml").write_text("min_recovery_period_days: 0\n", encoding="utf-8")
    proc, report = plain_checkov(tmp_path, {})
    assert proc.returncode == 1
    [record] = report[("/scratch_table.yaml", "AWS::DynamoDB::Table.ScratchPlain", "CKV_PITR_001")]
    assert record["_verdict"] == "FAILED"
    assert "the policy is invalid" in record["details"][0]
    assert "min_recovery_period_days: expected a whole number from 1 to 35 (got 0)" in record["details"][0]
