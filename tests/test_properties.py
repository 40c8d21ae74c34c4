"""Property-based tests: whatever a PITR field holds, the checks fail closed and never raise.

Every strategy below draws a configuration together with a *model* of what it means: which leaves
of the configuration enable PITR for real (True or the string "true" in any case, nothing else) and
which recovery periods are real numbers of days. The oracle reads only the model, so it does not
repeat the reader's logic. Each property is an equivalence: a check PASSES exactly when the model
says PITR is enabled on the table and every replica (in every Fn::If branch), so a reader that
passes too much or too little fails the test.

The budget is fixed (derandomized, bounded example counts, no deadline) so CI time is bounded.
"""
from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkov_pitr.domain import core
from checkov_pitr.domain.core import MISSING, Policy, Result

BUDGET = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much])
SMALL_BUDGET = settings(BUDGET, max_examples=60)

NO_VALUE = {"Ref": "AWS::NoValue"}


def is_true(value: Any) -> bool:
    """The SPEC's definition of enabled: true, or the string "true" in any case. Nothing else."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


# ---------------------------------------------------------------------------------------------
# Values that must never count as enabled
# ---------------------------------------------------------------------------------------------

TRUE_SPELLINGS = st.sampled_from([True, "true", "True", "TRUE", "tRuE"])
TRICKY_TEXT = st.sampled_from([
    "yes", "Yes", "1", "TRUE ", " true", "true\n", "t", "y", "on", "enabled", "ture", "True.", "false",
    "FALSE", "", " ", "null", "None", "0", "35", "1e3", "truee", "\u0074rue\u200b", "line\nbreak",
])
# Strings that depend on something a scan cannot resolve (replica.value/key excluded on purpose:
# a lone block mentioning them is an unrendered `dynamic "replica"`, which the README documents).
UNRESOLVED_TEXT = st.sampled_from([
    "${var.pitr}", "var.pitr", "module.tables.pitr_enabled", "local.pitr", "${each.value.pitr}",
    "aws_dynamodb_table.other.point_in_time_recovery", "data.aws_x.y.enabled", "${true}",
    '${tobool("true")}', "tobool(var.x)", "${count.index == 0}", "${var.on ? true : false}",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12), TRICKY_TEXT, UNRESOLVED_TEXT,
)
CONDITION = st.sampled_from(["IsProd", "HasReplica", "Enable"])
INTRINSICS = st.one_of(
    st.builds(lambda p: {"Ref": p}, st.one_of(st.sampled_from(["PitrParam", "AWS::Region", "AWS::NoValue"]), SCALARS)),
    st.builds(lambda a: {"Fn::GetAtt": a}, st.sampled_from([["Other", "Enabled"], "Other.Enabled", [], None])),
    st.builds(lambda a: {"Fn::ImportValue": a}, st.sampled_from(["shared-pitr", {"Fn::Sub": "${Stack}-pitr"}])),
    st.builds(lambda a: {"Fn::Sub": a}, st.sampled_from(["${Enabled}", "true", ["${X}", {"X": True}]])),
    st.builds(lambda a: {"Fn::Select": a}, st.sampled_from([[0, [True]], [0, ["true"]], "bad"])),
    st.builds(lambda a: {"Fn::FindInMap": a}, st.sampled_from([["Map", "Key", "Pitr"], "bad"])),
    # Fn::If that is malformed (not [condition, a, b]) is invalid CloudFormation, never "enabled"
    st.builds(lambda a: {"Fn::If": a}, st.sampled_from([["IsProd", True], [True, True, True, True], "IsProd", True])),
    st.builds(lambda c: {"Condition": c}, CONDITION),
    st.just({"Fn::Equals": [True, True]}),
)
KEY = st.text(alphabet="abcXYZ:_", max_size=6)  # never a real field name or checkov's __marks__
JUNK = st.recursive(
    st.one_of(SCALARS, INTRINSICS),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEY, inner, max_size=3)),
    max_leaves=10,
)
NOT_TRUE = JUNK.filter(lambda v: not is_true(v))


def _absent(value: Any) -> bool:
    return value is None or value == NO_VALUE


def _looks_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()


# a value that is not a number of days at all (numbers are drawn separately, with their meaning)
NOT_DAYS = JUNK.filter(lambda v: not _absent(v) and not _looks_numeric(v))


def days_value(days: int) -> st.SearchStrategy:
    return st.sampled_from([days, str(days), float(days)])


# ---------------------------------------------------------------------------------------------
# CloudFormation: configurations with their meaning in the leaves
# ---------------------------------------------------------------------------------------------
# A drawn CloudFormation configuration is a tree of dicts, lists, `Fn::If` nodes and Leafs. A Leaf
# holds a value and what it means (a flag: True only when it truly enables PITR; a period: its
# days, or None when it is no valid number of days). `plain()` gives the configuration the checks
# see; the oracle resolves every Fn::If for each assignment of the conditions (a condition has
# one value in a whole template) and reads the meanings of the leaves it lands on.

CONDITIONS = ("IsProd", "HasReplica", "Enable")
ASSIGNMENTS = [dict(zip(CONDITIONS, values)) for values in itertools.product([True, False], repeat=len(CONDITIONS))]


@dataclass(frozen=True)
class Leaf:
    value: Any
    meaning: Any = None


NOVALUE_LEAF = Leaf(NO_VALUE, "novalue")


def plain(tree: Any) -> Any:
    if isinstance(tree, Leaf):
        return tree.value
    if isinstance(tree, dict):
        return {k: plain(v) for k, v in tree.items() if not (isinstance(v, Leaf) and v.value is MISSING)}
    if isinstance(tree, list):
        return [plain(v) for v in tree]
    return tree


def resolve(tree: Any, assignment: Dict[str, bool]) -> Any:
    if isinstance(tree, dict):
        if list(tree) == ["Fn::If"]:
            condition, if_true, if_false = tree["Fn::If"]
            return resolve(if_true if assignment[condition] else if_false, assignment)
        return {k: resolve(v, assignment) for k, v in tree.items()}
    if isinstance(tree, list):
        return [resolve(v, assignment) for v in tree]
    return tree


def _with(mapping: Dict[str, Any], key: str, value: Any) -> Dict[str, Any]:
    """`mapping` with `key` set, unless the value is MISSING (the key is then absent)."""
    if value is not MISSING:
        mapping[key] = value
    return mapping


def fn_if(a: Any, b: Any) -> st.SearchStrategy:
    return st.builds(lambda c: {"Fn::If": [c, a, b]}, st.sampled_from(CONDITIONS))


def spec_reading(spec: Any) -> Tuple[bool, Optional[int]]:
    """(PITR on, period days) of a resolved PointInTimeRecoverySpecification."""
    if not isinstance(spec, dict):
        return False, None
    flag, days = spec.get(core.CFN_ENABLED), spec.get(core.CFN_PERIOD, Leaf(MISSING, 35))
    return isinstance(flag, Leaf) and flag.meaning is True, days.meaning if isinstance(days, Leaf) else None


def enabled_everywhere(readings: List[Tuple[bool, Optional[int]]]) -> bool:
    return bool(readings) and all(on for on, _ in readings)


def periods_ok(readings: List[Tuple[bool, Optional[int]]], minimum: int) -> bool:
    """CKV_PITR_002's expectation: PITR is on somewhere, and wherever it is on the period is a
    valid number of days, at least `minimum`."""
    judged = [days for on, days in readings if on]
    return bool(judged) and all(d is not None and d >= minimum for d in judged)


@st.composite
def cfn_enabled(draw: Any, depth: int = 0) -> Any:
    kind = draw(st.sampled_from(["true", "junk", "absent"] + (["if"] if depth < 2 else [])))
    if kind == "true":
        return Leaf(draw(TRUE_SPELLINGS), True)
    if kind == "junk":
        return Leaf(draw(NOT_TRUE), False)
    if kind == "absent":
        return Leaf(MISSING, False) if depth == 0 else NOVALUE_LEAF
    return draw(fn_if(draw(cfn_enabled(depth + 1)), draw(cfn_enabled(depth + 1))))


@st.composite
def period(draw: Any, depth: int = 0, fn_if_allowed: bool = True) -> Any:
    kinds = ["valid", "out_of_range", "junk", "absent"] + (["if"] if fn_if_allowed and depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "valid":
        days = draw(st.integers(min_value=1, max_value=35))
        return Leaf(draw(days_value(days)), days)
    if kind == "out_of_range":
        return Leaf(draw(days_value(draw(st.sampled_from([0, -1, 36, 365, 10 ** 9])))), None)
    if kind == "junk":
        return Leaf(draw(NOT_DAYS), None)
    if kind == "absent":  # absent means 35 days
        return Leaf(draw(st.sampled_from([MISSING, None] if depth == 0 else [None, NO_VALUE])), 35)
    return draw(fn_if(draw(period(depth + 1)), draw(period(depth + 1))))


@st.composite
def cfn_spec(draw: Any, depth: int = 0) -> Any:
    """A PointInTimeRecoverySpecification, or whatever stands in its place."""
    kind = draw(st.sampled_from(["mapping", "mapping", "junk", "absent", "empty"] + (["if"] if depth < 2 else [])))
    if kind == "mapping":
        spec = {k: Leaf(v) for k, v in draw(st.dictionaries(KEY, JUNK, max_size=2)).items()}
        spec[core.CFN_ENABLED] = draw(cfn_enabled())
        spec[core.CFN_PERIOD] = draw(period())
        return spec
    if kind == "junk":  # anything but a mapping that holds the flag
        return Leaf(draw(JUNK))
    if kind == "absent":
        return Leaf(draw(st.sampled_from([MISSING, None])), "absent") if depth == 0 else NOVALUE_LEAF
    if kind == "empty":
        return Leaf({})
    return draw(fn_if(draw(cfn_spec(depth + 1)), draw(cfn_spec(depth + 1))))


@st.composite
def cfn_table(draw: Any) -> Any:
    """Properties of an AWS::DynamoDB::Table (now and then junk in their place)."""
    if draw(st.integers(0, 9)) == 0:
        return Leaf(draw(st.one_of(st.lists(JUNK, max_size=2), SCALARS.filter(lambda v: v is not None))))
    properties = {k: Leaf(v) for k, v in draw(st.dictionaries(KEY, JUNK, max_size=2)).items()}
    properties[core.CFN_SPEC] = draw(cfn_spec())
    return properties


def table_readings(properties: Any, globals_spec: Any = Leaf(MISSING)) -> List[Tuple[bool, Optional[int]]]:
    """One reading per assignment of the conditions."""
    readings = []
    for assignment in ASSIGNMENTS:
        resolved = resolve(properties, assignment)
        if not isinstance(resolved, dict):
            readings.append((False, None))
            continue
        spec = resolved.get(core.CFN_SPEC, Leaf(MISSING))
        if isinstance(spec, Leaf) and (spec.value is None or spec.value is MISSING):
            spec = resolve(globals_spec, assignment)  # SAM: Globals.SimpleTable's specification
        readings.append(spec_reading(spec))
    return readings


@st.composite
def cfn_replica(draw: Any, conditional: bool = True) -> Any:
    """One entry of a GlobalTable's Replicas."""
    kind = draw(st.sampled_from(["replica", "replica", "junk", "novalue"] + (["if"] if conditional else [])))
    if kind == "novalue":
        return NOVALUE_LEAF
    if kind == "junk":
        return Leaf(draw(JUNK.filter(lambda v: v != NO_VALUE)))
    if kind == "if":
        # a replica that differs by condition (If[c, replica, AWS::NoValue] is left out: a GlobalTable
        # with no replica in some branch cannot be deployed, and is not modelled here)
        return draw(fn_if(draw(cfn_replica(False).filter(lambda r: r is not NOVALUE_LEAF)),
                          draw(cfn_replica(False).filter(lambda r: r is not NOVALUE_LEAF))))
    region = draw(st.one_of(st.sampled_from(["eu-west-1", "us-east-1", "ap-south-1"]), JUNK))
    return {"Region": Leaf(region), core.CFN_SPEC: draw(cfn_spec())}


