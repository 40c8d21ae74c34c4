"""CKV_PITR_003 in the core: judge_change on `resource_changes` before/after values, as plain dicts in
the shape `terraform show -json` writes them (raw JSON: the adapter reads resource_changes itself)."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import pytest

from checkov_pitr.domain.core import Result, judge_change, read_terraform

TABLE = "aws_dynamodb_table"
REPLICA = "aws_dynamodb_table_replica"
ADDRESS = 'module.data.aws_dynamodb_table.ledger["eu"]'


def table(pitr: Optional[List[dict]] = None, replicas: Sequence[dict] = ()) -> dict:
    values: dict = {"name": "ledger", "hash_key": "id", "billing_mode": "PAY_PER_REQUEST", "replica": list(replicas)}
    if pitr is not None:
        values["point_in_time_recovery"] = pitr
    return values


def pitr(enabled: bool, days: Optional[int] = 35) -> List[dict]:
    block: dict = {"enabled": enabled}
    if days is not None:
        block["recovery_period_in_days"] = days
    return [block]


def replica(region: str, on: bool) -> dict:
    return {"region_name": region, "point_in_time_recovery": on, "propagate_tags": False, "kms_key_arn": ""}


def change(actions: Sequence[str], before: Any, after: Any, resource_type: str = TABLE, address: str = ADDRESS):
    return judge_change(
        list(actions),
        read_terraform(address, resource_type, before or {}),
        read_terraform(address, resource_type, after or {}),
        address,
    )


CASES = [
    # (name, actions, before, after, resource type, result, substrings)
    ("update turns table PITR off", ["update"], table(pitr(True)), table(pitr(False, 0)), TABLE, Result.FAILED,
     [f"{ADDRESS}: apply turns PITR off", "continuous backups", "35-day restore window", "plan again"]),
    ("update removes the point_in_time_recovery block", ["update"], table(pitr(True)), table(), TABLE, Result.FAILED,
     ["apply turns PITR off (no point_in_time_recovery block", "continuous backups", "restore window"]),
    ("update turns PITR off on a table with a 10-day window", ["update"], table(pitr(True, 10)), table(pitr(False, 0)),
     TABLE, Result.FAILED, ["10-day restore window"]),
    ("update turns a replica's PITR off", ["update"],
     table(pitr(True), [replica("eu-west-1", True), replica("eu-west-2", True)]),
     table(pitr(True), [replica("eu-west-1", False), replica("eu-west-2", True)]), TABLE, Result.FAILED,
     [f"replica eu-west-1 of {ADDRESS}: apply turns PITR off", "continuous backups"]),
    ("update turns aws_dynamodb_table_replica PITR off", ["update"],
     {"global_table_arn": "arn", "point_in_time_recovery": True}, {"global_table_arn": "arn", "point_in_time_recovery": False},
     REPLICA, Result.FAILED, ["apply turns PITR off", "restore window"]),
    ("update shortens the period", ["update"], table(pitr(True, 35)), table(pitr(True, 14)), TABLE, Result.FAILED,
     [f"{ADDRESS}: apply shortens the PITR restore window from 35 to 14 days"]),
    ("update shortens the period from the provider default (absent before)", ["update"], table(pitr(True, None)),
     table(pitr(True, 7)), TABLE, Result.FAILED, ["from 35 to 7 days"]),
    ("update lengthens the period", ["update"], table(pitr(True, 7)), table(pitr(True, 35)), TABLE, Result.PASSED,
     ["keeps PITR"]),
    ("update keeps PITR (tags change)", ["update"], table(pitr(True)), dict(table(pitr(True)), tags={"a": "b"}),
     TABLE, Result.PASSED, ["update keeps PITR where it is enabled today"]),
    ("update keeps PITR, period known only after apply", ["update"], table(pitr(True)), table(pitr(True, None)),
     TABLE, Result.PASSED, []),
    ("update of a table that never had PITR", ["update"], table(pitr(False, 0)), table(pitr(False, 0)), TABLE,
     Result.PASSED, []),
    ("update turns PITR on", ["update"], table(), table(pitr(True)), TABLE, Result.PASSED, []),
    ("update removes a replica (a delete, not a PITR change)", ["update"],
     table(pitr(True), [replica("eu-west-1", True), replica("eu-west-2", True)]),
     table(pitr(True), [replica("eu-west-2", True)]), TABLE, Result.PASSED, []),
    ("replace delete-then-create keeping PITR", ["delete", "create"], table(pitr(True)), table(pitr(True)), TABLE,
     Result.PASSED, ["delete/create keeps PITR"]),
    ("replace create-then-delete keeping PITR", ["create", "delete"], table(pitr(True)), table(pitr(True, None)),
     TABLE, Result.PASSED, ["create/delete keeps PITR"]),
    ("replace dropping PITR", ["delete", "create"], table(pitr(True)), table(), TABLE, Result.FAILED,
     ["apply turns PITR off", "continuous backups"]),
    ("replace shortening the period", ["create", "delete"], table(pitr(True, 30)), table(pitr(True, 3)), TABLE,
     Result.FAILED, ["from 30 to 3 days"]),
    ("create", ["create"], None, table(), TABLE, Result.PASSED, ["create: no existing PITR setting changes"]),
    ("no-op", ["no-op"], table(pitr(True)), table(pitr(True)), TABLE, Result.PASSED, ["no-op"]),
    ("read (data source refresh)", ["read"], None, table(pitr(True)), TABLE, Result.PASSED, []),
    ("delete only: no result", ["delete"], table(pitr(True)), None, TABLE, Result.NONE, ["deleted"]),
    ("unreadable actions fail closed", [5], table(pitr(True)), table(pitr(True)), TABLE, Result.FAILED,
     ["change actions [5] cannot be read", "cannot be ruled out"]),
]


@pytest.mark.parametrize("name,actions,before,after,resource_type,result,says", CASES, ids=[c[0] for c in CASES])
def test_judge_change(name, actions, before, after, resource_type, result, says) -> None:
    verdict = change(actions, before, after, resource_type)
    assert verdict.result is result, verdict.reason
    for text in says:
        assert text in verdict.reason, verdict.reason
    assert "\n" not in verdict.reason


def test_several_losses_are_all_named() -> None:
    verdict = change(["update"], table(pitr(True, 35), [replica("eu-west-1", True)]),
                     table(pitr(True, 7), [replica("eu-west-1", False)]))
    assert verdict.result is Result.FAILED
    assert "from 35 to 7 days" in verdict.reason
    assert f"replica eu-west-1 of {ADDRESS}: apply turns PITR off" in verdict.reason
