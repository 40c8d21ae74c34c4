"""The core on Terraform shapes, as plain dicts: every SPEC.md row for Terraform, in each shape checkov
hands over: HCL (values wrapped in one-element lists), .tf.json (raw JSON, and checkov's wrapped form),
and plan JSON values (checkov's `_hclify`: blocks are lists of mappings, scalars one-element lists).

Each case names what it shows; `judge` runs read_terraform and the judge of the check the case is for.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import pytest

from checkov_pitr.domain.core import (
    AWS_DEFAULT_PERIOD_DAYS,
    Policy,
    Result,
    judge_enabled,
    judge_period,
    read_terraform,
)

TABLE = "aws_dynamodb_table"
REPLICA = "aws_dynamodb_table_replica"
GLOBAL_2017 = "aws_dynamodb_global_table"
ADDRESS = "aws_dynamodb_table.t"

FAIL_CLOSED = Policy(min_recovery_period_days=35, unresolved="fail")
UNKNOWN = Policy(min_recovery_period_days=35, unresolved="unknown")
PLAN_HINT = "scanning the plan (terraform show -json) resolves it"


@dataclass(frozen=True)
class Case:
    name: str
    resource_type: str
    conf: Any
    check: str  # "001" (judge_enabled) or "002" (judge_period)
    result: Result
    says: Sequence[str] = ()  # substrings the reason must contain
    never_says: Sequence[str] = ()  # substrings it must not contain
    policy: Policy = FAIL_CLOSED
    address: str = ADDRESS


def judge(case: Case):
    subjects = read_terraform(case.address, case.resource_type, case.conf)
    judge_fn = judge_enabled if case.check == "001" else judge_period
    return judge_fn(subjects, case.policy, "terraform")


def hcl_table(pitr: Any = None, **more: Any) -> dict:
    """An aws_dynamodb_table as checkov's HCL parser hands it over (with its bookkeeping keys)."""
    conf: dict = {"name": ["t"], "hash_key": ["id"], "__startline__": 1, "__endline__": 20,
                  "__address__": ADDRESS}
    if pitr is not None:
        conf["point_in_time_recovery"] = pitr
    conf.update(more)
    return conf


ON = [{"enabled": [True]}]
OFF = [{"enabled": [False]}]


def with_period(days: Any) -> list:
    return [{"enabled": [True], "recovery_period_in_days": [days]}]


def replica(region: Any, pitr: Any = None) -> dict:
    block: dict = {"region_name": [region]}
    if pitr is not None:
        block["point_in_time_recovery"] = [pitr]
    return block


# ---------------------------------------------------------------------------------------------
# CKV_PITR_001 on the table: on / off / absent block / empty block, in every shape
# ---------------------------------------------------------------------------------------------