@st.composite
def cfn_replicas(draw: Any, depth: int = 0) -> Any:
    """The Replicas of an AWS::DynamoDB::GlobalTable."""
    kind = draw(st.sampled_from(["list", "list", "list", "junk", "absent"] + (["if"] if depth < 1 else [])))
    if kind == "list":
        return draw(st.lists(cfn_replica(), min_size=0, max_size=3))
    if kind == "junk":
        return Leaf(draw(JUNK))
    if kind == "absent":
        return Leaf(MISSING) if depth == 0 else NOVALUE_LEAF
    return draw(fn_if(draw(cfn_replicas(depth + 1)), draw(cfn_replicas(depth + 1))))


def global_table_readings(replicas: Any) -> Tuple[bool, List[Tuple[bool, Optional[int]]]]:
    """(every replica has PITR in every assignment, the readings of all replicas)."""
    all_on, readings = True, []
    for assignment in ASSIGNMENTS:
        resolved = resolve(replicas, assignment)
        entries = [r for r in resolved if r is not NOVALUE_LEAF] if isinstance(resolved, list) else []
        if not entries:
            all_on = False  # no replica to read: nothing is protected
        for entry in entries:
            reading = spec_reading(entry.get(core.CFN_SPEC)) if isinstance(entry, dict) else (False, None)
            all_on = all_on and reading[0]
            readings.append(reading)
    return all_on, readings


