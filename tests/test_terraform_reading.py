"""Terraform / OpenTofu folders read as the deploying tool reads them, judged in-process by the
domain alone (no checkov scan): tests/fixtures/terraform_tool_reading/<case>/, each a small folder
with an expected.tsv (file, resource, check_id, verdict, message substring) and, where the case
needs them, args.json ({"deployed_with": ..., "var_files": [...]})."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Dict, List, Tuple

import hcl2
import pytest
from hypothesis import given, settings, strategies as st

from checkov_pitr.domain import verdicts
from checkov_pitr.domain.core import Result
from checkov_pitr.domain.inventory import FileReading
from checkov_pitr.domain.policy import load_policy
from checkov_pitr.domain.readers.terraform import (
    IN_SCOPE_TYPES, _normalized, may_hold_tables, read_terraform_tree,
)
from checkov_pitr.domain.readers.terraform_eval import Scope, parse_hcl
from conftest import read_expected

CASES = Path(__file__).resolve().parent / "fixtures" / "terraform_tool_reading"
POLICY = load_policy(None).core
CHECK_IDS = ("CKV_PITR_001", "CKV_PITR_002")
Results = Dict[Tuple[str, str, str], Tuple[str, str]]  # (file, resource, check) -> (verdict, message)


def terraform_folders(root: Path) -> List[str]:
    return sorted(folder for folder, _, names in os.walk(root)
                  if any(n.endswith((".tf", ".tofu", ".tf.json", ".tofu.json")) for n in names))


def judged(root: Path, readings: List[FileReading]) -> Results:
    found: Results = {}
    for reading in readings:
        relative = os.path.relpath(reading.path, root)
        if reading.not_judged:
            found[(relative, "file", "CKV_PITR_001")] = ("FAILED", reading.not_judged)
        for table in reading.tables:
            for check_id in CHECK_IDS:
                verdict = verdicts.judge(table, check_id, POLICY)
                key = (relative, table.resource, check_id)
                assert key not in found, f"two results for {key}"
                found[key] = (verdict.result.value, verdict.reason)
    return found


def read_case(case: str) -> Results:
    root = CASES / case
    args = json.loads((root / "args.json").read_text()) if (root / "args.json").exists() else {}
    var_files = [str(root / f) for f in args.get("var_files", [])]
    readings = read_terraform_tree(terraform_folders(root), str(root), var_files, args.get("deployed_with", "both"))
    return judged(root, readings)


CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expected.tsv").exists())


@pytest.mark.parametrize("case", CASE_NAMES)
def test_case_results_are_the_expected_ones(case: str) -> None:
    started = time.monotonic()
    found = read_case(case)
    assert time.monotonic() - started < 5
    expected = read_expected(CASES / case / "expected.tsv")
    for file, resource, check_id, verdict, message in expected:
        got = found.get((file, resource, check_id), ("NONE", ""))
        assert got[0] == verdict, f"{file} {resource} {check_id}: {got}"
        assert message in got[1], f"{file} {resource} {check_id}: {got[1]!r} lacks {message!r}"
    listed = {(f, r, c) for f, r, c, v, _ in expected}
    unexpected = {key: value for key, value in found.items()
                  if key not in listed and value[0] != "NONE" and key[2] == "CKV_PITR_001"}
    assert not unexpected, f"results expected.tsv does not list: {unexpected}"


def test_count_too_large_is_judged_within_a_second() -> None:
    started = time.monotonic()
    read_case("count_too_large")
    assert time.monotonic() - started < 1.5


def test_a_module_folder_read_as_a_root_alone_is_still_judged() -> None:
    # scanned by itself (no caller in the scan), the module folder is a root: its defaults apply
    folder = CASES / "module_count_per_caller" / "modules" / "table"
    found = judged(folder, read_terraform_tree([str(folder)], str(folder)))
    assert found[("main.tf", "aws_dynamodb_table.this[0]", "CKV_PITR_001")][0] == "PASSED"


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_only_regular_files_are_read(tmp_path: Path, kind: str) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_dynamodb_table" "t" {\n  name = "t"\n}\n')
    if kind == "device":
        (tmp_path / "zero.tf").symlink_to("/dev/zero")
    else:
        os.mkfifo(tmp_path / "pipe.tf")
    started = time.monotonic()
    found = judged(tmp_path, read_terraform_tree([str(tmp_path)], str(tmp_path)))
    assert time.monotonic() - started < 5
    name, reason = ("zero.tf", "not a regular file (character device)") if kind == "device" else (
        "pipe.tf", "not a regular file (FIFO)")
    assert found[(name, "file", "CKV_PITR_001")] == ("FAILED", f"{reason}; not read")
    assert found[("main.tf", "aws_dynamodb_table.t", "CKV_PITR_001")][0] == "FAILED"  # the other file still judged


def test_a_module_call_in_a_cycle_of_folders_is_still_read(tmp_path: Path) -> None:
    for this, other in (("a", "b"), ("b", "a")):
        (tmp_path / this).mkdir()
        (tmp_path / this / "main.tf").write_text(
            f'module "{other}" {{\n  source = "../{other}"\n}}\n'
            f'resource "aws_dynamodb_table" "{this}" {{\n  name = "{this}"\n}}\n')
    found = judged(tmp_path, read_terraform_tree([str(tmp_path / "a"), str(tmp_path / "b")], str(tmp_path)))
    assert {key[1] for key in found if key[2] == "CKV_PITR_001"} >= {"aws_dynamodb_table.a", "aws_dynamodb_table.b"}


# ---------------------------------------------------------------------------------------------
# The evaluator (terraform_eval): values the scan can know
# ---------------------------------------------------------------------------------------------

SCOPE = Scope({"create": False, "names": ["b", "a"], "m": {"k": 1}, "unset": None, "s": "PROVISIONED"})


@pytest.mark.parametrize("expression, value", [
    ("${var.create ? 1 : 0}", 0),
    ("${var.create && !var.unknown ? 1 : 0}", 0),  # false && x is false
    ('${var.s == "PROVISIONED" && length(var.names) > 1 ? 1 : 0}', 1),
    ("${length(keys(var.m)) == 0 ? [] : [var.m]}", [{"k": 1}]),
    ("${toset(var.names)}", ["a", "b"]),
    ("${{for k, v in var.m : k => v + 1}}", {"k": 2}),
    ("${[for n in var.names : upper(n) if n != \"a\"]}", ["B"]),
    ("${try(var.m.missing, \"fallback\")}", "fallback"),
    ("${lookup(var.m, \"k\", 0) * 2}", 2),
    ("${var.unset == null}", True),
    ("${length([var.unknown])}", 1),
    ("${merge(var.m, {'x': 'y'})}", {"k": 1, "x": "y"}),  # bc-python-hcl2's notation of a nested object
    # functions real modules build counts and for_each with
    ("${one([var.create]) ? 1 : 0}", 0),
    ("${length(coalescelist([], var.names))}", 2),
    ('${join(",", sort(var.names))}', "a,b"),
    ("${setunion(var.names, [\"c\"])}", ["a", "b", "c"]),
    ("${index(var.names, \"a\")}", 1),
    ("${reverse(var.names)}", ["a", "b"]),
    ('${trimspace(" x ") == "x" ? sum([1, 2]) : 0}', 3),
    # splats, argument expansion and the list functions no fixture above uses
    ("${[{a = 1}, {a = 2}][*].a}", [1, 2]),
    ("${[var.m].*.k}", [1]),
    ("${concat(var.names, [[\"c\"]]...)}", ["b", "a", "c"]),
    ("${flatten([var.names, [[1]]])}", ["b", "a", 1]),
    ('${coalesce("", null, var.s)}', "PROVISIONED"),
    ("${element(var.names, 3)}", "a"),
    ('${split(",", "x,y")}', ["x", "y"]),
    ("${try(element([], 0), coalesce(\"\"), one([1, 2]), 7)}", 7),  # each a Terraform error: try moves on
    ("${can(var.m.missing) || 2 / 0 == 1}", "${can(var.m.missing) || 2 / 0 == 1}"),  # division by zero
])
def test_evaluator_values(expression: str, value: object) -> None:
    assert SCOPE.resolve(expression) == value


@pytest.mark.parametrize("expression, left_as", [
    ("${var.unknown ? 1 : 0}", "${var.unknown}"),
    ("${aws_kms_key.k.arn}", "${aws_kms_key.k.arn}"),
    ("${timestamp()}", "${timestamp()}"),
    ("${range(100000000)}", "${range(100000000)}"),  # past the evaluation bound: unresolved, at once
    ("${var}", "${var}"),  # `var` or `local` alone is invalid in Terraform: unknown, never a value
    ("${[local]}", "${[local]}"),
])
def test_evaluator_leaves_what_it_cannot_know(expression: str, left_as: str) -> None:
    started = time.monotonic()
    assert SCOPE.resolve(expression) == left_as
    assert time.monotonic() - started < 1


# ---------------------------------------------------------------------------------------------
# Escapes: any in-scope type or label, any of its characters written as \uXXXX, reads as itself
# ---------------------------------------------------------------------------------------------

def _escaped(text: str, mask: List[bool]) -> str:
    return "".join(f"\\u{ord(c):04x}" if escape else c for c, escape in zip(text, mask))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(IN_SCOPE_TYPES), st.from_regex(r"[a-z_][a-z0-9_-]{0,12}", fullmatch=True), st.data())
def test_escaped_type_and_label_read_as_themselves(resource_type: str, label: str, data: st.DataObject) -> None:
    type_mask = data.draw(st.lists(st.booleans(), min_size=len(resource_type), max_size=len(resource_type)))
    label_mask = data.draw(st.lists(st.booleans(), min_size=len(label), max_size=len(label)))
    text = f'resource "{_escaped(resource_type, type_mask)}" "{_escaped(label, label_mask)}" {{\n  name = "x"\n}}\n'
    assert may_hold_tables(text.encode())
    for parsed in (hcl2.loads(text), parse_hcl(text)):  # both parsers agree
        (entry,) = _normalized(parsed)["resource"]
        assert list(entry) == [resource_type] and list(entry[resource_type]) == [label]