TABLE_CASES = [
    Case("hcl: enabled = true", TABLE, hcl_table(ON), "001", Result.PASSED, ["enabled is true"]),
    Case('hcl: enabled = "TRUE" (string, any case)', TABLE, hcl_table([{"enabled": ["TRUE"]}]), "001", Result.PASSED),
    Case("hcl: enabled = false", TABLE, hcl_table(OFF), "001", Result.FAILED,
         [f"{ADDRESS}: point_in_time_recovery.enabled is false", "set point_in_time_recovery { enabled = true }"]),
    Case('hcl: enabled = "false"', TABLE, hcl_table([{"enabled": ["false"]}]), "001", Result.FAILED, ["is false"]),
    Case('hcl: enabled = "yes" is not enabled', TABLE, hcl_table([{"enabled": ["yes"]}]), "001", Result.FAILED,
         ["'yes', not true"]),
    Case("hcl: enabled = 1 is not enabled", TABLE, hcl_table([{"enabled": [1]}]), "001", Result.FAILED, ["not true"]),
    Case("hcl: enabled = null", TABLE, hcl_table([{"enabled": [None]}]), "001", Result.FAILED, ["false by default"]),
    Case("hcl: no point_in_time_recovery block", TABLE, hcl_table(), "001", Result.FAILED,
         ["no point_in_time_recovery block (PITR is off by default)", "set point_in_time_recovery { enabled = true }"]),
    Case("hcl: empty block point_in_time_recovery {}", TABLE, hcl_table([{}]), "001", Result.FAILED,
         ["point_in_time_recovery is empty (PITR is off by default)"]),
    Case("hcl: block with only checkov's line keys is empty", TABLE,
         hcl_table([{"__startline__": 3, "__endline__": 5}]), "001", Result.FAILED,
         ["is empty (PITR is off by default)"]),
    Case("hcl: block is a string, not a block", TABLE, hcl_table(["on"]), "001", Result.FAILED, ["not a block"]),
    Case("not a mapping at all", TABLE, ["garbage"], "001", Result.FAILED, ["not a mapping"]),
    # .tf.json, as written (checkov's terraform_json parser wraps it like HCL: covered by the hcl cases)
    Case(".tf.json: block as an object", TABLE, {"name": "t", "point_in_time_recovery": {"enabled": True}},
         "001", Result.PASSED),
    Case(".tf.json: block as a list of objects", TABLE, {"point_in_time_recovery": [{"enabled": True}]},
         "001", Result.PASSED),
    Case(".tf.json: enabled false", TABLE, {"point_in_time_recovery": {"enabled": False}}, "001", Result.FAILED,
         ["is false"]),
    Case(".tf.json: no block", TABLE, {"name": "t"}, "001", Result.FAILED, ["no point_in_time_recovery block"]),
    # plan JSON values after checkov's _hclify (planned_values, after apply)
    Case("plan: enabled true with period", TABLE,
         {"name": ["t"], "point_in_time_recovery": [{"enabled": [True], "recovery_period_in_days": [35]}],
          "replica": [[]], "ttl": [[]], "__address__": ADDRESS}, "001", Result.PASSED),
    Case("plan: create with point_in_time_recovery absent from values (after_unknown)", TABLE,
         {"name": ["t"], "replica": [[]], "__address__": ADDRESS, "__change_actions__": ["create"]},
         "001", Result.FAILED, ["no point_in_time_recovery block (PITR is off by default)"]),
    Case("plan: point_in_time_recovery = [] (empty list)", TABLE, {"point_in_time_recovery": [[]]}, "001",
         Result.FAILED, ["no point_in_time_recovery block"]),
    Case("plan: enabled false", TABLE, {"point_in_time_recovery": [{"enabled": [False], "recovery_period_in_days": [0]}]},
         "001", Result.FAILED, ["is false"]),
]


# ---------------------------------------------------------------------------------------------
# Replica blocks (default false; the message names region_name) and dynamic "replica"
# ---------------------------------------------------------------------------------------------

