"""The Action (action.yml) run as GitHub runs a composite action, for every input.

A small runner below does what the Actions runner does with the steps: it evaluates each step's
`if:` (status functions, `inputs.*`, `steps.*.outputs.*`, `==` / `!=` case-insensitive, `&&`, `||`,
`!`), substitutes `${{ ... }}` in `env:` and `with:`, writes each `run:` script to a file and runs it
as `bash --noprofile --norc -eo pipefail {0}` with its own GITHUB_OUTPUT file and the job's
GITHUB_STEP_SUMMARY, and records the `uses:` steps (setup-python, cache, upload-sarif) with their
resolved `with:` instead of running them. `checkov-pitr` is a stub on PATH that records its
arguments and writes canned CLI text, SARIF and JSON to where `--output-file-path` says; `python -m
pip` is recorded, not run. No network, no real scan: the real scan step runs in test_github.py.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import pytest
import yaml

from conftest import REPO

ACTION_FILE = REPO / "action.yml"
ACTION: Dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]  # then the script file: GitHub's {0}
CI_CHECKOV = "3.3.30"  # the checkov .ci/run's newest venv tests (README "Versions CI tests")


# --- GitHub expressions -------------------------------------------------------------------------

TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<name>[A-Za-z_][\w.-]*(?:\(\))?))")


class Expression:
    """The subset of GitHub's expression syntax action.yml uses, evaluated as GitHub does."""

    def __init__(self, text: str, context: Mapping[str, Any]) -> None:
        self.tokens: List[Tuple[str, str]] = []
        position, text = 0, text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            assert match, f"cannot read {text[position:]!r}"
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.context, self.index = context, 0

    def value(self) -> Any:
        result = self._or()
        assert self.index == len(self.tokens), self.tokens[self.index:]
        return result

    def _peek(self) -> Optional[str]:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _take(self) -> Tuple[str, str]:
        self.index += 1
        return self.tokens[self.index - 1]

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._unary()
        while self._peek() == "&&":
            self._take()
            right = self._unary()
            left = right if truthy(left) else left
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        left = self._primary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            equal = str(left).casefold() == str(self._primary()).casefold()  # GitHub ignores case
            return equal if op == "==" else not equal
        return left

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            inner = self._or()
            assert self._take()[1] == ")"
            return inner
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if text.endswith("()"):
            return self.context["status"][text[:-2]]
        value: Any = self.context
        for part in text.split("."):
            value = value.get(part, "") if isinstance(value, Mapping) else ""
        return value


def truthy(value: Any) -> bool:
    return bool(value) if not isinstance(value, str) else value != ""


def substitute(text: Any, context: Mapping[str, Any]) -> str:
    def one(match: "re.Match[str]") -> str:
        value = Expression(match.group(1), context).value()
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


# --- the runner ---------------------------------------------------------------------------------

@dataclass
class ActionRun:
    failed: bool
    outputs: Dict[str, str]
    summary: str
    log: str
    uses: Dict[str, Dict[str, str]]  # action (without @ref) -> its resolved `with:`
    calls: List[List[str]]  # checkov-pitr's argument lists, in order
    pip: List[List[str]]  # `python -m pip` argument lists
    skipped: List[str] = field(default_factory=list)  # names of steps whose `if:` was false


