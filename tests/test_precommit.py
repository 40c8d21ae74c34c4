"""The pre-commit hook (`checkov-pitr-pre-commit`, .pre-commit-hooks.yaml): what a commit's changed
files make it judge, judged in-process by the one engine, in repositories built in each test.

One true end-to-end run: a real `git commit` whose repository `pre-commit` hook does what pre-commit
does with our hook definition (select the staged files with its `files` / `exclude` patterns, run its
`entry` console script with them); pre-commit itself would build a hook venv from PyPI per run.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

import pytest
import yaml

from checkov_pitr import precommit
from checkov_pitr.engine import options as engine_options
from conftest import REPO

BIN = Path(sys.executable).parent
HOOK = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
            if h["id"] == "checkov-pitr")

ROOT_WITH_PITR_VARIABLE = """\
variable "pitr" {
  type    = bool
  default = true
}

resource "aws_dynamodb_table" "t" {
  name     = "t"
  hash_key = "id"
  point_in_time_recovery {
    enabled = var.pitr
  }
}
"""
MODULE = """\
variable "pitr" {
  type = bool
}

resource "aws_dynamodb_table" "this" {
  name     = "orders"
  hash_key = "id"
  point_in_time_recovery {
    enabled = var.pitr
  }
}
"""
SERVERLESS = "service: s\nprovider:\n  name: aws\nresources:\n  - ${file(resources/tables.yml)}\n"
INCLUDED_TABLE = ("Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
                  "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: {enabled}\n")
KUBERNETES = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n"


def call(module: str, pitr: str) -> str:
    return f'module "orders" {{\n  source = "{module}"\n  pitr   = {pitr}\n}}\n'


def build(top: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text(text, encoding="utf-8")
    return top


def hook(top: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> Tuple[int, str, str]:
    """The hook run in-process from the repository top, as pre-commit runs it: (exit code, stdout, stderr)."""
    monkeypatch.chdir(top)
    monkeypatch.delenv("CHECKOV_PITR_POLICY", raising=False)
    out, err = io.StringIO(), io.StringIO()
    code = precommit.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def results(stdout: str) -> Set[Tuple[str, str, str, str]]:
    """(file_path, resource, check_id, result) of every result in `-o json` output."""
    documents = json.loads(stdout)
    found = set()
    for document in documents if isinstance(documents, list) else [documents]:
        for outcome, key in (("PASSED", "passed_checks"), ("FAILED", "failed_checks"), ("SKIPPED", "skipped_checks")):
            for record in document.get("results", {}).get(key, []):
                found.add((record["file_path"], record["resource"], record["check_id"], outcome))
    return found


def test_a_tfvars_change_that_turns_pitr_off_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"infra/a/main.tf": ROOT_WITH_PITR_VARIABLE, "infra/a/terraform.tfvars": "pitr = false\n"})
    code, out, _ = hook(tmp_path, monkeypatch, "-o", "json", "infra/a/terraform.tfvars")
    assert code == 1
    assert ("/infra/a/main.tf", "aws_dynamodb_table.t", "CKV_PITR_001", "FAILED") in results(out)


@pytest.mark.parametrize("enabled, expected", [("false", 1), ("true", 0)])
def test_a_changed_serverless_include_judges_the_serverless_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 enabled: str, expected: int) -> None:
    build(tmp_path, {"svc/serverless.yml": SERVERLESS, "svc/resources/tables.yml": INCLUDED_TABLE.format(enabled=enabled)})
    code, out, _ = hook(tmp_path, monkeypatch, "-o", "json", "svc/resources/tables.yml")
    assert code == expected
    verdict = "FAILED" if expected else "PASSED"
    # judged where it is deployed, in its service (not a second time as a template of its own)
    assert {r for r in results(out) if r[2] == "CKV_PITR_001"} == {
        ("/svc/serverless.yml", "AWS::DynamoDB::Table.Orders", "CKV_PITR_001", verdict)}


def test_two_terraform_folders_are_named_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"infra/a/main.tf": ROOT_WITH_PITR_VARIABLE.replace("default = true", "default = false"),
                     "infra/b/main.tf": ROOT_WITH_PITR_VARIABLE})
    code, out, _ = hook(tmp_path, monkeypatch, "-o", "json", "--check", "CKV_PITR_001", "infra/a/main.tf", "infra/b/main.tf")
    assert code == 1
    assert results(out) == {("/infra/a/main.tf", "aws_dynamodb_table.t", "CKV_PITR_001", "FAILED"),
                            ("/infra/b/main.tf", "aws_dynamodb_table.t", "CKV_PITR_001", "PASSED")}
    code, out, _ = hook(tmp_path, monkeypatch, "--compact", "infra/a/main.tf", "infra/b/main.tf")
    assert "File: /infra/a/main.tf:6-12" in out and "File: /infra/b/main.tf:6-12" in out  # the CLI output too


def test_a_changed_module_file_is_judged_in_each_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"modules/table/main.tf": MODULE, "live/prod/main.tf": call("../../modules/table", "false"),
                     "live/dev/main.tf.json": json.dumps({"module": {"orders": {"source": "../../modules/table",
                                                                                 "pitr": True}}})})
    code, out, _ = hook(tmp_path, monkeypatch, "-o", "json", "--check", "CKV_PITR_001", "modules/table/main.tf")
    assert code == 1
    # one result per caller, under the caller's module address and with the caller's argument
    assert results(out) == {
        ("/modules/table/main.tf", "module.orders.aws_dynamodb_table.this", "CKV_PITR_001", "FAILED"),
        ("/modules/table/main.tf", "module.orders.aws_dynamodb_table.this", "CKV_PITR_001", "PASSED")}


def test_a_root_at_the_top_is_judged_without_the_roots_below_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"main.tf": call("./modules/table", "true"), "modules/table/main.tf": MODULE,
                     "examples/off/main.tf": ROOT_WITH_PITR_VARIABLE.replace("default = true", "default = false"),
                     "stack.yaml": "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n"})
    code, out, _ = hook(tmp_path, monkeypatch, "-o", "json", "--check", "CKV_PITR_001", "main.tf")
    # the commit cannot change examples/off or stack.yaml: they are left to their own commits
    assert code == 0
    assert results(out) == {("/modules/table/main.tf", "module.orders.aws_dynamodb_table.this", "CKV_PITR_001", "PASSED")}


def test_a_root_reads_the_modules_it_calls_however_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a one-line call the hook's text search does not see, and a registry module `terraform init` put on disk
    installed = {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                             {"Key": "reg", "Source": "registry.terraform.io/x/t/aws", "Dir": ".terraform/modules/reg"}]}
    build(tmp_path, {"infra/main.tf": 'module "local" { source = "./modules/table" \n pitr = false }\n'
                                      'module "reg" {\n  source = "x/t/aws"\n  pitr   = false\n}\n',
                     "infra/modules/table/main.tf": MODULE, "infra/.terraform/modules/reg/main.tf": MODULE,
                     "infra/.terraform/modules/modules.json": json.dumps(installed)})
    code, out, _ = hook(tmp_path, monkeypatch, "-o", "json", "--check", "CKV_PITR_001", "infra/main.tf")
    assert code == 1
    assert results(out) == {
        ("/infra/modules/table/main.tf", "module.local.aws_dynamodb_table.this", "CKV_PITR_001", "FAILED"),
        ("/infra/.terraform/modules/reg/main.tf", "module.reg.aws_dynamodb_table.this", "CKV_PITR_001", "FAILED")}


def test_a_file_that_cannot_be_read_is_named_from_the_top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"infra/a/main.tf": 'resource "aws_dynamodb_table" "t" {\n  name = \n'})
    code, out, _ = hook(tmp_path, monkeypatch, "-o", "json", "infra/a/main.tf")
    [record] = json.loads(out)["results"]["failed_checks"]
    assert code == 1 and record["file_path"] == "/infra/a/main.tf"
    assert record["details"][0].startswith("/infra/a/main.tf: not judged: ")


@pytest.mark.parametrize("changed", [["k8s.yaml"], ["package.json"], ["README.md"], ["k8s.yaml", "app.py"]])
def test_files_that_are_not_ours_say_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: List[str]) -> None:
    build(tmp_path, {"k8s.yaml": KUBERNETES, "package.json": '{"name": "x"}', "README.md": "# x\n", "app.py": "x = 1\n",
                     "infra/main.tf": ROOT_WITH_PITR_VARIABLE.replace("default = true", "default = false")})
    assert hook(tmp_path, monkeypatch, *changed) == (0, "", "")


@pytest.mark.parametrize("argv, code, said", [
    (["--soft-fail", "stack.yaml"], 0, "FAILED for resource: AWS::DynamoDB::Table.T"),
    (["--quiet", "--compact", "stack.yaml"], 1, "FAILED for resource: AWS::DynamoDB::Table.T"),
    (["--policy", "policy.yaml", "stack.yaml"], 1, "policy in effect: policy.yaml"),
    (["-d", "infra", "stack.yaml"], 2, "-d is not a hook argument"),
    (["--baseline", "b.json", "stack.yaml"], 2, "--baseline is not supported"),
    (["--policy", "missing.yaml", "stack.yaml"], 2, "missing.yaml"),
])
def test_the_hook_takes_checkov_pitrs_options_and_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             argv: List[str], code: int, said: str) -> None:
    build(tmp_path, {"stack.yaml": "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n",
                     "policy.yaml": "min_recovery_period_days: 7\n"})
    got, out, err = hook(tmp_path, monkeypatch, *argv)
    assert got == code and said in out + err, out + err


def test_root_folders_walks_up_to_the_callers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"live/prod/main.tf": 'module "s" {\n  source = "../../modules/service"\n}\n',
                     "live/dev/main.tf.json": '{"module": {"s": {"source": "../../modules/service"}}}',
                     "modules/service/main.tf": 'module "t" {\n  source = "../table"\n  pitr = true\n}\n',
                     "modules/table/main.tf": MODULE, "standalone/main.tf": 'resource "aws_dynamodb_table" "x" {}\n'})
    monkeypatch.chdir(tmp_path)
    roots, files = precommit.choose(["modules/table/main.tf", "standalone/main.tf"], engine_options.ScanOptions())
    assert files == []
    assert roots == sorted(str(tmp_path / f) for f in ("live/dev", "live/prod", "standalone"))


def test_folders_that_only_call_each_other_are_judged_as_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"a/main.tf": 'module "b" {\n  source = "../b"\n}\nresource "aws_dynamodb_table" "t" {}\n',
                     "b/main.tf": 'module "a" {\n  source = "../a"\n}\n'})
    code, out, _ = hook(tmp_path, monkeypatch, "a/main.tf")
    assert code == 1 and "aws_dynamodb_table.t" in out


def test_one_parse_keeps_option_values_apart_from_the_files() -> None:
    options, files = precommit.hook_options(["--quiet", "--policy", "p.yaml", "--compact", "-o", "json", "a.tf", "b.yaml"])
    assert files == ["a.tf", "b.yaml"] and options.policy_file == "p.yaml" and options.outputs == ("json",)
    assert options.quiet and options.compact


@pytest.mark.parametrize("name, selected", [
    ("template.yaml", True), ("stack.yml", True), ("cdk.out/Stack.template.json", True), ("main.tf", True),
    ("main.tf.json", True), ("main.tofu", True), ("tfplan.json", True), ("legacy/stack.template", True),
    ("terraform.tfvars", True), ("prod.auto.tfvars.json", True), ("resources/tables.yml", True),
    ("app.py", False), ("README.md", False), ("infra/.terraform/modules/m/main.tf", False),
])
def test_the_hook_definition_lets_through_what_the_hook_judges(name: str, selected: bool) -> None:
    assert (bool(re.search(HOOK["files"], name)) and not re.search(HOOK.get("exclude", "^$"), name)) is selected


# --- end to end: a real git commit runs the installed console script ---------------------------------

GIT_HOOK = """\
#!{python}
# what pre-commit does with the hook definition: select staged files, run the entry with them
import os, re, shlex, subprocess, sys
staged = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR"],
                        capture_output=True, text=True, check=True).stdout.split()
