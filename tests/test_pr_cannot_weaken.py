"""Nothing a pull request adds to the scanned tree weakens the gate without it showing (issue 10;
SPEC "What a pull request cannot change", "Exemptions").

- a `.checkov.yaml` in the scanned folder or the working directory is not read (soft-fail, skip-path,
  external checks from a git repository: none of it applies, and no smuggled check is imported);
- `--config-file FILE` is read, its check / skip-check / framework keys work with ours, and keys that
  load checks or reach a vendor service stop the run;
- a `checkov:skip=` text inside a value skips nothing; a comment does;
- `aws_dynamodb_table.cache` in a policy exempts the root table, never a module's table of that name;
- the run states the policy, each exemption that matched and each table left UNKNOWN.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import FIXTURES, assert_row, index_report, read_expected, run, run_pitr, tool

PR = FIXTURES / "pr"
ATTACK = PR / "config_attack"
SMUGGLED_CHECK = '''"""Stands for a check a pull request would smuggle in: importing it leaves a marker file."""
import os

with open(os.environ["PITR_MARKER_FILE"], "w", encoding="utf-8") as marker:
    marker.write("imported by checkov\\n")
'''
LATER = dt.date.today() + dt.timedelta(days=30)


# --- checkov config files in the tree ------------------------------------------------------------------

@pytest.fixture
def attack(tmp_path: Path) -> Dict[str, Path]:
    """A local git repository of "checks" whose import writes a marker, and a scanned folder with a
    table that must fail; `config(where)` writes a .checkov.yaml that would switch the gate off."""
    evil = tmp_path / "evil"
    # written here, never kept in the repository: checkov's --external-checks-git loads every module
    # of a cloned repository, so a module in our own tree would run for users of that flag
    (evil / "checks").mkdir(parents=True)
    (evil / "checks" / "__init__.py").write_text("", encoding="utf-8")
    (evil / "checks" / "writes_marker.py").write_text(SMUGGLED_CHECK, encoding="utf-8")
    for command in (["init", "-q"], ["add", "."], ["-c", "user.email=t@example.com", "-c", "user.name=t",
                                                   "commit", "-q", "-m", "checks"]):
        subprocess.run(["git", *command], cwd=evil, check=True, capture_output=True)
    scanned = tmp_path / "repo"
    shutil.copytree(ATTACK / "scanned", scanned)
    work = tmp_path / "work"
    work.mkdir()
    return {"evil": evil, "scanned": scanned, "work": work, "marker": tmp_path / "imported.marker"}


def write_weakening_config(folder: Path, evil: Path) -> None:
    (folder / ".checkov.yaml").write_text(
        "soft-fail: true\n"
        "soft-fail-on: [CKV_PITR_001, CKV_PITR_002, CKV_PITR_003]\n"
        "skip-path: [main.tf]\n"
        f"external-checks-git: ['{evil}//checks']\n", encoding="utf-8")


def test_plain_checkov_would_read_the_config_and_import_the_smuggled_check(attack: Dict[str, Path]) -> None:
    """The attack is real: without checkov-pitr's guard, the marker is written and the run passes."""
    write_weakening_config(attack["scanned"], attack["evil"])
    proc = run([tool("checkov"), "-d", ".", "--framework", "terraform", "--skip-download", "--quiet"],
               cwd=attack["scanned"], env={"PITR_MARKER_FILE": str(attack["marker"])})
    assert proc.returncode == 0
    assert attack["marker"].exists()


@pytest.mark.parametrize("where", ["scanned_folder", "working_directory"])
def test_a_checkov_config_in_the_tree_is_not_read(attack: Dict[str, Path], where: str) -> None:
    config_folder = attack["scanned"] if where == "scanned_folder" else attack["work"]
    write_weakening_config(config_folder, attack["evil"])
    proc = run_pitr("-d", str(attack["scanned"]), "-o", "json", cwd=attack["work"],
                    env={"PITR_MARKER_FILE": str(attack["marker"])})
    assert proc.returncode == 1, proc.stderr[-2000:]  # no soft-fail
    report = index_report(proc.stdout)
    [record] = report[("/main.tf", "aws_dynamodb_table.orders", "CKV_PITR_001")]  # no skip-path
    assert record["_verdict"] == "FAILED"
    assert not attack["marker"].exists()  # no external checks from git
    assert not list(attack["work"].glob("*_checks")) and not list(attack["scanned"].glob("*_checks"))  # no clone


