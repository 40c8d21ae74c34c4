"""The serverless.yml reader, independent of checkov: the CloudFormation resources under `resources`,
with `${file(...)}` includes followed as the Serverless Framework follows them."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from checkov_pitr.domain import core
from checkov_pitr.domain.inventory import SERVERLESS
from checkov_pitr.domain.readers.serverless import included_files, read_serverless

FIXTURES = Path(__file__).resolve().parent / "fixtures"
READERS = FIXTURES / "readers" / "serverless"
T = "AWS::DynamoDB::Table"

# service folder -> (not_judged, [(resource, label, lines, problem)])
EXPECTED: Dict[str, Tuple[Optional[str], List[Tuple[str, str, Tuple[int, int], Optional[str]]]]] = {
    "includes": (None, [
        (f"{T}.TodosDynamoDbTable", "TodosDynamoDbTable", (7, 11), None),
        (f"{T}.UsersTable", "UsersTable", (12, 12), None),  # `UsersTable: ${file(./resources/users.yml)}`
        (f"{T}.AuditTable", "AuditTable", (13, 15), None),
    ]),
    "list_of_sections": (None, [
        (f"{T}.OrdersTable", "OrdersTable", (6, 10), None),
        (f"{T}.ItemsTable", "ItemsTable", (11, 11), None),  # from `- ${file(./dynamodb.yml)}`, at that line
        ("AWS::DynamoDB::GlobalTable.ItemsGlobal", "ItemsGlobal", (11, 11), None),
        (f"{T}.ArchiveTable", "ArchiveTable", (12, 12), None),  # `- Resources: ${file(./more.yml)}`
    ]),
    "includes_broken": ("include ./missing.yml cannot be read (no such file); fix the path", []),
    "json_service": (None, [(f"{T}.JsonTable", "JsonTable", (6, 9), None)]),
}

# what checkov 3.3.30 reports (framework serverless) for the existing serverless fixtures
CHECKOV_REPORTS = {
    "global_table_second_replica_missing": {"AWS::DynamoDB::GlobalTable.ProfilesGlobalTable"},
    "table_with_pitr": {f"{T}.CartsTable", f"{T}.ShortWindowTable"},
    "table_without_pitr": {f"{T}.OrdersTable"},
    "variables": {f"{T}.FromCustom", f"{T}.FromCliOption"},
}


def service_file(folder: Path) -> Path:
    return next(folder / name for name in ("serverless.yml", "serverless.yaml", "serverless.json")
                if (folder / name).exists())


def read(folder: Path):
    path = service_file(folder)
    return read_serverless(str(path), path.read_bytes())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name: str) -> None:
    not_judged, tables = EXPECTED[name]
    reading = read(READERS / name)
    assert reading.framework == SERVERLESS
    assert reading.not_judged == not_judged
    assert [(t.resource, t.label, t.lines, t.problem) for t in reading.tables] == tables
    assert all(t.path == str(service_file(READERS / name)) and t.framework == SERVERLESS for t in reading.tables)


@pytest.mark.parametrize("name", sorted(CHECKOV_REPORTS))
def test_agrees_with_checkov(name: str) -> None:
    reading = read(FIXTURES / "serverless" / name)
    assert {t.resource for t in reading.tables} == CHECKOV_REPORTS[name]


def _states(table) -> List[core.State]:
    return [s.enabled.state for s in core.read_cloudformation(table.resource_ids[1], table.resource_type, table.config)]


def test_included_values_and_variables() -> None:
    tables = {t.resource_ids[1]: t for t in read(READERS / "includes").tables}
    assert _states(tables["UsersTable"]) == [core.State.ON]
    assert _states(tables["AuditTable"]) == [core.State.OFF]  # `Properties: ${file(...):Audit.Properties}`
    # ${self:custom.pitr} is `${opt:pitr, 'false'}`: the file decides 'false' (as a parameter's Default)
    assert tables["TodosDynamoDbTable"].config["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": "false"}
    assert _states(tables["TodosDynamoDbTable"]) == [core.State.OFF]


def test_condition_from_included_section_is_kept() -> None:
    archive = [t for t in read(READERS / "list_of_sections").tables if t.resource.endswith("ArchiveTable")][0]
    assert archive.label == "ArchiveTable"  # IsProd is not defined anywhere: unknown, judged as written


def _write(folder: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder / "serverless.yml"


def test_include_loop_is_bounded(tmp_path: Path) -> None:
    path = _write(tmp_path, {"serverless.yml": "resources: ${file(./a.yml)}\n", "a.yml": "Resources: ${file(./a.yml)}\n"})
    reading = read_serverless(str(path), path.read_bytes())
    assert reading.not_judged == "include ./a.yml: includes nest more than 10 deep (a loop?), not read"


def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, {"serverless.yml": "resources:\n  Resources: ${file(./loop.yml)}\n"})
    os.symlink(tmp_path / "loop.yml", tmp_path / "loop.yml")
    reading = read_serverless(str(path), path.read_bytes())
    assert reading.not_judged.startswith("include ./loop.yml cannot be read (")


def test_include_selector_missing_and_fallback(tmp_path: Path) -> None:
    path = _write(tmp_path, {
        "serverless.yml": "resources:\n  Resources:\n    A: ${file(./t.yml):Nope}\n    B: ${file(./gone.yml), 'x'}\n",
        "t.yml": "Table:\n  Type: AWS::DynamoDB::Table\n"})
    reading = read_serverless(str(path), path.read_bytes())
    assert reading.not_judged == "include ./t.yml:Nope: 'Nope' is not in ./t.yml; fix the selector"


def test_javascript_include_is_not_judged(tmp_path: Path) -> None:
    path = _write(tmp_path, {"serverless.yml": "resources: ${file(./resources.js)}\n", "resources.js": "module.exports = {}\n"})
    reading = read_serverless(str(path), path.read_bytes())
    assert reading.not_judged == ("include ./resources.js is not YAML or JSON (the scan cannot run JavaScript); "
                                  "include a YAML or JSON file")


@pytest.mark.parametrize("files, listed", [
    ({"serverless.yml": "resources:\n  - ${file(./a.yml)}\n  - Resources:\n      T: ${file(sub/t.yml):Table}\n",
      "a.yml": "Resources: ${file(./b.json)}\n", "b.json": "{}", "sub/t.yml": "Table: {}\n"},
     ["a.yml", "b.json", "sub/t.yml"]),  # includes of includes, selectors, relative to the including file
    ({"serverless.yml": "resources:\n  - ${file(./gone.yml)}\n  - ${file(./bad.yml)}\n  - ${file(./c.yml)}\n",
      "bad.yml": "a: [\n", "c.yml": "{}\n"}, ["bad.yml", "c.yml"]),  # a broken include does not stop the listing
    ({"serverless.yml": "functions:\n  f: ${file(./f.yml)}\n", "f.yml": "{}\n"}, []),  # not under resources
    ({"serverless.yml": "resources: ${file(./a.yml)}\n", "a.yml": "Resources: ${file(./a.yml)}\n"}, ["a.yml"]),
])
def test_included_files_lists_every_include_under_resources(tmp_path: Path, files: Dict[str, str],
                                                            listed: List[str]) -> None:
    path = _write(tmp_path, files)
    assert included_files(str(path)) == [str(tmp_path / name) for name in listed]


def test_duplicate_keys_fail_every_table(tmp_path: Path) -> None:
    path = _write(tmp_path, {"serverless.yml": (
        "resources:\n  Resources:\n    A:\n      Type: AWS::DynamoDB::Table\n    A:\n      Type: AWS::DynamoDB::Table\n")})
    reading = read_serverless(str(path), path.read_bytes())
    assert [t.problem for t in reading.tables] == [
        "the Serverless Framework rejects duplicate keys: 'A' at line 3 (and line 5); remove one"] * 2


def test_provider_from_a_variable_and_no_resources(tmp_path: Path) -> None:
    path = _write(tmp_path, {"serverless.yml": "service: x\nprovider: ${file(./nowhere.yml)}\nfunctions: {}\n"})
    reading = read_serverless(str(path), path.read_bytes())
    assert (reading.not_judged, reading.tables) == (None, [])


def test_invalid_yaml_that_may_hold_tables_is_not_judged() -> None:
    reading = read_serverless("serverless.yml", b"resources:\n  Resources: ${file(./t.yml)\n\t- x\n")
    assert reading.not_judged.startswith("not valid YAML: ")
    assert read_serverless("serverless.yml", b"service: [broken\n").not_judged is None
