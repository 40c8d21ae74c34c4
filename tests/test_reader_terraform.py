"""The Terraform reader of the inventory (checkov_pitr.domain.readers.terraform), on small fixture
folders named for what each shows (tests/fixtures/readers/terraform/*)."""
from __future__ import annotations

import csv
import os
import time
from typing import Dict, List, Tuple

import hcl2
import pytest
from hypothesis import given, settings, strategies as st

from checkov_pitr.domain import core, verdicts
from checkov_pitr.domain.inventory import TERRAFORM, TERRAFORM_JSON, FileReading, FoundTable
from checkov_pitr.domain.readers.terraform import read_terraform_tree
from checkov_pitr.domain.readers.terraform_eval import Scope, lex_hcl, parse_hcl

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "readers", "terraform")
CHECKOV_FIXTURES = os.path.join(HERE, "fixtures", "terraform")


def read(name: str) -> List[FileReading]:
    folder = os.path.join(FIXTURES, name)
    return read_terraform_tree([folder], folder)


def tables(name: str) -> Dict[str, FoundTable]:
    return {t.resource: t for r in read(name) for t in r.tables}


def reading(name: str, relative: str) -> FileReading:
    path = os.path.join(FIXTURES, name, relative)
    return next(r for r in read(name) if r.path == path)


def verdict(table: FoundTable) -> core.Verdict:
    return verdicts.judge(table, "CKV_PITR_001", core.Policy())  # every reading of the table (variants)


def period_verdict(table: FoundTable) -> core.Verdict:
    return core.judge_period(core.read_terraform(table.label, table.resource_type, table.config), core.Policy(), "terraform")


# ---------------------------------------------------------------------------------------------
# What is found, under which name, from which file (table-driven)
# ---------------------------------------------------------------------------------------------

FOUND: List[Tuple[str, Dict[str, str]]] = [
    # fixture: {resource name: file relative to the fixture}
    ("tofu_shadows_tf", {  # both tools' readings: reported at Terraform's file (variants: both)
        "aws_dynamodb_table.orders": "main.tf",
        "aws_dynamodb_table.other": "other.tf",
    }),
    ("fail_override_sets_variable_default_false", {"aws_dynamodb_table.orders": "main.tf"}),
    ("override_replaces_nested_block", {"aws_dynamodb_table.orders": "main.tf"}),
    ("values_resolved", {
        "aws_dynamodb_table.from_tfvars": "main.tf",
        "aws_dynamodb_table.unresolved": "main.tf",
        "aws_dynamodb_table.conditional": "main.tf",
    }),
    ("modules_local_nested_count_for_each", {
        "module.sessions.aws_dynamodb_table.this": "modules/table/main.tf",
        "module.counted[0].aws_dynamodb_table.this": "modules/table/main.tf",
        "module.counted[1].aws_dynamodb_table.this": "modules/table/main.tf",
        'module.keyed["blue"].aws_dynamodb_table.this': "modules/table/main.tf",
        'module.keyed["green"].aws_dynamodb_table.this': "modules/table/main.tf",
        "module.wrapped.module.inner.aws_dynamodb_table.this": "modules/table/main.tf",
    }),
    ("modules_after_init", {
        "module.orders.aws_dynamodb_table.this[0]": ".terraform/modules/orders/main.tf",
        "module.orders.module.inner.aws_dynamodb_table_replica.this":
            ".terraform/modules/orders/modules/inner/main.tf",
    }),
    ("modules_not_installed", {"aws_dynamodb_table.local": "main.tf"}),
    ("count_and_for_each", {
        "aws_dynamodb_table.count_two[0]": "main.tf",
        "aws_dynamodb_table.count_two[1]": "main.tf",
        'aws_dynamodb_table.keyed["a"]': "main.tf",
        'aws_dynamodb_table.keyed["b"]': "main.tf",
        "aws_dynamodb_table.for_each_unknown": "main.tf",
    }),
    ("dynamic_blocks", {
        "aws_dynamodb_table.empty": "main.tf",
        "aws_dynamodb_table.rendered": "main.tf",
        "aws_dynamodb_table.unresolved": "main.tf",
    }),
    ("exponent_literal_retried", {"aws_dynamodb_table.orders": "main.tf"}),
    ("awscc_attributes", {
        "awscc_dynamodb_table.cc": "main.tf",
        "awscc_dynamodb_global_table.global": "main.tf",
    }),
    ("skip_comments_not_strings", {
        "aws_dynamodb_table.skipped": "main.tf",
        "aws_dynamodb_table.tag_only": "main.tf",
    }),
    ("tf_json_and_tofu_json", {
        "resource.scores": "tables.tf.json",
        "resource.cc": "more.tofu.json",
    }),
    ("not_valid_hcl", {}),
    ("not_valid_utf8", {}),
    ("nested_too_deeply", {}),
    ("no_dynamodb", {}),
]


