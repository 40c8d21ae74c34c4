"""What the engine walks and reads beyond checkov's own rules, so a pull request cannot hide a table:
a symlinked folder is followed (once per real folder), a template's suffix may be in any case, and a
serverless configuration in JavaScript or TypeScript that names a table is "not judged"."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, index_report, run_pitr

TABLE_OFF = FIXTURES / "cloudformation" / "fail_table_off.json"  # Carts: PITR false


def _verdicts(folder: Path) -> dict:
    process = run_pitr("-d", ".", "-o", "json", cwd=folder)
    assert process.returncode == 1, process.stderr
    return {(key[0], key[1]): [r["_verdict"] for r in records] for key, records in index_report(process.stdout).items()
            if key[2] == "CKV_PITR_001"}


def test_a_symlinked_folder_into_a_hidden_one_is_followed_once(tmp_path: Path) -> None:
    (tmp_path / ".stacks").mkdir()
    shutil.copy(TABLE_OFF, tmp_path / ".stacks" / "t.json")
    (tmp_path / "prod").symlink_to(".stacks")
    (tmp_path / "prod_again").symlink_to(".stacks")  # the same real folder: walked once
    (tmp_path / "loop").symlink_to(".")  # a loop ends
    assert _verdicts(tmp_path) == {("/prod/t.json", "AWS::DynamoDB::Table.Carts"): ["FAILED"]}


def test_a_template_suffix_in_any_case_is_read(tmp_path: Path) -> None:
    shutil.copy(TABLE_OFF, tmp_path / "Template.JSON")
    assert _verdicts(tmp_path) == {("/Template.JSON", "AWS::DynamoDB::Table.Carts"): ["FAILED"]}


def test_a_serverless_configuration_in_typescript_naming_a_table_is_not_judged(tmp_path: Path) -> None:
    (tmp_path / "serverless.ts").write_text(
        "export default { resources: { Resources: { T: { Type: 'AWS::DynamoDB::Table' } } } };\n", encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "serverless.js").write_text("module.exports = { service: 'api' };\n", encoding="utf-8")
    process = run_pitr("-d", ".", "-o", "json", cwd=tmp_path)
    assert process.returncode == 1
    [record] = index_report(process.stdout)[("/serverless.ts", "file", "CKV_PITR_001")]
    assert record["_verdict"] == "FAILED" and "serverless print" in record["details"][0]
    assert not [key for key in index_report(process.stdout) if key[0] == "/other/serverless.js"]


def test_a_terraform_file_named_with_f_keeps_the_tables_its_module_calls_create_at_any_depth(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "main.tf").write_text('module "a" {\n  source = "./a"\n}\n', encoding="utf-8")
    (tmp_path / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n}\n', encoding="utf-8")
    (tmp_path / "b" / "main.tf").write_text('resource "aws_dynamodb_table" "t" {\n  name = "t"\n}\n', encoding="utf-8")
    (tmp_path / "other.tf").write_text('resource "aws_dynamodb_table" "other" {\n  name = "o"\n}\n', encoding="utf-8")
    process = run_pitr("-f", "main.tf", "-o", "json", cwd=tmp_path)
    assert process.returncode == 1, process.stderr
    assert {key[1] for key in index_report(process.stdout)} == {"module.a.module.b.aws_dynamodb_table.t"}


def test_two_terraform_files_named_with_f_in_one_folder_give_each_table_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "main.tf").write_text('module "a" {\n  source = "./a"\n}\n', encoding="utf-8")
    (tmp_path / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n}\n', encoding="utf-8")
    (tmp_path / "b" / "main.tf").write_text('resource "aws_dynamodb_table" "t" {\n  name = "t"\n}\n', encoding="utf-8")
    (tmp_path / "other.tf").write_text('resource "aws_dynamodb_table" "other" {\n  name = "o"\n}\n', encoding="utf-8")
    process = run_pitr("-f", "main.tf", "-f", "other.tf", "-o", "json", cwd=tmp_path)
    assert process.returncode == 1, process.stderr
    assert {key[1]: len(records) for key, records in index_report(process.stdout).items() if key[2] == "CKV_PITR_001"} \
        == {"module.a.module.b.aws_dynamodb_table.t": 1, "aws_dynamodb_table.other": 1}
