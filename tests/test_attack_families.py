"""The families of the attack round (issue 19), end to end: each a small input that must make the gate
fail (exit 1, the table FAILED with a message), with no traceback and no workflow command in any
output. Inputs that cannot live in git (device symlinks, non-UTF-8 names) are made in tmp_path."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import List

import jsonschema
import pytest

from conftest import FIXTURES, TESTS, assert_row, index_report, read_expected, run_pitr

FAMILIES = FIXTURES / "attack_families"
SARIF_SCHEMA = json.loads((TESTS / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
TABLE_WITHOUT_PITR = b"""Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""


def assert_clean(*texts: str) -> None:
    """No traceback, and no line a GitHub runner would take as a workflow command."""
    for text in texts:
        assert "Traceback" not in text, text
        assert not [line for line in text.splitlines() if line.lstrip().startswith("::")], text


# --- outputs and names -------------------------------------------------------------------------------

NAMES = [os.fsdecode(b"bad\xff.yaml"), "new\nline.yaml", "::warning x.yaml", "a|b.yaml", "x\n::error y.yaml"]
FORMATS = ["cli", "json", "sarif", "junitxml", "github_failed_only", "gitlab_sast", "csv"]


@pytest.fixture(scope="module")
def named_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    folder = root / "::error dir"
    folder.mkdir()
    for name in NAMES:
        (folder / name).write_bytes(TABLE_WITHOUT_PITR)
    return root


@pytest.mark.parametrize("output", FORMATS)
@pytest.mark.parametrize("scanned", [".", "::error dir"])
def test_file_names_are_data_in_every_output(named_tree: Path, tmp_path: Path, output: str, scanned: str) -> None:
    target = tmp_path / "missing" / "folder"  # an --output-file-path folder that does not exist is created
    process = run_pitr("-d", scanned, "-o", output, "--output-file-path", str(target), cwd=named_tree)
    assert process.returncode == 1, process.stderr
    assert_clean(process.stdout, process.stderr)
    written = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert written, "nothing written under the output folder"
    if output == "json":
        report = json.loads(written["results_json.json"])
        assert len(report["results"]["failed_checks"]) == len(NAMES)
    elif output == "sarif":
        sarif = json.loads(written["results_sarif.sarif"])
        jsonschema.validate(sarif, SARIF_SCHEMA)
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
        assert len(uris) == len(NAMES) and any(uri.endswith("bad%FF.yaml") for uri in uris), uris
    elif output == "csv":
        assert any(name.endswith("_iac.csv") for name in written), written
    for text in written.values():
        assert "Traceback" not in text


def test_file_names_are_data_on_stderr(named_tree: Path) -> None:
    """-f names every file; a missing one with a newline in its name is one line, not a command."""
    process = run_pitr("-d", ".", "-f", "::error dir/x\n::warning missing.yaml", "-o", "json", cwd=named_tree)
    assert process.returncode == 2
    assert_clean(process.stdout, process.stderr)
    assert len(process.stderr.splitlines()) == 1, process.stderr


# --- one fixture per family, scanned as a pull request would be -------------------------------------

GATE_FAILS = sorted(p.name for p in FAMILIES.iterdir() if p.is_dir() and p.name not in ("skip_comment", "plan_forget"))


def scan_family(folder: Path, *extra: str):
    process = run_pitr("-d", ".", "-o", "json", *extra, cwd=folder)
    assert_clean(process.stdout, process.stderr)
    return process, index_report(process.stdout)


@pytest.mark.parametrize("family", GATE_FAILS)
def test_the_gate_fails_for_every_family(family: str) -> None:
    process, report = scan_family(FAMILIES / family)
    assert process.returncode == 1, (process.stdout[-2000:], process.stderr)
    rows = read_expected(FAMILIES / family / "expected.tsv")
    assert any(row[3] == "FAILED" for row in rows)
    for row in rows:
        assert_row(report, row)


