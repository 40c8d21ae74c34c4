"""The core on awscc (hashicorp/awscc, AWS Cloud Control provider) shapes, as plain dicts, in each shape
checkov hands them over (found by printing the conf a check receives, checkov 3.3.30):

- HCL: `point_in_time_recovery_specification = [{"point_in_time_recovery_enabled": True}]` (the object
  wrapped once, its values plain); `replicas = [[{...}, {...}]]` (the list wrapped once); an
  unresolved variable is the string "var.x"; variables inside list elements stay unrendered.
- .tf.json and plans: every value wrapped (`[{"point_in_time_recovery_enabled": [True]}]`), replicas a
  list of mappings, JSON null as `[None]`.
- plan `before` / `after` (CKV_PITR_003): plain JSON.

The second part covers a dynamic block's for_each, decided by the one Terraform evaluator (readers/terraform_eval.py).
"""
from __future__ import annotations

from typing import Any, Sequence

import pytest

from checkov_pitr.domain import core
from checkov_pitr.domain.core import (
    AWSCC_GLOBAL_TABLE,
    AWSCC_TABLE,
    MISSING,
    Policy,
    Result,
    judge_change,
    judge_enabled,
    judge_period,
    read_terraform,
)
from checkov_pitr.domain.readers.terraform_eval import Scope, contains_unknown

TABLE_ADDRESS = "awscc_dynamodb_table.t"
GLOBAL_ADDRESS = "awscc_dynamodb_global_table.g"
FAIL_CLOSED = Policy(min_recovery_period_days=35, unresolved="fail")
UNKNOWN = Policy(min_recovery_period_days=35, unresolved="unknown")
TABLE_FIX = "set point_in_time_recovery_specification = { point_in_time_recovery_enabled = true }"
REPLICA_FIX = TABLE_FIX + " inside the replica element"


def verdict(resource_type: str, conf: Any, check: str, policy: Policy = FAIL_CLOSED):
    address = TABLE_ADDRESS if resource_type == AWSCC_TABLE else GLOBAL_ADDRESS
    subjects = read_terraform(address, resource_type, conf)
    return (judge_enabled if check == "001" else judge_period)(subjects, policy, "terraform")


def assert_verdict(found, result: Result, says: Sequence[str] = ()) -> None:
    assert found.result is result, found.reason
    for text in says:
        assert text in found.reason, found.reason
    assert "\n" not in found.reason


def test_types_are_terraform_types_so_the_checks_support_them() -> None:
    assert AWSCC_TABLE == "awscc_dynamodb_table" and AWSCC_GLOBAL_TABLE == "awscc_dynamodb_global_table"
    assert {AWSCC_TABLE, AWSCC_GLOBAL_TABLE} <= set(core.TF_TYPES)


# --- awscc_dynamodb_table -------------------------------------------------------------------------

HCL_ON = {"point_in_time_recovery_specification": [{"point_in_time_recovery_enabled": True}]}
JSON_ON = {"point_in_time_recovery_specification": [{"point_in_time_recovery_enabled": [True], "__startline__": 5}]}
RAW_ON = {"point_in_time_recovery_specification": {"point_in_time_recovery_enabled": True}}


@pytest.mark.parametrize("conf", [HCL_ON, JSON_ON, RAW_ON], ids=["hcl", "tfjson-or-plan", "plain"])
def test_table_on_passes_in_every_shape(conf: Any) -> None:
    assert_verdict(verdict(AWSCC_TABLE, conf, "001"), Result.PASSED,
                   [f"{TABLE_ADDRESS}: point_in_time_recovery_specification.point_in_time_recovery_enabled is true"])
    assert_verdict(verdict(AWSCC_TABLE, conf, "002"), Result.PASSED, ["35 days by default"])


