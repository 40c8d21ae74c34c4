"""examples/terraform and examples/plan: the rule's reference cc-game-scores table passes; each fail_
example fails one of our checks; checkov's own CKV_AWS_28 misses the replica without PITR."""
from __future__ import annotations

from typing import Dict, List

import pytest

from conftest import REPO, Key, Row, assert_row, index_report, run, run_pitr, tool

EXAMPLES = REPO / "examples"
MODULE_FILE = "/terraform/fail_module_called_twice/modules/game_table/main.tf"
AFTER_INIT = "/terraform/fail_registry_module_after_init"
MODULE_PLAN = "/plan/fail_module_creates_table_without_pitr.json"
OFF_PLAN = "/plan/fail_update_turns_pitr_off.json"
SCORES = 'module.game_tables["scores"].aws_dynamodb_table.this[0]'
SESSIONS = 'module.game_tables["sessions"].aws_dynamodb_table.this[0]'

# file (relative to examples/), resource, check, verdict, message substring (NONE: no result)
EXPECTED: List[Row] = [
    ("/terraform/pass_cc_game_scores/main.tf", "aws_dynamodb_table.aws-dynamodb-table", "CKV_PITR_001", "PASSED",
     "aws_dynamodb_table.aws-dynamodb-table: point_in_time_recovery.enabled is true"),
    ("/terraform/pass_cc_game_scores/main.tf", "aws_dynamodb_table.aws-dynamodb-table", "CKV_PITR_002", "PASSED",
     "recovery_period_in_days not set (35 days by default)"),
    ("/terraform/fail_replica_missing_pitr/main.tf", "aws_dynamodb_table.game_scores_global", "CKV_PITR_001", "FAILED",
     "replica eu-west-2 of aws_dynamodb_table.game_scores_global: point_in_time_recovery not set (false by default); "
     "set point_in_time_recovery = true in the replica"),
    ("/terraform/fail_replica_missing_pitr/main.tf", "aws_dynamodb_table.game_scores_global", "CKV_PITR_002", "PASSED",
     "replica us-west-2 of aws_dynamodb_table.game_scores_global"),
    ("/terraform/fail_awscc_table_without_pitr/main.tf", "awscc_dynamodb_table.game_scores", "CKV_PITR_001", "FAILED",
     "point_in_time_recovery_specification missing (PITR is off by default)"),
    ("/terraform/fail_awscc_table_without_pitr/main.tf", "awscc_dynamodb_table.game_scores", "CKV_PITR_002", "NONE", ""),
    (f"{AFTER_INIT}/.terraform/modules/orders/main.tf", "module.orders.aws_dynamodb_table.this", "CKV_PITR_001",
     "PASSED", "enabled is true"),
    (f"{AFTER_INIT}/.terraform/modules/orders/main.tf", "module.orders.aws_dynamodb_table.this", "CKV_PITR_002",
     "PASSED", "recovery_period_in_days not set (35 days by default)"),
    (f"{AFTER_INIT}/.terraform/modules/sessions/main.tf", "module.sessions.aws_dynamodb_table.this", "CKV_PITR_001",
     "FAILED", "module.sessions.aws_dynamodb_table.this: point_in_time_recovery.enabled is false"),
    (MODULE_FILE, "module.scores_table.aws_dynamodb_table.this", "CKV_PITR_001", "PASSED", "enabled is true"),
    (MODULE_FILE, "module.scores_table.aws_dynamodb_table.this", "CKV_PITR_002", "PASSED", ""),
    (MODULE_FILE, "module.sessions_table.aws_dynamodb_table.this", "CKV_PITR_001", "FAILED",
     "module.sessions_table.aws_dynamodb_table.this: point_in_time_recovery.enabled is false"),
    (MODULE_FILE, "module.sessions_table.aws_dynamodb_table.this", "CKV_PITR_002", "NONE", ""),
    (MODULE_PLAN, SCORES, "CKV_PITR_001", "PASSED", ""),
    (MODULE_PLAN, SCORES, "CKV_PITR_002", "PASSED", "recovery_period_in_days is 35"),
    (MODULE_PLAN, SCORES, "CKV_PITR_003", "PASSED", "create: no existing PITR setting changes"),
    (MODULE_PLAN, SESSIONS, "CKV_PITR_001", "FAILED",
     f"{SESSIONS}: point_in_time_recovery.enabled is false; set point_in_time_recovery {{ enabled = true }}"),
    (MODULE_PLAN, SESSIONS, "CKV_PITR_002", "NONE", ""),
    (MODULE_PLAN, SESSIONS, "CKV_PITR_003", "PASSED", "create"),
    (OFF_PLAN, "aws_dynamodb_table.game_scores", "CKV_PITR_001", "FAILED", "point_in_time_recovery.enabled is false"),
    (OFF_PLAN, "aws_dynamodb_table.game_scores", "CKV_PITR_002", "NONE", ""),
    (OFF_PLAN, "aws_dynamodb_table.game_scores", "CKV_PITR_003", "FAILED",
     "aws_dynamodb_table.game_scores: apply turns PITR off (point_in_time_recovery.enabled is false) and deletes its "
     "continuous backups and its 35-day restore window"),
]


@pytest.fixture(scope="module")
def ours() -> Dict[Key, List[dict]]:
    process = run_pitr("-d", ".", "--framework", "terraform", "terraform_plan", "-o", "json", cwd=EXAMPLES)
    assert process.returncode == 1, process.stderr[-2000:]  # the fail_ examples fail
    assert "Traceback" not in process.stderr
    return index_report(process.stdout)


@pytest.mark.parametrize("row", EXPECTED, ids=[f"{r[0][1:]}:{r[1]}:{r[2]}" for r in EXPECTED])
def test_example_verdict(ours, row: Row) -> None:
    assert_row(ours, row)


def test_every_example_result_is_expected(ours) -> None:
    assert set(ours) == {row[:3] for row in EXPECTED if row[3] != "NONE"}


def test_every_fail_example_fails_one_of_our_checks(ours) -> None:
    failed_files = {key[0] for key, records in ours.items() if any(r["_verdict"] == "FAILED" for r in records)}
    fail_examples = {f"/terraform/{p.name}" for p in (EXAMPLES / "terraform").glob("fail_*")}
    fail_examples |= {f"/plan/{p.name}" for p in (EXAMPLES / "plan").glob("fail_*")}
    assert len(fail_examples) == 6
    assert {next(e for e in fail_examples if f.startswith(e)) for f in failed_files} == fail_examples


def test_example_plans_are_one_line_like_terraform_show_json() -> None:
    for path in (EXAMPLES / "plan").glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") == 1 and text.startswith('{"format_version":"1.2"'), path.name


def test_reference_table_is_the_rules_cc_game_scores() -> None:
    text = (EXAMPLES / "terraform" / "pass_cc_game_scores" / "main.tf").read_text(encoding="utf-8")
    assert 'name           = "cc-game-scores"' in text
    assert "point_in_time_recovery {\n    enabled = true\n  }" in text


def test_checkov_builtin_check_misses_the_replica() -> None:
    process = run([tool("checkov"), "--skip-download", "--framework", "terraform", "--check", "CKV_AWS_28",
                   "-d", ".", "-o", "json"], cwd=EXAMPLES / "terraform")
    builtin = index_report(process.stdout)
    records = builtin[("/fail_replica_missing_pitr/main.tf", "aws_dynamodb_table.game_scores_global", "CKV_AWS_28")]
    assert [r["_verdict"] for r in records] == ["PASSED"]  # CKV_AWS_28 does not look at replica blocks
