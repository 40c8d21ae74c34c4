"""Templates and serverless files read as the tool reads them, by this package's readers alone (SPEC:
"Resources in scope": CloudFormation, serverless.yml, StackSet, "Text is read as the tool reads it";
"What a green run means": regular files and bounds; "Exemptions"; "Policy file").

Table-driven: every file under fixtures/template_tool_reading (a template, or a folder holding a
serverless.yml) is read in-process and each table judged with the default policy; expected.tsv holds
the verdicts (SKIPPED rows: the skip's comment; `file` rows: the file is not judged)."""
from __future__ import annotations

import json
import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkov_pitr.domain import core
from checkov_pitr.domain.inventory import NOT_JUDGED_RESOURCE, FileReading
from checkov_pitr.domain.policy import load_policy
from checkov_pitr.domain.readers import yaml_loader
from checkov_pitr.domain.readers.cloudformation import may_hold_tables, read_template
from checkov_pitr.domain.readers.serverless import MAX_INCLUDE_BYTES, read_serverless
from checkov_pitr.domain.verdicts import judge

from conftest import read_expected

CASES = Path(__file__).resolve().parent / "fixtures" / "template_tool_reading"
ROWS = read_expected(CASES / "expected.tsv")
POLICY = load_policy(None).core


def read(path: Path) -> FileReading:
    raw = path.read_bytes()
    reader = read_serverless if path.name.startswith("serverless.") else read_template
    return reader(str(path), raw)


@lru_cache(maxsize=None)
def verdicts(file: str) -> Dict[Tuple[str, str], Tuple[str, str]]:
    """(resource, check id) -> (verdict, message) for one fixture file."""
    reading = read(CASES / file)
    found: Dict[Tuple[str, str], Tuple[str, str]] = {}
    if reading.not_judged:
        found[(NOT_JUDGED_RESOURCE, "CKV_PITR_001")] = ("FAILED", reading.not_judged)
    for table in reading.tables:
        for check_id in ("CKV_PITR_001", "CKV_PITR_002"):
            assert (table.resource, check_id) not in found, f"{table.resource} read twice"
            if check_id in table.skips:
                found[(table.resource, check_id)] = ("SKIPPED", table.skips[check_id])
                continue
            verdict = judge(table, check_id, POLICY)
            found[(table.resource, check_id)] = (verdict.result.value, verdict.reason)
    return found


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}:{r[1]}:{r[2]}" for r in ROWS])
def test_verdict(row: Tuple[str, str, str, str, str]) -> None:
    file, resource, check_id, verdict, message = row
    got, reason = verdicts(file).get((resource, check_id), ("NONE", ""))
    assert got == verdict, reason
    assert message in reason


@pytest.mark.parametrize("file", sorted({row[0] for row in ROWS}))
def test_every_table_is_expected(file: str) -> None:
    expected = {(row[1], row[2]) for row in ROWS if row[0] == file}
    assert set(verdicts(file)) <= expected


@pytest.mark.parametrize("file", sorted({row[0] for row in ROWS}))
def test_the_pre_filter_lets_every_fixture_through(file: str) -> None:
    assert may_hold_tables((CASES / file).read_bytes(), file)


def test_lines_of_a_stack_set_body_are_the_stack_sets() -> None:
    reading = read(CASES / "stackset_bodies.yaml")
    lines = {t.resource: t.lines for t in reading.tables}
    assert lines["AWS::CloudFormation::StackSet.Orders/OrdersTable"] == (5, 23)
    assert lines["AWS::CloudFormation::StackSet.Broken"] == (44, 49)


def test_tables_from_includes_and_merges_keep_serverless_lines() -> None:
    reading = read(CASES / "sls_resources_list" / "serverless.yml")
    lines = {t.resource_ids[1]: t.lines for t in reading.tables}
    assert lines == {"MergedTable": (6, 10), "OverriddenTable": (11, 15), "IncludedTable": (16, 16)}


# --- includes: regular files only, bounded ----------------------------------------------------------

def _service(tmp_path: Path, include: str = "./tables.yml") -> Path:
    service = tmp_path / "serverless.yml"
    service.write_text(f"service: s\nresources:\n  Resources: ${{file({include})}}\n")
    return service


