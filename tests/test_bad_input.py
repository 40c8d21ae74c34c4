"""Bad input, end to end through `checkov-pitr`: every unreadable file that may hold a table is one
FAILED result saying why, every readable table beside it is still judged, and nothing prints a traceback.

The inputs are generated in a temporary folder (some are binary or 50 MB, and do not belong in
the repository); a good template, Terraform file and plan sit beside the bad files, and their
verdicts are asserted, so a bad file can never hide the rest of the run.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import index_report, run_pitr

GOOD_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  GoodTable:
    Type: AWS::DynamoDB::Table
    Properties:
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: true
  BadTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: no-pitr
"""

GOOD_TERRAFORM = """\
resource "aws_dynamodb_table" "good" {
  name     = "good"
  hash_key = "id"
  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_dynamodb_table" "bad" {
  name     = "bad"
  hash_key = "id"
}
"""

# A template whose PITR flag is a list nested 60 deep: parsers read it, and it is no `true`.
NESTED_TEMPLATE = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  NestedTable:\n'
                   '    Type: AWS::DynamoDB::Table\n    Properties:\n      PointInTimeRecoverySpecification:\n'
                   '        PointInTimeRecoveryEnabled: ' + "[" * 60 + "true" + "]" * 60 + "\n")
TOO_DEEP = 5000  # beyond what YAML, HCL and JSON parsers read


def plan_document(tables: Dict[str, bool], padding: int = 0) -> dict:
    """A `terraform show -json` plan creating one aws_dynamodb_table per entry (name -> PITR on);
    `padding` adds that many S3 objects with 25 kB of content each, to make the plan big."""
    resources: List[dict] = []
    changes: List[dict] = []
    for name, enabled in tables.items():
        values = {"name": name, "hash_key": "id", "point_in_time_recovery": [{"enabled": enabled}], "replica": []}
        resources.append({"address": f"aws_dynamodb_table.{name}", "mode": "managed", "type": "aws_dynamodb_table",
                          "name": name, "provider_name": "registry.terraform.io/hashicorp/aws", "values": values})
        changes.append({"address": f"aws_dynamodb_table.{name}", "mode": "managed", "type": "aws_dynamodb_table",
                        "name": name, "change": {"actions": ["create"], "before": None, "after": values}})
    body = "x" * 25_000
    for i in range(padding):
        values = {"bucket": "assets", "key": f"blob/{i}", "content": body}
        resources.append({"address": f"aws_s3_object.blob_{i}", "mode": "managed", "type": "aws_s3_object",
                          "name": f"blob_{i}", "provider_name": "registry.terraform.io/hashicorp/aws", "values": values})
        changes.append({"address": f"aws_s3_object.blob_{i}", "mode": "managed", "type": "aws_s3_object",
                        "name": f"blob_{i}", "change": {"actions": ["create"], "before": None, "after": values}})
    return {"format_version": "1.2", "terraform_version": "1.6.6",
            "planned_values": {"root_module": {"resources": resources}}, "resource_changes": changes}