def run_action(workspace: Path, inputs: Mapping[str, str], fake_bin: Path) -> ActionRun:
    """Every step of action.yml, as the runner runs a composite action's steps."""
    given = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(inputs) - set(given)
    assert not unknown, unknown
    given.update(inputs)
    temp = workspace.parent / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary_file = workspace.parent / "step-summary.md"
    summary_file.write_text("")
    context: Dict[str, Any] = {
        "inputs": given, "steps": {}, "runner": {"temp": str(temp), "os": "Linux"},
        "github": {"action_path": str(REPO), "action_ref": "v0.1.0"},
        "status": {"always": True, "success": True, "failure": False, "cancelled": False},
    }
    base_env = {
        "PATH": f"{fake_bin}{os.pathsep}/usr/bin{os.pathsep}/bin", "PYTHONPATH": str(REPO), "HOME": str(temp),
        "RUNNER_TEMP": str(temp), "GITHUB_WORKSPACE": str(workspace), "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_REPOSITORY": "octo/infra", "GITHUB_SHA": "0123abc", "GITHUB_SERVER_URL": "https://github.com",
    }
    log, uses, skipped = [], {}, []
    for number, item in enumerate(ACTION["runs"]["steps"]):
        condition = item.get("if", "success()")
        if not re.search(r"\b(always|success|failure|cancelled)\(\)", condition):
            condition = f"success() && ({condition})"
        if not truthy(Expression(condition.replace("${{", "").replace("}}", ""), context).value()):
            skipped.append(item["name"])
            continue
        outputs: Dict[str, str] = {}
        if "uses" in item:
            uses[item["uses"].split("@")[0]] = {k: substitute(v, context) for k, v in (item.get("with") or {}).items()}
        else:
            output_file = temp / f"output-{number}"
            output_file.write_text("")
            script = temp / f"step-{number}.sh"
            script.write_text(item["run"], encoding="utf-8")
            assert item["shell"] == "bash"
            env = dict(base_env, GITHUB_OUTPUT=str(output_file),
                       **{k: substitute(v, context) for k, v in (item.get("env") or {}).items()})
            process = subprocess.run([*GITHUB_BASH, str(script)], cwd=str(workspace), env=env, capture_output=True,
                                     text=True, timeout=120)
            log.append(process.stdout + process.stderr)
            outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
            if process.returncode != 0:
                context["status"].update(success=False, failure=True)
        if "id" in item:
            context["steps"][item["id"]] = {"outputs": outputs}
    action_outputs = {name: substitute(spec["value"], context) for name, spec in ACTION["outputs"].items()}
    calls = [json.loads(line) for line in _lines(fake_bin / "calls.jsonl")]
    pip = [json.loads(line) for line in _lines(fake_bin / "pip.jsonl")]
    return ActionRun(context["status"]["failure"], action_outputs, summary_file.read_text(encoding="utf-8"),
                     "".join(log), uses, calls, pip, skipped)


def _lines(path: Path) -> List[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


# --- the stub checkov-pitr and its canned reports ----------------------------------------------------

STUB = '''#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
argv = sys.argv[1:]
with open(os.path.join(here, "calls.jsonl"), "a") as handle:
    handle.write(json.dumps(argv) + "\\n")
with open(os.path.join(here, "canned.json")) as handle:
    canned = json.load(handle)
if argv[:1] == ["fix"]:
    sys.stdout.write(canned["fix_diff"])
    sys.stderr.write(canned["fix_notes"])
    sys.exit(canned["fix_exit"])
formats = [argv[i + 1] for i, a in enumerate(argv) if a == "-o"]
paths = argv[argv.index("--output-file-path") + 1].split(",")
for fmt, path in zip(formats, paths):
    text = canned["cli"] if fmt == "cli" else json.dumps(canned[fmt])
    if path == "console":
        print(text)
    else:
        with open(path, "w") as handle:
            handle.write(text)
sys.exit(0 if "--soft-fail" in argv else canned["exit"])
'''

# `python -m pip ...` is recorded; every other python call is the test's interpreter.
PYTHON_SHIM = '''#!/bin/bash
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  {python} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${{@:3}}" >> "$(dirname "$0")/pip.jsonl"
  exit 0
fi
exec {python} "$@"
'''


def sarif_result(check: str, severity: str, resource: str, uri: str, line: int) -> Dict[str, Any]:
    return {"ruleId": check, "level": "error", "message": {"text": f"{resource}: PITR is off"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}}],
            "properties": {"resource": resource, "severity": severity}}


def json_report(check_type: str, failed: List[Tuple[str, str]], passed: List[Tuple[str, str]]) -> Dict[str, Any]:
    def records(rows: List[Tuple[str, str]]) -> List[Dict[str, str]]:
        return [{"check_id": "CKV_PITR_001", "file_path": path, "resource": resource} for path, resource in rows]

    return {"check_type": check_type,
            "results": {"passed_checks": records(passed), "failed_checks": records(failed), "skipped_checks": []},
            "summary": {"passed": len(passed), "failed": len(failed), "resource_count": len(failed) + len(passed)}}