# --- Terraform, in checkov's HCL shape (every attribute value wrapped in a one-element list) ------

@st.composite
def tf_flag(draw: Any) -> Tuple[Any, bool]:
    kind = draw(st.sampled_from(["true", "junk", "unresolved", "absent"]))
    if kind == "true":
        return [draw(TRUE_SPELLINGS)], True
    if kind == "junk":
        return [draw(NOT_TRUE)], False
    if kind == "unresolved":
        return [draw(UNRESOLVED_TEXT)], False
    return MISSING, False


@st.composite
def tf_period(draw: Any) -> Tuple[Any, Optional[int]]:
    leaf = draw(period(fn_if_allowed=False))
    return (leaf.value if leaf.value is MISSING else [leaf.value]), leaf.meaning


@st.composite
def tf_table(draw: Any) -> Tuple[Dict[str, Any], bool, List[Tuple[bool, Optional[int]]]]:
    """An aws_dynamodb_table as checkov hands it over; model: (enabled everywhere, [(table or
    replica enabled, its period)])."""
    conf: Dict[str, Any] = {"name": ["t"]}
    subjects: List[Tuple[bool, Optional[int]]] = []
    kind = draw(st.sampled_from(["block", "block", "block", "junk", "absent", "empty", "two_blocks"]))
    if kind in ("block", "two_blocks"):
        enabled, on = draw(tf_flag())
        days, period_days = draw(tf_period())
        block = _with(_with({}, "enabled", enabled), "recovery_period_in_days", days)
        if kind == "block":
            conf["point_in_time_recovery"] = draw(st.sampled_from([[block], block]))
            subjects.append((on, period_days))
        else:  # Terraform allows one block: two are an invalid configuration, never "enabled"
            other_days = [8] if block.get("recovery_period_in_days") == [7] else [7]
            conf["point_in_time_recovery"] = [block, dict(block, recovery_period_in_days=other_days)]
            subjects.append((False, period_days))
    elif kind == "junk":
        conf["point_in_time_recovery"] = draw(st.one_of(SCALARS.filter(lambda v: v is not None), UNRESOLVED_TEXT,
                                                         st.lists(SCALARS.filter(lambda v: v is not None), min_size=1, max_size=2)))
        subjects.append((False, 35))
    elif kind == "empty":
        conf["point_in_time_recovery"] = draw(st.sampled_from([[], [{}], {}]))
        subjects.append((False, 35))
    else:
        subjects.append((False, 35))

    replica_kind = draw(st.sampled_from(["blocks", "blocks", "none", "junk", "dynamic"]))
    if replica_kind in ("blocks", "dynamic"):
        replicas = []
        for region in draw(st.lists(st.sampled_from(["eu-west-1", "us-east-1", "ap-south-1"]), unique=True, max_size=3)):
            flag, on = draw(tf_flag())
            replicas.append(_with({"region_name": [region]}, "point_in_time_recovery", flag))
            subjects.append((on, 35))  # replica blocks have no period of their own
        if replica_kind == "blocks":
            conf["replica"] = replicas
        elif replicas:
            conf["dynamic"] = [{"replica": {"for_each": ["${var.regions}"], "content": replicas}}]
    elif replica_kind == "junk":
        # anything that is not a list of blocks (never empty: an empty value is "no replicas")
        conf["replica"] = draw(st.one_of(SCALARS.filter(lambda v: v is not None), INTRINSICS.map(lambda d: [d, 5]),
                                         st.lists(SCALARS.filter(lambda v: v is not None), min_size=1, max_size=2)))
        subjects.append((False, 35))
    if draw(st.booleans()):  # unrelated junk beside the PITR fields, and checkov's marks
        conf.update(draw(st.dictionaries(KEY, JUNK, max_size=2)))
        conf["__start_line__"], conf["__end_line__"] = 1, 9
    return conf, all(on for on, _ in subjects), subjects


