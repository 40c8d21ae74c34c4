"""`checkov-pitr -o sarif` is ready for GitHub code scanning.

Each fixture folder under fixtures/sarif/ is scanned once with `-o json -o sarif`: the JSON report
is checked against the folder's expected.tsv (the verdicts), and the SARIF against the OASIS
SARIF 2.1.0 schema (vendored in tests/data/) and against what code scanning needs: rules with
help, helpUri, security-severity and "security" tags; failures only; stable fingerprints;
repository-relative URIs; plan findings at the Terraform source line of the resource block.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

import jsonschema
import pytest

from checkov_pitr import __version__
from checkov_pitr.rule import CHECKS, FIX_CLOUDFORMATION, FIX_TERRAFORM
from conftest import FIXTURES, REPO, index_report, read_expected, run_pitr

SARIF_FIXTURES = FIXTURES / "sarif"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
SEVERITY_RANGE = {"CRITICAL": (9.0, 10.0), "HIGH": (7.0, 8.9), "MEDIUM": (4.0, 6.9), "LOW": (0.1, 3.9)}
LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
ALL_OUR_CHECKS = ",".join(CHECKS)
NO_WORKSPACE = {"GITHUB_WORKSPACE": ""}  # the tests may themselves run in GitHub Actions


class Scan:
    """One checkov-pitr run with JSON and SARIF written into out_dir."""

    def __init__(self, out_dir: Path, *args: str, cwd: Path = REPO, env: Optional[Dict[str, str]] = None) -> None:
        self.process = run_pitr(*args, "-o", "json", "-o", "sarif", "--output-file-path", str(out_dir),
                                cwd=cwd, env=env or NO_WORKSPACE)
        assert self.process.returncode in (0, 1), self.process.stderr[-2000:]
        self.report = index_report((out_dir / "results_json.json").read_text(encoding="utf-8"))
        self.sarif: Dict[str, Any] = json.loads((out_dir / "results_sarif.sarif").read_text(encoding="utf-8"))
        self.run = self.sarif["runs"][0]
        self.rules = {rule["id"]: rule for rule in self.run["tool"]["driver"]["rules"]}
        self.results: List[Dict[str, Any]] = self.run["results"]

    def results_for(self, check_id: str, resource: str) -> List[Dict[str, Any]]:
        return [r for r in self.results if r["ruleId"] == check_id and r["properties"]["resource"] == resource]


SCANS = {
    "cloudformation": ("-d", "tests/fixtures/sarif/cloudformation"),
    "terraform": ("-d", "tests/fixtures/sarif/terraform", "--check", ALL_OUR_CHECKS),
    "plan_local": ("-d", "tests/fixtures/sarif/plan_local"),
    "plan_registry": ("-f", "tests/fixtures/sarif/plan_registry/tfplan.json"),
}
_scans: Dict[str, Scan] = {}


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory):
    def get(name: str) -> Scan:
        if name not in _scans:
            _scans[name] = Scan(tmp_path_factory.mktemp(name), *SCANS[name])
        return _scans[name]

    return get


@pytest.fixture(scope="module")
def plan_local_again(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """The plan scan again, from another working directory, with GITHUB_WORKSPACE = the repository."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    return Scan(tmp_path_factory.mktemp("again"), "-d", str(SARIF_FIXTURES / "plan_local"),
                cwd=elsewhere, env={"GITHUB_WORKSPACE": str(REPO)})


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of `path` that starts with `text` (after indentation)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(text):
            return number
    raise AssertionError(f"{text!r} not in {path}")


