"""CloudFormation/SAM at the core, on plain dicts: every SPEC.md row, verdict and message.

Each row: resource type, Properties (and Globals.SimpleTable spec for SimpleTables), a policy, then
the expected CKV_PITR_001 and CKV_PITR_002 verdicts with substrings their one-line reasons must hold.
"""
from __future__ import annotations

from typing import Any, Dict, NamedTuple, Sequence

import pytest

from checkov_pitr.domain.core import (
    CFN_GLOBAL_TABLE,
    CFN_TABLE,
    MISSING,
    SAM_SIMPLE_TABLE,
    Policy,
    Result,
    judge_enabled,
    judge_period,
    read_cloudformation,
)

PASSED, FAILED, UNKNOWN, NONE = Result.PASSED, Result.FAILED, Result.UNKNOWN, Result.NONE
DEFAULT = Policy()
UNKNOWN_POLICY = Policy(unresolved="unknown")
SEVEN_DAYS_POLICY = Policy(min_recovery_period_days=7)
FIX = "set PointInTimeRecoveryEnabled: true"
MISSING_SPEC = "PointInTimeRecoverySpecification missing (PITR is off by default)"


def spec(enabled: Any = MISSING, days: Any = MISSING) -> Dict[str, Any]:
    body: Dict[str, Any] = {}
    if enabled is not MISSING:
        body["PointInTimeRecoveryEnabled"] = enabled
    if days is not MISSING:
        body["RecoveryPeriodInDays"] = days
    return body


def table(pitr: Any = MISSING) -> Dict[str, Any]:
    props: Dict[str, Any] = {"TableName": "t", "BillingMode": "PAY_PER_REQUEST"}
    if pitr is not MISSING:
        props["PointInTimeRecoverySpecification"] = pitr
    return props


def replica(region: str, pitr: Any = MISSING) -> Dict[str, Any]:
    body: Dict[str, Any] = {"Region": region}
    if pitr is not MISSING:
        body["PointInTimeRecoverySpecification"] = pitr
    return body


def if_(condition: str, when_true: Any, when_false: Any) -> Dict[str, Any]:
    return {"Fn::If": [condition, when_true, when_false]}


NO_VALUE = {"Ref": "AWS::NoValue"}
ON = spec(True)


class Case(NamedTuple):
    resource_type: str
    properties: Any
    enabled: Result
    enabled_says: Sequence[str]
    period: Result
    period_says: Sequence[str] = ()
    policy: Policy = DEFAULT
    globals_spec: Any = MISSING


