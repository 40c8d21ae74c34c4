"""Recipes for generators (docs/recipes/): each example workflow runs the generator's exact command and
scans what it writes; the synthesized outputs of a small app of our own (tests/fixtures/recipes, hand-
written as the generators write them) are judged; the monorepo shard workflow keeps one code scanning
category per shard and fails when any shard failed."""
from __future__ import annotations

import re
import subprocess
from typing import Any, Dict, List

import pytest
import yaml

from conftest import FIXTURES, REPO, index_report, run_pitr

WORKFLOWS = REPO / "examples" / "github-actions"
RECIPES = REPO / "docs" / "recipes"


def load(name: str) -> Dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def steps_of(workflow: Dict[str, Any], job: str = "pitr") -> List[Dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def the_action(steps: List[Dict[str, Any]]) -> Dict[str, Any]:
    [found] = [s for s in steps if "checkov-pitr@" in str(s.get("uses", ""))]
    return found


# --- the generators' outputs, judged -------------------------------------------------------------

# (file as reported under tests/fixtures/recipes, resource, check, verdict)
EXPECTED = [
    # AWS CDK: the stack's template and its nested stack's template, both in cdk.out
    ("/cdk/cdk.out/OrdersStack.template.json", "AWS::DynamoDB::Table.OrdersTable315BB997", "CKV_PITR_001", "PASSED"),
    ("/cdk/cdk.out/OrdersStackHistoryStack1A2B3C4D.nested.template.json",
     "AWS::DynamoDB::Table.OrderHistoryTableA1B2C3D4", "CKV_PITR_001", "FAILED"),
    # CDK for Terraform: Terraform JSON (checkov names .tf.json resources `resource.<name>`)
    ("/cdktf/cdktf.out/stacks/orders/cdk.tf.json", "resource.orders_table", "CKV_PITR_001", "PASSED"),
    ("/cdktf/cdktf.out/stacks/orders/cdk.tf.json", "resource.carts_table", "CKV_PITR_001", "FAILED"),
    # Serverless: what `serverless print --stage <stage>` printed, per stage ...
    ("/serverless/printed/prod/serverless.yml", "AWS::DynamoDB::Table.OrdersTable", "CKV_PITR_001", "PASSED"),
    ("/serverless/printed/dev/serverless.yml", "AWS::DynamoDB::Table.OrdersTable", "CKV_PITR_001", "FAILED"),
    # ... while the source alone cannot say: ${sls:stage} decides (unresolved, or dev's false)
    ("/serverless/serverless.yml", "AWS::DynamoDB::Table.OrdersTable", "CKV_PITR_001", "FAILED"),
]


@pytest.fixture(scope="module")
def judged() -> Dict[Any, List[dict]]:
    process = run_pitr("-d", str(FIXTURES / "recipes"), "-o", "json")
    assert process.returncode == 1, process.stderr[-2000:]
    return index_report(process.stdout)


@pytest.mark.parametrize("path, resource, check, verdict", EXPECTED, ids=lambda v: str(v).rsplit("/", 1)[-1])
def test_generator_output_is_judged(judged: Dict[Any, List[dict]], path: str, resource: str, check: str,
                                    verdict: str) -> None:
    records = judged.get((path, resource, check))
    assert records, sorted(judged)
    assert {r["_verdict"] for r in records} == {verdict}


def test_every_table_of_the_outputs_has_a_result(judged: Dict[Any, List[dict]]) -> None:
    assert {(path, resource) for path, resource, _ in judged} == {(p, r) for p, r, _, _ in EXPECTED}


# --- the recipe workflows ---------------------------------------------------------------------------

@pytest.mark.parametrize("workflow, command, directory", [
    ("pitr-cdk.yml", "npx cdk synth --quiet --output cdk.out", "cdk.out"),
    ("pitr-cdktf.yml", "npx cdktf synth --output cdktf.out", "cdktf.out/stacks"),
    ("pitr-serverless.yml", 'npx serverless print --stage "$STAGE" > "printed/$STAGE/serverless.yml"',
     "printed/${{ matrix.stage }}"),
])
def test_recipe_workflow_generates_then_scans_what_it_wrote(workflow: str, command: str, directory: str) -> None:
    steps = steps_of(load(workflow))
    [generate] = [s for s in steps if command in s.get("run", "")]
    action = the_action(steps)
    assert steps.index(generate) < steps.index(action)
    assert action["with"]["directory"] == directory
    assert action["with"]["category"].startswith("checkov-pitr-")  # apart from the other recipes' uploads
    recipe = (RECIPES / workflow.replace("pitr-", "").replace(".yml", ".md").replace("cdk.md", "aws-cdk.md"))
    text = recipe.read_text(encoding="utf-8")
    assert command in text and f"examples/github-actions/{workflow}" in text  # the doc shows the same command


def test_serverless_recipe_prints_each_stage_under_its_own_category() -> None:
    workflow = load("pitr-serverless.yml")
    job = workflow["jobs"]["pitr"]
    assert job["strategy"]["fail-fast"] is False and len(set(job["strategy"]["matrix"]["stage"])) >= 2
    assert "${{ matrix.stage }}" in the_action(job["steps"])["with"]["category"]
    # the stage reaches the shell through env, never pasted into the script
    [generate] = [s for s in job["steps"] if "serverless print" in s.get("run", "")]
    assert "${{" not in generate["run"] and generate["env"]["STAGE"] == "${{ matrix.stage }}"


def test_terraform_plan_recipe_documents_the_gate_workflow() -> None:
    text = (RECIPES / "terraform-plan.md").read_text(encoding="utf-8")
    assert "terraform_wrapper: false" in text and "terraform show -json tfplan > tfplan.json" in text
    assert "examples/github-actions/pitr-gate.yml" in text


# --- sharding a monorepo --------------------------------------------------------------------------

def test_shards_upload_under_distinct_categories_and_a_final_job_gates() -> None:
    workflow = load("pitr-monorepo-shards.yml")
    shard, gate = workflow["jobs"]["shard"], workflow["jobs"]["gate"]
    strategy = shard["strategy"]
    assert strategy["fail-fast"] is False  # a failing shard does not cancel the others
    shards = strategy["matrix"]["include"]
    names = [s["name"] for s in shards]
    assert len(shards) >= 2 and len(set(names)) == len(names)  # the category expression is unique per shard
    assert len({s["folder"] for s in shards}) == len(shards)
    action = the_action(shard["steps"])
    assert action["with"]["directory"] == "${{ matrix.folder }}"
    category = action["with"]["category"]
    assert "${{ matrix.name }}" in category
    categories = {category.replace("${{ matrix.name }}", name) for name in names}
    assert len(categories) == len(shards)
    assert action["with"].get("upload-sarif", "true") == "true" and action["with"].get("soft-fail", "false") == "false"
    # the final job: after every shard, whatever happened, and red unless every shard passed
    assert gate["needs"] in ("shard", ["shard"]) and "always()" in gate["if"]
    [check] = gate["steps"]
    assert check["env"]["SHARDS"] == "${{ needs.shard.result }}"
    assert re.search(r'if \[ "\$SHARDS" != "success" \]; then.*exit 1', check["run"], flags=re.S)
    assert gate["permissions"] == {} and workflow["permissions"] == {}


@pytest.mark.parametrize("result, passes", [("success", True), ("failure", False), ("cancelled", False),
                                            ("skipped", False), ("", False)])
def test_the_final_job_fails_unless_every_shard_succeeded(tmp_path, result: str, passes: bool) -> None:
    [check] = load("pitr-monorepo-shards.yml")["jobs"]["gate"]["steps"]
    script = tmp_path / "gate.sh"
    script.write_text(check["run"], encoding="utf-8")
    process = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                             env={"PATH": "/usr/bin:/bin", "SHARDS": result}, capture_output=True, text=True)
    assert (process.returncode == 0) is passes