@pytest.mark.parametrize("fixture, expected", FOUND, ids=[f for f, _ in FOUND])
def test_found_tables_names_and_files(fixture: str, expected: Dict[str, str]) -> None:
    found = tables(fixture)
    assert {name: os.path.relpath(t.path, os.path.join(FIXTURES, fixture)) for name, t in found.items()} == expected
    for table in found.values():
        assert table.framework == (TERRAFORM_JSON if table.path.endswith(".json") else TERRAFORM)
        assert table.label.startswith(("aws", "module.")) and table.lines[0] <= table.lines[1]


# ---------------------------------------------------------------------------------------------
# Verdicts the core gives on our reading (table-driven)
# ---------------------------------------------------------------------------------------------

VERDICTS = [
    # OpenTofu reads main.tofu (on), Terraform main.tf (off): it fails under Terraform only
    ("tofu_shadows_tf", "aws_dynamodb_table.orders", "FAILED", "under Terraform (main.tf): aws_dynamodb_table.orders: no"),
    ("fail_override_sets_variable_default_false", "aws_dynamodb_table.orders", "FAILED", "enabled is false"),
    ("override_replaces_nested_block", "aws_dynamodb_table.orders", "FAILED", "point_in_time_recovery.enabled is false"),
    ("values_resolved", "aws_dynamodb_table.from_tfvars", "PASSED", "enabled is true"),
    ("values_resolved", "aws_dynamodb_table.unresolved", "FAILED", "depends on var.no_default"),
    # env is "staging" in env.auto.tfvars.json: the conditional is evaluated to false
    ("values_resolved", "aws_dynamodb_table.conditional", "FAILED", "point_in_time_recovery.enabled is false"),
    ("modules_local_nested_count_for_each", "module.sessions.aws_dynamodb_table.this", "PASSED", "enabled is true"),
    ("modules_local_nested_count_for_each", "module.counted[1].aws_dynamodb_table.this", "FAILED", "enabled is false"),
    ("modules_local_nested_count_for_each", "module.wrapped.module.inner.aws_dynamodb_table.this", "PASSED", ""),
    ("modules_after_init", "module.orders.aws_dynamodb_table.this[0]", "PASSED", "enabled is true"),
    ("modules_after_init", "module.orders.module.inner.aws_dynamodb_table_replica.this", "PASSED", ""),
    ("count_and_for_each", 'aws_dynamodb_table.keyed["a"]', "PASSED", ""),
    ("count_and_for_each", 'aws_dynamodb_table.keyed["b"]', "FAILED", "enabled is false"),
    ("dynamic_blocks", "aws_dynamodb_table.empty", "FAILED", "no point_in_time_recovery block"),
    ("dynamic_blocks", "aws_dynamodb_table.rendered", "FAILED", "replica eu-west-2 of aws_dynamodb_table.rendered: point_in_time_recovery is false"),
    ("dynamic_blocks", "aws_dynamodb_table.unresolved", "FAILED", 'dynamic "point_in_time_recovery" for_each depends on var.unknown'),
    ("exponent_literal_retried", "aws_dynamodb_table.orders", "PASSED", ""),
    ("tf_json_and_tofu_json", "resource.scores", "PASSED", "replica eu-west-1"),
]


@pytest.mark.parametrize("fixture, resource, result, message", VERDICTS, ids=[f"{f}:{r}" for f, r, _, _ in VERDICTS])
def test_core_verdict_on_our_reading(fixture: str, resource: str, result: str, message: str) -> None:
    judged = verdict(tables(fixture)[resource])
    assert judged.result.value == result
    assert message in judged.reason