REPLICA_BLOCK_CASES = [
    Case("replica without point_in_time_recovery is off (default false)", TABLE,
         hcl_table(ON, replica=[replica("eu-west-1", True), replica("eu-west-2")]), "001", Result.FAILED,
         ["replica eu-west-2 of aws_dynamodb_table.t: point_in_time_recovery not set (false by default)",
          "set point_in_time_recovery = true in the replica"],
         never_says=["eu-west-1"]),
    Case("replica with point_in_time_recovery = false", TABLE,
         hcl_table(ON, replica=[replica("ap-southeast-2", False)]), "001", Result.FAILED,
         ["replica ap-southeast-2 of aws_dynamodb_table.t: point_in_time_recovery is false"]),
    Case('replica with point_in_time_recovery = "true"', TABLE,
         hcl_table(ON, replica=[replica("eu-west-1", "true")]), "001", Result.PASSED),
    Case("every replica on", TABLE,
         hcl_table(ON, replica=[replica("us-west-2", True), replica("eu-central-1", True)]), "001", Result.PASSED,
         ["replica us-west-2", "replica eu-central-1"]),
    Case("table off, replicas on: the table fails", TABLE,
         hcl_table(OFF, replica=[replica("us-west-2", True)]), "001", Result.FAILED, [f"{ADDRESS}: point_in_time_recovery.enabled is false"],
         never_says=["replica us-west-2"]),
    Case("replica whose region is unresolved is named by position", TABLE,
         hcl_table(ON, replica=[replica("var.region")]), "001", Result.FAILED, ["replica #1 of aws_dynamodb_table.t"]),
    Case(".tf.json replicas, raw", TABLE,
         {"point_in_time_recovery": {"enabled": True},
          "replica": [{"region_name": "eu-west-1"}, {"region_name": "eu-west-2", "point_in_time_recovery": True}]},
         "001", Result.FAILED, ["replica eu-west-1"], never_says=["replica eu-west-2"]),
    Case("plan replicas, hclified", TABLE,
         {"point_in_time_recovery": [{"enabled": [True], "recovery_period_in_days": [35]}],
          "replica": [{"region_name": ["eu-west-1"], "point_in_time_recovery": [True], "propagate_tags": [False]},
                      {"region_name": ["eu-west-2"], "point_in_time_recovery": [False], "propagate_tags": [False]}]},
         "001", Result.FAILED, ["replica eu-west-2 of aws_dynamodb_table.t: point_in_time_recovery is false"],
         never_says=["replica eu-west-1"]),
    # dynamic "replica": see core._tf_table_subjects
    Case('dynamic "replica" left unrendered (for_each empty by default): no replica exists', TABLE,
         hcl_table(ON, dynamic=[{"replica": [{"region_name": ["replica.value"]}]}],
                   replica=[{"region_name": ["replica.value"]}]), "001", Result.PASSED, never_says=["replica"]),
    Case('dynamic "replica" unrendered, raw parser shape, for_each a variable without default: unresolved', TABLE,
         hcl_table(ON, dynamic=[{"replica": {"for_each": "${var.regions}",
                                             "content": [{"region_name": "${replica.value}"}]}}]),
         "001", Result.FAILED, ['dynamic "replica" for_each depends on var.regions', "scanning the plan"]),
    Case('dynamic "replica" unrendered, raw parser shape, empty for_each: no replica exists', TABLE,
         hcl_table(ON, dynamic=[{"replica": {"for_each": [[]], "content": [{"region_name": ["eu-west-1"]}]}}]),
         "001", Result.PASSED, never_says=["replica"]),
    Case('dynamic "point_in_time_recovery" with an empty for_each: no block, PITR off', TABLE,
         hcl_table(dynamic=[{"point_in_time_recovery": {"for_each": [[]], "content": [{"enabled": [True]}]}}]),
         "001", Result.FAILED, ["no point_in_time_recovery block (PITR is off by default)"]),
    Case('dynamic "point_in_time_recovery" rendered', TABLE,
         hcl_table(dynamic=[{"point_in_time_recovery": {"enabled": [True]}}]), "001", Result.PASSED),
    Case('dynamic "point_in_time_recovery" whose for_each is a variable without default: unresolved', TABLE,
         hcl_table(dynamic=[{"point_in_time_recovery": {"for_each": ["${var.pitr}"],
                                                             "content": [{"enabled": ["${point_in_time_recovery.value}"]}]}}]),
         "001", Result.FAILED, ['dynamic "point_in_time_recovery" for_each depends on var.pitr']),
    Case('dynamic "replica" rendered: one replica off', TABLE,
         hcl_table(ON, dynamic=[{"replica": [replica("eu-west-1", True), replica("eu-west-2", False)]}],
                   replica=[replica("eu-west-1", True), replica("eu-west-2", False)]), "001", Result.FAILED,
         ["replica eu-west-2 of aws_dynamodb_table.t: point_in_time_recovery is false"], never_says=["eu-west-1"]),
    Case('dynamic "replica" rendered only under dynamic', TABLE,
         hcl_table(ON, dynamic=[{"replica": [replica("eu-west-3")]}]), "001", Result.FAILED,
         ["replica eu-west-3 of aws_dynamodb_table.t"]),
    Case('dynamic "replica" rendered as a JSON string', TABLE,
         hcl_table(ON, dynamic=['{"replica": {"content": {"region_name": "sa-east-1", "point_in_time_recovery": true}}}']),
         "001", Result.PASSED, ["replica sa-east-1"]),
    Case('dynamic list mixing a replica block with something else keeps the replica', TABLE,
         hcl_table(ON, dynamic=[{"replica": [replica("eu-north-1")]}, "tag"]), "001", Result.FAILED,
         ["replica eu-north-1 of aws_dynamodb_table.t"]),
    Case('dynamic "replica" expanded but replica.value not substituted: unresolved', TABLE,
         hcl_table(ON, dynamic=[{"replica": [{"region_name": ["replica.value"], "point_in_time_recovery": [True]},
                                             {"region_name": ["replica.value"], "point_in_time_recovery": [True]}]}]),
         "001", Result.FAILED, ["replica #1 of aws_dynamodb_table.t", "replica #2", "depends on replica.value", PLAN_HINT]),
    Case('dynamic "replica" not substituted, under unresolved: unknown', TABLE,
         hcl_table(ON, dynamic=[{"replica": [{"region_name": ["replica.value"]}, {"region_name": ["replica.value"]}]}]),
         "001", Result.UNKNOWN, ["depends on replica.value", PLAN_HINT], policy=UNKNOWN),
]