def write_bad_inputs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # the good files, whose verdicts must survive the bad ones
    (folder / "good.yaml").write_text(GOOD_TEMPLATE)
    (folder / "good.tf").write_text(GOOD_TERRAFORM)
    (folder / "good_plan.json").write_text(json.dumps(plan_document({"plan_good": True, "plan_bad": False})))
    (folder / "nested.yaml").write_text(NESTED_TEMPLATE)
    # the bad ones
    (folder / "malformed.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Broken:\n    Type: AWS::DynamoDB::Table\n'
        "    Properties: {PointInTimeRecoverySpecification: [\n  : oops\n")
    (folder / "properties_list.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  ListTable:\n    Type: AWS::DynamoDB::Table\n'
        "    Properties:\n      - PointInTimeRecoverySpecification:\n          PointInTimeRecoveryEnabled: true\n")
    full_plan = json.dumps(plan_document({"cut_short": True}), indent=1)
    (folder / "truncated_plan.json").write_text(full_plan[: len(full_plan) // 2])
    (folder / "state.json").write_text(json.dumps({"format_version": "1.0", "terraform_version": "1.6.6",
                                                   "values": {"root_module": {}}}))
    (folder / "empty.json").write_text("")
    (folder / "binary.json").write_bytes(bytes(range(256)) * 16)
    (folder / "deep.yaml").write_text(NESTED_TEMPLATE.replace("[" * 60, "[" * TOO_DEEP).replace("]" * 60, "]" * TOO_DEEP))
    (folder / "deep.tf").write_text('resource "aws_dynamodb_table" "deep" {\n  name = "deep"\n'
                                    "  point_in_time_recovery {\n    enabled = " + "[" * TOO_DEEP + "true"
                                    + "]" * TOO_DEEP + "\n  }\n}\n")
    deep_plan = json.dumps(plan_document({"deep": True})).replace('"enabled": true', '"enabled": '
                                                                 + "[" * TOO_DEEP + "true" + "]" * TOO_DEEP)
    (folder / "deep_plan.json").write_text(deep_plan)


def verdict(report: dict, file: str, resource: str, check: str) -> str:
    records = report.get((file, resource, check), [])
    assert len(records) == 1, f"{file} {resource} {check}: {records}"
    return records[0]["_verdict"]


def warnings_about(stderr: str, name: str) -> List[str]:
    return [line for line in stderr.splitlines() if name in line]


@pytest.fixture(scope="module")
def bad_folder_run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("bad-input")
    write_bad_inputs(folder)
    result = run_pitr("-d", str(folder), "-o", "json", cwd=folder)
    return result, index_report(result.stdout)


def test_no_traceback_and_checkov_s_exit_code(bad_folder_run) -> None:
    result, _ = bad_folder_run
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1, result.stderr  # BadTable etc. failed; the bad files do not change that


def test_good_tables_beside_bad_files_are_still_judged(bad_folder_run) -> None:
    _, report = bad_folder_run
    assert verdict(report, "/good.yaml", "AWS::DynamoDB::Table.GoodTable", "CKV_PITR_001") == "PASSED"
    assert verdict(report, "/good.yaml", "AWS::DynamoDB::Table.BadTable", "CKV_PITR_001") == "FAILED"
    assert verdict(report, "/good.tf", "aws_dynamodb_table.good", "CKV_PITR_001") == "PASSED"
    assert verdict(report, "/good.tf", "aws_dynamodb_table.bad", "CKV_PITR_001") == "FAILED"
    assert verdict(report, "/good_plan.json", "aws_dynamodb_table.plan_good", "CKV_PITR_001") == "PASSED"
    assert verdict(report, "/good_plan.json", "aws_dynamodb_table.plan_bad", "CKV_PITR_001") == "FAILED"


def test_a_deeply_nested_value_that_parses_is_judged_and_fails(bad_folder_run) -> None:
    _, report = bad_folder_run
    records = report.get(("/nested.yaml", "AWS::DynamoDB::Table.NestedTable", "CKV_PITR_001"), [])
    assert [r["_verdict"] for r in records] == ["FAILED"]
    assert "not true" in records[0]["details"][0]


@pytest.mark.parametrize("name, resources, reason", [
    ("malformed.yaml", ["file"], r"not valid YAML.*line 6"),
    ("properties_list.yaml", ["AWS::DynamoDB::Table.ListTable"], r"Properties is a list, not a mapping"),
    ("truncated_plan.json", ["file"], r"truncated JSON"),
    ("state.json", ["file"], r"Terraform state.*not a plan"),
    ("deep.yaml", ["file"], r"nested more than 200 levels"),
    ("deep.tf", ["file", "aws_dynamodb_table.deep"], r"nested too deeply"),
    ("deep_plan.json", ["file"], r"nested more than 200 levels"),
])
def test_each_bad_file_is_one_failed_result_saying_why(bad_folder_run, name: str, resources: List[str],
                                                        reason: str) -> None:
    """A file that may hold tables and cannot be read is CKV_PITR_001 FAILED, never a warning."""
    _, report = bad_folder_run
    records = [r for resource in resources for r in report.get((f"/{name}", resource, "CKV_PITR_001"), [])]
    assert [r["_verdict"] for r in records] == ["FAILED"], sorted(k for k in report if k[0] == f"/{name}")
    assert re.search(reason, records[0]["details"][0]), records[0]["details"]


@pytest.mark.parametrize("name", ["empty.json", "binary.json"])
def test_files_that_cannot_hold_a_table_are_not_ours(bad_folder_run, name: str) -> None:
    """Under -d, an empty or binary .json that mentions no DynamoDB type is not ours to judge (as in checkov)."""
    result, report = bad_folder_run
    assert not [k for k in report if k[0] == f"/{name}"]
    assert not warnings_about(result.stderr, name)


def test_stderr_holds_only_our_one_line_messages(bad_folder_run) -> None:
    """checkov's own multi-line parser errors are folded into our lines, not printed beside them."""
    result, _ = bad_folder_run
    stray = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("checkov-pitr: ")]
    assert stray == [], result.stderr


def test_files_named_with_f_that_hold_nothing_to_judge_are_named(tmp_path: Path) -> None:
    """-f names a file on purpose: one that is neither a template nor a plan gets a line too."""
    (tmp_path / "not_a_plan.json").write_text(json.dumps({"name": "web", "dependencies": {"left-pad": "1.3.0"}}))
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "good.yaml").write_text(GOOD_TEMPLATE)
    result = run_pitr("-f", "not_a_plan.json", "-f", "empty.yaml", "-f", "good.yaml", "-o", "json", cwd=tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    report = index_report(result.stdout)
    assert verdict(report, "/good.yaml", "AWS::DynamoDB::Table.GoodTable", "CKV_PITR_001") == "PASSED"
    for name, reason in (("not_a_plan.json", r"neither a Terraform plan nor a CloudFormation template"),
                         ("empty.yaml", r"empty file")):
        lines = warnings_about(result.stderr, name)
        assert len(lines) == 1 and re.search(reason, lines[0]), result.stderr
    assert not warnings_about(result.stderr, "good.yaml")


def test_a_50_mb_plan_is_judged(tmp_path: Path) -> None:
    """A 50 MB plan (2 tables among 1,050 objects of 25 kB, in planned_values and resource_changes)."""
    plan = plan_document({"big_good": True, "big_bad": False}, padding=1050)
    text = json.dumps(plan)
    assert 50 * 1024 * 1024 <= len(text) < 55 * 1024 * 1024
    (tmp_path / "big_plan.json").write_text(text)
    (tmp_path / "good.yaml").write_text(GOOD_TEMPLATE)
    result = run_pitr("-d", str(tmp_path), "-o", "json", cwd=tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    report = index_report(result.stdout)
    assert verdict(report, "/big_plan.json", "aws_dynamodb_table.big_good", "CKV_PITR_001") == "PASSED"
    assert verdict(report, "/big_plan.json", "aws_dynamodb_table.big_bad", "CKV_PITR_001") == "FAILED"
    assert verdict(report, "/good.yaml", "AWS::DynamoDB::Table.BadTable", "CKV_PITR_001") == "FAILED"
    assert [line for line in result.stderr.splitlines() if "policy in effect" not in line] == [], result.stderr