def test_override_merges_variables_locals_and_blocks_before_judging() -> None:
    orders = tables("fail_override_sets_variable_default_false")["aws_dynamodb_table.orders"]
    assert orders.config["point_in_time_recovery"] == [{"enabled": [False], "recovery_period_in_days": [7]}]
    assert orders.lines == (10, 16)  # where the table is written, not where it is overridden
    merged = tables("override_replaces_nested_block")["aws_dynamodb_table.orders"].config
    assert merged["billing_mode"] == ["PROVISIONED"]  # argument replaced
    assert merged["point_in_time_recovery"] == [{"enabled": [False]}]  # whole block replaced, period gone
    assert merged["replica"] == [{"region_name": ["eu-west-2"], "point_in_time_recovery": [True]}]
    assert "dynamic" not in merged  # a static replica in the override replaces the dynamic one
    override = reading("override_replaces_nested_block", "pitr_override.tf")
    assert override.shadowed and override.tables == [] and "override file" in (override.warning or "")


def test_values_resolved_and_left_unresolved() -> None:
    found = tables("values_resolved")
    resolved = found["aws_dynamodb_table.from_tfvars"].config
    assert resolved["name"] == ["table-staging"]  # *.auto.tfvars.json beats the default, interpolated
    assert resolved["point_in_time_recovery"] == [{"enabled": [True], "recovery_period_in_days": [14]}]
    unresolved = found["aws_dynamodb_table.unresolved"]
    assert unresolved.tags == {"cycle": "${local.cycle_a}", "from": "${module.settings.enabled}"}
    assert core.terraform_reference(unresolved.tags["cycle"]) == "local.cycle_a"
    period = period_verdict(unresolved)
    assert period.result is core.Result.NONE  # enabled is unresolved: no period judged


def test_module_tables_know_their_caller_and_ids() -> None:
    found = tables("modules_local_nested_count_for_each")
    root = os.path.join(FIXTURES, "modules_local_nested_count_for_each")
    inner = found["module.wrapped.module.inner.aws_dynamodb_table.this"]
    assert inner.calling_file == os.path.join(root, "modules", "wrapper", "main.tf")
    assert inner.resource_ids == ("module.wrapped.module.inner.aws_dynamodb_table.this",)
    counted = found["module.counted[0].aws_dynamodb_table.this"]
    assert counted.resource_ids == ("module.counted[0].aws_dynamodb_table.this",)
    assert found['module.keyed["green"].aws_dynamodb_table.this'].config["name"] == ["green"]
    assert not any(name.startswith("module.none") for name in found)  # count = 0


def test_modules_not_on_disk_are_named_in_a_warning() -> None:
    warning = reading("modules_not_installed", "main.tf").warning or ""
    assert "module orders (source terraform-aws-modules/dynamodb-table/aws) is not on disk: run terraform init" in warning
    after_init = reading("modules_after_init", "main.tf")
    assert after_init.tables == [] and "module missing (source git::https://example.com/tables.git)" in (after_init.warning or "")
    assert "orders" not in (after_init.warning or "").split("module missing")[0]


def test_count_and_for_each_that_make_no_instance_make_no_table() -> None:
    found = tables("count_and_for_each")
    for gone in ("count_zero", "for_each_empty_literal", "for_each_empty_default"):
        assert not any(gone in name for name in found)
    assert found["aws_dynamodb_table.count_two[1]"].config == {"name": ["t-1"]}
    assert found['aws_dynamodb_table.keyed["a"]'].resource_ids == ('aws_dynamodb_table.keyed["a"]', "aws_dynamodb_table.keyed")


def test_dynamic_blocks_keep_checkovs_shapes() -> None:
    found = tables("dynamic_blocks")
    assert found["aws_dynamodb_table.empty"].config["dynamic"] == [
        {"replica": {"for_each": [[]], "content": [{"region_name": ["${replica.value}"]}]}}]
    assert found["aws_dynamodb_table.rendered"].config["dynamic"] == [{"replica": [
        {"region_name": ["eu-west-1"], "point_in_time_recovery": [True]},
        {"region_name": ["eu-west-2"], "point_in_time_recovery": [False]}]}]


@pytest.mark.parametrize("fixture, reason", [
    ("not_valid_hcl", "not valid HCL (line 5: unexpected end of file)"),
    ("not_valid_utf8", "not valid UTF-8 text (byte 49"),
    ("nested_too_deeply", "nested too deeply"),
])
def test_unreadable_files_are_not_judged(fixture: str, reason: str) -> None:
    (only,) = read(fixture)
    assert only.tables == [] and only.not_judged and only.not_judged.startswith(reason)


