"""The `checkov-pitr` command line: checks folder, exit codes, only our checks, offline, policy errors.

Three in-process runs in all (module-scoped): a failing file as JSON, the same file with
`--check CKV_PITR_001 --soft-fail`, and a passing file with `-o cli`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from checkov_pitr import cli
from checkov_pitr.rule import CHECKS
from conftest import FIXTURES, index_report, run_pitr

FAILING = FIXTURES / "cloudformation" / "fail_table_off.json"  # Carts: PITR false
PASSING = FIXTURES / "cloudformation" / "pass_table_on.json"  # Sessions: PITR true, 35 days

# What a network attempt from checkov or its HTTP stack looks like on stderr.
NETWORK_NOISE = ("Traceback", "Max retries", "ConnectionError", "NameResolutionError", "HTTPSConnectionPool",
                 "Failed to establish a new connection", "Temporary failure in name resolution")


@pytest.fixture(scope="module")
def default_run():
    return run_pitr("-f", str(FAILING), "-o", "json")


@pytest.fixture(scope="module")
def builtin_and_soft_fail_run():
    return run_pitr("-f", str(FAILING), "-o", "json", "--check", "CKV_PITR_001", "--soft-fail")


@pytest.fixture(scope="module")
def cli_output_run():
    return run_pitr("-f", str(PASSING), "-o", "cli")


def test_checks_dir_prints_the_installed_checks_folder() -> None:
    process = run_pitr("--checks-dir")
    assert process.returncode == 0
    lines = process.stdout.splitlines()
    assert len(lines) == 1
    folder = Path(lines[0])
    assert folder.is_absolute() and folder.is_dir()
    assert (folder / "__init__.py").is_file()
    modules = sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")
    assert modules == ["checkov_pitr_checks.py"]
    for module in modules:
        assert "checks = " in (folder / module).read_text(encoding="utf-8")
    assert str(folder) == cli.checks_dir()


def test_a_failure_exits_1_with_only_our_checks(default_run) -> None:
    assert default_run.returncode == 1, default_run.stderr[-2000:]
    report = index_report(default_run.stdout)
    check_ids = {key[2] for key in report}
    assert check_ids == {"CKV_PITR_001"}  # 002 gives no result: PITR is enabled nowhere
    records = [r for (_, resource, _), found in report.items() for r in found]
    assert [(r["resource"], r["_verdict"]) for r in records] == [("AWS::DynamoDB::Table.Carts", "FAILED")]
    assert not any(key[2] == "CKV_AWS_28" for key in report)


def test_check_argument_selects_ours_and_soft_fail_exits_0(builtin_and_soft_fail_run) -> None:
    process = builtin_and_soft_fail_run
    assert process.returncode == 0, process.stderr[-2000:]
    report = index_report(process.stdout)
    verdicts = {key[2]: [r["_verdict"] for r in records] for key, records in report.items()}
    assert verdicts == {"CKV_PITR_001": ["FAILED"]}


def test_checkovs_own_check_ids_are_refused_with_the_plain_checkov_command() -> None:
    process = run_pitr("-f", str(FAILING), "--check", "CKV_AWS_28,CKV_PITR_001")
    assert process.returncode == 2 and process.stdout == ""
    assert process.stderr.splitlines() == [
        "checkov-pitr: CKV_AWS_28 is not a checkov-pitr check (ours: CKV_PITR_001, CKV_PITR_002, CKV_PITR_003); "
        "for checkov's own checks run plain checkov: checkov --check CKV_AWS_28 ..."]


def test_all_passing_exits_0_and_cli_output_shows_severity_and_details(cli_output_run) -> None:
    process = cli_output_run
    assert process.returncode == 0, process.stderr[-2000:]
    assert "Check: CKV_PITR_001" in process.stdout
    assert "PASSED for resource: AWS::DynamoDB::Table.Sessions" in process.stdout
    assert "Severity: HIGH" in process.stdout
    assert "Severity: MEDIUM" in process.stdout
    assert "Details: Sessions: PointInTimeRecoveryEnabled is true" in process.stdout
    assert f"Guide: {CHECKS['CKV_PITR_001'].guideline}" in process.stdout


@pytest.mark.parametrize("run_name", ["default_run", "builtin_and_soft_fail_run", "cli_output_run"])
def test_no_traceback_and_no_network_errors(request, run_name: str) -> None:
    stderr = request.getfixturevalue(run_name).stderr
    for noise in NETWORK_NOISE:
        assert noise not in stderr, stderr[-2000:]


@pytest.mark.parametrize(
    "policy_text,key,expected",
    [
        ("unresolved: maybe\n", "unresolved", "expected one of fail, unknown (got 'maybe')"),
        ("min_recovery_period_days: 50\n", "min_recovery_period_days", "expected a whole number from 1 to 35"),
        ("min_recovery_period_days: 35\nunresolvd: fail\n", "unresolvd", "unknown key"),
    ],
)
def test_invalid_policy_exits_2_with_one_line_naming_the_key(tmp_path: Path, policy_text: str, key: str,
                                                             expected: str) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text, encoding="utf-8")
    process = run_pitr("--policy", str(policy), "-f", str(PASSING), "-o", "json")
    assert process.returncode == 2
    lines = process.stderr.splitlines()
    assert len(lines) == 1, process.stderr
    assert lines[0].startswith("checkov-pitr: policy ")
    assert f"{key}: " in lines[0] and expected in lines[0]
    assert str(policy) in lines[0]
    assert process.stdout == ""  # the scan never started


def test_invalid_policy_found_in_the_current_directory_also_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / ".checkov-pitr.yaml").write_text("unresolved: maybe\n", encoding="utf-8")
    process = run_pitr("-f", str(PASSING), cwd=tmp_path)
    assert process.returncode == 2
    assert len(process.stderr.splitlines()) == 1 and "unresolved" in process.stderr


def test_checks_dir_is_absolute() -> None:
    assert os.path.isabs(cli.checks_dir())


@pytest.mark.parametrize("later_output", ["junitxml", "cli", "sarif"])
def test_compact_json_leaves_the_records_whole_for_the_outputs_after_it(tmp_path: Path, later_output: str) -> None:
    process = run_pitr("-f", str(FAILING), "--compact", "-o", "json", "-o", later_output, cwd=tmp_path)
    assert process.returncode == 1 and "internal error" not in process.stderr
    report = json.loads(process.stdout.split("--- OUTPUT DELIMITER ---")[0])
    assert report["results"]["failed_checks"] and "code_block" not in report["results"]["failed_checks"][0]
