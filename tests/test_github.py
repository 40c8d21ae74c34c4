"""The GitHub Action, the example workflows and the pre-commit hook: their keys, and their commands run.

The YAML files are checked for what GitHub and pre-commit need; the Action's scan script and the
hook's entry are then run for real against small fixtures.
"""
from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from conftest import FIXTURES, REPO, run

ACTION = REPO / "action.yml"
WORKFLOWS = REPO / "examples" / "github-actions"
GATE = WORKFLOWS / "pitr-gate.yml"
CLOUDFORMATION_WORKFLOW = WORKFLOWS / "pitr-cloudformation.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
SARIF_FIXTURES = FIXTURES / "sarif"
BIN = str(Path(sys.executable).parent)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: Dict[Any, Any]) -> Any:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true


@pytest.fixture(scope="module")
def action() -> Dict[str, Any]:
    return load(ACTION)


def step(steps: List[Dict[str, Any]], **match: str) -> Dict[str, Any]:
    """The one step whose keys contain the given substrings."""
    found = [s for s in steps if all(text in str(s.get(key, "")) for key, text in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


# --- action.yml -------------------------------------------------------------------------------

def test_action_is_a_composite_action_with_its_inputs_and_outputs(action) -> None:
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    for name in ("directory", "plan-file", "policy-file", "soft-fail", "sarif-file"):
        assert name in inputs and inputs[name]["description"], name
    assert inputs["sarif-file"]["default"] == "results.sarif"
    assert inputs["soft-fail"]["default"] == "false"
    assert "steps.scan.outputs.failed-count" in action["outputs"]["failed-count"]["value"]
    assert action["outputs"]["failed-count"]["description"]


def test_action_steps_install_scan_upload_and_fail(action) -> None:
    steps = action["runs"]["steps"]
    assert step(steps, uses="actions/setup-python@")["with"]["python-version"] == "${{ inputs.python-version }}"
    install = step(steps, run="pip install")
    assert install["env"]["PITR_ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$checkov" "$PITR_ACTION_PATH"' in install["run"]  # checkov pinned by checkov-version
    scan = step(steps, id="scan")
    assert "checkov-pitr" in scan["run"] and "-o sarif" in scan["run"]
    upload = step(steps, uses="github/codeql-action/upload-sarif@")
    assert "always()" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
    gate = step(steps, name="Fail on findings")
    assert "always()" in gate["if"]
    assert steps.index(scan) < steps.index(upload) < steps.index(gate)
    for item in steps:  # composite run steps must name their shell
        assert ("run" in item) == ("shell" in item), item.get("name")


def test_action_uses_only_declared_inputs_and_existing_steps(action) -> None:
    text = ACTION.read_text(encoding="utf-8")
    assert set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text)) <= set(action["inputs"])
    ids = {s["id"] for s in action["runs"]["steps"] if "id" in s}
    assert set(re.findall(r"steps\.([A-Za-z0-9_-]+)\.", text)) <= ids
    # inputs reach the shell through env, never pasted into the script (no injection)
    for item in action["runs"]["steps"]:
        assert "inputs." not in item.get("run", ""), item.get("name")


def _script(action: Dict[str, Any], step_id: str = "", name: str = "") -> str:
    item = step(action["runs"]["steps"], **({"id": step_id} if step_id else {"name": name}))
    return item["run"]


# GitHub runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail {0}`.
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]


def test_action_scan_script_writes_sarif_json_summary_and_counts_failures(action, tmp_path: Path) -> None:
    """The one true end-to-end run of the scan step: the real checkov-pitr writes the three outputs
    `--output-file-path console,SARIF,JSON` names (every input's effect is tested with a stub in test_action.py)."""
    outputs, step_summary = tmp_path / "github_output", tmp_path / "summary.md"
    outputs.write_text("")
    env = {
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(step_summary),
        "GITHUB_WORKSPACE": str(REPO),
        "RUNNER_TEMP": str(tmp_path),
        "PITR_DIRECTORY": "tests/fixtures/sarif/cloudformation",
        "PITR_PLAN_FILE": "tests/fixtures/sarif/plan_registry/tfplan.json",
        "PITR_POLICY_FILE": "",
        "PITR_SOFT_FAIL": "false",
        "PITR_SARIF_FILE": str(tmp_path / "out" / "pitr.sarif"),
        "PITR_EXTRA_ARGS": "--compact",
        "PITR_FIX_DIFF_SUMMARY": "false",
    }
    process = run([*GITHUB_BASH, _script(action, step_id="scan")], cwd=REPO, env=env)
    assert process.returncode == 0, process.stderr[-2000:]  # the step itself never fails: the last step decides
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["exit-code"] == "1"
    assert written["sarif-file"] == env["PITR_SARIF_FILE"]
    # CloudFormation: OrdersTable (001) and AuditTable (002); the registry plan: one table (001)
    assert written["failed-count"] == "3"
    sarif = json.loads(Path(env["PITR_SARIF_FILE"]).read_text())
    assert len(sarif["runs"][0]["results"]) == 3
    assert "CKV_PITR_001" in process.stdout  # the cli output goes to the log
    text = step_summary.read_text(encoding="utf-8")
    # 4 templates' tables (one skipped) and the plan's table: the JSON report reached the summary
    assert "5 table(s) judged." in text and "3 failed check(s):" in text
    assert re.search(r"^\| HIGH \| CKV_PITR_001 \| AWS::DynamoDB::Table.OrdersTable \| "
                     r"tests/fixtures/sarif/cloudformation/\S+\.yaml:\d+ \| .+ \|$", text, flags=re.M), text