CASES: Dict[str, Case] = {
    # --- AWS::DynamoDB::Table: how the flag is read ------------------------------------------
    "table_on": Case(CFN_TABLE, table(ON), PASSED, ["T: PointInTimeRecoveryEnabled is true"],
                     PASSED, ["RecoveryPeriodInDays not set (35 days by default)", "minimum 35 days"]),
    "table_off": Case(CFN_TABLE, table(spec(False)), FAILED,
                      ["T: PointInTimeRecoveryEnabled is false", FIX], NONE, ["PITR is enabled nowhere"]),
    "table_spec_absent": Case(CFN_TABLE, table(), FAILED, [f"T: {MISSING_SPEC}", FIX], NONE),
    "table_properties_absent": Case(CFN_TABLE, None, FAILED, [f"T: {MISSING_SPEC}"], NONE),
    "table_spec_empty": Case(CFN_TABLE, table({}), FAILED,
                             ["T: PointInTimeRecoverySpecification is empty (PITR is off by default)", FIX], NONE),
    "table_spec_no_value": Case(CFN_TABLE, table(NO_VALUE), FAILED, [f"T: {MISSING_SPEC}"], NONE),
    "table_flag_no_value": Case(CFN_TABLE, table(spec(NO_VALUE)), FAILED,
                                ["T: PointInTimeRecoveryEnabled missing (PITR is off by default)", FIX], NONE),
    "table_flag_absent_period_set": Case(CFN_TABLE, table(spec(days=35)), FAILED,
                                         ["PointInTimeRecoveryEnabled missing"], NONE),
    "table_flag_none": Case(CFN_TABLE, table(spec(None)), FAILED,
                            ["T: PointInTimeRecoveryEnabled missing (PITR is off by default)"], NONE),
    "string_true_lower": Case(CFN_TABLE, table(spec("true")), PASSED, ["PointInTimeRecoveryEnabled is 'true'"], PASSED),
    "string_true_title": Case(CFN_TABLE, table(spec("True")), PASSED, ["PointInTimeRecoveryEnabled is 'True'"], PASSED),
    "string_true_upper": Case(CFN_TABLE, table(spec("TRUE")), PASSED, ["PointInTimeRecoveryEnabled is 'TRUE'"], PASSED),
    "string_false": Case(CFN_TABLE, table(spec("false")), FAILED, ["PointInTimeRecoveryEnabled is false", FIX], NONE),
    "string_yes": Case(CFN_TABLE, table(spec("yes")), FAILED, ["PointInTimeRecoveryEnabled is 'yes', not true", FIX], NONE),
    "integer_one": Case(CFN_TABLE, table(spec(1)), FAILED, ["PointInTimeRecoveryEnabled is 1, not true", FIX], NONE),
    "string_true_padded": Case(CFN_TABLE, table(spec("TRUE ")), FAILED, ["'TRUE ', not true"], NONE),
    "spec_not_a_mapping": Case(CFN_TABLE, table(["PointInTimeRecoveryEnabled"]), FAILED,
                               ["PointInTimeRecoverySpecification is ['PointInTimeRecoveryEnabled'], not a mapping"], NONE),
    "properties_not_a_mapping": Case(CFN_TABLE, ["x"], FAILED, ["T: Properties is ['x'], not a mapping"], NONE),
    # --- unresolved references: by the policy's `unresolved` --------------------------------
    "flag_ref_parameter_fail": Case(
        CFN_TABLE, table(spec({"Ref": "EnablePitr"})), FAILED,
        ["PointInTimeRecoveryEnabled depends on parameter EnablePitr, which has no Default", FIX,
         "give the parameter a Default"], NONE),
    "flag_ref_parameter_unknown": Case(
        CFN_TABLE, table(spec({"Ref": "EnablePitr"})), UNKNOWN,
        ["depends on parameter EnablePitr"], NONE, policy=UNKNOWN_POLICY),
    "spec_ref_parameter_fail": Case(
        CFN_TABLE, table({"Ref": "PitrSpec"}), FAILED,
        ["PointInTimeRecoverySpecification depends on parameter PitrSpec"], NONE),
    "flag_import_value_fail": Case(
        CFN_TABLE, table(spec({"Fn::ImportValue": "shared-pitr"})), FAILED,
        ["depends on Fn::ImportValue 'shared-pitr'"], NONE),
    # serverless.yml variables checkov could not resolve (no --opt, no default) are unresolved too
    "serverless_opt_variable_fail": Case(
        CFN_TABLE, table(spec("${opt:pitr}")), FAILED,
        ["T: PointInTimeRecoveryEnabled depends on serverless variable ${opt:pitr}", FIX], NONE),
    "serverless_opt_variable_unknown": Case(
        CFN_TABLE, table(spec("${opt:pitr}")), UNKNOWN,
        ["depends on serverless variable ${opt:pitr}"], NONE, policy=UNKNOWN_POLICY),
    "serverless_variable_period_unknown": Case(
        CFN_TABLE, table(spec(True, "${self:custom.days.${sls:stage}}")), PASSED, [], UNKNOWN,
        ["RecoveryPeriodInDays depends on serverless variable ${self:custom.days.${sls:stage}}"], policy=UNKNOWN_POLICY),
    "serverless_variable_spec_fail": Case(
        CFN_TABLE, table("${file(./pitr.yml)}"), FAILED,
        ["PointInTimeRecoverySpecification depends on serverless variable ${file(./pitr.yml)}"], NONE),
    "dollar_brace_text_is_not_a_variable": Case(
        CFN_TABLE, table(spec("${Flag}")), FAILED, ["PointInTimeRecoveryEnabled is '${Flag}', not true"], NONE,
        policy=UNKNOWN_POLICY),
    "unknown_mixed_with_off_still_fails": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", spec({"Ref": "Flag"})), replica("eu-west-1", spec(False))]},
        FAILED, ["replica eu-west-1 of T: PointInTimeRecoveryEnabled is false"], NONE, policy=UNKNOWN_POLICY),
    # --- Fn::If: every branch is judged --------------------------------------------------------
    "if_at_value_both_on": Case(CFN_TABLE, table(spec(if_("IsProd", True, "true"))), PASSED,
                                ["T (if IsProd): PointInTimeRecoveryEnabled is true",
                                 "T (unless IsProd): PointInTimeRecoveryEnabled is 'true'"], PASSED),
    "if_at_value_one_off": Case(CFN_TABLE, table(spec(if_("IsProd", True, False))), FAILED,
                                ["T (unless IsProd): PointInTimeRecoveryEnabled is false", FIX], PASSED,
                                ["T (if IsProd)"]),
    "if_at_spec_no_value_branch": Case(CFN_TABLE, table(if_("IsProd", ON, NO_VALUE)), FAILED,
                                       [f"T (unless IsProd): {MISSING_SPEC}"], PASSED, ["T (if IsProd)"]),
    "if_at_spec_both_on": Case(CFN_TABLE, table(if_("IsProd", ON, spec("True", 35))), PASSED,
                               ["T (if IsProd)", "T (unless IsProd)"], PASSED),
    "if_nested": Case(CFN_TABLE, table(spec(if_("IsProd", True, if_("IsStaging", True, False)))), FAILED,
                      ["T (unless IsProd, unless IsStaging): PointInTimeRecoveryEnabled is false"], PASSED),
    # two Fn::Ifs on one condition: only the consistent combinations exist (no "if A, unless A")
    "if_same_condition_on_flag_and_period": Case(
        CFN_TABLE, table(spec(if_("IsProd", True, False), if_("IsProd", 35, 7))), FAILED,
        ["T (unless IsProd): PointInTimeRecoveryEnabled is false"], PASSED, ["T (if IsProd): RecoveryPeriodInDays is 35"]),
    "if_same_condition_both_on_short_period": Case(
        CFN_TABLE, table(spec(if_("IsProd", True, "True"), if_("IsProd", 35, 7))), PASSED,
        ["T (if IsProd): PointInTimeRecoveryEnabled is true", "T (unless IsProd): PointInTimeRecoveryEnabled is 'True'"],
        FAILED, ["T (unless IsProd): RecoveryPeriodInDays is 7, shorter than the policy minimum of 35 days"]),
    "if_same_condition_nested": Case(
        CFN_TABLE, table(spec(if_("IsProd", if_("IsProd", True, False), True))), PASSED, [], PASSED),
    "if_same_condition_replicas_and_spec": Case(
        CFN_GLOBAL_TABLE, {"Replicas": if_("IsProd", [replica("us-east-1", if_("IsProd", ON, spec(False)))], [])},
        FAILED, ["T (unless IsProd): no Replicas to read; set PointInTimeRecoveryEnabled: true"], PASSED,
        ["replica us-east-1 of T (if IsProd): RecoveryPeriodInDays not set"]),
    "if_branch_unresolved_unknown": Case(
        CFN_TABLE, table(spec(if_("IsProd", True, {"Ref": "Flag"}))), UNKNOWN,
        ["T (unless IsProd): PointInTimeRecoveryEnabled depends on parameter Flag"], PASSED, policy=UNKNOWN_POLICY),
    # --- AWS::DynamoDB::GlobalTable: every replica ---------------------------------------------
    "global_all_replicas_on": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", ON), replica("eu-west-2", ON)]}, PASSED,
        ["replica us-east-1 of T", "replica eu-west-2 of T"], PASSED),
    "global_second_replica_missing": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", ON), replica("eu-west-2")]}, FAILED,
        [f"replica eu-west-2 of T: {MISSING_SPEC}; {FIX}"], PASSED, ["replica us-east-1 of T"]),
    "global_second_replica_off": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", ON), replica("ap-south-1", spec("false"))]}, FAILED,
        ["replica ap-south-1 of T: PointInTimeRecoveryEnabled is false"], PASSED),
    "global_first_replica_missing": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1"), replica("eu-west-2", ON)]}, FAILED,
        ["replica us-east-1 of T"], PASSED),
    "global_replica_without_region": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", ON), {"PointInTimeRecoverySpecification": {}}]}, FAILED,
        ["replica #2 of T: PointInTimeRecoverySpecification is empty"], PASSED),
    "global_no_replicas": Case(CFN_GLOBAL_TABLE, {"Replicas": []}, FAILED, ["T: no Replicas to read"], NONE),
    "global_replicas_absent": Case(CFN_GLOBAL_TABLE, {}, FAILED, ["T: no Replicas to read"], NONE),
    "global_replica_if_no_value": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", ON), if_("HasDr", replica("eu-west-1", ON), NO_VALUE)]},
        PASSED, ["replica eu-west-1 of T (if HasDr)"], PASSED),
    "global_replica_if_branch_off": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", ON), if_("HasDr", replica("eu-west-1"), NO_VALUE)]},
        FAILED, [f"replica eu-west-1 of T (if HasDr): {MISSING_SPEC}"], PASSED),
    "global_replica_spec_if": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", if_("IsProd", ON, spec(False)))]}, FAILED,
        ["replica us-east-1 of T (unless IsProd): PointInTimeRecoveryEnabled is false"], PASSED),
    "global_replicas_if": Case(
        CFN_GLOBAL_TABLE, {"Replicas": if_("IsProd", [replica("us-east-1", ON)], [replica("us-east-1")])}, FAILED,
        ["replica us-east-1 of T (unless IsProd)"], PASSED, ["replica us-east-1 of T (if IsProd)"]),
    "global_replica_period_short": Case(
        CFN_GLOBAL_TABLE, {"Replicas": [replica("us-east-1", ON), replica("eu-west-2", spec(True, 7))]}, PASSED, [],
        FAILED, ["replica eu-west-2 of T: RecoveryPeriodInDays is 7, shorter than the policy minimum of 35 days",
                 "set the recovery period to at least 35 days"]),
    # --- AWS::Serverless::SimpleTable and Globals.SimpleTable ----------------------------------
    "simple_table_own_on": Case(SAM_SIMPLE_TABLE, {"PointInTimeRecoverySpecification": ON}, PASSED,
                                ["T: PointInTimeRecoveryEnabled is true"], PASSED),
    "simple_table_without_pitr": Case(SAM_SIMPLE_TABLE, {"PrimaryKey": {"Name": "id", "Type": "String"}}, FAILED,
                                      [f"T: {MISSING_SPEC}", FIX], NONE),
    "simple_table_without_properties": Case(SAM_SIMPLE_TABLE, None, FAILED, [f"T: {MISSING_SPEC}"], NONE),
    "simple_table_globals_on": Case(SAM_SIMPLE_TABLE, None, PASSED,
                                    ["T (from Globals.SimpleTable): PointInTimeRecoveryEnabled is true"], PASSED,
                                    globals_spec=ON),
    "simple_table_globals_off": Case(SAM_SIMPLE_TABLE, {}, FAILED,
                                     ["T (from Globals.SimpleTable): PointInTimeRecoveryEnabled is false"], NONE,
                                     globals_spec=spec(False)),
    "simple_table_own_beats_globals": Case(SAM_SIMPLE_TABLE, {"PointInTimeRecoverySpecification": spec(False)}, FAILED,
                                           ["T: PointInTimeRecoveryEnabled is false"], NONE, globals_spec=ON),
    "simple_table_globals_short_period": Case(SAM_SIMPLE_TABLE, {}, PASSED, [], FAILED,
                                              ["T (from Globals.SimpleTable): RecoveryPeriodInDays is 10"],
                                              globals_spec=spec(True, 10)),
    "globals_ignored_for_plain_tables": Case(CFN_TABLE, table(), FAILED, [f"T: {MISSING_SPEC}"], NONE, globals_spec=ON),
    # --- CKV_PITR_002: recovery period -----------------------------------------------------------
    "period_35": Case(CFN_TABLE, table(spec(True, 35)), PASSED, [], PASSED, ["T: RecoveryPeriodInDays is 35"]),
    "period_7_default_policy": Case(CFN_TABLE, table(spec(True, 7)), PASSED, [], FAILED,
                                    ["T: RecoveryPeriodInDays is 7, shorter than the policy minimum of 35 days",
                                     "set the recovery period to at least 35 days, or remove it"]),
    "period_7_min_7_policy": Case(CFN_TABLE, table(spec(True, 7)), PASSED, [], PASSED,
                                  ["T: RecoveryPeriodInDays is 7", "minimum 7 days"], policy=SEVEN_DAYS_POLICY),
    "period_6_min_7_policy": Case(CFN_TABLE, table(spec(True, 6)), PASSED, [], FAILED,
                                  ["shorter than the policy minimum of 7 days"], policy=SEVEN_DAYS_POLICY),
    "period_string_number": Case(CFN_TABLE, table(spec(True, "35")), PASSED, [], PASSED, ["RecoveryPeriodInDays is 35"]),
    "period_zero": Case(CFN_TABLE, table(spec(True, 0)), PASSED, [], FAILED,
                        ["T: RecoveryPeriodInDays is 0, outside 1-35 days"], policy=SEVEN_DAYS_POLICY),
    "period_36": Case(CFN_TABLE, table(spec(True, 36)), PASSED, [], FAILED,
                      ["T: RecoveryPeriodInDays is 36, outside 1-35 days"]),
    "period_negative": Case(CFN_TABLE, table(spec(True, -1)), PASSED, [], FAILED, ["RecoveryPeriodInDays is -1"]),
    "period_garbage": Case(CFN_TABLE, table(spec(True, "thirty")), PASSED, [], FAILED,
                           ["T: RecoveryPeriodInDays is 'thirty', not a number of days"]),
    "period_bool": Case(CFN_TABLE, table(spec(True, True)), PASSED, [], FAILED,
                        ["RecoveryPeriodInDays is True, not a number of days"]),
    "period_float": Case(CFN_TABLE, table(spec(True, 7.5)), PASSED, [], FAILED, ["RecoveryPeriodInDays is 7.5"],
                         policy=SEVEN_DAYS_POLICY),
    "period_no_value": Case(CFN_TABLE, table(spec(True, NO_VALUE)), PASSED, [], PASSED,
                            ["RecoveryPeriodInDays not set (35 days by default)"]),
    "period_ref_fail": Case(CFN_TABLE, table(spec(True, {"Ref": "Days"})), PASSED, [], FAILED,
                            ["T: RecoveryPeriodInDays depends on parameter Days, which has no Default"]),
    "period_ref_unknown": Case(CFN_TABLE, table(spec(True, {"Ref": "Days"})), PASSED, [], UNKNOWN,
                               ["RecoveryPeriodInDays depends on parameter Days"], policy=UNKNOWN_POLICY),
    "period_if_branches": Case(CFN_TABLE, table(spec(True, if_("IsProd", 35, 7))), PASSED, [], FAILED,
                               ["T (unless IsProd): RecoveryPeriodInDays is 7, shorter than the policy minimum"]),
    "period_only_enabled_branches": Case(CFN_TABLE, table(if_("IsProd", spec(True, 35), spec(False, 1))), FAILED,
                                         ["T (unless IsProd)"], PASSED, ["T (if IsProd): RecoveryPeriodInDays is 35"]),
    "period_none_when_disabled_everywhere": Case(CFN_TABLE, table(spec(False, 1)), FAILED, [], NONE,
                                                 ["PITR is enabled nowhere", "CKV_PITR_001 fails"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cloudformation_verdicts(name: str) -> None:
    case = CASES[name]
    subjects = read_cloudformation("T", case.resource_type, case.properties, case.globals_spec)

    enabled = judge_enabled(subjects, case.policy)
    assert enabled.result is case.enabled, enabled.reason
    for text in case.enabled_says:
        assert text in enabled.reason

    period = judge_period(subjects, case.policy)
    assert period.result is case.period, period.reason
    for text in case.period_says:
        assert text in period.reason


def test_failed_message_is_one_line_naming_only_the_failing_replica() -> None:
    subjects = read_cloudformation(
        "MyGlobalTable", CFN_GLOBAL_TABLE,
        {"Replicas": [replica("us-east-1", ON), replica("eu-west-2"), replica("ap-south-1", ON)]},
    )
    verdict = judge_enabled(subjects, DEFAULT)
    assert verdict.result is FAILED
    assert verdict.reason == (
        "replica eu-west-2 of MyGlobalTable: PointInTimeRecoverySpecification missing (PITR is off by default); "
        "set PointInTimeRecoveryEnabled: true"
    )
    assert "\n" not in verdict.reason


def test_every_replica_is_a_subject() -> None:
    subjects = read_cloudformation(
        "G", CFN_GLOBAL_TABLE, {"Replicas": [replica(r, ON) for r in ("us-east-1", "eu-west-1", "eu-west-2")]}
    )
    assert [s.label for s in subjects] == ["replica us-east-1 of G", "replica eu-west-1 of G", "replica eu-west-2 of G"]
    assert [s.key for s in subjects] == ["replica:us-east-1", "replica:eu-west-1", "replica:eu-west-2"]


def test_checkov_internal_keys_are_ignored() -> None:
    # checkov stamps __startline__/__endline__ on parsed mappings; they are no PITR settings
    pitr = {"__startline__": 3, "__endline__": 5}
    assert judge_enabled(read_cloudformation("T", CFN_TABLE, table(pitr)), DEFAULT).reason.startswith(
        "T: PointInTimeRecoverySpecification is empty"
    )
    pitr_on = dict(ON, __startline__=3, __endline__=5)
    assert judge_enabled(read_cloudformation("T", CFN_TABLE, table(pitr_on)), DEFAULT).result is PASSED
    no_value = {"Ref": "AWS::NoValue", "__startline__": 3, "__endline__": 3}
    assert MISSING_SPEC in judge_enabled(read_cloudformation("T", CFN_TABLE, table(no_value)), DEFAULT).reason


def test_branch_labels_never_repeat_or_contradict_a_condition() -> None:
    subjects = read_cloudformation("T", CFN_TABLE, table(spec(if_("A", True, if_("B", True, False)), if_("A", 35, 7))))
    labels = sorted(s.label for s in subjects)
    assert labels == ["T (if A)", "T (unless A, if B)", "T (unless A, unless B)"]


def test_no_resource_no_result() -> None:
    assert judge_enabled([], DEFAULT).result is NONE
    assert judge_period([], DEFAULT).result is NONE