def test_exponent_literals_are_written_out_and_the_rest_read() -> None:
    orders = tables("exponent_literal_retried")["aws_dynamodb_table.orders"]
    with pytest.raises(Exception):
        hcl2.loads(open(orders.path).read())  # checkov's parser refuses the file
    assert orders.config["max_capacity"] == [1000] and orders.config["name"] == ["orders-1e3"]
    assert period_verdict(orders).result is core.Result.PASSED


def test_awscc_attributes_stay_plain_objects() -> None:
    found = tables("awscc_attributes")
    assert core.unwrap(found["awscc_dynamodb_table.cc"].config["point_in_time_recovery_specification"]) == {
        "point_in_time_recovery_enabled": True, "recovery_period_in_days": 35}
    replicas = core.unwrap(found["awscc_dynamodb_global_table.global"].config["replicas"])
    assert [r["region"] for r in replicas] == ["eu-west-1", "eu-west-2"]
    assert "aws_dynamodb_global_table.legacy" not in found  # the 2017 global table has no PITR


def test_skips_come_from_comments_inside_the_block_only() -> None:
    found = tables("skip_comments_not_strings")
    assert found["aws_dynamodb_table.skipped"].skips == {
        "CKV_PITR_001": "cache table, rebuilt from the event log", "CKV_PITR_002": "No comment provided"}
    assert found["aws_dynamodb_table.tag_only"].skips == {}  # tag values and heredocs are not comments
    assert tables("tf_json_and_tofu_json")["resource.scores"].skips == {"CKV_PITR_002": "short on purpose"}


def test_tf_json_names_and_values() -> None:
    scores = tables("tf_json_and_tofu_json")["resource.scores"]
    assert scores.label == "aws_dynamodb_table.scores" and scores.resource_ids == ("aws_dynamodb_table.scores",)
    assert scores.lines == (5, 11) and scores.tags == {"team": "data"}
    assert scores.config["point_in_time_recovery"] == [{"enabled": [True], "recovery_period_in_days": [7]}]


@pytest.mark.parametrize("tool, read_files, shadowed", [
    ("opentofu", ["main.tofu", "other.tf"], "main.tf"), ("terraform", ["main.tf", "other.tf"], "main.tofu")])
def test_tofu_shadows_tf_of_the_same_name(tool: str, read_files: List[str], shadowed: str) -> None:
    folder = os.path.join(FIXTURES, "tofu_shadows_tf")
    readings = {os.path.basename(r.path): r for r in read_terraform_tree([folder], folder, deployed_with=tool)}
    assert sorted(name for name, reading in readings.items() if reading.tables) == read_files
    assert readings[shadowed].shadowed and readings[shadowed].tables == []


def test_folder_without_dynamodb_is_not_parsed() -> None:
    assert read("no_dynamodb") == []  # broken.tf would be "not valid HCL" if it were parsed


# ---------------------------------------------------------------------------------------------
# The same names as checkov 3.3.30 reports (its names are the expected.tsv files' resource column)
# ---------------------------------------------------------------------------------------------

def _checkov_names(folder: str) -> set:
    with open(os.path.join(folder, "expected.tsv")) as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    return {r[1] for r in rows if r[3] != "NONE" and not r[1].startswith("aws_dynamodb_global_table.")}


@pytest.mark.parametrize("fixture", sorted(os.listdir(CHECKOV_FIXTURES)))
def test_names_match_checkov_on_existing_fixtures(fixture: str) -> None:
    folder = os.path.join(CHECKOV_FIXTURES, fixture)
    ours = {t.resource for r in read_terraform_tree([folder], folder) for t in r.tables}
    assert ours == _checkov_names(folder)


def test_names_match_checkov_on_tf_json() -> None:
    folder = os.path.join(HERE, "fixtures", "tfjson")
    ours = {t.resource for r in read_terraform_tree([folder], folder) for t in r.tables}
    assert ours == _checkov_names(folder)


