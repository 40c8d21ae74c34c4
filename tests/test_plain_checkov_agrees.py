"""Plain checkov with our checks (`checkov --external-checks-dir checkov_pitr/checks`) gives the verdict
`checkov-pitr` gives, for every (file, resource, check) checkov reports, over every fixture folder
that holds an expected.tsv and over examples/. The differences are checkov's, not ours: each is
listed in DIFFERENCES with its reason (the README section "Plain checkov and the engine" lists the same).

Plain checkov runs once, over a copy of all folders side by side (each -d costs it seconds: a process
per framework); checkov-pitr runs in-process on each folder (a fail_closed case is a folder of its own,
as its expected.tsv says). Results are keyed by the file's path relative to tests/fixtures (examples/
for the examples)."""
from __future__ import annotations

import fnmatch
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import FIXTURES, REPO, index_report, run_pitr, tool

PLAIN_TIMEOUT = 480  # seconds: about 20 alone on 2 cores; a folder checkov cannot finish belongs in SKIPPED
CHECK_IDS = ("CKV_PITR_001", "CKV_PITR_002", "CKV_PITR_003")
FRAMEWORKS = ("cloudformation", "serverless", "terraform", "terraform_json", "terraform_plan")

# folder -> why plain checkov does not scan it here
# checkov's readings differ between versions: the differences are those of the newest checkov CI tests,
# and the test runs once (.ci/run's newest suite), as the other tests that run plain checkov
pytestmark = pytest.mark.plain_checkov

SKIPPED: Dict[str, str] = {
    "fail_closed/cfn_yaml_alias_bomb": "checkov expands the YAML aliases and does not come back",
    "fail_closed/tf_nested_too_deep": "checkov's HCL parser takes 20 s and more over the nesting",
    "fail_closed/cfn_conditions_refer_to_each_other": "checkov's condition renderer recurses without end and the "
                                                      "RecursionError stops the whole run (exit 2)",
    "fail_closed/cfn_type_is_a_list_crashes_checkov": "a list as Type raises in checkov's check registry and stops the "
                                                      "whole run (exit 2)",
    "terraform_tool_reading/count_too_large": "checkov expands the huge count and does not come back",
    "terraform_tool_reading/count_too_large_by_override": "checkov expands the huge count and does not come back",
    "attack_families/count_beside_override": "checkov expands the huge count and does not come back",
    "fail_closed/plan_change_is_a_string": "checkov's plan parser raises on it and stops the whole run (exit 2)",
    "fail_closed/plan_resources_is_a_mapping": "checkov's plan parser raises on it and stops the whole run (exit 2)",
}

# (file glob, resource glob, check glob, reason): where plain checkov's verdict differs from ours
DIFFERENCES: List[Tuple[str, str, str, str]] = [
    ("attack_families/hcl_escaped_module_source/mod/*", "*", "*",
     "checkov does not decode escapes in a module `source`: it judges the module folder as a root of its own"),
    ("attack_families/serverless_extensions/*", "*", "*", "checkov does not apply serverless `resources.extensions`"),
    ("attack_families/tfvars_in_module/*", "*", "*",
     "checkov applies the tfvars of a module's own folder to a call of that module; Terraform does not"),
    ("fail_closed/tf_override_sets_*", "*", "*", "checkov does not merge override files (`*_override.tf`)"),
    ("*tofu_beside_tf*", "*", "CKV_PITR_001", "checkov does not read `.tofu` files: it judges the `.tf` twin OpenTofu ignores"),
    ("*.tf.json", "resource.from_variable*", "CKV_PITR_001", "checkov does not render variables in `.tf.json`"),
    ("awscc/terraform/main.tf", "awscc_dynamodb_global_table.replica_from_variable", "CKV_PITR_001",
     "checkov leaves a variable inside an element of a list of objects unrendered"),
    ("terraform/dynamic_replica_conditional/*", "*", "CKV_PITR_001",
     "checkov hands a dynamic block over without its for_each (a conditional for_each that yields no replica)"),
    ("terraform/dynamic_replicas/main.tf", "aws_dynamodb_table.string_list", "CKV_PITR_001",
     "checkov does not render a dynamic block's iterator (`replica.value`)"),
    ("terraform_tool_reading/instance_names/main.tf", "aws_dynamodb_table.counted*", "CKV_PITR_001",
     "checkov leaves `count.index == 0` unevaluated"),
    ("terraform_tool_reading/null_default/main.tf", "aws_dynamodb_table.period_unset", "CKV_PITR_002",
     "checkov leaves a variable whose default is null unrendered; Terraform takes it as unset"),
    ("terraform_tool_reading/module_count_per_caller/*", "*", "*",
     "checkov does not expand a module's count from the caller's arguments"),
    ("terraform_tool_reading/tfvars_root_only/modules/*", "*", "*",
     "checkov applies the root's tfvars to a module's variables of the same name; Terraform does not"),
    ("terraform_tool_reading/two_callers_one_address/*", "*", "*",
     "checkov reports a module's table once per calling root; checkov-pitr gives one result, FAILED if any caller's fails"),
    ("template_tool_reading/sls_extensions/*", "*", "*", "checkov does not apply serverless `resources.extensions`"),
    ("template_tool_reading/sls_variables/*", "*", "*",
     "checkov does not resolve `${sls:stage}`, `${ssm:..., default}` and `${strToBool(...)}`"),
    ("template_tool_reading/sls_yaml12/*", "*", "*",
     "checkov reads serverless.yml as YAML 1.1 (`yes`, `On` are booleans); the Serverless Framework reads YAML 1.2"),
]