@pytest.mark.parametrize("exit_code, expected", [("0", 0), ("1", 1), ("2", 2), ("", 2), ("127", 2), ("130", 2)])
def test_action_fail_step_passes_the_scan_exit_code_on(action, exit_code: str, expected: int) -> None:
    process = subprocess.run([*GITHUB_BASH, _script(action, name="Fail on findings")], capture_output=True,
                             text=True, env={"PATH": os.environ.get("PATH", ""), "PITR_EXIT_CODE": exit_code})
    assert process.returncode == expected


def run_scan_step(action: Dict[str, Any], tmp_path: Path, path: str = "", **inputs: str) -> Dict[str, Any]:
    """The scan step run as GitHub runs it: its exit code, its outputs and its log."""
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {
        "PATH": path or BIN + os.pathsep + os.environ.get("PATH", ""),
        "GITHUB_OUTPUT": str(outputs),
        "PITR_DIRECTORY": "tests/fixtures/sarif/cloudformation", "PITR_PLAN_FILE": "", "PITR_POLICY_FILE": "",
        "PITR_SOFT_FAIL": "false", "PITR_SARIF_FILE": str(tmp_path / "out" / "pitr.sarif"), "PITR_EXTRA_ARGS": "",
    }
    env.update(inputs)
    process = run([*GITHUB_BASH, _script(action, step_id="scan")], cwd=REPO, env=env)
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return {"returncode": process.returncode, "outputs": written, "log": process.stdout + process.stderr}