def tf_periods_ok(subjects: List[Tuple[bool, Optional[int]]], minimum: int) -> bool:
    judged = [days for on, days in subjects if on]
    return bool(judged) and all(d is not None and d >= minimum for d in judged)


POLICIES = st.builds(Policy, min_recovery_period_days=st.integers(1, 35), unresolved=st.sampled_from(["fail", "unknown"]))


def assert_table_always_judged(verdict: core.Verdict, policy: Policy) -> None:
    assert verdict.result is not Result.NONE, "a table always gets a CKV_PITR_001 result"
    if policy.unresolved == "fail":
        assert verdict.result is not Result.UNKNOWN


# ---------------------------------------------------------------------------------------------
# The core
# ---------------------------------------------------------------------------------------------

@BUDGET
@given(table=cfn_table(), policy=POLICIES)
def test_cloudformation_table_passes_exactly_when_pitr_is_enabled(table: Any, policy: Policy) -> None:
    readings = table_readings(table)
    subjects = core.read_cloudformation("MyTable", core.CFN_TABLE, plain(table))
    enabled = core.judge_enabled(subjects, policy)
    assert (enabled.result is Result.PASSED) == enabled_everywhere(readings), (enabled, readings)
    assert_table_always_judged(enabled, policy)
    period_verdict = core.judge_period(subjects, policy)
    assert (period_verdict.result is Result.PASSED) == periods_ok(readings, policy.min_recovery_period_days), (
        period_verdict, readings)


