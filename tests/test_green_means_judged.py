"""A green run means every table was judged: each shape that checkov refuses, skips, mis-reads or
crashes on still has its tables judged (FAILED where PITR is off) and the run exits 1; a missing
input exits 2; every table of the inventory has exactly one result per check."""
from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import FIXTURES, index_report, run_pitr

CASES = FIXTURES / "fail_closed"


def _expected() -> Dict[str, List[Tuple[str, str, str, str]]]:
    rows: Dict[str, List[Tuple[str, str, str, str]]] = defaultdict(list)
    for line in (CASES / "expected.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            case, file, resource, check_id, verdict = line.split("\t")[:5]
            rows[case].append((file, resource, check_id, verdict))
    return rows


EXPECTED = _expected()


def _scan(case: str):
    folder = CASES / case
    started = time.monotonic()
    if case.endswith("_named_with_f"):
        process = run_pitr("-o", "json", *[arg for f in sorted(folder.iterdir()) for arg in ("-f", f.name)], cwd=folder)
    else:
        process = run_pitr("-d", ".", "-o", "json", cwd=folder)
    return process, time.monotonic() - started


@pytest.fixture(scope="module")
def case_scans():
    # two at a time: the machine has two cores
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(EXPECTED, pool.map(_scan, EXPECTED)))


def test_every_case_folder_has_rows():
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert folders == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_tables_are_judged_and_the_run_fails(case, case_scans):
    process, seconds = case_scans[case]
    assert "Traceback" not in process.stderr, process.stderr[-2000:]
    assert process.returncode == 1, (process.returncode, process.stderr[-2000:])
    assert seconds < 60, f"{case} took {seconds:.0f} s"
    report = index_report(process.stdout)
    for file, resources, check_id, verdict in EXPECTED[case]:
        found = [r for name in resources.split("|") for r in report.get((file, name, check_id), [])]
        assert [r["_verdict"] for r in found] == [verdict], (file, resources, check_id, sorted(report))
        if verdict == "FAILED":
            assert found[0]["details"] and "\n" not in found[0]["details"][0]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_one_result_per_table_and_check(case, case_scans):
    process, _ = case_scans[case]
    counts: Dict[Tuple[str, str, str], int] = defaultdict(int)
    for key, records in index_report(process.stdout).items():
        counts[key] += len(records)
    assert {key: n for key, n in counts.items() if n != 1} == {}


def test_tofu_beside_tf_is_judged_under_both_tools_unless_the_policy_names_one(case_scans, tmp_path):
    """main.tf (PITR on) is what Terraform deploys, main.tofu (PITR off) what OpenTofu deploys: one
    result, FAILED, naming the reading that fails; `deployed_with: terraform` judges main.tf alone."""
    report = index_report(case_scans["tf_tofu_beside_tf"][0].stdout)
    [record] = report[("/main.tf", "aws_dynamodb_table.orders", "CKV_PITR_001")]
    assert record["_verdict"] == "FAILED" and "under OpenTofu (main.tofu)" in record["details"][0]
    assert not [key for key in report if key[0] == "/main.tofu"]
    policy = tmp_path / "policy.yaml"
    for tool, file, verdict in (("terraform", "/main.tf", "PASSED"), ("opentofu", "/main.tofu", "FAILED")):
        policy.write_text(f"deployed_with: {tool}\n", encoding="utf-8")
        process = run_pitr("-d", ".", "-o", "json", "--policy", str(policy), cwd=CASES / "tf_tofu_beside_tf")
        [record] = index_report(process.stdout)[(file, "aws_dynamodb_table.orders", "CKV_PITR_001")]
        assert record["_verdict"] == verdict, record["details"]


@pytest.mark.parametrize("args", [("-d", "no-such-folder"), ("-f", "no-such-plan.json"),
                                  ("-d", ".", "-f", "renamed/tfplan.json")])
def test_a_missing_input_stops_the_run(args, tmp_path):
    process = run_pitr(*args, cwd=tmp_path)
    assert process.returncode == 2
    missing = args[-1]
    assert process.stderr.strip().splitlines() == [f"checkov-pitr: error: {missing}: no such file or directory"]


def test_a_crash_inside_checkov_keeps_the_neighbours(case_scans):
    process, _ = case_scans["cfn_type_is_a_list_crashes_checkov"]
    report = index_report(process.stdout)
    assert [r["_verdict"] for r in report[("/neighbour.yaml", "AWS::DynamoDB::Table.Neighbour", "CKV_PITR_001")]] == ["FAILED"]
    assert "Traceback" not in process.stderr


def test_an_alias_bomb_is_not_judged_within_seconds(case_scans):
    process, seconds = case_scans["cfn_yaml_alias_bomb"]
    assert seconds < 30
    record = index_report(process.stdout)[("/template.yaml", "file", "CKV_PITR_001")][0]
    assert "alias" in record["details"][0].lower()


SCANNED_FOLDERS = sorted(
    str(p.relative_to(FIXTURES)) for p in FIXTURES.iterdir()
    if p.is_dir() and p.name not in ("fail_closed", "policy", "sarif", "pr", "fix", "readers")
) + [f"fail_closed/{case}" for case in sorted(EXPECTED) if not case.endswith("_named_with_f")]


@pytest.mark.parametrize("folder", SCANNED_FOLDERS)
def test_every_inventoried_table_has_one_result_per_check(folder):
    from checkov_pitr.domain import verdicts
    from checkov_pitr.domain.policy import load_policy
    from checkov_pitr.engine.options import parse_scan_arguments
    from checkov_pitr.engine.scan import read_inputs, reported_path

    root = FIXTURES / folder
    readings, _ = read_inputs(parse_scan_arguments(["-d", str(root)]), load_policy(None))
    report = index_report(run_pitr("-d", ".", "-o", "json", cwd=root).stdout)
    for table in [t for r in readings if not r.shadowed for t in r.tables]:
        file = reported_path(table.path, str(root))
        for check_id in verdicts.checks_for(table):
            found = report.get((file, table.resource, check_id), [])
            if check_id == "CKV_PITR_001":  # every table: exactly one result (002 and 003 may have none)
                assert len(found) == 1, (file, table.resource, check_id, [r["_verdict"] for r in found])
            else:
                assert len(found) <= 1, (file, table.resource, check_id, [r["_verdict"] for r in found])