@pytest.mark.parametrize("conf,says", [
    ({"point_in_time_recovery_specification": [{"point_in_time_recovery_enabled": False}]}, "point_in_time_recovery_enabled is false"),
    ({"point_in_time_recovery_specification": [{"point_in_time_recovery_enabled": ["false"]}]}, "point_in_time_recovery_enabled is false"),
    ({"table_name": ["t"]}, "point_in_time_recovery_specification missing (PITR is off by default)"),
    ({"point_in_time_recovery_specification": [None]}, "point_in_time_recovery_specification missing"),  # plan null
    ({"point_in_time_recovery_specification": None}, "point_in_time_recovery_specification missing"),  # before/after
    ({"point_in_time_recovery_specification": [{}]}, "point_in_time_recovery_specification is empty"),
    ({"point_in_time_recovery_specification": [{"recovery_period_in_days": 35}]}, "point_in_time_recovery_enabled not set (false by default)"),
    ({"point_in_time_recovery_specification": [{"point_in_time_recovery_enabled": "yes"}]}, "is 'yes', not true"),
    ({"point_in_time_recovery_specification": [42]}, "is 42, not an object"),
], ids=["false", "false-string", "absent", "plan-null", "plain-null", "empty", "flag-absent", "odd-string", "not-object"])
def test_table_off_fails_with_the_awscc_fix(conf: Any, says: str) -> None:
    assert_verdict(verdict(AWSCC_TABLE, conf, "001"), Result.FAILED, [says, TABLE_FIX])
    assert verdict(AWSCC_TABLE, conf, "002").result is Result.NONE


@pytest.mark.parametrize("days,result,says", [
    ([7], Result.FAILED, "recovery_period_in_days is 7, shorter than the policy minimum of 35 days"),
    (7, Result.FAILED, "recovery_period_in_days is 7, shorter"),
    ([35], Result.PASSED, "recovery_period_in_days is 35"),
    ([None], Result.PASSED, "35 days by default"),  # plan: null
    ([40], Result.FAILED, "outside 1-35 days"),
])
def test_table_period(days: Any, result: Result, says: str) -> None:
    conf = {"point_in_time_recovery_specification": [{"point_in_time_recovery_enabled": [True], "recovery_period_in_days": days}]}
    assert_verdict(verdict(AWSCC_TABLE, conf, "002"), result, [says])


def test_table_unresolved_variable_follows_the_policy() -> None:
    conf = {"point_in_time_recovery_specification": [{"point_in_time_recovery_enabled": "var.pitr"}]}
    assert_verdict(verdict(AWSCC_TABLE, conf, "001"), Result.FAILED,
                   ["depends on var.pitr", TABLE_FIX, "scanning the plan (terraform show -json) resolves it"])
    assert_verdict(verdict(AWSCC_TABLE, conf, "001", UNKNOWN), Result.UNKNOWN, ["depends on var.pitr"])


def test_whole_specification_from_an_unresolved_variable() -> None:
    conf = {"point_in_time_recovery_specification": ["${var.spec}"]}
    assert_verdict(verdict(AWSCC_TABLE, conf, "001"), Result.FAILED, ["point_in_time_recovery_specification depends on var.spec"])
    assert verdict(AWSCC_TABLE, conf, "001", UNKNOWN).result is Result.UNKNOWN


# --- awscc_dynamodb_global_table ------------------------------------------------------------------

def hcl_replica(region: Any, spec: Any = MISSING) -> dict:
    replica: dict = {"region": region}
    if spec is not MISSING:
        replica["point_in_time_recovery_specification"] = spec
    return replica


def test_global_table_replica_missing_pitr_is_named_by_region_hcl() -> None:
    conf = {"replicas": [[hcl_replica("us-east-1", {"point_in_time_recovery_enabled": True}), hcl_replica("eu-west-2")]]}
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "001"), Result.FAILED,
                   [f"replica eu-west-2 of {GLOBAL_ADDRESS}: point_in_time_recovery_specification missing", REPLICA_FIX])
    assert "us-east-1" not in verdict(AWSCC_GLOBAL_TABLE, conf, "001").reason
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "002"), Result.PASSED, [f"replica us-east-1 of {GLOBAL_ADDRESS}"])


def test_global_table_in_tfjson_and_plan_shape() -> None:
    conf = {"replicas": [
        {"region": ["us-east-1"], "point_in_time_recovery_specification": [
            {"point_in_time_recovery_enabled": [True], "recovery_period_in_days": [7]}]},
        {"region": ["eu-west-2"], "point_in_time_recovery_specification": [None]},
    ]}
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "001"), Result.FAILED, ["replica eu-west-2 of"])
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "002"), Result.FAILED,
                   [f"replica us-east-1 of {GLOBAL_ADDRESS}: recovery_period_in_days is 7, shorter"])