def test_a_skip_comment_is_listed_on_stderr_and_in_sarif(tmp_path: Path) -> None:
    folder = FAMILIES / "skip_comment"
    sarif_file = tmp_path / "out.sarif"
    process = run_pitr("-d", ".", "-o", "json", "-o", "sarif", "--output-file-path", f"console,{sarif_file}",
                       cwd=folder)
    assert_clean(process.stdout, process.stderr)
    assert process.returncode == 0
    for row in read_expected(folder / "expected.tsv"):
        assert_row(index_report(process.stdout), row)
    assert "skip comment skipped aws_dynamodb_table.t for CKV_PITR_001 in /main.tf: restored from backups nightly" \
        in process.stderr
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    jsonschema.validate(sarif, SARIF_SCHEMA)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    skips = [n for n in notes if n["descriptor"]["id"] == "checkov-pitr/skip-comment"]
    assert [n["properties"]["resource"] for n in skips] == ["aws_dynamodb_table.t"]
    assert sarif["runs"][0]["results"] == []


def test_a_forgotten_table_has_no_result_and_is_named(tmp_path: Path) -> None:
    folder = FAMILIES / "plan_forget"
    process, report = scan_family(folder)
    assert process.returncode == 0
    for row in read_expected(folder / "expected.tsv"):
        assert_row(report, row)
    assert "aws_dynamodb_table.t forgotten (a `removed` block with destroy = false)" in process.stderr
    named = run_pitr("-f", "tfplan.json", "-o", "json", cwd=folder)
    assert "neither a Terraform plan" not in named.stderr
    assert "a Terraform plan that leaves no DynamoDB table in place" in named.stderr


def test_a_forgotten_table_planned_values_still_lists_has_no_result(tmp_path: Path) -> None:
    """Terraform listed forgotten resources in planned_values until hashicorp/terraform#38665."""
    plan = json.loads((FAMILIES / "plan_forget" / "tfplan.json").read_text(encoding="utf-8"))
    change = plan["resource_changes"][0]
    plan["planned_values"]["root_module"]["resources"] = [
        {key: change[key] for key in ("address", "mode", "type", "name", "provider_name")} | {
            "values": change["change"]["before"]}]
    (tmp_path / "tfplan.json").write_text(json.dumps(plan), encoding="utf-8")
    process, report = scan_family(tmp_path)
    assert process.returncode == 0 and report == {}, process.stdout


def test_baseline_is_refused(tmp_path: Path) -> None:
    (tmp_path / "baseline.json").write_text("{}", encoding="utf-8")
    process = run_pitr("-d", str(FAMILIES / "hcl_unicode_escapes"), "--baseline", str(tmp_path / "baseline.json"))
    assert process.returncode == 2
    assert_clean(process.stdout, process.stderr)
    assert "--baseline" in process.stderr and len(process.stderr.splitlines()) == 1


# --- unbounded reads: device symlinks are made at test time, never committed -------------------------

def _device_tree(tmp_path: Path, family: str) -> Path:
    folder = tmp_path / family
    shutil.copytree(FAMILIES / "hcl_unicode_escapes", folder)
    return folder


def test_a_tf_symlink_to_a_device_is_not_judged_and_costs_nothing_else(tmp_path: Path) -> None:
    folder = _device_tree(tmp_path, "tf_device")
    (folder / "zero.tf").symlink_to("/dev/zero")
    process, report = scan_family(folder)
    assert process.returncode == 1
    for row in read_expected(folder / "expected.tsv"):
        assert_row(report, row)  # the other file keeps its result
    not_judged = [r for key, records in report.items() for r in records if "not judged" in " ".join(r["details"])]
    assert not_judged and all(r["_verdict"] == "FAILED" for r in not_judged), report.keys()


def test_a_file_include_symlink_to_a_device_is_not_judged(tmp_path: Path) -> None:
    folder = tmp_path / "include_device"
    shutil.copytree(FAMILIES / "serverless_extensions", folder)
    (folder / "serverless.yml").write_text(
        (folder / "serverless.yml").read_text(encoding="utf-8") + "custom:\n  more: ${file(./zero.yml)}\n",
        encoding="utf-8")
    (folder / "zero.yml").symlink_to("/dev/zero")
    process, report = scan_family(folder)
    assert process.returncode == 1
    records = [r for records in report.values() for r in records]
    assert records and all(r["_verdict"] == "FAILED" for r in records if r["check_id"] == "CKV_PITR_001")
    assert any("zero.yml" in " ".join(r["details"]) for r in records), [r["details"] for r in records]