# Two failures: a template's table, and a Terraform table both the source and the plan scan report
# (the SARIF holds it once: 2 failed checks, 3 failure records in the log); 4 tables judged.
FINDINGS = {
    "exit": 1,
    "cli": "Check: CKV_PITR_001\n\tFAILED for resource: AWS::DynamoDB::Table.Orders",
    "sarif": {"version": "2.1.0", "runs": [{"results": [
        sarif_result("CKV_PITR_001", "HIGH", "AWS::DynamoDB::Table.Orders", "templates/orders.yaml", 4),
        sarif_result("CKV_PITR_002", "MEDIUM", "aws_dynamodb_table.carts", "infra/main.tf", 12),
    ]}]},
    "json": [
        json_report("cloudformation", [("/templates/orders.yaml", "AWS::DynamoDB::Table.Orders")],
                    [("/templates/orders.yaml", "AWS::DynamoDB::Table.Sessions")]),
        json_report("terraform", [("/main.tf", "aws_dynamodb_table.carts")], []),
        json_report("terraform_plan", [("/tfplan.json", "aws_dynamodb_table.carts")], []),
    ],
    "fix_diff": "--- a/templates/orders.yaml\n+++ b/templates/orders.yaml\n@@ -4,3 +4,5 @@\n"
                "+      PointInTimeRecoverySpecification:\n+        PointInTimeRecoveryEnabled: true\n",
    "fix_notes": "not fixed: CKV_PITR_002 aws_dynamodb_table.carts (infra/main.tf): the period comes from "
                 "var.days\ncheckov-pitr fix: would fix 1 setting(s) in 1 file(s); 1 failure(s) would remain\n",
    "fix_exit": 1,
}
# Tables judged, none failed.
ALL_PASSED = dict(FINDINGS, exit=0, cli="Passed checks: 1", sarif={"version": "2.1.0", "runs": [{"results": []}]},
                  json=json_report("cloudformation", [], [("/t.yaml", "AWS::DynamoDB::Table.Orders")]))