@BUDGET
@given(replicas=cfn_replicas(), policy=POLICIES)
def test_cloudformation_global_table_passes_exactly_when_every_replica_has_pitr(replicas: Any, policy: Policy) -> None:
    all_on, readings = global_table_readings(replicas)
    subjects = core.read_cloudformation("MyGlobalTable", core.CFN_GLOBAL_TABLE, plain({"Replicas": replicas}))
    enabled = core.judge_enabled(subjects, policy)
    assert (enabled.result is Result.PASSED) == all_on, (enabled, readings)
    assert_table_always_judged(enabled, policy)
    period_verdict = core.judge_period(subjects, policy)
    assert (period_verdict.result is Result.PASSED) == periods_ok(readings, policy.min_recovery_period_days), (
        period_verdict, readings)


@BUDGET
@given(own=cfn_spec(), from_globals=cfn_spec(depth=2), policy=POLICIES)
def test_sam_simple_table_falls_back_to_globals_but_never_passes_what_is_off(own: Any, from_globals: Any,
                                                                             policy: Policy) -> None:
    properties = {core.CFN_SPEC: own}
    readings = table_readings(properties, from_globals)
    subjects = core.read_cloudformation("Simple", core.SAM_SIMPLE_TABLE, plain(properties), plain(from_globals))
    enabled = core.judge_enabled(subjects, policy)
    assert (enabled.result is Result.PASSED) == enabled_everywhere(readings), (enabled, readings)
    assert_table_always_judged(enabled, policy)


