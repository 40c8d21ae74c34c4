"""The fixer's edits on texts (no scan, no checkov): formats, styles, never-guess cases, idempotence."""
from __future__ import annotations

import importlib
import io
import json
from collections import Counter

import hcl2
import pytest
import yaml

from checkov_pitr.domain.fixer import (Edit, FixCache, OverlappingEdits, Target, apply_edits, edits_diff, fix_text,
                                       sarif_fix)
from checkov_pitr.domain.fixer.hcl import parse_body
from checkov_pitr.domain.fixer.cloudformation import parse_json
from conftest import apply_unified_diff, run_pitr


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def fixed(path: str, text: str, *targets: Target) -> str:
    result = fix_text(path, text, list(targets))
    after = apply_edits(text, result.edits)
    again = fix_text(path, after, list(targets))
    assert again.edits == [], "a second fix must change nothing"
    return after


def props(text: str, logical_id: str) -> dict:
    return yaml.load(text, Loader=_Loader)["Resources"][logical_id]["Properties"]


# --- edits -------------------------------------------------------------------------------------

def test_apply_edits_is_pure_ordered_and_refuses_overlaps() -> None:
    text = "abcdef"
    edits = [Edit(4, 4, "X"), Edit(1, 2, "B"), Edit(1, 2, "B")]
    assert apply_edits(text, edits) == "aBcdXef"
    assert text == "abcdef"
    with pytest.raises(OverlappingEdits):
        apply_edits(text, [Edit(1, 3, "x"), Edit(2, 4, "y")])


def test_diff_names_files_git_style() -> None:
    diff = edits_diff("t.yaml", "a\n", [Edit(0, 2, "a\nb\n")])
    assert diff.splitlines()[:2] == ["--- a/t.yaml", "+++ b/t.yaml"]
    assert "+b" in diff.splitlines()
    assert edits_diff("t.yaml", "a\n", [Edit(0, 2, "a\n")]) == ""


def test_json_positions_match_json_module() -> None:
    text = '{"a": [1, 2.5, {"b": "x\\"y"}], "c": true, "d": null}'
    root = parse_json(text)
    assert json.loads(text[root.start:root.end]) == json.loads(text)
    inner = root.get("a").items[2].get("b")
    assert text[inner.start:inner.end] == '"x\\"y"' and inner.value == 'x"y'


# --- CloudFormation YAML ----------------------------------------------------------------------

TABLE = """\
Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: t   # keep me
      BillingMode: PAY_PER_REQUEST
"""