def fake_checkov_pitr(tmp_path: Path, script: str) -> str:
    """A PATH whose checkov-pitr is `script` (bash), and whose python is the test environment's."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    (folder / "checkov-pitr").write_text("#!/bin/bash\n" + script + "\n")
    (folder / "checkov-pitr").chmod(0o755)
    (folder / "python").symlink_to(sys.executable)
    return str(folder) + os.pathsep + "/usr/bin:/bin"


@pytest.mark.parametrize("script, message", [
    ("exit 0", "no SARIF written (exit code 0)"),
    ("exit 1", "no SARIF written (exit code 1)"),
    ('for a; do case "$a" in console,*) p="${a#console,}"; echo "{not json" > "${p%%,*}";; esac; done; exit 1',
     "is not a SARIF file checkov-pitr could read back"),
    ("exit 137", "could not complete the scan (exit code 137)"),
], ids=["exit_0_without_sarif", "exit_1_without_sarif", "unreadable_sarif", "killed"])
def test_action_scan_that_did_not_produce_a_sarif_ends_as_exit_code_2(action, tmp_path: Path, script: str,
                                                                      message: str) -> None:
    step_run = run_scan_step(action, tmp_path, path=fake_checkov_pitr(tmp_path, script))
    assert step_run["outputs"]["exit-code"] == "2"
    assert "sarif-file" not in step_run["outputs"]
    assert message in step_run["log"]


def test_action_scan_without_checkov_pitr_installed_ends_as_exit_code_2(action, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    step_run = run_scan_step(action, tmp_path, path=f"{empty}:/usr/bin:/bin")
    assert step_run["outputs"] == {"exit-code": "2"}


# --- pinned actions ---------------------------------------------------------------------------------

PINNED = re.compile(r"^\s*-?\s*uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+)*\s*$")
OUR_ACTION_PLACEHOLDER = "your-org/checkov-pitr@"  # the user's own pin of this repository


# Single-job workflows that run the Action on pull requests (the shard workflow: test_recipes.py).
RECIPE_WORKFLOWS = [WORKFLOWS / name for name in ("pitr-cdk.yml", "pitr-cdktf.yml", "pitr-serverless.yml")]


@pytest.mark.parametrize("path", [ACTION, *sorted(WORKFLOWS.glob("*.yml"))], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*-?\s*uses:", line) and OUR_ACTION_PLACEHOLDER not in line:
            assert PINNED.match(line), line


# --- example workflows ------------------------------------------------------------------------

def _pitr_step(workflow: Dict[str, Any], action: Dict[str, Any]) -> Dict[str, Any]:
    [job] = workflow["jobs"].values()
    item = step(job["steps"], uses="checkov-pitr@")
    assert set(item.get("with", {})) <= set(action["inputs"])
    return item


@pytest.mark.parametrize("path", [GATE, CLOUDFORMATION_WORKFLOW, *RECIPE_WORKFLOWS], ids=lambda p: p.name)
def test_workflows_run_on_pull_requests_and_may_upload_sarif(path: Path, action) -> None:
    workflow = load(path)
    assert "pull_request" in triggers(workflow)
    assert "pull_request_target" not in triggers(workflow)  # a fork's code never runs with our token
    [job] = workflow["jobs"].values()
    assert job["runs-on"]
    assert 0 < job["timeout-minutes"] <= 60
    # least privilege: nothing granted workflow-wide, the job asks for what it needs and no more
    assert workflow["permissions"] == {}
    assert job["permissions"]["security-events"] == "write" and job["permissions"]["contents"] == "read"
    assert set(job["permissions"]) <= {"contents", "security-events", "actions", "id-token"}
    assert all(v in ("read", "write") for v in job["permissions"].values())
    assert step(job["steps"], uses="actions/checkout@")["with"]["persist-credentials"] is False
    assert step(job["steps"], uses="actions/checkout@")
    pitr = _pitr_step(workflow, action)
    # upload and gate come from the action's defaults unless the workflow turns them off
    assert pitr["with"].get("upload-sarif", "true") == "true"
    assert pitr["with"].get("soft-fail", "false") == "false"


def test_gate_workflow_plans_then_scans_source_and_plan(action) -> None:
    workflow = load(GATE)
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    workdir = job["defaults"]["run"]["working-directory"]
    setup = step(steps, uses="hashicorp/setup-terraform@")
    assert setup["with"]["terraform_wrapper"] is False  # the wrapper corrupts `terraform show -json`
    init = step(steps, run="terraform init")
    plan = step(steps, run="terraform plan")
    show = step(steps, run="terraform show -json")
    assert "-out tfplan" in plan["run"]
    assert re.search(r"terraform show -json tfplan > tfplan\.json", show["run"])
    pitr = _pitr_step(workflow, action)
    assert steps.index(init) < steps.index(plan) < steps.index(show) < steps.index(pitr)
    assert pitr["with"]["directory"] == workdir
    assert pitr["with"]["plan-file"] == f"{workdir}/tfplan.json"


# --- pre-commit -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hook() -> Dict[str, Any]:
    hooks = load(HOOKS)
    assert isinstance(hooks, list)
    [found] = [h for h in hooks if h["id"] == "checkov-pitr"]
    return found


def test_hook_definition(hook) -> None:
    assert hook["language"] == "python"
    assert hook["name"] and hook["description"]
    entry = shlex.split(hook["entry"])
    # pre-commit appends the changed files; the hook's own command turns them into folders and files
    assert entry[0] == "checkov-pitr-pre-commit"
    scripts = configparser.ConfigParser()
    scripts.read(REPO / "setup.cfg")
    assert entry[0] in scripts["options.entry_points"]["console_scripts"]
    assert hook.get("pass_filenames", True) is True


@pytest.mark.parametrize("name, matched", [
    ("template.yaml", True), ("stack.yml", True), ("cdk.out/Stack.template.json", True), ("main.tf", True),
    ("main.tf.json", True), ("tfplan.json", True), ("legacy/stack.template", True),
    ("main.tfvars", True), ("app.py", False), ("README.md", False), ("infra/.terraform/modules/m/main.tf", False),
])
def test_hook_files_pattern(hook, name: str, matched: bool) -> None:
    selected = bool(re.search(hook["files"], name)) and not re.search(hook.get("exclude", "^$"), name)
    assert selected is matched


def test_hook_entry_scans_the_given_files(hook) -> None:
    files = ["tests/fixtures/sarif/cloudformation/tables_failed_short_passed_skipped.yaml",
             "tests/fixtures/sarif/terraform/main.tf", "README.md"]
    entry = shlex.split(hook["entry"])
    # `args: [--policy, FILE]` land between the entry's -f and the files (the README says it works)
    args = ["--policy", "policies/default.yaml"]
    process = run([str(Path(BIN) / entry[0]), *entry[1:], *args, *files], cwd=REPO)
    assert process.returncode == 1, process.stderr[-2000:]
    assert "AWS::DynamoDB::Table.OrdersTable" in process.stdout
    assert "aws_dynamodb_table.orders" in process.stdout
    assert "SessionsTable" not in process.stdout  # --quiet: failures only


# The README text for the Action while it waits to be merged into README.md (then deleted).
ADOPT = REPO / "docs" / "README-adopt.md"


def test_readme_github_section_snippets_parse_and_use_declared_inputs(action) -> None:
    if ADOPT.exists():
        section = ADOPT.read_text(encoding="utf-8").split("\n## The GitHub Action\n", 1)[1].split("\n## ", 1)[0]
    else:
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        section = readme.split("## GitHub: code scanning, the Action, pre-commit", 1)[1].split("\n## ", 1)[0]
    snippets = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    assert len(snippets) >= 3
    for snippet in snippets:
        assert yaml.safe_load(snippet) is not None
    for name in re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.M):
        assert name in action["inputs"] or name in action["outputs"], name
    assert set(action["inputs"]) | set(action["outputs"]) <= set(re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.M))