# --- --config-file FILE -----------------------------------------------------------------------------

def config_run(tmp_path: Path, text: str, *extra: str) -> subprocess.CompletedProcess:
    config = tmp_path / "team.checkov.yaml"
    config.write_text(text, encoding="utf-8")
    return run_pitr("--config-file", str(config), "-d", str(PR / "config_file_keys"), "-o", "json", *extra,
                    cwd=tmp_path)


def verdicts(proc: subprocess.CompletedProcess) -> Dict[str, List[str]]:
    return {check: [r["_verdict"] for r in records]
            for (_, _, check), records in index_report(proc.stdout).items()}


def test_config_skip_check_works_with_our_checks(tmp_path: Path) -> None:
    proc = config_run(tmp_path, "skip-check: [CKV_PITR_002]\nframework: [terraform]\n")
    assert proc.returncode == 0, proc.stderr[-2000:]  # checkov itself: "--check and --skip-check must be mutually exclusive"
    assert verdicts(proc) == {"CKV_PITR_001": ["PASSED"]}
    assert f"checkov-pitr: config file {tmp_path / 'team.checkov.yaml'}: skip-check: CKV_PITR_002" in proc.stderr.splitlines()


def test_config_check_selects_among_our_checks(tmp_path: Path) -> None:
    proc = config_run(tmp_path, "check: CKV_PITR_002\n")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert verdicts(proc) == {"CKV_PITR_002": ["FAILED"]}


def test_the_command_line_wins_over_the_config_file(tmp_path: Path) -> None:
    proc = config_run(tmp_path, "soft-fail: true\ncheck: CKV_PITR_001\n", "--check", "CKV_PITR_002")
    assert proc.returncode == 0  # soft-fail from the file, stated on stderr
    assert verdicts(proc) == {"CKV_PITR_002": ["FAILED"]}
    assert any(line.endswith("check: ignored, the command line sets it") for line in proc.stderr.splitlines())
    assert any(line.endswith("soft-fail: true") for line in proc.stderr.splitlines())


@pytest.mark.parametrize("setting, reason", [
    ("external-checks-dir: [/tmp]", "loads checks from elsewhere"),
    ("external-checks-git: ['git::https://example.com/x.git//checks']", "loads checks from elsewhere"),
    ("run-all-external-checks: true", "loads checks from elsewhere"),
    ("bc-api-key: 00000000-0000-0000-0000-000000000000", "vendor service"),
    ("repo-id: org/repo", "vendor service"),
    ("download-external-modules: true", "vendor service"),
    ("baseline: .checkov.baseline", "hides findings"),
    ("no-fail-on-crash: true", "turns a crash into a pass"),
    ("deep-analysis: true", "is not a setting checkov-pitr takes from a config file"),
    ("not-an-option: 1", "is not a setting checkov-pitr takes from a config file"),
], ids=lambda value: value.split(":")[0] if ":" in value else None)
def test_config_keys_that_would_weaken_the_gate_stop_the_run(tmp_path: Path, setting: str, reason: str) -> None:
    proc = config_run(tmp_path, f"compact: true\n{setting}\n")
    assert proc.returncode == 2 and proc.stdout == ""
    [line] = proc.stderr.splitlines()
    key = setting.split(":")[0]
    assert line.startswith(f"checkov-pitr: config file {tmp_path / 'team.checkov.yaml'}: `{key}`")
    assert reason in line