# No table at all: checkov's JSON is then a bare summary.
NO_TABLE = dict(ALL_PASSED, cli="", json={"passed": 0, "failed": 0, "skipped": 0, "resource_count": 0})


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A checkout: infra/ with a plan, templates/, a policy file."""
    root = tmp_path / "workspace"
    for folder in ("infra", "templates"):
        (root / folder).mkdir(parents=True)
    (root / "infra" / "tfplan.json").write_text("{}")
    (root / ".checkov-pitr.yaml").write_text("min_recovery_period_days: 35\n")
    return root


def fake_bin(tmp_path: Path, canned: Mapping[str, Any]) -> Path:
    folder = tmp_path / "fake-bin"
    folder.mkdir(exist_ok=True)
    (folder / "checkov-pitr").write_text(STUB.format(python=sys.executable))
    (folder / "python").write_text(PYTHON_SHIM.format(python=sys.executable))
    for name in ("checkov-pitr", "python"):
        (folder / name).chmod(0o755)
    (folder / "canned.json").write_text(json.dumps(canned))
    return folder


def action(tmp_path: Path, workspace: Path, canned: Mapping[str, Any] = FINDINGS, **inputs: str) -> ActionRun:
    return run_action(workspace, {k.replace("_", "-"): v for k, v in inputs.items()}, fake_bin(tmp_path, canned))


def scan_call(run: ActionRun) -> List[str]:
    [call] = [c for c in run.calls if c[:1] != ["fix"]]
    return call


# --- every input is used, and each is tested below -----------------------------------------------

def referenced_inputs(item: Mapping[str, Any]) -> set:
    """Inputs a step reads: in its `if:`, `with:` or `env:` (never pasted into `run:`)."""
    text = " ".join(str(item.get(key, "")) for key in ("if", "with", "env"))
    return set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))


def test_every_input_is_used_by_a_step() -> None:
    used = set().union(*(referenced_inputs(item) for item in ACTION["runs"]["steps"]))
    assert used == set(ACTION["inputs"])
    for item in ACTION["runs"]["steps"]:
        assert "inputs." not in item.get("run", ""), item["name"]  # through env only: no script injection


# The tests below, per input: each name must appear here, so a new input cannot go untested.
TESTED_INPUTS = {
    "directory": "test_directory_and_plan_file_become_d_and_f",
    "plan-file": "test_directory_and_plan_file_become_d_and_f",
    "policy-file": "test_policy_file_becomes_policy",
    "soft-fail": "test_soft_fail_reports_but_passes",
    "sarif-file": "test_sarif_file_is_written_uploaded_and_an_output",
    "upload-sarif": "test_upload_sarif_false_skips_the_upload",
    "category": "test_sarif_file_is_written_uploaded_and_an_output",
    "extra-args": "test_extra_args_reach_the_scan_and_the_fix",
    "fix-diff-summary": "test_fix_diff_summary",
    "python-version": "test_python_and_checkov_versions_are_installed",
    "checkov-version": "test_python_and_checkov_versions_are_installed",
}


def test_every_input_has_a_behaviour_test() -> None:
    assert set(TESTED_INPUTS) == set(ACTION["inputs"])
    assert all(name in globals() for name in TESTED_INPUTS.values())


# --- defaults: a failing scan ----------------------------------------------------------------------

def test_defaults_scan_upload_summarise_and_fail(tmp_path: Path, workspace: Path) -> None:
    run = action(tmp_path, workspace)
    assert run.failed  # the "Fail on findings" step, after the upload
    assert run.outputs == {"failed-count": "2", "exit-code": "1", "sarif-file": "results.sarif"}
    assert scan_call(run)[:2] == ["-d", "."]
    assert "-o cli -o sarif -o json --output-file-path console,results.sarif," in " ".join(scan_call(run))
    assert "checkov-pitr: 2 failed check(s), exit code 1" in run.log
    # the log explains the two numbers: checkov's CLI text lists the merged finding twice
    assert "the log lists 3 failure records" in run.log
    assert run.uses["github/codeql-action/upload-sarif"] == {"sarif_file": "results.sarif", "category": "checkov-pitr"}
    assert run.skipped == []
    assert (workspace / "results.sarif").is_file()
    assert list((workspace.parent / "runner-temp").glob("checkov-pitr.*")) == []  # the JSON report is cleaned up


def test_summary_counts_tables_shows_severity_and_links_each_finding(tmp_path: Path, workspace: Path) -> None:
    text = action(tmp_path, workspace).summary
    assert "4 table(s) judged." in text
    assert "2 failed check(s) (the log lists 3 failure records" in text
    assert ("| HIGH | CKV_PITR_001 | AWS::DynamoDB::Table.Orders | [templates/orders.yaml:4]"
            "(https://github.com/octo/infra/blob/0123abc/templates/orders.yaml#L4) |") in text
    assert "| MEDIUM | CKV_PITR_002 | aws_dynamodb_table.carts | [infra/main.tf:12](https://github.com/octo/infra/blob/0123abc/infra/main.tf#L12) |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "CKV_PITR" in line]
    assert len(rows) == 2  # the rows, failed-count and the log line agree


@pytest.mark.parametrize("inputs, where", [
    ({"directory": "infra"}, "No DynamoDB table found in `infra`: check the directory input."),
    ({"directory": "infra", "plan_file": "infra/tfplan.json"},
     "No DynamoDB table found in `infra` or `infra/tfplan.json`: check the directory and plan-file inputs."),
])
def test_a_folder_without_tables_says_so(tmp_path: Path, workspace: Path, inputs: Dict[str, str], where: str) -> None:
    run = action(tmp_path, workspace, NO_TABLE, **inputs)
    assert where in run.summary
    assert "No failed checks." not in run.summary
    assert run.outputs["failed-count"] == "0" and not run.failed


def test_a_passing_scan_counts_tables_and_passes(tmp_path: Path, workspace: Path) -> None:
    run = action(tmp_path, workspace, ALL_PASSED)
    assert "1 table(s) judged.\nNo failed checks." in run.summary
    assert run.outputs["exit-code"] == "0" and not run.failed


# --- one test per input ---------------------------------------------------------------------------

@pytest.mark.parametrize("directory, plan_file, expected", [
    ("infra", "", ["-d", "infra"]),
    ("", "infra/tfplan.json", ["-f", "infra/tfplan.json"]),
    ("infra", "infra/tfplan.json", ["-d", "infra", "-f", "infra/tfplan.json"]),
])
def test_directory_and_plan_file_become_d_and_f(tmp_path: Path, workspace: Path, directory: str, plan_file: str,
                                                expected: List[str]) -> None:
    run = action(tmp_path, workspace, directory=directory, plan_file=plan_file)
    assert scan_call(run)[:len(expected)] == expected
    assert run.outputs["exit-code"] == "1"


@pytest.mark.parametrize("inputs, message", [
    ({"directory": "no/such"}, "directory 'no/such' does not exist"),
    ({"plan_file": "infra/missing.json"}, "plan-file 'infra/missing.json' does not exist"),
    ({"directory": "", "plan_file": ""}, "nothing to scan"),
    ({"policy_file": "missing.yaml"}, "policy-file 'missing.yaml' does not exist"),
    ({"directory": "no/such", "soft_fail": "true"}, "directory 'no/such' does not exist"),  # soft-fail hides no error
], ids=["directory", "plan_file", "no_input", "policy_file", "soft_fail_does_not_hide_it"])
def test_a_missing_input_fails_the_job_without_scanning(tmp_path: Path, workspace: Path, inputs: Dict[str, str],
                                                         message: str) -> None:
    run = action(tmp_path, workspace, **inputs)
    assert run.failed and run.calls == []
    assert run.outputs == {"failed-count": "", "exit-code": "2", "sarif-file": ""}
    assert f"::error title=checkov-pitr::{message}" in run.log
    assert "github/codeql-action/upload-sarif" not in run.uses  # nothing to upload


def test_policy_file_becomes_policy(tmp_path: Path, workspace: Path) -> None:
    run = action(tmp_path, workspace, policy_file=".checkov-pitr.yaml", fix_diff_summary="true")
    assert scan_call(run)[2:4] == ["--policy", ".checkov-pitr.yaml"]
    [fix] = [c for c in run.calls if c[:1] == ["fix"]]
    assert fix[:6] == ["fix", "--diff", "-d", ".", "--policy", ".checkov-pitr.yaml"]


@pytest.mark.parametrize("soft_fail, exit_code, failed", [("true", "0", False), ("false", "1", True)])
def test_soft_fail_reports_but_passes(tmp_path: Path, workspace: Path, soft_fail: str, exit_code: str,
                                      failed: bool) -> None:
    run = action(tmp_path, workspace, soft_fail=soft_fail)
    assert ("--soft-fail" in scan_call(run)) is (soft_fail == "true")
    assert run.outputs["exit-code"] == exit_code and run.failed is failed
    assert run.outputs["failed-count"] == "2"  # the findings are reported either way
    assert run.uses["github/codeql-action/upload-sarif"]["sarif_file"] == "results.sarif"


def test_sarif_file_is_written_uploaded_and_an_output(tmp_path: Path, workspace: Path) -> None:
    run = action(tmp_path, workspace, sarif_file="reports/pitr.sarif", category="pitr-infra")
    assert json.loads((workspace / "reports" / "pitr.sarif").read_text())["runs"]
    assert run.outputs["sarif-file"] == "reports/pitr.sarif"
    assert run.uses["github/codeql-action/upload-sarif"] == {"sarif_file": "reports/pitr.sarif",
                                                             "category": "pitr-infra"}


@pytest.mark.parametrize("value", ["false", "no"])
def test_upload_sarif_false_skips_the_upload(tmp_path: Path, workspace: Path, value: str) -> None:
    run = action(tmp_path, workspace, upload_sarif=value)
    assert "github/codeql-action/upload-sarif" not in run.uses
    assert run.skipped == ["Upload SARIF to code scanning"]
    assert run.outputs["sarif-file"] == "results.sarif" and run.failed  # still written, still gated


def test_extra_args_reach_the_scan_and_the_fix(tmp_path: Path, workspace: Path) -> None:
    run = action(tmp_path, workspace, extra_args="--skip-path legacy/  --compact", fix_diff_summary="true")
    scan = scan_call(run)
    assert scan[scan.index("--skip-path"):][:3] == ["--skip-path", "legacy/", "--compact"]
    [fix] = [c for c in run.calls if c[:1] == ["fix"]]
    assert fix == ["fix", "--diff", "-d", ".", "--skip-path", "legacy/", "--compact"]


@pytest.mark.parametrize("value, canned, runs_fix", [
    ("true", FINDINGS, True),
    ("false", FINDINGS, False),
    ("true", ALL_PASSED, False),  # nothing failed: nothing to fix
])
def test_fix_diff_summary(tmp_path: Path, workspace: Path, value: str, canned: Mapping[str, Any],
                          runs_fix: bool) -> None:
    run = action(tmp_path, workspace, canned, fix_diff_summary=value, soft_fail="true")
    fixes = [c for c in run.calls if c[:1] == ["fix"]]
    assert len(fixes) == int(runs_fix)
    assert ("#### Fixes `checkov-pitr fix` would make" in run.summary) is runs_fix
    if runs_fix:
        assert "--soft-fail" not in fixes[0]  # fix refuses it
        assert "```diff\n--- a/templates/orders.yaml" in run.summary
        assert "+        PointInTimeRecoveryEnabled: true\n```" in run.summary
        assert "- CKV_PITR_002 aws_dynamodb_table.carts (infra/main.tf): the period comes from var.days" in run.summary
    assert run.outputs["exit-code"] == "0"  # the fix never changes the gate


def test_fix_diff_summary_of_a_fix_that_could_not_run(tmp_path: Path, workspace: Path) -> None:
    canned = dict(FINDINGS, fix_diff="", fix_notes="checkov-pitr fix: --output is not supported\n", fix_exit=2)
    run = action(tmp_path, workspace, canned, fix_diff_summary="true")
    assert "`checkov-pitr fix --diff` could not run (exit code 2)" in run.summary
    assert "--output is not supported" in run.summary
    assert run.outputs["exit-code"] == "1"


@pytest.mark.parametrize("checkov_version, spec", [(None, f"checkov=={CI_CHECKOV}"), ("3.2.439", "checkov==3.2.439"),
                                                   ("", "checkov")])
def test_python_and_checkov_versions_are_installed(tmp_path: Path, workspace: Path, checkov_version: Optional[str],
                                                   spec: str) -> None:
    inputs = {"python_version": "3.12"}
    if checkov_version is not None:
        inputs["checkov_version"] = checkov_version
    run = action(tmp_path, workspace, **inputs)
    assert run.uses["actions/setup-python"] == {"python-version": "3.12"}
    [pip] = run.pip
    assert pip[:1] == ["install"] and pip[-2:] == [spec, str(REPO)]
    key = run.uses["actions/cache"]["key"]
    assert "-py3.12-" in key and f"-checkov{checkov_version if checkov_version is not None else CI_CHECKOV}-" in key


def test_default_checkov_version_is_the_one_ci_tests() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"newest checkov 3.x ({CI_CHECKOV} today)" in readme
    assert ACTION["inputs"]["checkov-version"]["default"] == CI_CHECKOV


def test_a_failed_install_fails_the_job_with_exit_code_2(tmp_path: Path, workspace: Path) -> None:
    folder = fake_bin(tmp_path, FINDINGS)
    (folder / "python").write_text(f"#!/bin/bash\n[ \"$2\" = pip ] && exit 1\nexec {sys.executable} \"$@\"\n")
    run = run_action(workspace, {}, folder)
    assert run.failed and run.calls == []
    assert run.skipped == ["Scan with checkov-pitr", "Upload SARIF to code scanning"]
    assert run.outputs["exit-code"] == ""
    assert "the scan did not run" in run.log


def test_no_run_script_expands_a_possibly_empty_array_unguarded() -> None:
    # bash < 4.4 (macOS runners' 3.2) aborts on "${a[@]}" of an empty array under `set -u`; bash 3.2
    # is not installable here, so the idiom is checked in the text (the runs above use bash 5)
    for item in ACTION["runs"]["steps"]:
        unguarded = re.findall(r'(?<!\+)"\$\{(\w+)\[@\]\}"(?!\})', item.get("run") or "")
        assert unguarded == [], (item["name"], unguarded)