files = [f for f in staged if re.search({files!r}, f) and not re.search({exclude!r}, f)]
if not files:
    sys.exit(0)
entry = shlex.split({entry!r})
entry[0] = os.path.join({bin!r}, entry[0])
sys.exit(subprocess.call(entry + files))
"""


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "CHECKOV_PITR_POLICY"}
    env.update({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.invalid"})
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=300)


def commit(repo: Path, paths: Sequence[str]) -> subprocess.CompletedProcess:
    git(repo, "add", *paths)
    # the repository's own hooks folder, whatever a global core.hooksPath says
    return git(repo, "-c", "core.hooksPath=.git/hooks", "commit", "-q", "-m", "change")


def test_a_commit_whose_module_call_turns_pitr_off_is_blocked(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git_hook = tmp_path / ".git" / "hooks" / "pre-commit"
    git_hook.write_text(GIT_HOOK.format(python=sys.executable, files=HOOK["files"], exclude=HOOK.get("exclude", "^$"),
                                        entry=HOOK["entry"], bin=str(BIN)), encoding="utf-8")
    git_hook.chmod(0o755)
    build(tmp_path, {"modules/table/main.tf": MODULE, "infra/main.tf": call("../modules/table", "false"),
                     "k8s.yaml": KUBERNETES})
    process = commit(tmp_path, ["infra/main.tf", "modules", "k8s.yaml"])
    assert process.returncode == 1, process.stderr[-2000:]
    # git shows a hook's output on stderr
    assert "FAILED for resource: module.orders.aws_dynamodb_table.this" in process.stderr
    assert "File: /modules/table/main.tf:5-11" in process.stderr
    assert git(tmp_path, "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # nothing was committed