@BUDGET
@given(table=tf_table(), policy=POLICIES)
def test_terraform_table_passes_exactly_when_table_and_every_replica_have_pitr(table: Any, policy: Policy) -> None:
    conf, enabled_everywhere, subjects_model = table
    subjects = core.read_terraform("aws_dynamodb_table.t", core.TF_TABLE, conf)
    enabled = core.judge_enabled(subjects, policy, "terraform")
    assert (enabled.result is Result.PASSED) == enabled_everywhere, (enabled, conf)
    assert_table_always_judged(enabled, policy)
    period_verdict = core.judge_period(subjects, policy, "terraform")
    assert (period_verdict.result is Result.PASSED) == tf_periods_ok(subjects_model, policy.min_recovery_period_days), (
        period_verdict, conf)


@BUDGET
@given(flag=tf_flag(), policy=POLICIES)
def test_terraform_table_replica_passes_exactly_when_its_flag_is_true(flag: Tuple[Any, bool], policy: Policy) -> None:
    value, on = flag
    conf = _with({"region_name": ["eu-west-1"]}, "point_in_time_recovery", value)
    verdict = core.judge_enabled(core.read_terraform("aws_dynamodb_table_replica.r", core.TF_TABLE_REPLICA, conf),
                                 policy, "terraform")
    assert (verdict.result is Result.PASSED) == on
    assert_table_always_judged(verdict, policy)


@BUDGET
@given(conf=JUNK, resource_type=st.sampled_from(core.CFN_TYPES + core.TF_TYPES), policy=POLICIES)
def test_any_configuration_at_all_is_read_without_raising_and_never_passes(conf: Any, resource_type: str,
                                                                           policy: Policy) -> None:
    # random structures hold no real PITR field name, so nothing here is enabled
    if resource_type in core.CFN_TYPES:
        subjects = core.read_cloudformation("Anything", resource_type, conf, conf)
    else:
        subjects = core.read_terraform("anything.t", resource_type, conf)
    for judge in (core.judge_enabled, core.judge_period):
        verdict = judge(subjects, policy)
        assert verdict.result is not Result.PASSED


# --- CKV_PITR_003: before -> after, in the plan's raw resource_changes shape ------------------

@st.composite
def raw_flag(draw: Any) -> Tuple[Any, bool]:
    # terraform show -json never writes a list for a bool attribute; a one-element list holding true
    # would read as true (checkov's HCL shape wraps values that way), so it is left out here.
    kind = draw(st.sampled_from(["true", "junk", "absent"]))
    if kind == "true":
        return draw(TRUE_SPELLINGS), True
    if kind == "junk":
        return draw(NOT_TRUE.filter(lambda v: not (isinstance(v, list) and len(v) == 1))), False
    return MISSING, False


