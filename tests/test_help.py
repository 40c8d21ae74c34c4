"""What users type and read around a scan: `--help`, `--skip-check` with our IDs, the precise messages,
and SARIF rule names (the Action and its job summary: test_action.py, test_summary.py).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from checkov_pitr import cli, messages
from checkov_pitr.rule import CHECKS
from conftest import FIXTURES, index_report, run_pitr


# --- --help ------------------------------------------------------------------------------------

def test_help_shows_our_options_before_checkovs_usage() -> None:
    process = run_pitr("--help")
    assert process.returncode == 0, process.stderr[-2000:]
    text = process.stdout
    for option in ("--policy FILE", "--checks-dir", "--version", "--config-file", "fix [--diff]"):
        assert option in text, option
    ours, theirs = text.index("--checks-dir"), text.index("usage: checkov ")
    assert ours < theirs
    assert "--external-checks-dir" in text[theirs:] and "--skip-check" in text[theirs:]


def test_help_text_is_ours_then_checkovs() -> None:
    text = messages.help_text()
    assert text.startswith("usage: checkov-pitr")
    assert text.index("checkov's arguments (passed through):") < text.index("usage: checkov ")


# --- --skip-check -------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, check, skip", [
    (["--skip-check", "CKV_PITR_002"], "CKV_PITR_001,CKV_PITR_003", None),
    (["--skip-check=CKV_PITR_001,CKV_PITR_003"], "CKV_PITR_002", None),
    (["--skip-check", "CKV_PITR_002,CKV_AWS_28"], None, "CKV_PITR_002,CKV_AWS_28"),  # mixed: the user's
    (["--check", "CKV_PITR_001", "--skip-check", "CKV_PITR_002"], "CKV_PITR_001", "CKV_PITR_002"),
])
def test_skip_check_with_our_ids_keeps_the_rest_of_ours(argv: list, check: Any, skip: Any) -> None:
    args = cli.checkov_arguments(["-d", "x", *argv])

    def value(name: str) -> Any:
        for i, arg in enumerate(args):
            if arg == name:
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
        return None

    assert value("--check") == check
    assert value("--skip-check") == skip


def test_skip_check_runs_no_builtin_check() -> None:
    process = run_pitr("-f", str(FIXTURES / "cloudformation" / "fail_table_off.json"), "-o", "json",
                       "--skip-check", "CKV_PITR_002")
    assert process.returncode == 1, process.stderr[-2000:]
    assert {key[2] for key in index_report(process.stdout)} == {"CKV_PITR_001"}


# --- precise messages -------------------------------------------------------------------------

def test_kubernetes_multi_document_yaml_is_not_ours_and_a_template_is() -> None:
    k8s = "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Service\n"
    assert messages.is_not_ours_multi_document(k8s)
    assert not messages.is_not_ours_multi_document("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n")
    assert not messages.is_not_ours_multi_document("---\nResources: {}\n")  # one document, explicit start
    assert not messages.is_not_ours_multi_document("AWSTemplateFormatVersion: '2010-09-09'\n---\nx: 1\n")


def test_root_module_message_names_the_folder_to_scan() -> None:
    assert messages.calls_modules('module "orders" {\n  source = "./modules/table"\n}\n')
    assert not messages.calls_modules('resource "aws_dynamodb_table" "t" {}\n')
    text = messages.root_module_file_message("infra/main.tf")
    assert text.startswith("infra/main.tf: ") and "-d infra" in text and "\n" not in text


# --- SARIF rule names and result order ------------------------------------------------------------

def test_sarif_rules_have_readable_names_and_results_a_stable_order(tmp_path: Path) -> None:
    from checkov_pitr.integration.sarif import result_sort_key

    process = run_pitr("-d", str(FIXTURES / "sarif" / "cloudformation"), "-o", "sarif", "--output-file-path",
                       str(tmp_path), cwd=tmp_path, env={"GITHUB_WORKSPACE": ""})
    assert process.returncode == 1, process.stderr[-2000:]
    run_ = json.loads((tmp_path / "results_sarif.sarif").read_text(encoding="utf-8"))["runs"][0]
    names = {rule["id"]: rule["name"] for rule in run_["tool"]["driver"]["rules"]}
    assert {i: names[i] for i in CHECKS} == {i: meta.sarif_name for i, meta in CHECKS.items()}
    for rule_id, name in names.items():
        assert name != rule_id and re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), name
    results = run_["results"]
    assert len(results) >= 2 and results == sorted(results, key=result_sort_key)


def test_pascal_names_of_checkovs_own_rules() -> None:
    from checkov_pitr.integration.sarif import pascal_name

    assert pascal_name("Ensure DynamoDB point-in-time recovery (backup) is enabled", "CKV_AWS_28") == \
        "EnsureDynamodbPointInTimeRecoveryBackupIsEnabled"
    assert pascal_name("", "CKV_AWS_28") == "CheckCkvAws28"
