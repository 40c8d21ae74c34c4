"""What users type and read around a scan: `--help`, `--skip-check` with our IDs, the precise messages,
and the Action's scan script with its job summary.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from checkov_pitr import cli, messages
from checkov_pitr.integration import summary
from checkov_pitr.rule import CHECKS
from conftest import FIXTURES, REPO, index_report, run, run_pitr

BIN = str(Path(sys.executable).parent)


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

# --- the Action's scan step ---------------------------------------------------------------------

def scan_step() -> Dict[str, Any]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    [found] = [s for s in action["runs"]["steps"] if s.get("id") == "scan"]
    return found


def test_no_run_script_expands_a_possibly_empty_array_unguarded() -> None:
    # bash < 4.4 (macOS runners' 3.2) aborts on "${a[@]}" of an empty array under `set -u`; bash 3.2
    # is not installable here, so the idiom is checked in the text and the script run with bash 5
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    for item in action["runs"]["steps"]:
        script = item.get("run") or ""
        unguarded = re.findall(r'(?<!\+)"\$\{(\w+)\[@\]\}"(?!\})', script)
        assert unguarded == [], (item.get("name"), unguarded)


def test_scan_script_runs_with_empty_extra_args_under_set_u_and_writes_a_summary(tmp_path: Path) -> None:
    step = scan_step()
    script = tmp_path / "scan.sh"
    script.write_text(step["run"], encoding="utf-8")
    output, step_summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "PITR_DIRECTORY": str(FIXTURES / "sarif" / "cloudformation"), "PITR_PLAN_FILE": "", "PITR_POLICY_FILE": "",
        "PITR_SOFT_FAIL": "false", "PITR_SARIF_FILE": str(tmp_path / "out" / "results.sarif"), "PITR_EXTRA_ARGS": "",
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(step_summary), "GITHUB_WORKSPACE": "",
    }
    process = run(["bash", "-e", "-u", "-o", "pipefail", str(script)], cwd=tmp_path, env=env)
    assert process.returncode == 0, process.stderr[-2000:]  # the step never fails itself
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    assert outputs["exit-code"] == "1" and int(outputs["failed-count"]) >= 1
    text = step_summary.read_text(encoding="utf-8")
    assert "| Check | Resource | File:line | Message |" in text
    assert re.search(r"^\| CKV_PITR_001 \| \S+ \| \S+:\d+ \| .+ \|$", text, flags=re.M), text


def test_summary_of_a_sarif_file_lists_failures_only() -> None:
    sarif = {"runs": [{"results": [
        {"ruleId": "CKV_PITR_001", "message": {"text": "Carts: PITR | off"}, "properties": {"resource": "T.Carts"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.yaml"}, "region": {"startLine": 4}}}]},
        {"ruleId": "CKV_PITR_002", "message": {"text": "skipped"}, "suppressions": [{"kind": "inSource"}],
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.yaml"}, "region": {"startLine": 1}}}]},
    ]}]}
    text = summary.markdown(sarif)
    assert "| CKV_PITR_001 | T.Carts | a.yaml:4 | Carts: PITR \\| off |" in text
    assert "CKV_PITR_002" not in text
    assert "No failed checks." in summary.markdown({"runs": [{"results": []}]})
    assert summary.main(["/nonexistent.sarif"]) == 0


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