@pytest.mark.parametrize("kind", ["dev_zero", "fifo", "oversize", "directory"])
def test_an_include_that_is_not_a_bounded_regular_file_is_not_judged_within_seconds(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "tables.yml"
    if kind == "dev_zero":
        target.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.write_bytes(b"# " + b"x" * MAX_INCLUDE_BYTES + b"\n")
    started = time.monotonic()
    reading = read(_service(tmp_path))
    assert time.monotonic() - started < 5
    assert reading.tables == []
    expected = "is larger than 10 MiB, not read" if kind == "oversize" else "is not a regular file"
    assert reading.not_judged and reading.not_judged.startswith("include ./tables.yml ") and expected in reading.not_judged


def test_a_missing_include_with_a_literal_fallback_uses_it(tmp_path: Path) -> None:
    service = tmp_path / "serverless.yml"
    service.write_text("resources:\n  Resources:\n    T:\n      Type: AWS::DynamoDB::Table\n      Properties:\n"
                       "        PointInTimeRecoverySpecification: ${file(./gone.yml), 'off'}\n")
    [table] = read(service).tables
    assert judge(table, "CKV_PITR_001", POLICY).result.value == "FAILED"


def test_self_reference_cycle_stays_unresolved(tmp_path: Path) -> None:
    service = tmp_path / "serverless.yml"
    service.write_text("custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\nresources:\n  Resources:\n    T:\n"
                       "      Type: AWS::DynamoDB::Table\n      Properties:\n        PointInTimeRecoverySpecification:\n"
                       "          PointInTimeRecoveryEnabled: ${self:custom.a}\n")
    [table] = read(service).tables
    verdict = judge(table, "CKV_PITR_001", POLICY)
    assert verdict.result.value == "FAILED" and "serverless variable ${self:custom." in verdict.reason


def test_variables_that_double_are_bounded(tmp_path: Path) -> None:
    lines = ["custom:", "  v0: x"] + [f"  v{i}: ${{self:custom.v{i - 1}}}${{self:custom.v{i - 1}}}" for i in range(1, 40)]
    service = tmp_path / "serverless.yml"
    service.write_text("\n".join(lines) + "\nresources:\n  Resources:\n    T:\n      Type: AWS::DynamoDB::Table\n"
                       "      Properties:\n        TableName: ${self:custom.v39}\n")
    started = time.monotonic()
    reading = read(service)
    assert time.monotonic() - started < 5
    assert reading.not_judged and "not read" in reading.not_judged


# --- escapes: any in-scope type or logical id, any characters escaped, reads as itself ---------------

IDS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
STYLES = st.sampled_from(["yaml_x", "yaml_u", "yaml_U", "json_u"])


def _escaped(text: str, escape: List[bool], style: str) -> str:
    """`text` as a double-quoted YAML scalar or JSON string body, the chosen characters escaped."""
    forms = {"yaml_x": "\\x{:02X}", "yaml_u": "\\u{:04x}", "yaml_U": "\\U{:08X}", "json_u": "\\u{:04X}"}
    return "".join(forms[style].format(ord(c)) if e else c for c, e in zip(text, escape))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(core.CFN_TYPES), logical_id=IDS, style=STYLES, data=st.data())
def test_escaped_type_and_logical_id_read_as_themselves(kind: str, logical_id: str, style: str, data) -> None:
    escape_kind = data.draw(st.lists(st.booleans(), min_size=len(kind), max_size=len(kind)))
    escape_id = data.draw(st.lists(st.booleans(), min_size=len(logical_id), max_size=len(logical_id)))
    written_kind, written_id = _escaped(kind, escape_kind, style), _escaped(logical_id, escape_id, style)
    if style == "json_u":
        name, text = "t.json", ('{"Resources": {"%s": {"Type": "%s", "Properties": {}}}}' % (written_id, written_kind))
    else:
        name, text = "t.yaml", f'Resources:\n  "{written_id}":\n    Type: "{written_kind}"\n'
    raw = text.encode("utf-8")
    assert may_hold_tables(raw, name)
    reading = read_template(name, raw)
    assert [(t.resource_type, t.resource) for t in reading.tables] == [(kind, f"{kind}.{logical_id}")]


@pytest.mark.parametrize("text, name", [
    ('Resources:\n  T:\n    Type: "AWS::DynamoDB::\\\n      Table"\n', "t.yaml"),
    ("Resources:\n  T:\n    Type: !!str AWS::Dynamo\n", "t.yaml"),
    ("Resources:\n  T: *shared\n", "t.yaml"),
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n    Type: AWS::CloudFormation::StackSet\n", "t.yaml"),
    ("service: s\nresources:\n  Resources:\n    T:\n      Type: AWS::${self:custom.db}::Table\n", "serverless.yml"),
    ("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n", "t.yaml"),
])
def test_the_pre_filter_keeps_what_could_decode_into_a_table(text: str, name: str) -> None:
    for codec in ("utf-8", "utf-16", "utf-32", "utf-8-sig"):
        assert may_hold_tables(text.encode(codec), name), codec


@pytest.mark.parametrize("text, name", [
    ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Policy: 's3:*'\n", "t.yaml"),
    ('{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"Text": "a\\nb"}}}}', "t.json"),
    ("service: s\nprovider:\n  stage: ${opt:stage, 'dev'}\nfunctions: {}\n", "serverless.yml"),
])
def test_the_pre_filter_drops_files_that_cannot_hold_a_table(text: str, name: str) -> None:
    assert not may_hold_tables(text.encode("utf-8"), name)
    assert not may_hold_tables(text.encode("utf-16"), name)


