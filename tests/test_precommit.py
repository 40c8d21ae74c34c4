"""The pre-commit hook (`checkov-pitr-pre-commit`, .pre-commit-hooks.yaml) in a real git repository.

pre-commit itself would build a hook venv (checkov from PyPI) per run; instead, the repository's
git `pre-commit` hook does what pre-commit does with our hook definition: select the staged files
with its `files` / `exclude` patterns and run its `entry` with them. A failing hook blocks the
commit, so `git commit`'s exit code is the outcome checked.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import yaml

from checkov_pitr import precommit
from conftest import REPO

BIN = Path(sys.executable).parent
HOOK = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
            if h["id"] == "checkov-pitr")

MODULE = """\
variable "pitr" {
  type = bool
}

resource "aws_dynamodb_table" "this" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = var.pitr
  }
}
"""
KUBERNETES = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n"

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
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.invalid", "CHECKOV_PITR_POLICY": ""})
    env.pop("CHECKOV_PITR_POLICY")
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    hook.write_text(GIT_HOOK.format(python=sys.executable, files=HOOK["files"], exclude=HOOK.get("exclude", "^$"),
                                    entry=HOOK["entry"], bin=str(BIN)), encoding="utf-8")
    hook.chmod(0o755)
    (tmp_path / "modules" / "table").mkdir(parents=True)
    (tmp_path / "modules" / "table" / "main.tf").write_text(MODULE, encoding="utf-8")
    return tmp_path


def commit(repo: Path, *paths: str) -> subprocess.CompletedProcess:
    git(repo, "add", *paths)
    # the repository's own hooks folder, whatever a global core.hooksPath says
    return git(repo, "-c", "core.hooksPath=.git/hooks", "commit", "-q", "-m", "change")


def test_a_module_call_turning_pitr_off_blocks_the_commit(repo: Path) -> None:
    (repo / "main.tf").write_text('module "orders" {\n  source = "./modules/table"\n  pitr   = false\n}\n',
                                  encoding="utf-8")
    process = commit(repo, "main.tf", "modules")
    assert process.returncode == 1, process.stderr[-2000:]
    # git shows a hook's output on stderr
    assert "FAILED for resource: module.orders.aws_dynamodb_table.this" in process.stderr
    assert git(repo, "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # nothing was committed


def test_a_change_inside_the_module_is_judged_with_its_callers_arguments(repo: Path) -> None:
    (repo / "main.tf").write_text('module "orders" {\n  source = "./modules/table"\n  pitr   = true\n}\n',
                                  encoding="utf-8")
    assert commit(repo, "main.tf", "modules").returncode == 0
    (repo / "modules" / "table" / "main.tf").write_text(MODULE.replace("var.pitr", "false"), encoding="utf-8")
    process = commit(repo, "modules/table/main.tf")
    assert process.returncode == 1, process.stderr[-2000:]
    assert "FAILED for resource: module.orders.aws_dynamodb_table.this" in process.stderr


def test_a_kubernetes_multi_document_yaml_says_nothing_and_commits(repo: Path) -> None:
    (repo / "k8s.yaml").write_text(KUBERNETES, encoding="utf-8")
    process = commit(repo, "k8s.yaml")
    assert process.returncode == 0, process.stderr[-2000:]
    assert process.stdout == "" and process.stderr == ""


def test_root_folders_walks_up_to_the_callers(tmp_path: Path) -> None:
    for folder in ("live/prod", "live/dev", "modules/service", "modules/table", "standalone"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "live/prod/main.tf").write_text('module "s" {\n  source = "../../modules/service"\n}\n')
    (tmp_path / "live/dev/main.tf.json").write_text('{"module": {"s": {"source": "../../modules/service"}}}')
    (tmp_path / "modules/service/main.tf").write_text('module "t" {\n  source = "../table"\n  pitr = true\n}\n')
    (tmp_path / "modules/table/main.tf").write_text(MODULE)
    (tmp_path / "standalone/main.tf").write_text('resource "aws_dynamodb_table" "x" {}\n')
    roots = precommit.root_folders([str(tmp_path / "modules/table/main.tf"), str(tmp_path / "standalone/main.tf")],
                                   str(tmp_path))
    assert roots == sorted(str(tmp_path / f) for f in ("live/dev", "live/prod", "standalone"))


def test_split_arguments_keeps_option_values_apart_from_the_files(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("{}")
    options, files = precommit.split_arguments(["--quiet", "--policy", str(policy), "--compact", "a.tf", "b.yaml"])
    assert options == ["--quiet", "--policy", str(policy), "--compact"] and files == ["a.tf", "b.yaml"]


def test_only_files_that_can_hold_a_table_are_scanned(tmp_path: Path) -> None:
    (tmp_path / "k8s.yaml").write_text(KUBERNETES)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "stack.yaml").write_text("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n")
    runs: List[List[str]] = precommit.plan_runs(["--quiet"], [str(tmp_path / n) for n in
                                                              ("k8s.yaml", "package.json", "stack.yaml")], str(tmp_path))
    assert runs == [["--quiet", "-f", str(tmp_path / "stack.yaml")]]
    assert precommit.plan_runs([], [str(tmp_path / "k8s.yaml")], str(tmp_path)) == []