def test_a_missing_config_file_stops_the_run(tmp_path: Path) -> None:
    proc = run_pitr("--config-file", "gone.yaml", "-d", str(PR / "config_file_keys"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["checkov-pitr: config file gone.yaml: does not exist"]


# --- skips only from comments ------------------------------------------------------------------------

SKIP_ROWS = read_expected(PR / "skip_text_in_values" / "expected.tsv")


@pytest.fixture(scope="module")
def skip_scan() -> subprocess.CompletedProcess:
    return run_pitr("-d", ".", "-o", "json", cwd=PR / "skip_text_in_values")


@pytest.mark.parametrize("row", SKIP_ROWS, ids=[row[1] for row in SKIP_ROWS])
def test_only_a_comment_or_metadata_skips_a_check(skip_scan: subprocess.CompletedProcess, row) -> None:
    assert_row(index_report(skip_scan.stdout), row)


def test_skip_text_in_values_fails_the_run(skip_scan: subprocess.CompletedProcess) -> None:
    assert skip_scan.returncode == 1


# --- whole addresses ---------------------------------------------------------------------------------

def test_a_root_address_never_exempts_a_module_table_of_the_same_name(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"exemptions:\n  - resources: [aws_dynamodb_table.cache]\n    reason: root cache\n"
                      f"    expires: {LATER}\n", encoding="utf-8")
    proc = run_pitr("--policy", str(policy), "-d", ".", "-o", "json", "--framework", "terraform",
                    cwd=PR / "root_glob_vs_module_table")
    assert proc.returncode == 1, proc.stderr[-2000:]
    report = index_report(proc.stdout)
    [root] = report[("/main.tf", "aws_dynamodb_table.cache", "CKV_PITR_001")]
    [module] = report[("/modules/payments/main.tf", "module.payments.aws_dynamodb_table.cache", "CKV_PITR_001")]
    assert (root["_verdict"], module["_verdict"]) == ("SKIPPED", "FAILED")


# --- what the run states -----------------------------------------------------------------------------

VISIBLE_POLICY = f"""\
unresolved: unknown
exemptions:
  - resources: [aws_dynamodb_table.scratch]
    checks: [CKV_PITR_001]
    reason: Scratch data for load tests
    expires: {LATER}
"""


@pytest.fixture(scope="module")
def visible(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("visible")
    policy = work / "policy.yaml"
    policy.write_text(VISIBLE_POLICY, encoding="utf-8")
    proc = run_pitr("--policy", str(policy), "-d", str(PR / "visible_exemption_and_unknown"), "-o", "sarif",
                    "--output-file-path", str(work), cwd=work)
    sarif = json.loads((work / "results_sarif.sarif").read_text(encoding="utf-8"))
    return proc, sarif, policy


def test_sarif_run_names_policy_exemption_and_unknown_table(visible) -> None:
    proc, sarif, policy = visible
    assert proc.returncode == 1  # orders still fails
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    by_kind: Dict[str, List[dict]] = {}
    for note in notes:
        by_kind.setdefault(note.get("descriptor", {}).get("id", ""), []).append(note)
    [policy_note] = by_kind["checkov-pitr/policy"]
    assert policy_note["properties"]["policy"] == str(policy)
    assert policy_note["properties"]["unresolved"] == "unknown"
    [exemption] = by_kind["checkov-pitr/exemption-matched"]
    assert exemption["properties"] == {"exemption": 0, "resource": "aws_dynamodb_table.scratch",
                                       "checks": ["CKV_PITR_001"], "reason": "Scratch data for load tests",
                                       "expires": LATER.isoformat()}
    [unknown] = by_kind["checkov-pitr/unknown"]
    assert unknown["properties"] == {"resource": "aws_dynamodb_table.unresolved", "checkId": "CKV_PITR_001"}
    assert "depends on var.pitr" in unknown["message"]["text"]
    assert unknown["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "main.tf"  # scan-root relative
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CKV_PITR_001"]  # orders only


def test_cli_states_policy_exemption_and_unknown_table(visible) -> None:
    """Needs the lead's call of visibility.visibility_lines() after the run (see the report)."""
    proc, _, policy = visible
    lines = proc.stderr.splitlines()
    assert f"checkov-pitr: policy in effect: {policy} (min_recovery_period_days 35, unresolved unknown, " \
           "max_exemption_days 366, 1 exemption(s))" in lines
    assert (f"checkov-pitr: exemption exemptions[0] (aws_dynamodb_table.scratch) skipped aws_dynamodb_table.scratch "
            f"for CKV_PITR_001: Scratch data for load tests (expires {LATER.isoformat()}; covers CKV_PITR_001)") in lines
    assert any(line.startswith("checkov-pitr: UNKNOWN (policy unresolved: unknown, no result): "
                               "aws_dynamodb_table.unresolved CKV_PITR_001") for line in lines)