def test_an_unreadable_template_with_an_escaped_type_is_not_judged() -> None:
    reading = read_template("t.yaml", b'Resources:\n  T:\n    Type: "AWS::DynamoDB::\\x54able"\n  bad: [\n')
    assert reading.not_judged and reading.not_judged.startswith("not valid YAML")


# --- the one YAML loader: modes and bounds ----------------------------------------------------------

@pytest.mark.parametrize("mode, text, expected", [
    (yaml_loader.CLOUDFORMATION, "On: yes\nd: 2027-01-31\nr: !Ref X\n", {"On": True, "d": "2027-01-31", "r": {"Ref": "X"}}),
    (yaml_loader.SERVERLESS, "On: yes\nt: True\nn: 0x1f\nr: !GetAtt T.Arn\n",
     {"On": "yes", "t": True, "n": 31, "r": {"Fn::GetAtt": ["T", "Arn"]}}),
    (yaml_loader.PLAIN, "1: x\nd: 2027-01-31\nb: &b {k: v}\nm: {<<: *b, k: w}\n",
     {1: "x", "d": "2027-01-31", "b": {"k": "v"}, "m": {"k": "w"}}),
])
def test_loader_modes(mode: yaml_loader.Mode, text: str, expected: Dict) -> None:
    assert yaml_loader.load_yaml(text, mode).documents[0] == expected  # a LineMap equals its plain dict


@pytest.mark.parametrize("mode, text, error", [
    (yaml_loader.PLAIN, "a: 1\na: 2\n", yaml_loader.DuplicateKey),
    (yaml_loader.PLAIN, "r: !Ref X\n", yaml_loader.LoadError),
    (yaml_loader.PLAIN, "b: !!bool maybe\n", yaml_loader.LoadError),  # a bool tag on a non-bool: refused
    (yaml_loader.PLAIN, "a: &a [*a]\n", yaml_loader.AliasToItself),
    (yaml_loader.CLOUDFORMATION, "a: &a [*a]\n", yaml_loader.AliasToItself),
    (yaml_loader.CLOUDFORMATION, "[" * 300 + "]" * 300, yaml_loader.TooDeep),
])
def test_loader_refusals(mode: yaml_loader.Mode, text: str, error: type) -> None:
    with pytest.raises(error):
        yaml_loader.load_yaml(text, mode)


def test_alias_bomb_is_refused_in_every_mode_and_in_positions() -> None:
    bomb = "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
                     + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]) + "\n"
    for mode in (yaml_loader.CLOUDFORMATION, yaml_loader.SERVERLESS, yaml_loader.PLAIN):
        with pytest.raises(yaml_loader.AliasBomb):
            yaml_loader.load_yaml(bomb, mode)
    with pytest.raises(yaml_loader.AliasBomb):
        yaml_loader.load_positions(bomb)


def test_positions_are_offsets_into_the_text() -> None:
    text = "a: &x {b: !Ref C}\nd: *x\ne: 'q'\n"
    root = yaml_loader.load_positions(text)
    a, d, e = root.get("a"), root.get("d"), root.get("e")
    assert text[a.start:a.end] == "&x {b: !Ref C}" and a.shared and d is a  # as PyYAML's composer marks it
    ref = a.get("b")
    assert (ref.tag, ref.value, text[ref.start:ref.end]) == ("!Ref", "C", "!Ref C")
    assert (e.value, e.shared, text[e.start:e.end]) == ("q", False, "'q'")


def test_text_past_the_size_bound_is_not_read() -> None:
    with pytest.raises(yaml_loader.LoadError) as caught:
        yaml_loader.load_yaml("a: 1\n" * 100, max_chars=100)
    assert caught.value.bounded


def test_json_escapes_in_a_string_body_of_a_stack_set() -> None:
    body = json.dumps({"Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}}, ensure_ascii=True).replace("T", "\\u0054")
    text = "Resources:\n  S:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      TemplateBody: '" + body + "'\n"
    [table] = read_template("t.yaml", text.encode("utf-8")).tables
    assert table.resource == "AWS::CloudFormation::StackSet.S/T"


def test_a_missing_include_whose_fallback_has_a_value_leaves_no_trace(tmp_path: Path) -> None:
    service = tmp_path / "serverless.yml"
    service.write_text("resources:\n  Resources:\n    T:\n      Type: AWS::DynamoDB::Table\n      Properties:\n"
                       "        TableName: ${file(./gone.yml), 'name'}\n        PointInTimeRecoverySpecification:\n"
                       "          PointInTimeRecoveryEnabled: ${env:PITR}\n")
    reading = read(service)
    assert reading.not_judged is None
    assert "serverless variable ${env:PITR}" in judge(reading.tables[0], "CKV_PITR_001", POLICY).reason