def every_location(result: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [loc["physicalLocation"] for loc in result["locations"] + result.get("relatedLocations", [])]


# --- the verdicts behind the SARIF (expected.tsv) ----------------------------------------------

@pytest.mark.parametrize("name", list(SCANS))
def test_verdicts_match_expected_tsv_and_sarif_holds_exactly_the_failures(scan, name: str) -> None:
    result = scan(name)
    rows = read_expected(SARIF_FIXTURES / name / "expected.tsv")
    assert rows
    for file, resource, check_id, verdict, message in rows:
        records = result.report.get((file, resource, check_id), [])
        assert {r["_verdict"] for r in records} == {verdict}, (file, resource, check_id)
        sarif = result.results_for(check_id, resource)
        if verdict == "FAILED":
            assert len(sarif) == 1, (resource, check_id, sarif)
            assert message in sarif[0]["message"]["text"]
        else:  # passed and skipped checks are no alerts
            assert sarif == [], (resource, check_id)
    failed = {(key[2], key[1]) for key, records in result.report.items() if any(r["_verdict"] == "FAILED" for r in records)}
    assert {(r["ruleId"], r["properties"]["resource"]) for r in result.results} == failed


# --- the document -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SCANS))
def test_valid_sarif_2_1_0(scan, name: str) -> None:
    document = scan(name).sarif
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft4Validator,
                        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1


def test_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json") and "oasis-open.org/sarif" in SCHEMA["id"]
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject a bad document
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, SCHEMA, cls=jsonschema.Draft4Validator)


def test_driver_is_checkov_pitr(scan) -> None:
    driver = scan("cloudformation").run["tool"]["driver"]
    assert driver["name"] == "checkov-pitr"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")


# --- rules ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SCANS))
def test_every_rule_is_complete(scan, name: str) -> None:
    rules = scan(name).rules
    assert set(CHECKS) <= set(rules)
    for rule_id, rule in rules.items():
        for key in ("shortDescription", "fullDescription"):
            assert rule[key]["text"].strip(), (rule_id, key)
        assert rule["help"]["text"].strip() and rule["help"]["markdown"].strip(), rule_id
        assert rule["helpUri"].startswith("https://"), rule_id
        properties = rule["properties"]
        assert "security" in properties["tags"], rule_id
        assert float(properties["security-severity"]) > 0, rule_id


@pytest.mark.parametrize("check_id", list(CHECKS))
def test_our_rules_come_from_rule_py(scan, check_id: str) -> None:
    meta = CHECKS[check_id]
    rule = scan("cloudformation").rules[check_id]
    assert rule["shortDescription"]["text"] == meta.name
    assert rule["fullDescription"]["text"] == meta.description
    assert rule["helpUri"] == meta.guideline
    low, high = SEVERITY_RANGE[meta.severity]
    assert low <= float(rule["properties"]["security-severity"]) <= high
    assert rule["defaultConfiguration"]["level"] == LEVEL[meta.severity]
    for help_text in (rule["help"]["text"], rule["help"]["markdown"]):
        assert FIX_CLOUDFORMATION in help_text and FIX_TERRAFORM in help_text
        assert meta.remediation in help_text
    assert "```yaml\n" + FIX_CLOUDFORMATION in rule["help"]["markdown"]
    assert "```hcl\n" + FIX_TERRAFORM in rule["help"]["markdown"]