@st.composite
def raw_table(draw: Any) -> Tuple[Any, Dict[str, Tuple[bool, Optional[int]]]]:
    """A table's `before`/`after` in resource_changes; model: key -> (PITR on, days)."""
    if draw(st.integers(0, 9)) == 0:
        # unreadable: PITR is not on (the table or resource being created or replaced has none we can see)
        return draw(st.sampled_from([None, {}, [], "x", 5])), {"table": (False, None)}
    flag, on = draw(raw_flag())
    days_leaf = draw(period(fn_if_allowed=False))
    days, period_days = days_leaf.value, days_leaf.meaning
    conf: Dict[str, Any] = {"name": "t", "point_in_time_recovery": [_with(_with({}, "enabled", flag),
                                                                          "recovery_period_in_days", days)]}
    model = {"table": (on, period_days)}
    replicas = []
    for region in draw(st.lists(st.sampled_from(["eu-west-1", "us-east-1"]), unique=True, max_size=2)):
        replica_flag, replica_on = draw(raw_flag())
        replicas.append(_with({"region_name": region}, "point_in_time_recovery", replica_flag))
        model[f"replica:{region}"] = (replica_on, 35)
    conf["replica"] = replicas
    return conf, model


ACTIONS = st.sampled_from([["update"], ["delete", "create"], ["create", "delete"], ["no-op"], ["create"],
                           ["delete"], ["read"], [], ["update", "bogus"], [5]])


def pitr_lost(actions: List[Any], before: Dict[str, Tuple[bool, Optional[int]]],
              after: Dict[str, Tuple[bool, Optional[int]]]) -> bool:
    if not all(isinstance(a, str) for a in actions):
        return True  # unreadable actions: a loss cannot be ruled out, so the check fails closed
    if "update" not in actions and "delete" not in actions or actions == ["delete"]:
        return False
    for key, (was_on, was_days) in before.items():
        if not was_on or key not in after:
            continue
        now_on, now_days = after[key]
        if not now_on:
            return True
        if was_days is not None and now_days is not None and now_days < was_days:
            return True
    return False


@BUDGET
@given(before=raw_table(), after=raw_table(), actions=ACTIONS)
def test_plan_change_fails_exactly_when_apply_loses_pitr(before: Any, after: Any, actions: List[Any]) -> None:
    (before_conf, before_model), (after_conf, after_model) = before, after
    address = "aws_dynamodb_table.t"
    verdict = core.judge_change(actions, core.read_terraform(address, core.TF_TABLE, before_conf),
                                core.read_terraform(address, core.TF_TABLE, after_conf), address)
    assert (verdict.result is Result.FAILED) == pitr_lost(actions, before_model, after_model), (verdict, actions)


# ---------------------------------------------------------------------------------------------
# Through the checkov adapters (check.run as checkov calls it)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory):
    """The adapters' check objects, with the default policy in force (no policy file anywhere)."""
    from checkov_pitr.domain import policy
    from checkov_pitr.integration import adapter

    home = tmp_path_factory.mktemp("no-policy")
    old_cwd, old_env = os.getcwd(), os.environ.pop(policy.POLICY_ENV, None)
    os.chdir(home)
    try:
        cfn_001, cfn_002, tf_001, tf_002, tf_003 = adapter.all_checks()
        yield {"cfn": (cfn_001, cfn_002), "tf": (tf_001, tf_002), "plan": tf_003, "home": home}
    finally:
        os.chdir(old_cwd)
        if old_env is not None:
            os.environ[policy.POLICY_ENV] = old_env


def run_check(check: Any, conf: Dict[str, Any], name: str, entity_type: str, scanned_file: str) -> Tuple[str, str]:
    from checkov.common.models.enums import CheckResult

    result = check.run(scanned_file=scanned_file, entity_configuration=conf, entity_name=name,
                       entity_type=entity_type, skip_info={})
    outcome = result["result"]
    assert outcome in (CheckResult.PASSED, CheckResult.FAILED, CheckResult.UNKNOWN)
    details = list(check.details or [])
    if outcome is CheckResult.FAILED:
        assert details and all("\n" not in d and d.strip() for d in details), details
    return outcome.value, " ".join(details)