def test_yaml_block_missing_spec_inserts_nested_mapping_at_file_indentation() -> None:
    after = fixed("t.yaml", TABLE, Target("AWS::DynamoDB::Table.T"))
    assert props(after, "T")["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: true\n" in after
    assert "TableName: t   # keep me" in after


def test_yaml_four_space_indentation_and_crlf_are_kept() -> None:
    text = TABLE.replace("  ", "    ").replace("\n", "\r\n")
    after = fixed("t.yaml", text, Target("AWS::DynamoDB::Table.T"))
    assert "\n" not in after.replace("\r\n", "")
    assert "            PointInTimeRecoverySpecification:\r\n                PointInTimeRecoveryEnabled: true\r\n" in after


def test_yaml_flow_style_and_short_tags() -> None:
    text = ("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n"
            "    Properties: {TableName: !Sub '${AWS::StackName}-t', BillingMode: PAY_PER_REQUEST}\n")
    after = fixed("t.yaml", text, Target("AWS::DynamoDB::Table.T"))
    assert after.endswith("BillingMode: PAY_PER_REQUEST, PointInTimeRecoverySpecification: "
                          "{PointInTimeRecoveryEnabled: true}}\n")
    assert "!Sub '${AWS::StackName}-t'" in after


def test_yaml_false_and_string_false_become_true_and_short_period_is_raised() -> None:
    text = TABLE + "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: 'False'\n" \
                   "        RecoveryPeriodInDays: 7  # a week\n"
    after = fixed("t.yaml", text, Target("AWS::DynamoDB::Table.T", minimum=30))
    assert props(after, "T")["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True,
                                                                      "RecoveryPeriodInDays": 30}
    assert "RecoveryPeriodInDays: 30  # a week" in after


def test_yaml_empty_values_get_their_value_after_a_space() -> None:
    text = TABLE + "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: false\n" \
                   "        RecoveryPeriodInDays:\n"
    after = fixed("t.yaml", text, Target("AWS::DynamoDB::Table.T"))
    assert props(after, "T")["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True,
                                                                      "RecoveryPeriodInDays": 35}


def test_yaml_period_only_target_leaves_a_disabled_flag_alone() -> None:
    text = TABLE + "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: true\n" \
                   "        RecoveryPeriodInDays: 1\n"
    after = fixed("t.yaml", text, Target("AWS::DynamoDB::Table.T", enable=False, period=True))
    assert "RecoveryPeriodInDays: 35" in after


def test_yaml_missing_properties_and_empty_spec() -> None:
    text = "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n  U:\n    Type: AWS::DynamoDB::Table\n" \
           "    Properties:\n      PointInTimeRecoverySpecification:\n"
    after = fixed("t.yaml", text, Target("AWS::DynamoDB::Table.T"), Target("AWS::DynamoDB::Table.U"))
    assert props(after, "T") == {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}
    assert props(after, "U") == {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}


def test_global_table_every_replica_lacking_pitr_and_only_those() -> None:
    text = """\
Resources:
  G:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      Replicas:
        - Region: us-east-1
          PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
        - Region: eu-west-1
        - {Region: eu-west-2}
        -   Region: ap-south-1
            PointInTimeRecoverySpecification:
              PointInTimeRecoveryEnabled: false
"""
    after = fixed("g.yaml", text, Target("AWS::DynamoDB::GlobalTable.G"))
    replicas = props(after, "G")["Replicas"]
    assert [r["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] for r in replicas] == [True] * 4
    assert after.splitlines()[6] == text.splitlines()[6]


def test_sam_simple_table_and_globals_period() -> None:
    text = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  SimpleTable:
    PointInTimeRecoverySpecification:
      PointInTimeRecoveryEnabled: true
      RecoveryPeriodInDays: 5
Resources:
  S:
    Type: AWS::Serverless::SimpleTable
  Own:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: id, Type: String}
"""
    after = fixed("s.yaml", text, Target("AWS::Serverless::SimpleTable.S", enable=False, period=True))
    assert "RecoveryPeriodInDays: 35" in after
    off = text.replace("PointInTimeRecoveryEnabled: true", "PointInTimeRecoveryEnabled: false")
    after = fixed("s.yaml", off, Target("AWS::Serverless::SimpleTable.Own"))
    assert props(after, "Own")["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


@pytest.mark.parametrize("value, words", [
    ("!Ref PitrOn", "Parameters.PitrOn.Default"),
    ("{Ref: PitrOn}", "Parameters.PitrOn.Default"),
    ("!If [IsProd, true, false]", "Fn::If on condition IsProd"),
    ("'${self:custom.pitr}'", "serverless variable ${self:custom.pitr}"),
])
def test_yaml_never_guesses_a_value_from_elsewhere(value: str, words: str) -> None:
    text = TABLE + f"      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: {value}\n"
    result = fix_text("t.yaml", text, [Target("AWS::DynamoDB::Table.T")])
    assert result.edits == []
    assert len(result.unfixable) == 1 and words in result.unfixable[0]


def test_yaml_anchor_shared_spec_is_not_edited() -> None:
    text = """\
Resources:
  A:
    Type: AWS::DynamoDB::Table
    Properties:
      PointInTimeRecoverySpecification: &off {PointInTimeRecoveryEnabled: false}
  B:
    Type: AWS::DynamoDB::Table
    Properties:
      PointInTimeRecoverySpecification: *off
"""
    result = fix_text("t.yaml", text, [Target("AWS::DynamoDB::Table.B")])
    assert result.edits == [] and "anchor" in result.unfixable[0]


def test_resource_not_in_the_file_is_reported() -> None:
    result = fix_text("t.yaml", TABLE, [Target("AWS::DynamoDB::Table.Missing")])
    assert result.edits == [] and "not written in this file" in result.unfixable[0]


# --- CloudFormation JSON -----------------------------------------------------------------------

def test_json_tabs_and_spacing_are_kept() -> None:
    text = '{\n\t"Resources": {\n\t\t"T": {\n\t\t\t"Type" : "AWS::DynamoDB::Table",\n\t\t\t"Properties" : {\n' \
           '\t\t\t\t"TableName" : "t"\n\t\t\t}\n\t\t}\n\t}\n}\n'
    after = fixed("t.json", text, Target("AWS::DynamoDB::Table.T"))
    assert json.loads(after)["Resources"]["T"]["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True}
    assert '\t\t\t\t"PointInTimeRecoverySpecification" : {\n\t\t\t\t\t"PointInTimeRecoveryEnabled" : true\n' \
           '\t\t\t\t},\n' in after


def test_json_single_line_and_false_values() -> None:
    text = '{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "t"}}, ' \
           '"U": {"Type": "AWS::DynamoDB::Table", "Properties": {"PointInTimeRecoverySpecification": ' \
           '{"PointInTimeRecoveryEnabled": "false", "RecoveryPeriodInDays": 2}}}}}'
    after = fixed("t.json", text, Target("AWS::DynamoDB::Table.T"), Target("AWS::DynamoDB::Table.U"))
    data = json.loads(after)["Resources"]
    assert data["T"]["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert data["U"]["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True,
                                                                          "RecoveryPeriodInDays": 35}


# --- Terraform HCL -----------------------------------------------------------------------------

HCL = """\
resource "aws_dynamodb_table" "t" {
  name     = "t" # a { brace in a comment
  hash_key = "id"
  tags = {
    note = "a } brace and ${"x"} in a string"
  }
  attribute {
    name = "id"
    type = "S"
  }
}
"""


def parse_hcl(text: str) -> dict:
    return hcl2.load(io.StringIO(text))


def u(value):
    """checkov's hcl2 wraps attribute values in one-element lists; take them out, at any depth."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict):
        return {k: u(v) for k, v in value.items() if not k.startswith("__")}
    return value


def test_hcl_missing_block_is_added_inside_the_resource() -> None:
    after = fixed("m.tf", HCL, Target("aws_dynamodb_table.t"))
    assert "  point_in_time_recovery {\n    enabled = true\n  }\n}\n" in after
    table = parse_hcl(after)["resource"][0]["aws_dynamodb_table"]["t"]
    assert u(table["point_in_time_recovery"]) == {"enabled": True}


def test_hcl_tabs_and_module_address() -> None:
    text = HCL.replace("  ", "\t")
    after = fixed("m.tf", text, Target('module.a["x"].aws_dynamodb_table.t[0]'))
    assert "\tpoint_in_time_recovery {\n\t\tenabled = true\n\t}\n" in after
    parse_hcl(after)


def test_hcl_false_short_period_and_replicas() -> None:
    text = HCL.replace("  attribute {", """\
  point_in_time_recovery {
    enabled                 = false
    recovery_period_in_days = 3
  }
  replica {
    region_name            = "eu-west-1"
    point_in_time_recovery = false
  }
  replica {
    region_name = "eu-west-2"
  }
  replica { region_name = "eu-west-3" }
  attribute {""")
    after = fixed("m.tf", text, Target("aws_dynamodb_table.t"))
    table = parse_hcl(after)["resource"][0]["aws_dynamodb_table"]["t"]
    assert u(table["point_in_time_recovery"]) == {"enabled": True, "recovery_period_in_days": 35}
    assert [u(r["point_in_time_recovery"]) for r in table["replica"]] == [True, True, True]


def test_hcl_replica_resource_and_alignment() -> None:
    text = 'resource "aws_dynamodb_table_replica" "r" {\n  global_table_arn = "arn"\n}\n'
    after = fixed("m.tf", text, Target("aws_dynamodb_table_replica.r"))
    assert parse_hcl(after)["resource"][0]["aws_dynamodb_table_replica"]["r"]["point_in_time_recovery"] in (True, [True])


@pytest.mark.parametrize("value, words", [
    ("var.pitr", 'variable "pitr"'),
    ("local.pitr", "local.pitr"),
    ("each.value.pitr", "for_each"),
])
def test_hcl_never_guesses(value: str, words: str) -> None:
    text = HCL.replace("  attribute {", f"  point_in_time_recovery {{\n    enabled = {value}\n  }}\n  attribute {{")
    result = fix_text("m.tf", text, [Target("aws_dynamodb_table.t")])
    assert result.edits == [] and words in result.unfixable[0]


@pytest.mark.parametrize("path, text", [
    ("m.tf", HCL.replace("  attribute {", "  point_in_time_recovery {\n    enabled = var.pitr\n"
                                            "    recovery_period_in_days = 7\n  }\n  attribute {")),
    ("t.yaml", TABLE + "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: !Ref Pitr\n"
                       "        RecoveryPeriodInDays: 7\n"),
])
def test_period_is_raised_where_the_scan_judged_a_flag_from_elsewhere_on(path: str, text: str) -> None:
    label = "aws_dynamodb_table.t" if path.endswith(".tf") else "AWS::DynamoDB::Table.T"
    result = fix_text(path, text, [Target(label, enable=False, period=True)])
    assert result.unfixable == [] and [edit.replacement for edit in result.edits] == ["35"]


def test_hcl_module_variable_names_the_module_input() -> None:
    text = HCL.replace("  attribute {", "  point_in_time_recovery {\n    enabled = var.pitr\n  }\n  attribute {")
    result = fix_text("m.tf", text, [Target("module.sessions.aws_dynamodb_table.t")])
    assert result.edits == [] and 'set pitr = true in the module "sessions" block' in result.unfixable[0]


def test_hcl_heredoc_and_dynamic_replica_content() -> None:
    text = """\
resource "aws_dynamodb_table" "t" {
  name = "t"
  description = <<-EOT
    a } brace in a heredoc
  EOT
  point_in_time_recovery {
    enabled = true
  }
  dynamic "replica" {
    for_each = ["eu-west-1"]
    content {
      region_name = replica.value
    }
  }
}
"""
    after = fixed("m.tf", text, Target("aws_dynamodb_table.t"))
    assert "      region_name = replica.value\n      point_in_time_recovery = true\n" in after


def test_awscc_table_and_global_table() -> None:
    text = """\
resource "awscc_dynamodb_table" "a" {
  table_name = "a"
}

resource "awscc_dynamodb_table" "b" {
  table_name = "b"
  point_in_time_recovery_specification = {
    point_in_time_recovery_enabled = false
    recovery_period_in_days        = 4
  }
}

resource "awscc_dynamodb_global_table" "g" {
  table_name = "g"
  replicas = [
    { region = "us-east-1" },
    {
      region = "eu-west-1"
      point_in_time_recovery_specification = { point_in_time_recovery_enabled = true }
    },
    {
      region = "eu-west-2"
    }
  ]
}
"""
    after = fixed("m.tf", text, Target("awscc_dynamodb_table.a"), Target("awscc_dynamodb_table.b"),
                  Target("awscc_dynamodb_global_table.g"))
    resources = parse_hcl(after)["resource"]
    a = u(resources[0]["awscc_dynamodb_table"]["a"]["point_in_time_recovery_specification"])
    b = u(resources[1]["awscc_dynamodb_table"]["b"]["point_in_time_recovery_specification"])
    assert a == {"point_in_time_recovery_enabled": True}
    assert b == {"point_in_time_recovery_enabled": True, "recovery_period_in_days": 35}
    replicas = resources[2]["awscc_dynamodb_global_table"]["g"]["replicas"]
    while len(replicas) == 1 and isinstance(replicas[0], list):
        replicas = replicas[0]
    assert [u(r)["point_in_time_recovery_specification"]["point_in_time_recovery_enabled"] for r in replicas] == [True] * 3


def test_hcl_scanner_reads_items() -> None:
    items = parse_body(HCL, 0, len(HCL))
    assert [(i.kind, i.name, i.labels) for i in items] == [("block", "resource", ["aws_dynamodb_table", "t"])]


# --- Terraform JSON ----------------------------------------------------------------------------

def test_tf_json_block_list_replicas_and_checkov_resource_names() -> None:
    text = json.dumps({"resource": {"aws_dynamodb_table": {"t": {
        "name": "t", "point_in_time_recovery": [{"enabled": False, "recovery_period_in_days": 2}],
        "replica": [{"region_name": "eu-west-1"}, {"region_name": "eu-west-2", "point_in_time_recovery": True}]}}}},
        indent=2)
    after = fixed("m.tf.json", text, Target("resource.t"))
    table = json.loads(after)["resource"]["aws_dynamodb_table"]["t"]
    assert table["point_in_time_recovery"] == [{"enabled": True, "recovery_period_in_days": 35}]
    assert [r["point_in_time_recovery"] for r in table["replica"]] == [True, True]
    result = fix_text("m.tf.json", text.replace("false", '"${var.on}"'), [Target("aws_dynamodb_table.t")])
    assert any('variable "on"' in note for note in result.unfixable)


def test_tf_json_table_type_from_the_scan_picks_the_resource_of_that_type() -> None:
    text = json.dumps({"resource": {"aws_dynamodb_table_replica": {"t": {"global_table_arn": "x"}},
                                    "aws_dynamodb_table": {"t": {"name": "t"}}}}, indent=2)
    after = fixed("m.tf.json", text, Target("resource.t", resource_type="aws_dynamodb_table"))
    data = json.loads(after)["resource"]
    assert data["aws_dynamodb_table"]["t"]["point_in_time_recovery"] == {"enabled": True}
    assert data["aws_dynamodb_table_replica"]["t"] == {"global_table_arn": "x"}


# --- the diff ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path, text, targets", [
    ("t.yaml", TABLE + "Outputs:\n  X:\n    Value: 1\n", [Target("AWS::DynamoDB::Table.T")]),
    ("t.yaml", TABLE.replace("\n", "\r\n"), [Target("AWS::DynamoDB::Table.T")]),
    ("t.yaml", TABLE.rstrip("\n"), [Target("AWS::DynamoDB::Table.T")]),
    ("m.tf", 'resource "aws_dynamodb_table" "a" {\n  name = "a"\n}\n' + "\n" * 9
     + 'resource "aws_dynamodb_table" "b" {\n  name = "b"\n  point_in_time_recovery {\n    enabled = false\n  }\n}',
     [Target("aws_dynamodb_table.a"), Target("aws_dynamodb_table.b")]),
])
def test_edits_diff_is_the_diff_of_the_edited_text(path: str, text: str, targets) -> None:
    edits = fix_text(path, text, targets).edits
    after = apply_edits(text, edits)
    diff = edits_diff(path, text, edits, label="x")
    assert diff.startswith("--- a/x\n+++ b/x\n@@ ")
    assert apply_unified_diff(text, diff) == after
    assert apply_unified_diff(text, edits_diff(path, text, [Edit(0, len(text), after)])) == after
    assert edits_diff(path, text, []) == ""