# --- results ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SCANS))
def test_results_are_failures_with_level_from_severity(scan, name: str) -> None:
    result = scan(name)
    assert result.results
    for item in result.results:
        assert "suppressions" not in item
        rule = result.rules[item["ruleId"]]
        assert result.run["tool"]["driver"]["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        severity = float(rule["properties"]["security-severity"])
        expected = "error" if severity >= 7.0 else "warning" if severity >= 4.0 else "note"
        assert item["level"] == expected, item["ruleId"]
        if item["ruleId"] in CHECKS:
            assert item["level"] == LEVEL[CHECKS[item["ruleId"]].severity]
        assert item["properties"]["resource"] in item["message"]["text"]


@pytest.mark.parametrize("name", list(SCANS))
def test_uris_are_repository_relative_files_and_lines_start_at_1(scan, name: str) -> None:
    for item in scan(name).results:
        for location in every_location(item):
            uri = location["artifactLocation"]["uri"]
            assert not uri.startswith("/") and "://" not in uri and not re.match(r"^[A-Za-z]:", uri), uri
            assert ".." not in uri.split("/"), uri
            assert (REPO / unquote(uri)).is_file(), uri
            region = location["region"]
            assert region["startLine"] >= 1
            assert region.get("endLine", region["startLine"]) >= region["startLine"]


def test_cloudformation_and_terraform_results_point_at_the_resource(scan) -> None:
    cfn = SARIF_FIXTURES / "cloudformation" / "tables_failed_short_passed_skipped.yaml"
    [orders] = scan("cloudformation").results_for("CKV_PITR_001", "AWS::DynamoDB::Table.OrdersTable")
    location = orders["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/fixtures/sarif/cloudformation/tables_failed_short_passed_skipped.yaml"
    assert location["region"]["startLine"] == line_of(cfn, "OrdersTable:")
    tf = SARIF_FIXTURES / "terraform" / "main.tf"
    [audit] = scan("terraform").results_for("CKV_PITR_002", "aws_dynamodb_table.audit")
    location = audit["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/fixtures/sarif/terraform/main.tf"
    assert location["region"]["startLine"] == line_of(tf, 'resource "aws_dynamodb_table" "audit"')


@pytest.mark.parametrize("address, check_id, source, block", [
    ('aws_dynamodb_table.tenant["alpha"]', "CKV_PITR_001", "main.tf", 'resource "aws_dynamodb_table" "tenant"'),
    ('aws_dynamodb_table.tenant["beta"]', "CKV_PITR_001", "main.tf", 'resource "aws_dynamodb_table" "tenant"'),
    ("aws_dynamodb_table.ledger", "CKV_PITR_003", "main.tf", 'resource "aws_dynamodb_table" "ledger"'),
    ("module.tables.aws_dynamodb_table.events", "CKV_PITR_001", "modules/tables/main.tf",
     'resource "aws_dynamodb_table" "events"'),
    ("module.tables.module.archive.aws_dynamodb_table.archive[0]", "CKV_PITR_001", "modules/tables/archive/main.tf",
     'resource "aws_dynamodb_table" "archive"'),
    ("module.tables.module.archive.aws_dynamodb_table.archive[1]", "CKV_PITR_001", "modules/tables/archive/main.tf",
     'resource "aws_dynamodb_table" "archive"'),
])
def test_plan_findings_point_at_the_terraform_resource_block(scan, address: str, check_id: str, source: str,
                                                             block: str) -> None:
    folder = SARIF_FIXTURES / "plan_local"
    # one result per instance, even where the source scan reports the same finding
    [item] = scan("plan_local").results_for(check_id, address)
    assert item["properties"]["checkType"] == "terraform_plan"
    assert address in item["message"]["text"]
    location = item["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == f"tests/fixtures/sarif/plan_local/{source}"
    assert location["region"]["startLine"] == line_of(folder / source, block)
    assert location["region"]["endLine"] > location["region"]["startLine"]
    # the plan itself is a related location, at the resource's own line in the plan
    [related] = item["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "tests/fixtures/sarif/plan_local/tfplan.json"
    plan_lines = (folder / "tfplan.json").read_text(encoding="utf-8").splitlines()
    line = related["physicalLocation"]["region"]["startLine"]
    assert json.dumps(address) in plan_lines[line - 1]


def test_plan_turning_pitr_off_is_a_critical_error(scan) -> None:
    result = scan("plan_local")
    [item] = result.results_for("CKV_PITR_003", "aws_dynamodb_table.ledger")
    assert item["level"] == "error"
    assert float(result.rules["CKV_PITR_003"]["properties"]["security-severity"]) >= 9.0


def test_registry_module_findings_fall_back_to_the_plan_file_line_1(scan) -> None:
    [item] = scan("plan_registry").results
    assert "module.orders_table.aws_dynamodb_table.this[0]" in item["message"]["text"]
    location = item["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/fixtures/sarif/plan_registry/tfplan.json"
    assert location["region"]["startLine"] == 1  # a one-line plan: line 1, never 0
    assert "relatedLocations" not in item


# --- fingerprints -----------------------------------------------------------------------------

def _fingerprints(result: Scan) -> Dict[Tuple[str, str], str]:
    return {(r["ruleId"], r["properties"]["resource"]): r["partialFingerprints"]["checkovPitrFinding/v1"]
            for r in result.results}


@pytest.mark.parametrize("name", list(SCANS))
def test_fingerprints_are_distinct_per_finding(scan, name: str) -> None:
    fingerprints = _fingerprints(scan(name))
    assert len(fingerprints) == len(scan(name).results)
    assert len(set(fingerprints.values())) == len(fingerprints)


def test_fingerprints_and_uris_are_stable_across_runs(scan, plan_local_again: Scan) -> None:
    first = scan("plan_local")
    assert _fingerprints(plan_local_again) == _fingerprints(first)
    uris = lambda s: sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in s.results)  # noqa: E731
    assert uris(plan_local_again) == uris(first)  # GITHUB_WORKSPACE is the root, whatever the cwd


# --- in process: the builder on its own -------------------------------------------------------

def _finding(**fields: Any) -> Any:
    from checkov_pitr.engine.scan import FAILED, Finding

    base = dict(check_id="CKV_PITR_001", result=FAILED, framework="cloudformation", resource="aws_dynamodb_table.t",
                path="/nowhere/x", file_path="/x", lines=(0, 0), reason="", severity="HIGH")
    base.update(fields)
    return Finding(**base)


def _build(findings: List[Any]) -> Dict[str, Any]:
    from checkov_pitr.outputs.sarif import PitrSarif

    from checkov_pitr.domain.policy import load_policy

    return PitrSarif(findings, [], load_policy(None)).json


def test_a_plan_finding_without_a_source_on_disk_points_at_its_line_in_the_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    address = "module.t.aws_dynamodb_table.this[0]"
    plan = {"format_version": "1.2",
            "planned_values": {"root_module": {"child_modules": [{"address": "module.t", "resources": [
                {"address": address, "type": "aws_dynamodb_table", "name": "this", "values": {}}]}]}},
            "configuration": {"root_module": {"module_calls": {"t": {"source": "terraform-aws-modules/dynamodb-table/aws"}}}}}
    plan_path = tmp_path / "plans" / "tfplan.json"
    plan_path.parent.mkdir()
    plan_path.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    expected = line_of(plan_path, f'"address": {json.dumps(address)}')
    # the record's line is the plan reader's line of the address (a registry module: no source place)
    document = _build([_finding(resource=address, path=str(plan_path), lines=(expected, expected),
                                framework="terraform_plan")])
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "plans/tfplan.json"
    assert location["region"] == {"startLine": expected, "endLine": expected}
    # an unreadable plan still gives a place: its file, line 1
    document = _build([_finding(resource=address, path=str(tmp_path / "gone.json"), framework="terraform_plan")])
    assert document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_line_0_from_checkov_becomes_line_1_and_paths_outside_every_root_lose_their_folders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    document = _build([_finding(reason="t: off", path="/elsewhere/deep/template.yaml")])
    item = document["runs"][0]["results"][0]
    location = item["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "template.yaml"
    assert location["region"] == {"startLine": 1, "endLine": 1}
    assert item["message"]["text"] == "t: off (aws_dynamodb_table.t)"


def test_repository_paths_prefer_the_workspace(tmp_path: Path) -> None:
    from checkov_pitr.outputs.sarif import RepositoryPaths

    workspace, other = tmp_path / "repo", tmp_path / "other"
    (workspace / "infra").mkdir(parents=True)
    other.mkdir()
    paths = RepositoryPaths([str(other)], workspace=str(workspace), cwd=str(workspace / "infra"))
    assert paths.uri(str(workspace / "infra" / "main file.tf")) == "infra/main%20file.tf"
    assert paths.uri(str(other / "x.tf")) == "x.tf"  # not under the workspace or cwd: the scan root
    no_workspace = RepositoryPaths([], cwd=str(workspace / "infra"))
    assert no_workspace.uri(str(workspace / "infra" / "a.tf")) == "a.tf"


@pytest.mark.parametrize("given, name", [
    ("CRITICAL", "CRITICAL"), ("HIGH", "HIGH"), ("MEDIUM", "MEDIUM"), ("LOW", "LOW"), ("INFO", "LOW"),
])
def test_severity_names_and_their_scores(given, name: str) -> None:
    from checkov_pitr.outputs.sarif import LEVEL as SARIF_LEVEL, SECURITY_SEVERITY

    [result] = _build([_finding(severity=given)])["runs"][0]["results"]
    assert (result["properties"]["severity"], result["level"]) == (name, LEVEL[name])
    low, high = SEVERITY_RANGE[name]
    assert low <= float(SECURITY_SEVERITY[name]) <= high
    assert SARIF_LEVEL[name] == LEVEL[name]


def test_fingerprint_is_of_check_resource_and_file_only() -> None:
    from checkov_pitr.outputs.sarif import finding_fingerprint

    base = finding_fingerprint("CKV_PITR_001", "aws_dynamodb_table.t", "infra/main.tf")
    assert base == finding_fingerprint("CKV_PITR_001", "aws_dynamodb_table.t", "infra/main.tf")
    assert len({base, finding_fingerprint("CKV_PITR_002", "aws_dynamodb_table.t", "infra/main.tf"),
                finding_fingerprint("CKV_PITR_001", "aws_dynamodb_table.u", "infra/main.tf"),
                finding_fingerprint("CKV_PITR_001", "aws_dynamodb_table.t", "infra/other.tf")}) == 4


def test_readme_severity_table_is_the_one_sarif_uses() -> None:
    from checkov_pitr.outputs.sarif import LEVEL as SARIF_LEVEL, SECURITY_SEVERITY

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, score in SECURITY_SEVERITY.items():
        assert f"| {name} | {score} | {SARIF_LEVEL[name]} |" in readme


def test_policy_severity_overrides_reach_rules_and_levels(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("severity:\n  CKV_PITR_001: CRITICAL\n  CKV_PITR_002: LOW\n", encoding="utf-8")
    result = Scan(tmp_path / "out", "--policy", str(policy), *SCANS["cloudformation"])
    assert float(result.rules["CKV_PITR_001"]["properties"]["security-severity"]) >= 9.0
    assert float(result.rules["CKV_PITR_002"]["properties"]["security-severity"]) < 4.0
    [orders] = result.results_for("CKV_PITR_001", "AWS::DynamoDB::Table.OrdersTable")
    [audit] = result.results_for("CKV_PITR_002", "AWS::DynamoDB::Table.AuditTable")
    assert (orders["level"], audit["level"]) == ("error", "note")


def test_repo_root_for_plan_enrichment_is_where_a_plans_source_is_found(tmp_path: Path) -> None:
    """A plan scanned on its own, away from its Terraform source: --repo-root-for-plan-enrichment
    names the source folder, and SARIF points at the resource block there, not at the plan."""
    import shutil

    shutil.copytree(SARIF_FIXTURES / "plan_local", tmp_path / "src")
    (tmp_path / "plans").mkdir()
    shutil.move(str(tmp_path / "src" / "tfplan.json"), str(tmp_path / "plans" / "tfplan.json"))

    def uris(*extra: str) -> set:
        out = tmp_path / ("out" + str(len(extra)))
        Scan(out, "-f", "plans/tfplan.json", *extra, cwd=tmp_path)
        run_ = json.loads((out / "results_sarif.sarif").read_text(encoding="utf-8"))["runs"][0]
        return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]}

    assert uris() == {"plans/tfplan.json"}
    enriched = uris("--repo-root-for-plan-enrichment", "src")
    assert enriched and all(uri.startswith("src/") and uri.endswith(".tf") for uri in enriched), enriched