def test_global_table_single_replica_on() -> None:
    conf = {"replicas": [[hcl_replica("us-west-2", {"point_in_time_recovery_enabled": True})]]}
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "001"), Result.PASSED, ["replica us-west-2 of"])


@pytest.mark.parametrize("conf,result,says", [
    ({}, Result.FAILED, "no replicas to read"),
    ({"replicas": [[]]}, Result.FAILED, "no replicas to read"),
    ({"replicas": ["${var.replicas}"]}, Result.FAILED, "replicas depends on var.replicas"),
    ({"replicas": ["nonsense"]}, Result.FAILED, "not a list of objects"),
])
def test_global_table_without_readable_replicas(conf: Any, result: Result, says: str) -> None:
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "001"), result, [says])


def test_replica_region_from_a_variable_is_numbered() -> None:
    conf = {"replicas": [[hcl_replica("var.region")]]}
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "001"), Result.FAILED, [f"replica #1 of {GLOBAL_ADDRESS}"])


def test_replica_flag_left_unrendered_is_unresolved() -> None:
    # checkov does not render variables inside list-of-object elements
    conf = {"replicas": [[hcl_replica("ca-central-1", {"point_in_time_recovery_enabled": "${var.pitr}"})]]}
    assert_verdict(verdict(AWSCC_GLOBAL_TABLE, conf, "001"), Result.FAILED, ["depends on var.pitr", REPLICA_FIX])
    assert verdict(AWSCC_GLOBAL_TABLE, conf, "001", UNKNOWN).result is Result.UNKNOWN


# --- CKV_PITR_003 on plan before/after (plain JSON) -----------------------------------------------

def spec(enabled: Any, days: Any = None) -> dict:
    return {"point_in_time_recovery_enabled": enabled, "recovery_period_in_days": days}


def test_subjects_are_keyed_table_and_replica_region() -> None:
    table = read_terraform(TABLE_ADDRESS, AWSCC_TABLE, {"point_in_time_recovery_specification": spec(True)})
    assert [s.key for s in table] == ["table"]
    replicas = read_terraform(GLOBAL_ADDRESS, AWSCC_GLOBAL_TABLE, {"replicas": [
        {"region": "us-east-1", "point_in_time_recovery_specification": spec(True)},
        {"region": "eu-west-2", "point_in_time_recovery_specification": spec(True)}]})
    assert [s.key for s in replicas] == ["replica:us-east-1", "replica:eu-west-2"]


@pytest.mark.parametrize("before,after,result,says", [
    (spec(True, 35), spec(False, 35), Result.FAILED, "apply turns PITR off"),
    (spec(True, 35), None, Result.FAILED, "apply turns PITR off (point_in_time_recovery_specification missing"),
    (spec(True, 35), spec(True, 7), Result.FAILED, "shortens the PITR restore window from 35 to 7 days"),
    (spec(True, 35), spec(True, 35), Result.PASSED, "keeps PITR"),
    (spec(False), spec(False), Result.PASSED, "keeps PITR"),
])
def test_table_change(before: Any, after: Any, result: Result, says: str) -> None:
    old = read_terraform(TABLE_ADDRESS, AWSCC_TABLE, {"point_in_time_recovery_specification": before})
    new = read_terraform(TABLE_ADDRESS, AWSCC_TABLE, {"point_in_time_recovery_specification": after})
    assert_verdict(judge_change(["update"], old, new, TABLE_ADDRESS), result, [says])


def test_replica_change_names_the_region_and_ignores_a_removed_replica() -> None:
    before = {"replicas": [{"region": "us-east-1", "point_in_time_recovery_specification": spec(True, 35)},
                           {"region": "eu-west-2", "point_in_time_recovery_specification": spec(True, 35)},
                           {"region": "ap-south-1", "point_in_time_recovery_specification": spec(True, 35)}]}
    after = {"replicas": [{"region": "us-east-1", "point_in_time_recovery_specification": spec(True, 35)},
                          {"region": "eu-west-2", "point_in_time_recovery_specification": None}]}
    found = judge_change(["update"], read_terraform(GLOBAL_ADDRESS, AWSCC_GLOBAL_TABLE, before),
                         read_terraform(GLOBAL_ADDRESS, AWSCC_GLOBAL_TABLE, after), GLOBAL_ADDRESS)
    assert_verdict(found, Result.FAILED, [f"replica eu-west-2 of {GLOBAL_ADDRESS}: apply turns PITR off"])
    assert "us-east-1" not in found.reason and "ap-south-1" not in found.reason


