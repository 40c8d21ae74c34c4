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
    ours, theirs = text.index("--checks-dir"), text.index("scan arguments (checkov's")
    assert ours < theirs
    for argument in ("--skip-check", "--var-file", "--repo-root-for-plan-enrichment", "--soft-fail-on", "gitlab_sast"):
        assert argument in text[theirs:], argument
    refused = text[text.index("refused"):]
    assert "--baseline" in refused and "--external-checks-dir" in refused


# --- --skip-check -------------------------------------------------------------------------------

def test_skip_check_runs_no_builtin_check() -> None:
    process = run_pitr("-f", str(FIXTURES / "cloudformation" / "fail_table_off.json"), "-o", "json",
                       "--skip-check", "CKV_PITR_002")
    assert process.returncode == 1, process.stderr[-2000:]
    assert {key[2] for key in index_report(process.stdout)} == {"CKV_PITR_001"}


# --- precise messages -------------------------------------------------------------------------



# --- SARIF rule names and result order ------------------------------------------------------------

def test_sarif_rules_have_readable_names_and_results_a_stable_order(tmp_path: Path) -> None:
    from checkov_pitr.outputs.sarif import result_sort_key

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