# ---------------------------------------------------------------------------------------------
# aws_dynamodb_table_replica (default false) and aws_dynamodb_global_table (no subjects)
# ---------------------------------------------------------------------------------------------

TABLE_REPLICA_ADDRESS = "aws_dynamodb_table_replica.eu"
OTHER_RESOURCE_CASES = [
    Case("table_replica without point_in_time_recovery (default false)", REPLICA,
         {"global_table_arn": ["aws_dynamodb_table.main.arn"]}, "001", Result.FAILED,
         [f"{TABLE_REPLICA_ADDRESS}: point_in_time_recovery not set (false by default)", "set point_in_time_recovery = true"],
         address=TABLE_REPLICA_ADDRESS),
    Case("table_replica point_in_time_recovery = false", REPLICA, {"point_in_time_recovery": [False]}, "001",
         Result.FAILED, ["is false"], address=TABLE_REPLICA_ADDRESS),
    Case("table_replica point_in_time_recovery = true", REPLICA, {"point_in_time_recovery": [True]}, "001",
         Result.PASSED, address=TABLE_REPLICA_ADDRESS),
    Case("table_replica in .tf.json, raw", REPLICA, {"point_in_time_recovery": True}, "001", Result.PASSED,
         address=TABLE_REPLICA_ADDRESS),
    Case("table_replica point_in_time_recovery from a variable without default", REPLICA,
         {"point_in_time_recovery": ["${var.replica_pitr}"]}, "001", Result.FAILED, ["depends on var.replica_pitr", PLAN_HINT],
         address=TABLE_REPLICA_ADDRESS),
    Case("table_replica has no period of its own: 35", REPLICA, {"point_in_time_recovery": [True]}, "002",
         Result.PASSED, ["35 days by default"], address=TABLE_REPLICA_ADDRESS),
    Case("table_replica off: no period to judge", REPLICA, {"point_in_time_recovery": [False]}, "002",
         Result.NONE, address=TABLE_REPLICA_ADDRESS),
    Case("global table (2017) has no PITR setting: no result for 001", GLOBAL_2017,
         {"name": ["legacy"], "replica": [{"region_name": ["us-east-1"]}]}, "001", Result.NONE,
         address="aws_dynamodb_global_table.legacy"),
    Case("global table (2017): no result for 002", GLOBAL_2017, {"name": ["legacy"]}, "002", Result.NONE,
         address="aws_dynamodb_global_table.legacy"),
]


# ---------------------------------------------------------------------------------------------
# Unresolved values: FAILED under `unresolved: fail`, UNKNOWN under `unknown`; the message names
# what the value depends on and says that scanning the plan resolves it
# ---------------------------------------------------------------------------------------------