# --- cost: each file parsed once, whatever its number of tables (issue 20) ---------------------

def _yaml_tables(n: int) -> str:
    return "Resources:\n" + "".join(
        f"  T{i}:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: t{i}\n"
        + ("      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: false}\n" if i % 2 else "")
        for i in range(n))


def _json_tables(n: int) -> str:
    return json.dumps({"Resources": {f"T{i}": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False}}} for i in range(n)}}, indent=2)


def _hcl_tables(n: int) -> str:
    return "\n".join(f'resource "aws_dynamodb_table" "t{i}" {{\n  name = "t{i}"\n}}\n' for i in range(n))


def _tf_json_tables(n: int) -> str:
    return json.dumps({"resource": {"aws_dynamodb_table": {f"t{i}": {"name": f"t{i}"} for i in range(n)}}}, indent=2)


MANY_TABLES = [("template.yaml", _yaml_tables, "checkov_pitr.domain.fixer.cloudformation", "compose_yaml"),
               ("template.json", _json_tables, "checkov_pitr.domain.fixer.cloudformation", "parse_json"),
               ("main.tf", _hcl_tables, "checkov_pitr.domain.fixer.hcl", "parse_body"),
               ("main.tf.json", _tf_json_tables, "checkov_pitr.domain.fixer.hcl", "parse_json")]