def _folders() -> List[Path]:
    folders = []
    for expected in sorted(FIXTURES.rglob("expected.tsv")):
        folder = expected.parent
        if folder.name == "fail_closed":  # each case is scanned on its own
            folders += sorted(p for p in folder.iterdir() if p.is_dir())
        else:
            folders.append(folder)
    folders.append(REPO / "examples")
    return [f for f in folders if _shown(f) not in SKIPPED]


def _shown(path: Path) -> str:
    """A path as the tables name it: relative to tests/fixtures, else to the repository."""
    path = Path(os.path.realpath(path))
    return str(path.relative_to(FIXTURES.resolve()) if path.is_relative_to(FIXTURES.resolve())
               else path.relative_to(REPO.resolve()))


Verdicts = Dict[Tuple[str, str, str], List[str]]


def _verdicts(stdout: str, base: Path) -> Verdicts:
    """(file relative to base, resource, check) -> the verdicts reported."""
    found: Verdicts = {}
    for (file_path, resource, check_id), records in index_report(stdout).items():
        key = (file_path.lstrip("/"), resource, check_id)
        found.setdefault(key, []).extend(sorted(record["_verdict"] for record in records))
    return found


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    # one checkov run over a copy of every folder: checkov pays seconds per -d (a process per framework)
    tree = tmp_path_factory.mktemp("plain")
    for folder in _folders():
        shutil.copytree(folder, tree / _shown(folder), symlinks=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    env.pop("CHECKOV_PITR_POLICY", None)
    # a session of its own: on a timeout checkov's per-framework processes go too
    process = subprocess.Popen([tool("checkov"), "--skip-download", "--external-checks-dir", str(REPO / "checkov_pitr" / "checks"),
                                "--check", ",".join(CHECK_IDS), "--framework", *FRAMEWORKS, "-o", "json", "-d", "."],
                               cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=PLAIN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"plain checkov took more than {PLAIN_TIMEOUT} s: a folder it cannot finish belongs in SKIPPED")
    assert process.returncode in (0, 1), stderr[-3000:]
    return _verdicts(stdout, tree)


@pytest.fixture(scope="module")
def ours() -> Verdicts:
    found: Verdicts = {}
    for folder in _folders():
        process = run_pitr("-d", ".", "-o", "json", cwd=folder)
        assert process.returncode in (0, 1), process.stderr
        found.update({(f"{_shown(folder)}/{file}", resource, check): verdicts
                      for (file, resource, check), verdicts in _verdicts(process.stdout, folder).items()})
    return found


def _listed(key: Tuple[str, str, str]) -> bool:
    return any(fnmatch.fnmatchcase(key[0], f) and fnmatch.fnmatchcase(key[1], r) and fnmatch.fnmatchcase(key[2], c)
               for f, r, c, _ in DIFFERENCES)


def test_plain_checkov_agrees_with_checkov_pitr(plain: Verdicts, ours: Verdicts) -> None:
    assert plain, "plain checkov reported nothing: the checks did not load"
    differ = {key: (verdicts, ours.get(key, [])) for key, verdicts in plain.items()
              if verdicts != ours.get(key, []) and not _listed(key)}
    assert not differ, "\n".join(f"{key}: plain checkov {got[0]}, checkov-pitr {got[1]}" for key, got in sorted(differ.items()))


def test_every_listed_difference_is_observed(plain: Verdicts, ours: Verdicts) -> None:
    # a difference that no longer shows is a row to delete here and in the README
    for entry in DIFFERENCES:
        assert any(plain[key] != ours.get(key, []) for key in plain
                   if all(fnmatch.fnmatchcase(part, glob) for part, glob in zip(key, entry[:3]))), entry


def test_the_readme_lists_every_difference_and_skipped_folder() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for reason in [entry[3] for entry in DIFFERENCES] + [f"`{folder}` | {why}" for folder, why in SKIPPED.items()]:
        assert reason in readme


@pytest.mark.parametrize("module, owner, attribute, patch", [
    ("checkov.common.output.sarif", "Sarif", "_create_results", "sarif_attachments"),
    ("checkov.cloudformation.parser", None, "parse", "deep_templates"),
    ("checkov.common.checks_infra.registry", "Registry", "load_external_checks", "graph_policies"),
    ("checkov.common.output.record", "Record", "__init__", "record_details"),
])
def test_a_patch_checkov_no_longer_allows_stops_the_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                                         module: str, owner: str, attribute: str, patch: str) -> None:
    import importlib

    from checkov_pitr.integration import patches

    target = importlib.import_module(module)
    monkeypatch.setattr(getattr(target, owner) if owner else target, attribute, lambda *args: None)
    with pytest.raises(SystemExit) as stopped:
        patches.install()
    assert stopped.value.code == 2
    assert f"({patch})" in capsys.readouterr().err