UNRESOLVED_VALUES = [
    ("var.pitr", "var.pitr"),  # HCL: a variable with no default, left unrendered by checkov
    ("${var.pitr}", "var.pitr"),  # .tf.json / HCL interpolation
    ("module.settings.pitr_enabled", "module.settings.pitr_enabled"),  # a module output
    ("local.pitr", "local.pitr"),  # a local checkov could not render
    ("${data.aws_ssm_parameter.pitr.value}", "data.aws_ssm_parameter.pitr"),
    ("aws_dynamodb_table.main.stream_enabled", "aws_dynamodb_table.main.stream_enabled"),
    ('${lookup(var.settings, "pitr")}', "var.settings"),
]

UNRESOLVED_CASES = []
for value, named in UNRESOLVED_VALUES:
    UNRESOLVED_CASES += [
        Case(f"enabled = {value} under unresolved: fail", TABLE, hcl_table([{"enabled": [value]}]), "001",
             Result.FAILED, [f"point_in_time_recovery.enabled depends on {named}", PLAN_HINT]),
        Case(f"enabled = {value} under unresolved: unknown", TABLE, hcl_table([{"enabled": [value]}]), "001",
             Result.UNKNOWN, [f"depends on {named}", PLAN_HINT], policy=UNKNOWN),
    ]
UNRESOLVED_CASES += [
    Case("replica point_in_time_recovery = var.x, fail", TABLE,
         hcl_table(ON, replica=[replica("eu-west-1", "var.replica_pitr")]), "001", Result.FAILED,
         ["replica eu-west-1 of aws_dynamodb_table.t: point_in_time_recovery depends on var.replica_pitr", PLAN_HINT]),
    Case("replica point_in_time_recovery = var.x, unknown", TABLE,
         hcl_table(ON, replica=[replica("eu-west-1", "var.replica_pitr")]), "001", Result.UNKNOWN,
         ["depends on var.replica_pitr"], policy=UNKNOWN),
    Case("unresolved and off together under fail: both are named", TABLE,
         hcl_table([{"enabled": ["var.pitr"]}], replica=[replica("eu-west-1", False)]), "001", Result.FAILED,
         ["replica eu-west-1", "is false", "depends on var.pitr", PLAN_HINT]),
    Case("unresolved and off together under unknown: off still fails", TABLE,
         hcl_table([{"enabled": ["var.pitr"]}], replica=[replica("eu-west-1", False)]), "001", Result.FAILED,
         ["replica eu-west-1 of aws_dynamodb_table.t: point_in_time_recovery is false"], policy=UNKNOWN),
    Case("whole block from a variable (for_each over a dynamic block)", TABLE,
         hcl_table(["${var.pitr_block}"]), "001", Result.FAILED, ["point_in_time_recovery depends on var.pitr_block", PLAN_HINT]),
    Case("period = var.days, fail", TABLE, hcl_table(with_period("var.days")), "002", Result.FAILED,
         ["recovery_period_in_days depends on var.days", PLAN_HINT]),
    Case("period = var.days, unknown", TABLE, hcl_table(with_period("var.days")), "002", Result.UNKNOWN,
         ["depends on var.days", PLAN_HINT], policy=UNKNOWN),
    Case("period = module output, fail", TABLE, hcl_table(with_period("module.settings.days")), "002", Result.FAILED,
         ["depends on module.settings.days"]),
]


# ---------------------------------------------------------------------------------------------
# CKV_PITR_002: periods (absent = 35; replica blocks have none of their own: 35)
# ---------------------------------------------------------------------------------------------