# checkov 3.3.30 on a scratch folder (see the report): count, for_each (toset, map) and module instances
CHECKOV_INSTANCE_NAMES = {
    'aws_dynamodb_table.fe["a"]', 'aws_dynamodb_table.fe["b"]', "aws_dynamodb_table.counted[0]",
    "aws_dynamodb_table.counted[1]", "module.mc[0].aws_dynamodb_table.this", 'module.mf["k1"].aws_dynamodb_table.this',
    "aws_dynamodb_table.unknown",
}


def test_instance_names_match_checkov(tmp_path) -> None:
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "main.tf").write_text('resource "aws_dynamodb_table" "this" {}\n')
    (tmp_path / "main.tf").write_text(
        'variable "u" {}\n'
        'resource "aws_dynamodb_table" "fe" {\n  for_each = toset(["a", "b"])\n}\n'
        'resource "aws_dynamodb_table" "counted" {\n  count = 2\n}\n'
        'resource "aws_dynamodb_table" "unknown" {\n  count = var.u\n}\n'
        'module "mc" {\n  source = "./modules"\n  count = 1\n}\n'
        'module "mf" {\n  source = "./modules"\n  for_each = toset(["k1"])\n}\n')
    ours = {t.resource for r in read_terraform_tree([str(tmp_path)], str(tmp_path)) for t in r.tables}
    assert ours == CHECKOV_INSTANCE_NAMES


# ---------------------------------------------------------------------------------------------
# Parser and evaluation details
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(
    os.path.join(d, f) for base in (FIXTURES, CHECKOV_FIXTURES) for d, _, fs in os.walk(base) for f in fs
    if f.endswith(".tf") and "not_valid" not in d and "nested_too" not in d and "exponent" not in d and "no_dynamodb" not in d))
def test_parser_reads_what_bc_python_hcl2_reads(path: str) -> None:
    text = open(path, encoding="utf-8").read()
    # the text of an expression left unresolved differs (bc-python-hcl2 writes nested values in
    # Python's notation); its literal values, blocks and lines must not
    assert _literals(parse_hcl(text)) == _literals(hcl2.loads(text))


def _literals(value):
    if isinstance(value, str):
        return "EXPRESSION" if "${" in value else value
    if isinstance(value, list):
        return [_literals(v) for v in value]
    if isinstance(value, dict):
        return {k: _literals(v) for k, v in value.items()}
    return value


def test_scope_resolution_bounds() -> None:
    scope = Scope({"m": {"k": [1, 2]}}, {"a": "${local.b}", "b": "${local.a}", "c": "${var.m.k[1]}"})
    assert scope.resolve("${local.a}") == "${local.a}"  # a cycle stays unresolved
    assert scope.resolve("${local.c}") == 2
    assert scope.resolve("${-1.5}") == -1.5 and scope.resolve("$${var.m}") == "$${var.m}"
    assert parse_hcl("a = 2.5e-1\nb = 1E3\n") == {"a": [0.25], "b": [1000]}


def test_instances_past_the_walk_bound_are_not_judged(tmp_path) -> None:
    (tmp_path / "main.tf").write_text("".join(
        f'resource "aws_dynamodb_table" "t{i}" {{\n  count = 10000\n}}\n' for i in range(6)))
    (only,) = read_terraform_tree([str(tmp_path)], str(tmp_path))
    assert len(only.tables) == 50001  # five resources of 10,000 instances, then one not expanded
    past = only.tables[-1]
    assert past.resource == "aws_dynamodb_table.t5" and verdict(past).result is core.Result.FAILED
    assert "more than 50000 table and module instances" in verdict(past).reason


def test_a_variables_file_that_cannot_be_read_is_warned_and_defaults_apply(tmp_path) -> None:
    (tmp_path / "main.tf").write_text('variable "pitr" {\n  default = false\n}\nresource "aws_dynamodb_table" "t" {\n'
                                      '  point_in_time_recovery {\n    enabled = var.pitr\n  }\n}\n')
    (tmp_path / "terraform.tfvars").write_text("pitr = \n")
    readings = {os.path.basename(r.path): r for r in read_terraform_tree([str(tmp_path)], str(tmp_path))}
    assert "variables file not read" in (readings["terraform.tfvars"].warning or "")
    assert readings["main.tf"].tables[0].config["point_in_time_recovery"] == [{"enabled": [False]}]