@BUDGET
@given(table=cfn_table(), replicas=cfn_replicas())
def test_cloudformation_adapter_passes_exactly_when_pitr_is_enabled(checks: Any, table: Any, replicas: Any) -> None:
    enabled_check, period_check = checks["cfn"]
    readings = table_readings(table)
    conf = plain({"Type": core.CFN_TABLE, "Properties": table})
    outcome, details = run_check(enabled_check, conf, "MyTable", core.CFN_TABLE, "/template.yaml")
    assert (outcome == "PASSED") == enabled_everywhere(readings), details
    assert outcome != "UNKNOWN", "the default policy fails what it cannot resolve"
    outcome, details = run_check(period_check, conf, "MyTable", core.CFN_TABLE, "/template.yaml")
    assert (outcome == "PASSED") == periods_ok(readings, 35), details

    all_on, _ = global_table_readings(replicas)
    conf = plain({"Type": core.CFN_GLOBAL_TABLE, "Properties": {"Replicas": replicas}})
    outcome, details = run_check(enabled_check, conf, "MyGlobalTable", core.CFN_GLOBAL_TABLE, "/template.yaml")
    assert (outcome == "PASSED") == all_on, details


@BUDGET
@given(table=tf_table(), dynamic=st.one_of(st.none(), JUNK), address=st.one_of(st.none(), JUNK))
def test_terraform_adapter_passes_exactly_when_pitr_is_enabled(checks: Any, table: Any, dynamic: Any, address: Any) -> None:
    enabled_check, period_check = checks["tf"]
    conf, enabled_everywhere, subjects_model = table
    if dynamic is not None and "dynamic" not in conf:
        # whatever sits under `dynamic` (checkov's own handling of it runs first) changes nothing
        conf["dynamic"] = dynamic
    if address is not None:
        conf["__address__"] = address
    name = "t"
    outcome, details = run_check(enabled_check, conf, name, core.TF_TABLE, "/main.tf")
    assert (outcome == "PASSED") == enabled_everywhere, details
    outcome, details = run_check(period_check, conf, name, core.TF_TABLE, "/main.tf")
    assert (outcome == "PASSED") == tf_periods_ok(subjects_model, 35), details


@SMALL_BUDGET
@given(before=raw_table(), after=raw_table(), actions=ACTIONS)
def test_plan_adapter_reads_resource_changes_and_fails_when_apply_loses_pitr(checks: Any, before: Any, after: Any,
                                                                              actions: List[Any]) -> None:
    (before_conf, before_model), (after_conf, after_model) = before, after
    address = "module.m.aws_dynamodb_table.t"
    plan_file = checks["home"] / f"plan-{next(_PLAN_NUMBERS)}.json"
    plan = {"format_version": "1.2", "planned_values": {"root_module": {}},
            "resource_changes": [{"address": address, "type": core.TF_TABLE,
                                  "change": {"actions": actions, "before": before_conf, "after": after_conf}}]}
    plan_file.write_text(json.dumps(plan, default=str), encoding="utf-8")
    conf = {"__address__": address, "__change_actions__": actions, "__file__": [str(plan_file)],
            "point_in_time_recovery": [{"enabled": [True]}]}
    outcome, details = run_check(checks["plan"], conf, "t", core.TF_TABLE, "/" + plan_file.name)
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        assert outcome != "PASSED" or set(map(str, actions)) <= {"create", "no-op", "read"}
        return
    assert (outcome == "FAILED") == pitr_lost(actions, before_model, after_model), details


_PLAN_NUMBERS = itertools.count()


def test_unreadable_plan_entry_fails_closed(checks: Any) -> None:
    """CKV_PITR_003 on an update it cannot look up in resource_changes: FAILED, not PASSED."""
    conf = {"__address__": "aws_dynamodb_table.gone", "__change_actions__": ["update"],
            "__file__": [str(checks["home"] / "missing-plan.json")]}
    outcome, details = run_check(checks["plan"], conf, "gone", core.TF_TABLE, "/missing-plan.json")
    assert outcome == "FAILED" and "could not be read" in details