PERIOD_CASES = [
    Case("period absent: 35", TABLE, hcl_table(ON), "002", Result.PASSED,
         [f"recovery_period_in_days not set ({AWS_DEFAULT_PERIOD_DAYS} days by default)"]),
    Case("period 35", TABLE, hcl_table(with_period(35)), "002", Result.PASSED, ["recovery_period_in_days is 35"]),
    Case("period 7 is shorter than the minimum", TABLE, hcl_table(with_period(7)), "002", Result.FAILED,
         [f"{ADDRESS}: recovery_period_in_days is 7, shorter than the policy minimum of 35 days",
          "set the recovery period to at least 35 days"]),
    Case('period "14" (string, as HCL may hand it over)', TABLE, hcl_table(with_period("14")), "002", Result.FAILED,
         ["recovery_period_in_days is 14"]),
    Case("period 7 with a policy minimum of 7", TABLE, hcl_table(with_period(7)), "002", Result.PASSED,
         policy=Policy(min_recovery_period_days=7)),
    Case("period 0 is outside 1-35", TABLE, hcl_table(with_period(0)), "002", Result.FAILED, ["outside 1-35"]),
    Case("period 36 is outside 1-35", TABLE, hcl_table(with_period(36)), "002", Result.FAILED, ["outside 1-35"]),
    Case("period not a number", TABLE, hcl_table(with_period("a week")), "002", Result.FAILED, ["not a number of days"]),
    Case("PITR off: no period to judge", TABLE, hcl_table([{"enabled": [False], "recovery_period_in_days": [1]}]),
         "002", Result.NONE),
    Case("no block: no period to judge", TABLE, hcl_table(), "002", Result.NONE),
    Case("replica blocks have no period of their own: 35", TABLE,
         hcl_table(ON, replica=[replica("eu-west-1", True)]), "002", Result.PASSED,
         ["replica eu-west-1 of aws_dynamodb_table.t: recovery_period_in_days not set (35 days by default)"]),
    Case("short table period fails the table, not its replicas", TABLE,
         hcl_table(with_period(10), replica=[replica("eu-west-1", True)]), "002", Result.FAILED,
         [f"{ADDRESS}: recovery_period_in_days is 10"], never_says=["replica eu-west-1"]),
    Case("table off, replica on: the replica's period is judged", TABLE,
         hcl_table(OFF, replica=[replica("eu-west-1", True)]), "002", Result.PASSED, ["replica eu-west-1"]),
    Case("plan: enabled, period known only after apply (absent from values): 35", TABLE,
         {"point_in_time_recovery": [{"enabled": [True]}], "replica": [[]]}, "002", Result.PASSED,
         ["35 days by default"]),
    Case(".tf.json: period 10", TABLE, {"point_in_time_recovery": {"enabled": True, "recovery_period_in_days": 10}},
         "002", Result.FAILED, ["recovery_period_in_days is 10"]),
]

ALL_CASES = TABLE_CASES + REPLICA_BLOCK_CASES + OTHER_RESOURCE_CASES + UNRESOLVED_CASES + PERIOD_CASES


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_terraform_verdict(case: Case) -> None:
    verdict = judge(case)
    assert verdict.result is case.result, verdict.reason
    for text in case.says:
        assert text in verdict.reason, verdict.reason
    for text in case.never_says:
        assert text not in verdict.reason, verdict.reason


def test_case_names_are_unique() -> None:
    names = [c.name for c in ALL_CASES]
    assert len(names) == len(set(names))


def test_failed_message_is_one_line_with_fix() -> None:
    verdict = judge(Case("", TABLE, hcl_table(OFF, replica=[replica("eu-west-2")]), "001", Result.FAILED))
    assert "\n" not in verdict.reason
    assert verdict.reason.count("set point_in_time_recovery") == 2  # one fix for the table, one for the replica


def test_global_table_2017_has_no_subjects() -> None:
    assert read_terraform("aws_dynamodb_global_table.g", GLOBAL_2017, {"name": ["g"]}) == []


def test_replica_subjects_are_keyed_by_region_for_plan_comparison() -> None:
    subjects = read_terraform(ADDRESS, TABLE, hcl_table(ON, replica=[replica("eu-west-1", True), replica("eu-west-2")]))
    assert [s.key for s in subjects] == ["table", "replica:eu-west-1", "replica:eu-west-2"]