def _count_calls(monkeypatch, module_name: str, name: str, counter: Counter) -> None:
    """Count calls of module.name (a whole-file parse: for parse_body, a call from offset 0)."""
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    def counted(*args, **kwargs):
        if name != "parse_body" or args[1] == 0:
            counter[name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


@pytest.mark.parametrize("name, write, module, parser", MANY_TABLES, ids=[case[0] for case in MANY_TABLES])
def test_fix_parses_each_file_once_whatever_its_number_of_tables(name, write, module, parser, tmp_path,
                                                                 monkeypatch) -> None:
    """Not a timing: the number of whole-file parses and line-start computations, for 3 and 60
    tables, is the same (issue 20: the fixer parsed the file again for each table)."""
    counts = {}
    for tables in (3, 60):
        folder = tmp_path / str(tables)
        folder.mkdir()
        (folder / name).write_text(write(tables), encoding="utf-8")
        counter: Counter = Counter()
        with monkeypatch.context() as patch:
            _count_calls(patch, module, parser, counter)
            _count_calls(patch, "checkov_pitr.domain.fixer.edits", "line_starts", counter)
            process = run_pitr("fix", "--diff", "-d", str(folder))
        assert process.stdout.count("\n+") >= tables and process.returncode == 0, process.stderr
        counts[tables] = dict(counter)
    # one parse to fix, and one more to check the result
    assert counts[3] == counts[60] == {parser: 2, "line_starts": 1}


def test_sarif_fixes_parse_each_file_once(tmp_path, monkeypatch) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "template.yaml").write_text(_yaml_tables(40), encoding="utf-8")
    counter: Counter = Counter()
    _count_calls(monkeypatch, "checkov_pitr.domain.fixer.cloudformation", "compose_yaml", counter)
    _count_calls(monkeypatch, "checkov_pitr.domain.fixer", "line_starts", counter)
    run_pitr("-d", "tables", "-o", "sarif", "--output-file-path", "out", cwd=tmp_path)
    results = json.loads((tmp_path / "out" / "results_sarif.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert len(results) == 40 and all(r.get("fixes") for r in results)
    assert counter == {"compose_yaml": 1, "line_starts": 1}


# --- SARIF -------------------------------------------------------------------------------------

def test_sarif_fix_regions_reproduce_the_edit(tmp_path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TABLE, encoding="utf-8")
    fixes = sarif_fix(FixCache(), str(path), "AWS::DynamoDB::Table.T", "CKV_PITR_001", 35, "t.yaml")
    assert len(fixes) == 1 and "Turn on point-in-time recovery for T" in fixes[0]["description"]["text"]
    change = fixes[0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "t.yaml"
    lines = TABLE.splitlines(keepends=True)
    for replacement in reversed(change["replacements"]):
        region = replacement["deletedRegion"]
        start = sum(len(line) for line in lines[:region["startLine"] - 1]) + region["startColumn"] - 1
        end = sum(len(line) for line in lines[:region["endLine"] - 1]) + region["endColumn"] - 1
        text = "".join(lines)
        lines = (text[:start] + replacement["insertedContent"]["text"] + text[end:]).splitlines(keepends=True)
    assert "".join(lines) == fixed("t.yaml", TABLE, Target("AWS::DynamoDB::Table.T"))
    assert sarif_fix(FixCache(), str(path), "AWS::DynamoDB::Table.Nope", "CKV_PITR_001", 35, "t.yaml") == []


def test_the_fixer_imports_no_checkov() -> None:
    import subprocess
    import sys

    code = ("import sys, checkov_pitr.domain.fixer as f, checkov_pitr.domain.fixer.hcl, "
            "checkov_pitr.domain.fixer.cloudformation; "
            "print(any(m == 'checkov' or m.startswith('checkov.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