def test_deep_json_is_not_judged_without_recursion_error(tmp_path) -> None:
    (tmp_path / "deep.tf.json").write_text('{"resource": {"aws_dynamodb_table": {"t": {"tags": ' + "[" * 5000 + "]" * 5000 + "}}}}")
    (only,) = read_terraform_tree([str(tmp_path)], str(tmp_path))
    assert only.framework == TERRAFORM_JSON and "nested too deeply" in (only.not_judged or "")


def test_ten_thousand_tables_read_in_seconds(tmp_path) -> None:
    block = ('resource "aws_dynamodb_table" "t{i}" {{\n  name = "t{i}"\n  hash_key = "id"\n  attribute {{\n'
             '    name = "id"\n    type = "S"\n  }}\n  point_in_time_recovery {{\n    enabled = var.pitr\n  }}\n'
             '  tags = {{ team = "x" }}\n}}\n')
    (tmp_path / "main.tf").write_text('variable "pitr" {\n  default = true\n}\n' + "".join(block.format(i=i) for i in range(10000)))
    started = time.perf_counter()
    (only,) = read_terraform_tree([str(tmp_path)], str(tmp_path))
    elapsed = time.perf_counter() - started
    assert len(only.tables) == 10000 and only.tables[-1].config["point_in_time_recovery"] == [{"enabled": [True]}]
    assert elapsed < 10, f"{elapsed:.1f}s"


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

_reasons = st.text(alphabet=st.sampled_from("abcdefgh ,.-_"), min_size=1, max_size=20).map(str.strip).filter(bool)


@settings(max_examples=40, deadline=None)
@given(reason=_reasons, as_comment=st.booleans(), style=st.sampled_from(["#", "//", "/*"]))
def test_skip_counts_only_in_a_comment(tmp_path_factory, reason: str, as_comment: bool, style: str) -> None:
    folder = tmp_path_factory.mktemp("skip")
    skip = f"checkov:skip=CKV_PITR_001:{reason}"
    inside = (f"  {style} {skip}" + (" */" if style == "/*" else "")) if as_comment else f'  description = "{skip}"'
    (folder / "main.tf").write_text(f'resource "aws_dynamodb_table" "t" {{\n{inside}\n  name = "t"\n}}\n')
    (table,) = [t for r in read_terraform_tree([str(folder)], str(folder)) for t in r.tables]
    expected = reason.replace(" */", "").strip() if style == "/*" else reason
    if as_comment:
        assert table.skips["CKV_PITR_001"].replace("*/", "").strip() == expected.strip()
    else:
        assert table.skips == {}


@settings(max_examples=40, deadline=None)
@given(original=st.dictionaries(st.sampled_from(["name", "billing_mode", "hash_key"]), st.sampled_from(["a", "b"])),
       override=st.dictionaries(st.sampled_from(["name", "billing_mode", "hash_key"]), st.sampled_from(["c", "d"])),
       original_pitr=st.sampled_from([None, True, False]), override_pitr=st.sampled_from([None, True, False]))
def test_override_arguments_and_blocks_replace(tmp_path_factory, original, override, original_pitr, override_pitr) -> None:
    folder = tmp_path_factory.mktemp("override")

    def body(arguments: Dict[str, str], pitr) -> str:
        text = "".join(f'  {k} = "{v}"\n' for k, v in arguments.items())
        return text + (f"  point_in_time_recovery {{\n    enabled = {str(pitr).lower()}\n  }}\n" if pitr is not None else "")

    (folder / "main.tf").write_text(f'resource "aws_dynamodb_table" "t" {{\n{body(original, original_pitr)}}}\n')
    (folder / "x_override.tf").write_text(f'resource "aws_dynamodb_table" "t" {{\n{body(override, override_pitr)}}}\n')
    (table,) = [t for r in read_terraform_tree([str(folder)], str(folder)) for t in r.tables]
    expected = {k: [v] for k, v in {**original, **override}.items()}
    pitr = override_pitr if override_pitr is not None else original_pitr
    if pitr is not None:
        expected["point_in_time_recovery"] = [{"enabled": [pitr]}]
    assert table.config == expected and table.path == str(folder / "main.tf")


def test_lexer_sees_comments_not_strings() -> None:
    lexed = lex_hcl('a = "# not ${"#"} // x"\n# yes\nb = <<EOT\n# no\nEOT\n/* also */')
    assert [c for _, c in lexed.comments] == ["# yes", "/* also */"]
