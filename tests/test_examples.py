"""examples/cloudformation: the rule's reference table passes; the fail_ examples fail with our checks
and are NOT failed by checkov's own CKV_AWS_28 / CKV_AWS_165 (the gap this package closes)."""
from __future__ import annotations

import json
from typing import Dict, List

import pytest
import yaml

from conftest import REPO, Key, Row, assert_row, index_report, run, run_pitr, tool

EXAMPLES = REPO / "examples" / "cloudformation"

# file, resource, check, verdict, message substring (NONE: no result)
EXPECTED: List[Row] = [
    ("/pass_cc_game_scores.json", "AWS::DynamoDB::Table.AWSDynamoDBTable", "CKV_PITR_001", "PASSED",
     "AWSDynamoDBTable: PointInTimeRecoveryEnabled is true"),
    ("/pass_cc_game_scores.json", "AWS::DynamoDB::Table.AWSDynamoDBTable", "CKV_PITR_002", "PASSED",
     "RecoveryPeriodInDays not set (35 days by default)"),
    ("/pass_cc_game_scores.yaml", "AWS::DynamoDB::Table.AWSDynamoDBTable", "CKV_PITR_001", "PASSED",
     "AWSDynamoDBTable: PointInTimeRecoveryEnabled is true"),
    ("/pass_cc_game_scores.yaml", "AWS::DynamoDB::Table.AWSDynamoDBTable", "CKV_PITR_002", "PASSED",
     "RecoveryPeriodInDays not set (35 days by default)"),
    ("/fail_global_table_second_replica.yaml", "AWS::DynamoDB::GlobalTable.GameScoresGlobal", "CKV_PITR_001", "FAILED",
     "replica eu-west-1 of GameScoresGlobal: PointInTimeRecoverySpecification missing (PITR is off by default); "
     "set PointInTimeRecoveryEnabled: true"),
    ("/fail_global_table_second_replica.yaml", "AWS::DynamoDB::GlobalTable.GameScoresGlobal", "CKV_PITR_002", "PASSED",
     "replica us-east-1 of GameScoresGlobal"),
    ("/fail_sam_simple_table.yaml", "AWS::Serverless::SimpleTable.GameSessions", "CKV_PITR_001", "FAILED",
     "GameSessions: PointInTimeRecoverySpecification missing (PITR is off by default)"),
    ("/fail_sam_simple_table.yaml", "AWS::Serverless::SimpleTable.GameSessions", "CKV_PITR_002", "NONE", ""),
    ("/fail_recovery_period_7_days.yaml", "AWS::DynamoDB::Table.GameEvents", "CKV_PITR_001", "PASSED",
     "GameEvents: PointInTimeRecoveryEnabled is true"),
    ("/fail_recovery_period_7_days.yaml", "AWS::DynamoDB::Table.GameEvents", "CKV_PITR_002", "FAILED",
     "GameEvents: RecoveryPeriodInDays is 7, shorter than the policy minimum of 35 days"),
]

# What checkov's own checks say about the same files: nothing fails.
BUILTIN_EXPECTED: Dict[Key, str] = {
    ("/pass_cc_game_scores.json", "AWS::DynamoDB::Table.AWSDynamoDBTable", "CKV_AWS_28"): "PASSED",
    ("/pass_cc_game_scores.yaml", "AWS::DynamoDB::Table.AWSDynamoDBTable", "CKV_AWS_28"): "PASSED",
    # reads Replicas[0] only
    ("/fail_global_table_second_replica.yaml", "AWS::DynamoDB::GlobalTable.GameScoresGlobal", "CKV_AWS_165"): "PASSED",
    # PITR is on; the period is not looked at
    ("/fail_recovery_period_7_days.yaml", "AWS::DynamoDB::Table.GameEvents", "CKV_AWS_28"): "PASSED",
    # AWS::Serverless::SimpleTable is not a resource type CKV_AWS_28 knows: no result at all
}


@pytest.fixture(scope="module")
def ours() -> Dict[Key, List[dict]]:
    process = run_pitr("-d", str(EXAMPLES), "-o", "json")
    assert process.returncode == 1, process.stderr[-2000:]  # the fail_ examples fail
    return index_report(process.stdout)


@pytest.fixture(scope="module")
def builtin() -> Dict[Key, List[dict]]:
    process = run([tool("checkov"), "--skip-download", "--framework", "cloudformation",
                   "--check", "CKV_AWS_28,CKV_AWS_165", "-d", str(EXAMPLES), "-o", "json"])
    assert process.returncode == 0, process.stderr[-2000:]  # checkov's own checks fail nothing here
    return index_report(process.stdout)


@pytest.mark.parametrize("row", EXPECTED, ids=[f"{r[0][1:]}:{r[2]}" for r in EXPECTED])
def test_example_verdict(ours, row: Row) -> None:
    assert_row(ours, row)


def test_every_example_result_is_expected(ours) -> None:
    assert set(ours) == {row[:3] for row in EXPECTED if row[3] != "NONE"}


def test_every_fail_example_fails_one_of_our_checks(ours) -> None:
    fail_files = {f"/{p.name}" for p in EXAMPLES.glob("fail_*")}
    assert len(fail_files) == 3
    failed = {key[0] for key, records in ours.items() if any(r["_verdict"] == "FAILED" for r in records)}
    assert failed == fail_files


def test_checkov_builtin_checks_miss_what_we_catch(builtin) -> None:
    verdicts = {key: [r["_verdict"] for r in records] for key, records in builtin.items()}
    assert verdicts == {key: [verdict] for key, verdict in BUILTIN_EXPECTED.items()}
    assert not any(key[0] == "/fail_sam_simple_table.yaml" for key in verdicts)


def test_yaml_reference_template_is_the_json_one() -> None:
    # the rule's YAML is mis-indented in its source; ours must be the same template as its JSON
    from_yaml = yaml.safe_load((EXAMPLES / "pass_cc_game_scores.yaml").read_text(encoding="utf-8"))
    from_json = json.loads((EXAMPLES / "pass_cc_game_scores.json").read_text(encoding="utf-8"))
    assert from_yaml == from_json
    table = from_json["Resources"]["AWSDynamoDBTable"]["Properties"]
    assert table["TableName"] == "cc-game-scores"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
