"""The CloudFormation template reader, independent of checkov: every DynamoDB resource a template may
hold is found, named as checkov names it, or the file is "not judged" with a reason."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkov_pitr.domain import core
from checkov_pitr.domain.inventory import CLOUDFORMATION
from checkov_pitr.domain.readers.cloudformation import read_template
from checkov_pitr.domain.readers.yaml_loader import load_yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures"
READERS = FIXTURES / "readers" / "cloudformation"

DUP_ORDERS = "CloudFormation rejects duplicate keys: 'Orders' at line 3 (and line 8); remove one"
DUP_PITR = "CloudFormation rejects duplicate keys: 'PointInTimeRecoveryEnabled' at line 7 (and line 8); remove one"
FALSE = " (Condition {} is false under the parameter defaults)"
NO_TRANSFORM = ("made by Fn::ForEach without Transform: AWS::LanguageExtensions; CloudFormation rejects the template; "
                "add the transform")
ENCODED = [("AWS::DynamoDB::Table.Encoded", "Encoded", None)]
T = "AWS::DynamoDB::Table"

# fixture -> (not_judged, [(resource, label, problem)])
EXPECTED: Dict[str, Tuple[Optional[str], List[Tuple[str, str, Optional[str]]]]] = {
    "encoding_utf8_bom.yaml": (None, ENCODED),
    "encoding_utf16le_bom.yaml": (None, ENCODED),
    "encoding_utf16be_bom.yaml": (None, ENCODED),
    "encoding_utf16le_no_bom.yaml": (None, ENCODED),
    "encoding_utf16be_no_bom.yaml": (None, ENCODED),
    "encoding_utf32le_bom.yaml": (None, ENCODED),
    "encoding_utf32be_bom.yaml": (None, ENCODED),
    "unreadable_invalid_utf8.yaml": (
        "not valid UTF-8 text (byte 0xe9 at offset 70); save the file as UTF-8", []),
    "unreadable_tab_indented.yaml": (
        "not valid YAML: found character that cannot start any token at line 3, column 1; indent with spaces, not tabs", []),
    "unreadable_alias_bomb.yaml": ("YAML aliases expand past 100,000 nodes (an alias bomb?), not read", []),
    "unreadable_nested_too_deep.yaml": ("nested more than 200 levels deep, not read", []),
    "unreadable_nested_too_deep.json": ("nested more than 200 levels deep, not read", []),
    "not_a_template_kubernetes.yaml": (None, []),
    "not_a_template_package.json": (None, []),
    "short_tags_and_boolean_like_logical_ids.yaml": (None, [
        (f"{T}.On", "On", None), (f"{T}.Off", "Off", None), (f"{T}.yes", "yes", None), (f"{T}.1", "1", None)]),
    "flow_style_one_line.yaml": (None, [(f"{T}.Flow", "Flow", None)]),
    "json_one_line_with_bom.json": (None, [(f"{T}.JsonWithBom", "JsonWithBom", None)]),
    "merge_keys_explicit_key_wins.yaml": (None, [
        (f"{T}.Base", "Base", None), (f"{T}.Override", "Override", None), (f"{T}.ListOfAliases", "ListOfAliases", None)]),
    "fail_duplicate_logical_ids.yaml": (None, [
        (f"{T}.Orders", "Orders", DUP_ORDERS), (f"{T}.Orders", "Orders", DUP_ORDERS), (f"{T}.Other", "Other", DUP_ORDERS)]),
    "fail_duplicate_property_key.yaml": (None, [(f"{T}.Users", "Users", DUP_PITR)]),
    "fail_duplicate_keys.json": (None, [(f"{T}.Carts", "Carts", DUP_PITR)]),
    "fail_odd_resource_shapes.yaml": (None, [
        (f"{T}.NullTable", "NullTable", "resource value is null, CloudFormation rejects it"),
        (f"{T}.StringTable", "StringTable", "resource value is a string, not a mapping; CloudFormation rejects it"),
        (f"{T}.ListType", "ListType",
         "Type is a list (['AWS::DynamoDB::Table']), not a string; CloudFormation rejects it"),
        (f"{T}.ListProperties", "ListProperties", "Properties is a list, not a mapping; CloudFormation rejects it"),
        (f"{T}.NoType", "NoType", "resource has no Type, CloudFormation rejects it"),
    ]),
    "fail_foreach_tables_without_pitr.yaml": (None, [
        (f"{T}.ordersTable", "ordersTable", None), (f"{T}.orderitemsTable", "orderitemsTable", None),
        (f"{T}.devaTable", "devaTable", None), (f"{T}.devbTable", "devbTable", None),
        (f"{T}.prodaTable", "prodaTable", None), (f"{T}.prodbTable", "prodbTable", None),
        (f"{T}.Replica${{Region}}", "Replica${Region} (made by Fn::ForEach::ByRegion)",
         "unresolved: made by Fn::ForEach::ByRegion over parameter Regions, which has no Default and which the scan "
         "cannot resolve; give the parameter a Default or list the values"),
    ]),
    "foreach_without_transform.yaml": (None, [(f"{T}.ATable", "ATable", NO_TRANSFORM)]),
    "conditions_false_under_defaults.yaml": (None, [
        (f"{T}.ProdOnly", "ProdOnly" + FALSE.format("IsProd"), None), (f"{T}.DevOnly", "DevOnly", None),
        (f"{T}.EitherTable", "EitherTable" + FALSE.format("Either"), None),
        (f"{T}.BothTable", "BothTable", None),  # depends on a parameter without Default: unknown, judged as written
        (f"{T}.LoopTable", "LoopTable", None),  # a cycle: unknown
        (f"{T}.RegionTable", "RegionTable", None),  # a pseudo parameter: unknown
        (f"{T}.MissingCondition", "MissingCondition", None),
    ]),
    "ref_parameter_defaults_resolved.yaml": (None, [
        (f"{T}.Resolved", "Resolved", None), ("AWS::Serverless::SimpleTable.Simple", "Simple", None),
        ("AWS::DynamoDB::GlobalTable.GlobalTable", "GlobalTable", None)]),
}

# The DynamoDB resources checkov 3.3.30 reports for the ordinary templates of tests/fixtures/cloudformation
# (`checkov -d tests/fixtures/cloudformation --external-checks-dir checkov_pitr/checks --check CKV_PITR_001
# -o json --framework cloudformation --skip-download`; 6 s, so recorded here rather than run).
CHECKOV_REPORTS = {
    "cdk_stack_one_table_without_pitr.template.json": {f"{T}.CacheTableA1B2C3D4", f"{T}.OrdersTable4D5C1F5A"},
    "fail_global_table_second_replica_missing.yaml": {"AWS::DynamoDB::GlobalTable.MyGlobalTable"},
    "fail_ref_parameter_without_default.yaml": {f"{T}.Orders"},
    "fail_sam_simple_table_without_pitr.yaml": {"AWS::Serverless::SimpleTable.Visits"},
    "fail_table_off.json": {f"{T}.Carts"},
    "fn_if_every_branch_judged.yaml": {f"{T}.BothBranchesOn", f"{T}.SameConditionTwice", f"{T}.SpecIf", f"{T}.ValueIf"},
    "metadata_checkov_skip.yaml": {f"{T}.SkippedAws28Only", f"{T}.SkippedOurs", f"{T}.SkippedPeriodOnly"},
    "pass_short_tags.yaml": {f"{T}.Scores"},
    "pass_table_on.json": {f"{T}.Sessions"},
    "recovery_periods.yaml": {f"{T}.{n}" for n in ("Period35", "Period7", "Period90", "PeriodAbsent", "PeriodButPitrOff")},
    "sam_simple_table_globals_fallback.yaml": {
        f"AWS::Serverless::SimpleTable.{n}" for n in ("BareTable", "KeyedTable", "OptedOutTable")},
    "values_as_strings_and_odd_shapes.yaml": {f"{T}.{n}" for n in (
        "EmptySpecification", "NoSpecification", "NoValueSpecification", "StringFalse", "StringTrueTitle",
        "StringTrueUpper", "StringYes")},
}


def read(name: str, folder: Path = READERS):
    path = folder / name
    return read_template(str(path), path.read_bytes())


def tables_by_id(name: str) -> Dict[str, object]:
    return {t.resource_ids[1]: t for t in read(name).tables}


def enabled_states(table) -> List[core.State]:
    return [s.enabled.state for s in core.read_cloudformation(table.resource_ids[1], table.resource_type, table.config,
                                                              table.globals_spec)]


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in READERS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name: str) -> None:
    not_judged, tables = EXPECTED[name]
    reading = read(name)
    assert reading.not_judged == not_judged
    assert reading.framework == CLOUDFORMATION
    assert [(t.resource, t.label, t.problem) for t in reading.tables] == tables
    for table in reading.tables:
        assert table.path == str(READERS / name)
        assert table.resource_ids == (table.resource, table.resource.split(".", 1)[1])
        assert table.resource_type == table.resource.split(".", 1)[0]


@pytest.mark.parametrize("name", sorted(CHECKOV_REPORTS))
def test_agrees_with_checkov_on_ordinary_templates(name: str) -> None:
    reading = read(name, FIXTURES / "cloudformation")
    assert reading.not_judged is None
    assert {t.resource for t in reading.tables} == CHECKOV_REPORTS[name]
    assert all(t.problem is None for t in reading.tables)


def test_lines_are_the_resource_entry() -> None:
    tables = tables_by_id("merge_keys_explicit_key_wins.yaml")
    assert {k: t.lines for k, t in tables.items()} == {"Base": (3, 8), "Override": (9, 15), "ListOfAliases": (16, 20)}
    assert [t.lines for t in read("fail_duplicate_logical_ids.yaml").tables] == [(3, 7), (8, 12), (13, 14)]
    assert [t.lines for t in read("cdk_stack_one_table_without_pitr.template.json", FIXTURES / "cloudformation").tables] \
        == [(3, 14), (15, 25)]


def test_short_tags_become_long_forms_and_refs_resolve_to_defaults() -> None:
    tables = tables_by_id("short_tags_and_boolean_like_logical_ids.yaml")
    assert tables["On"].config == {"TableName": {"Fn::Sub": "${AWS::StackName}-on"},
                                   "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": "true"}}
    assert tables["Off"].config == {
        "TableName": {"Fn::Join": ["-", [{"Ref": "Stage"}, False]]},  # Stage has no Default; `off` is YAML 1.1 false
        "StreamArn": {"Fn::GetAtt": ["Other", "StreamArn"]},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": {"Fn::If": ["IsProd", True, {"Ref": "AWS::NoValue"}]}},
    }
    assert tables["yes"].config["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": {"Fn::Select": [0, [7]]}}


def test_merge_keys_explicit_key_wins() -> None:
    tables = tables_by_id("merge_keys_explicit_key_wins.yaml")
    assert enabled_states(tables["Base"]) == [core.State.ON]
    assert tables["Override"].config["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}
    assert tables["Override"].config["BillingMode"] == "PAY_PER_REQUEST"
    # in a list of merged mappings the earlier one wins
    assert tables["ListOfAliases"].config["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": False, "RecoveryPeriodInDays": 7}


def test_duplicates_keep_both_entries() -> None:
    first, second, _ = read("fail_duplicate_logical_ids.yaml").tables
    assert enabled_states(first) == [core.State.ON] and enabled_states(second) == [core.State.OFF]


def test_foreach_expands_identifiers_in_keys_and_strings() -> None:
    tables = tables_by_id("fail_foreach_tables_without_pitr.yaml")
    assert tables["orderitemsTable"].config["TableName"] == {"Fn::Sub": "order-items-${AWS::StackName}"}
    assert tables["orderitemsTable"].lines == (13, 18)
    assert enabled_states(tables["prodbTable"]) == [core.State.ON]
    assert tables["Replica${Region}"].problem.startswith("unresolved: ")


def test_skips_tags_and_globals() -> None:
    tables = tables_by_id("ref_parameter_defaults_resolved.yaml")
    resolved = tables["Resolved"]
    assert resolved.skips == {"CKV_PITR_002": "agreed with the data owner", "CKV_PITR_001": "No comment provided"}
    assert resolved.tags == {"team": "payments", "note": "checkov:skip=CKV_PITR_001: text in a value is no skip"}
    assert resolved.config["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": {"Fn::If": ["IsProd", "false", {"Ref": "NoDefault"}]}, "RecoveryPeriodInDays": 7}
    assert tables["Simple"].tags == {"team": "web"}
    assert tables["Simple"].globals_spec == {"PointInTimeRecoveryEnabled": "false"}
    assert tables["GlobalTable"].globals_spec is core.MISSING
    assert tables["GlobalTable"].config["Replicas"][0]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": "false"}
    skipless = tables_by_id("short_tags_and_boolean_like_logical_ids.yaml")["On"]
    assert skipless.skips == {} and skipless.tags == {}


def test_not_a_template_without_dynamodb_mention_is_silent() -> None:
    reading = read_template("broken.yaml", b"key: [unclosed\n")
    assert (reading.not_judged, reading.tables) == (None, [])
    reading = read_template("broken.yaml", b"Type: AWS::DynamoDB::Table\nkey: [unclosed\n")
    assert reading.not_judged.startswith("not valid YAML: ")


def test_resources_not_a_mapping_is_not_judged() -> None:
    reading = read_template("t.yaml", b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  - Type: AWS::DynamoDB::Table\n")
    assert reading.not_judged == "Resources is a list, not a mapping; CloudFormation rejects the template"


def test_multi_document_template_tables_fail() -> None:
    reading = read_template("t.yaml", b"Resources:\n  A:\n    Type: AWS::DynamoDB::Table\n---\nother: 1\n")
    assert [(t.resource, t.problem) for t in reading.tables] == [
        (f"{T}.A", "the file holds 2 YAML documents; CloudFormation reads a template of one document")]


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["' + "x" * 10 + '"]']
    for level in range(1, 30):  # 9**29 nodes if expanded
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*{'a' if level == 1 else f'l{level - 1}'}"] * 9) + "]")
    raw = ("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\nMappings:\n" + "\n".join("  " + l for l in lines)).encode()
    start = time.perf_counter()
    reading = read_template("lol.yaml", raw)
    assert time.perf_counter() - start < 2
    assert reading.not_judged == "YAML aliases expand past 100,000 nodes (an alias bomb?), not read"


@pytest.mark.parametrize("raw", [
    b"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: " + b"[" * 100_000 + b"]" * 100_000,
    b'{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}",
    b"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n" + b"".join(
        b" " * (6 + 2 * i) + b"k:\n" for i in range(300)) + b" " * 606 + b"x\n",
], ids=["yaml-flow", "json", "yaml-block"])
def test_deep_nesting_is_refused_without_recursion_error(raw: bytes) -> None:
    reading = read_template("deep.yaml", raw)
    assert reading.not_judged == "nested more than 200 levels deep, not read"


def test_many_tables_read_fast() -> None:
    body = "".join(
        f"  T{i}:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n"
        f"      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n"
        f"      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: !Ref Pitr\n"
        for i in range(10_000))
    raw = ("Parameters:\n  Pitr:\n    Type: String\n    Default: 'true'\nResources:\n" + body).encode()
    start = time.process_time()
    reading = read_template("big.yaml", raw)
    elapsed = time.process_time() - start
    assert len(reading.tables) == 10_000 and reading.tables[-1].resource == f"{T}.T9999"
    assert reading.tables[-1].lines == (5 + 9999 * 9 + 1, 5 + 10_000 * 9)
    assert elapsed < 4  # about 0.8 s of CPU on the reference machine; generous for shared CI cores


def test_loader_keeps_key_text() -> None:
    loaded = load_yaml("On: 1\nOff: no\n1: x\nnull: ~\n")
    assert loaded.documents == [{"On": 1, "Off": False, "1": "x", "null": None}]


# ---------------------------------------------------------------------------------------------
# Property: every table written is found, in every encoding and style
# ---------------------------------------------------------------------------------------------

_IDS = st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,12}", fullmatch=True), min_size=1, max_size=6, unique=True)
_TYPES = st.sampled_from(core.CFN_TYPES + ("AWS::S3::Bucket",))
_ENCODINGS = st.sampled_from([("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                              ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-32-le", b"\xff\xfe\x00\x00")])


def _render(resources: Dict[str, dict], style: str) -> str:
    if style == "json":
        return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1)
    if style == "flow":
        return "{Resources: {" + ", ".join(
            f"{name}: {json.dumps(body)}" for name, body in resources.items()) + "}}\n"
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for name, body in resources.items():
        lines += [f"  {name}:", f"    Type: {body['Type']}", "    Properties:",
                  "      PointInTimeRecoverySpecification:",
                  f"        PointInTimeRecoveryEnabled: {str(body['Properties']['PointInTimeRecoverySpecification']['PointInTimeRecoveryEnabled']).lower()}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=_IDS, types=st.lists(_TYPES, min_size=6, max_size=6), flags=st.lists(st.booleans(), min_size=6, max_size=6),
       style=st.sampled_from(["block", "flow", "json"]), encoding=_ENCODINGS)
def test_property_every_table_written_is_found(ids, types, flags, style, encoding) -> None:
    resources = {name: {"Type": kind, "Properties": {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": flag}}}
                 for name, kind, flag in zip(ids, types, flags)}
    codec, bom = encoding
    reading = read_template("t.json" if style == "json" else "t.yaml", bom + _render(resources, style).encode(codec))
    assert reading.not_judged is None
    expected = [f"{body['Type']}.{name}" for name, body in resources.items() if body["Type"] in core.CFN_TYPES]
    assert [t.resource for t in reading.tables] == expected
    for table in reading.tables:
        flag = resources[table.resource_ids[1]]["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
        assert table.config["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is flag


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if n != "unreadable_tab_indented.yaml"])
def test_pure_python_parser_reads_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml the pure Python parser gives the same readings (its error texts differ)."""
    import yaml

    from checkov_pitr.domain.readers import yaml_loader

    monkeypatch.setattr(yaml_loader, "_PARSER_CLASS", yaml.SafeLoader)
    not_judged, tables = EXPECTED[name]
    reading = read(name)
    assert reading.not_judged == not_judged
    assert [(t.resource, t.label, t.problem) for t in reading.tables] == tables