# --- dynamic blocks: the for_each decided under the scan's values (issue 12, part 3) -------------

VARIABLES = {"secondary_region": "", "secondary_region_set": "eu-west-1", "on": True, "none": [], "regions": ["a", "b"],
             "settings": {"regions": []}}


@pytest.mark.parametrize("expression,value", [
    ('${var.secondary_region == "" ? [] : [1]}', []),
    ('${var.secondary_region_set == "" ? [] : [1]}', [1]),
    ('${var.secondary_region != "" ? [var.secondary_region] : []}', []),
    ('${var.secondary_region_set != "" ? [var.secondary_region_set] : []}', ["eu-west-1"]),
    ('${var.on ? [1] : []}', [1]),
    ('${!var.on ? [1] : []}', []),
    ('${var.on && var.secondary_region != "" ? [1] : []}', []),
    ("${var.none}", []),
    ("${toset(var.regions)}", ["a", "b"]),
    ("${length(var.none) > 0 ? [1] : []}", []),
    ("${var.settings.regions}", []),
    ("${[for r in var.regions : r]}", ["a", "b"]),  # a for expression
    ("${toset([\"b\", \"a\", \"b\"])}", ["a", "b"]),  # toset orders strings lexically, as Terraform
])
def test_the_evaluator_decides_a_for_each(expression: str, value: Any) -> None:
    assert Scope(VARIABLES).value(expression) == value


@pytest.mark.parametrize("expression", [
    '${var.unknown == "" ? [] : [1]}',  # a variable without a known value
    "${local.regions}", "${each.value.regions}", "${module.m.regions}", "${aws_x.y.ids}",
    '${var.secondary_region == "" ? [] : [1',  # cut off
    '${var.secondary_region ? [1] : []}',  # a string is no condition
    '${"${var.x}" == "" ? [] : [1]}',  # a template string
])
def test_the_evaluator_leaves_the_rest_unknown(expression: str) -> None:
    assert contains_unknown(Scope(VARIABLES).value(expression))


def hcl_table(**more: Any) -> dict:
    conf = {"name": ["t"], "point_in_time_recovery": [{"enabled": [True]}], "__address__": "aws_dynamodb_table.t"}
    conf.update(more)
    return conf


CHECKOV_UNRENDERED = [{"replica": [{"region_name": ["var.secondary_region"]}]}]  # what checkov hands over


def test_checkov_shape_without_decision_judges_the_content_as_before() -> None:
    found = judge_enabled(read_terraform("aws_dynamodb_table.t", "aws_dynamodb_table", hcl_table(dynamic=CHECKOV_UNRENDERED)),
                          FAIL_CLOSED, "terraform")
    assert_verdict(found, Result.FAILED, ["replica #1 of aws_dynamodb_table.t: point_in_time_recovery not set"])


@pytest.mark.parametrize("for_each, result, says", [
    (['"" == "" ? [] : [1]'], Result.PASSED, []),  # a raw-parser for_each, decidable without variables: empty
    ([[]], Result.PASSED, []),
    ([{}], Result.PASSED, []),
    ([[1]], Result.FAILED, ["replica x of aws_dynamodb_table.t: point_in_time_recovery not set"]),
    # undecided (not a collection, or unknown): every replica it makes looks like the content
    (["${var.on}"], Result.FAILED, ["replica x of aws_dynamodb_table.t: point_in_time_recovery not set"]),
    (["${var.regions}"], Result.FAILED, ["replica x of aws_dynamodb_table.t: point_in_time_recovery not set"]),
])
def test_a_dynamic_replica_for_each_decides_the_replicas(for_each: Any, result: Result, says: Sequence[str]) -> None:
    conf = hcl_table(dynamic=[{"replica": {"for_each": for_each, "content": [{"region_name": ["x"]}]}}])
    found = judge_enabled(read_terraform("aws_dynamodb_table.t", "aws_dynamodb_table", conf), FAIL_CLOSED, "terraform")
    assert_verdict(found, result, says)
