"""The Terraform plan reader (readers/plan.py) and the plan loading that delegates to it (domain/plan.py),
on the fixtures in tests/fixtures/readers/plan (written by make_fixtures.py there). No checkov."""
from __future__ import annotations

import gzip
import io
import json
import re
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkov_pitr.domain.inventory import TERRAFORM_PLAN, FileReading
from checkov_pitr.domain.readers.plan import decode_plan_text, WRAPPER_WARNING, looks_like_plan, read_plan
from checkov_pitr.domain.readers.yaml_loader import MAX_DEPTH

HERE = Path(__file__).resolve().parent / "fixtures" / "readers" / "plan"
sys.path.insert(0, str(HERE))
from make_fixtures import change, resource, table_values  # noqa: E402  (the fixtures' own builders)

NESTED = "v1_2_pretty_nested_modules_for_each_deposed.json"
ONE_LINE = "v0_1_one_line_count.json"
INNER = 'module.a.module.b.aws_dynamodb_table.t["k"]'
UNREADABLE = "the plan's entry for this resource cannot be read"

# (address, resource type, line, change actions or None, problem substring or None)
Table = Tuple[str, str, int, Optional[Tuple[str, ...]], Optional[str]]
NESTED_TABLES: List[Table] = [
    ("aws_dynamodb_table.root", "aws_dynamodb_table", 8, ("update",), None),  # the deposed delete is left out
    ("module.a.aws_dynamodb_table_replica.r[0]", "aws_dynamodb_table_replica", 58, None, None),
    (INNER, "aws_dynamodb_table", 76, ("update",), None),
    ("module.a.module.b.awscc_dynamodb_table.cc", "awscc_dynamodb_table", 97, None, None),
    ("module.a.module.b.awscc_dynamodb_global_table.g", "awscc_dynamodb_global_table", 109, None, None),
]
ONE_LINE_TABLES: List[Table] = [("aws_dynamodb_table.t[0]", "aws_dynamodb_table", 1, ("create",), None),
                                ("aws_dynamodb_table.t[1]", "aws_dynamodb_table", 1, ("create",), None)]


def shifted(tables: List[Table], lines: int) -> List[Table]:
    return [(a, t, line + lines, c, p) for a, t, line, c, p in tables]


def at_line(tables: List[Table], line: int) -> List[Table]:
    return [(a, t, line, c, p) for a, t, _, c, p in tables]


CASES = [
    # (fixture, not_judged substring, warning substring, tables)
    (NESTED, None, None, NESTED_TABLES),
    (ONE_LINE, None, None, ONE_LINE_TABLES),
    ("truncated_mid_resource.json", "truncated JSON (it breaks off after 700 characters); re-run terraform show -json",
     None, []),
    ("gzip_compressed_plan.json.gz", "gzip-compressed; decompress it (gunzip) before scanning", None, []),
    ("binary_plan_file_from_plan_out.tfplan",
     "a binary plan file (terraform plan -out); scan terraform show -json tfplan > tfplan.json instead", None, []),
    ("state_not_plan.json", "a Terraform state (terraform show -json without a plan file), not a plan; "
                            "run terraform show -json tfplan", None, []),
    ("no_planned_values_no_resource_changes.json", "JSON, but not a Terraform plan", None, []),
    ("invalid_utf8_in_tag.json", "not valid UTF-8 text (byte 0xe9 at offset", None, []),
    ("empty.json", "empty file, not a Terraform plan", None, []),
    ("nested_201_levels.json", f"nested more than {MAX_DEPTH} levels deep, not read", None, []),
    ("wrapped_setup_terraform_command_and_debug_lines.json", None, WRAPPER_WARNING, at_line(NESTED_TABLES, 2)),
    ("wrapped_json_only_on_debug_stdout_line.json", None, WRAPPER_WARNING, at_line(ONE_LINE_TABLES, 2)),
    ("wrapped_pretty_plan.json", None, WRAPPER_WARNING, shifted(NESTED_TABLES, 1)),
    ("resource_changes_only_no_planned_values.json", None, "no readable planned_values; judged the after values",
     [("aws_dynamodb_table.created", "aws_dynamodb_table", 6, ("create",), None)]),  # the deleted one: no table
    ("utf16_from_powershell.json", None, "UTF-16 text", ONE_LINE_TABLES),
    ("odd_shapes_each_table_unreadable.json", None, None, [
        ("aws_dynamodb_table.values_null", "aws_dynamodb_table", 8, None, "(its values are null)"),
        ("aws_dynamodb_table.change_string", "aws_dynamodb_table", 17, None, "(its change is a string, not a mapping)"),
        ("aws_dynamodb_table.actions_string", "aws_dynamodb_table", 37, None,
         "(its change.actions is a string, not a list)"),
        ("aws_dynamodb_table.numbered[1]", "aws_dynamodb_table", 1, None, "(its address is a number, not a string)"),
        ("aws_dynamodb_table.ok", "aws_dynamodb_table", 77, ("no-op",), None),
        ("module.m.aws_dynamodb_table.in_mapping", "aws_dynamodb_table", 102, None,
         "(planned_values.root_module.child_modules is a mapping, not a list)"),
    ]),
    ("odd_structure_no_identifiable_resource.json",
     "the plan's structure cannot be read (planned_values.root_module.resources[0] is a string, not a mapping)",
     None, []),
]


def read_fixture(name: str) -> FileReading:
    return read_plan(str(HERE / name), (HERE / name).read_bytes())


def summary(reading: FileReading) -> List[Table]:
    return [(t.resource, t.resource_type, t.lines[0], t.change.actions if t.change else None, t.problem)
            for t in reading.tables]


@pytest.mark.parametrize("name, not_judged, warning, tables", CASES, ids=[c[0] for c in CASES])
def test_fixture(name: str, not_judged: Optional[str], warning: Optional[str], tables: List[Table]) -> None:
    reading = read_fixture(name)
    assert reading.path == str(HERE / name) and reading.framework == TERRAFORM_PLAN
    if not_judged is None:
        assert reading.not_judged is None
    else:
        assert reading.not_judged is not None and not_judged in reading.not_judged and "\n" not in reading.not_judged
    assert (warning is None and reading.warning is None) or (warning and warning in (reading.warning or ""))
    got = summary(reading)
    assert [g[:4] for g in got] == [t[:4] for t in tables]
    for (_, _, _, _, problem), (*_, expected) in zip(got, tables):
        if expected is None:
            assert problem is None
        else:
            assert problem is not None and UNREADABLE in problem and expected in problem
            assert problem.endswith("; scan the complete terraform show -json output")


def test_found_table_carries_values_change_tags_and_ids() -> None:
    tables = {t.resource: t for t in read_fixture(NESTED).tables}
    root, inner = tables["aws_dynamodb_table.root"], tables[INNER]
    assert root.label == root.resource and root.resource_ids == (root.resource, "resource.root") and root.lines == (8, 8)
    assert root.path == str(HERE / NESTED) and root.framework == TERRAFORM_PLAN
    assert root.tags == {"team": "a"} and root.config["point_in_time_recovery"] == [
        {"enabled": True, "recovery_period_in_days": 35}]
    assert inner.config["point_in_time_recovery"][0]["enabled"] is False and inner.tags == {}
    assert inner.change.before["point_in_time_recovery"][0]["enabled"] is True
    assert inner.change.after["point_in_time_recovery"][0]["enabled"] is False


@pytest.mark.parametrize("name", [NESTED, ONE_LINE, "odd_shapes_each_table_unreadable.json"])
def test_a_tables_line_is_the_first_line_naming_its_address(name: str) -> None:
    text = (HERE / name).read_text(encoding="utf-8")
    for table in read_fixture(name).tables:
        assert table.lines[0] == _address_line(text, table.resource)


def _address_line(text: str, address: str) -> int:
    """The oracle: the line of the first `"address": "<address>"`, by a regex per address; 1 if none."""
    found = re.search(r'"address"\s*:\s*' + re.escape(json.dumps(address)), text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


# ---------------------------------------------------------------------------------------------
# Odd shapes, one at a time
# ---------------------------------------------------------------------------------------------

def plan_bytes(planned: Any = None, changes: Any = None, **extra: Any) -> bytes:
    data = {"format_version": "1.2", "terraform_version": "1.9.8", **extra}
    if planned is not None:
        data["planned_values"] = {"root_module": planned}
    if changes is not None:
        data["resource_changes"] = changes
    return json.dumps(data).encode()


TABLE = resource("aws_dynamodb_table.t", "aws_dynamodb_table", "t", table_values("t"))


@pytest.mark.parametrize("case, raw, not_judged, tables", [
    ("resources is a mapping", plan_bytes({"resources": {"x": TABLE}}), None,
     [("aws_dynamodb_table.t", "planned_values.root_module.resources is a mapping, not a list")]),
    ("values is a list", plan_bytes({"resources": [dict(TABLE, values=[1])]}), None,
     [("aws_dynamodb_table.t", "its values are a list")]),
    ("type is null, address names the type", plan_bytes({"resources": [dict(TABLE, type=None)]}), None,
     [("aws_dynamodb_table.t", "its type is null")]),
    ("type and address disagree", plan_bytes({"resources": [dict(TABLE, address="aws_s3_bucket.t")]}), None,
     [("aws_s3_bucket.t", "its type aws_dynamodb_table and its address disagree")]),
    ("mode is odd", plan_bytes({"resources": [dict(TABLE, mode=["managed"])]}), None,
     [("aws_dynamodb_table.t", "its mode is")]),
    ("a data source is not a table", plan_bytes({"resources": [dict(TABLE, mode="data",
                                                                     address="data.aws_dynamodb_table.t")]}), None, []),
    ("without a mode, a data address is still a data source", plan_bytes({"resources": [dict(
        {k: v for k, v in TABLE.items() if k != "mode"}, address="data.aws_dynamodb_table.t")]}), None, []),
    ("resource_changes is a string", plan_bytes({"resources": [TABLE]}, "aws_dynamodb_table.t: update"), None,
     [("aws_dynamodb_table.t", "resource_changes is a string, not a list")]),
    ("a change planned_values does not list", plan_bytes({"resources": []}, [
        change("aws_dynamodb_table.t", "aws_dynamodb_table", "t", ["update"], table_values("t"), table_values("t"))]),
     None, [("aws_dynamodb_table.t", "resource_changes creates or updates it, but planned_values does not list it")]),
    ("the same address twice", plan_bytes({"resources": [TABLE, TABLE]}), None,
     [("aws_dynamodb_table.t", "the plan lists this address twice")]),
    ("address and name unreadable", plan_bytes({"resources": [dict(TABLE, address=None, name=None)]}),
     "resources[0] is an entry of type aws_dynamodb_table without a readable address", []),
    ("child_modules is a string naming a table", plan_bytes({"child_modules": "module.m.aws_dynamodb_table.t"}),
     "planned_values.root_module.child_modules is a string, not a list", []),
    ("root_module is a list naming a table", plan_bytes([TABLE]), "planned_values.root_module is a list", []),
    ("a change entry that is a string naming a table", plan_bytes({"resources": [TABLE]}, ["aws_dynamodb_table.t"]),
     "resource_changes[0] is a string, not a mapping", []),
    ("odd shapes that name no table are left alone",
     plan_bytes({"resources": [7, "x", {"type": 3}], "child_modules": 5}, [None, {"change": "x"}]), None, []),
    ("planned_values null, resource_changes a string naming a table",
     json.dumps({"format_version": "1.2", "planned_values": None,
                 "resource_changes": "aws_dynamodb_table.t"}).encode(), "resource_changes is a string", []),
], ids=lambda value: value if isinstance(value, str) and not value.startswith(("{", "the", "plan")) else "")
def test_odd_shapes_never_raise(case: str, raw: bytes, not_judged: Optional[str], tables: List[Tuple[str, str]]) -> None:
    reading = read_plan("odd.json", raw)
    if not_judged is None:
        assert reading.not_judged is None
    else:
        assert reading.not_judged is not None and not_judged in reading.not_judged
    assert [t.resource for t in reading.tables] == [address for address, _ in tables]
    for table, (_, problem) in zip(reading.tables, tables):
        assert table.problem is not None and problem in table.problem and UNREADABLE in table.problem


def test_only_deleted_and_forgotten_resources_have_no_table() -> None:
    raw = plan_bytes(None, [
        change("aws_dynamodb_table.d", "aws_dynamodb_table", "d", ["delete"], table_values("d"), None),
        change("aws_dynamodb_table.f", "aws_dynamodb_table", "f", ["forget"], table_values("f"), None),
        change("aws_dynamodb_table.r", "aws_dynamodb_table", "r", ["delete", "create"], table_values("r"),
               table_values("r", False)),
    ])
    reading = read_plan("changes.json", raw)
    assert [(t.resource, t.change.actions, t.config["point_in_time_recovery"][0]["enabled"]) for t in reading.tables] \
        == [("aws_dynamodb_table.r", ("delete", "create"), False)]


def test_json_that_is_not_terraform_output_holds_nothing_to_judge() -> None:
    reading = read_plan("package.json", b'{"name": "web", "version": "1.0.0"}')
    assert reading.tables == [] and reading.not_judged is None


@pytest.mark.parametrize("text, expected", [
    ('{"a": "' + "[" * 300 + '"}', None),  # brackets inside a string are no nesting
    ('{"format_version": "1.2", "planned_values": ' + "[" * 199 + "]" * 199 + "}", None),  # 200 deep: read
    ('{"format_version": "1.2", "planned_values": ' + "[" * 200 + "]" * 200 + "}", "nested more than 200"),
    ('{"a": "\\\\", "b": ' + "[" * 250, "nested more than 200"),  # an escaped backslash ends the string
    ('{"a": "\\"' + "[" * 250, "truncated JSON"),  # an escaped quote does not: all inside one open string
], ids=["brackets in a string", "200 levels", "201 levels", "after an escaped backslash", "after an escaped quote"])
def test_depth_is_counted_outside_strings(text: str, expected: Optional[str]) -> None:
    reading = read_plan("deep.json", text.encode())
    assert (reading.not_judged is None) if expected is None else (expected in (reading.not_judged or ""))


# ---------------------------------------------------------------------------------------------
# looks_like_plan, and domain/plan.py agreeing with the reader
# ---------------------------------------------------------------------------------------------

def zipped(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize("raw, expected", [
    (b'{"name": "web", "version": "1.0.0"}', False),
    (b'{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}}', False),
    (b'{"resource": {"aws_dynamodb_table": {"t": {"name": "t"}}}}', False),  # .tf.json: the Terraform reader's
    (b"", False),
    (b"\x89PNG\r\n\x1a\n", False),
    (zipped("docs/readme.txt"), False),
    (gzip.compress(b'{"name": "web"}'), False),
    (gzip.compress(plan_bytes({"resources": [TABLE]})), True),
    (zipped("tfplan"), True),
    (b'{"format_version":"1.2","terraform_version":"1.9.8","planned_values":{', True),  # cut short: ours to explain
    (b'{\n  "applyable": true,\n  "configuration": {"root_module": {}}, "format_version": "1.2"}', True),  # jq -S
    (b"[command]/home/runner/work/_temp/x/terraform-bin show -json tfplan\n", True),
    ('{"format_version":"1.2","resource_changes":[]}'.encode("utf-16"), True),
])
def test_looks_like_plan(raw: bytes, expected: bool) -> None:
    assert looks_like_plan(raw) is expected


@pytest.mark.parametrize("name", [c[0] for c in CASES if c[0] != "empty.json"])
def test_every_fixture_looks_like_a_plan(name: str) -> None:
    assert looks_like_plan((HERE / name).read_bytes())


def test_wrapped_plan_loads_the_json_inside() -> None:
    text = (HERE / "wrapped_setup_terraform_command_and_debug_lines.json").read_text(encoding="utf-8")
    data = decode_plan_text(text).data
    assert data == json.loads(text.splitlines()[1])


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

FULL = {name: read_fixture(name) for name in (NESTED, ONE_LINE)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from([NESTED, ONE_LINE]), data=st.data())
def test_a_plan_cut_anywhere_is_read_in_full_or_not_judged_as_truncated(name: str, data: st.DataObject) -> None:
    raw = (HERE / name).read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    reading = read_plan(name, raw[:cut])
    if reading.not_judged is None:
        assert summary(reading) == summary(FULL[name])  # only trailing white space was cut
        assert raw[cut:].strip() == b""
    elif cut == 0 or not raw[:cut].strip():
        assert reading.not_judged.startswith("empty file")
    else:
        assert reading.not_judged.startswith("truncated JSON (it breaks off after "), (cut, reading.not_judged)
        assert reading.tables == []


WRAPPER_TRAILERS = ["::debug::Terraform exited with code 0.", "::debug::stderr: ", "::debug::exitcode: 0",
                    "::debug::stdout: {%0A}%0A", ""]


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from([NESTED, ONE_LINE]),
       head=st.lists(st.sampled_from(["[command]/usr/bin/terraform-bin show -json tfplan",
                                      "::debug::Terraform exited with code 0.", ""]), min_size=1, max_size=3)
       .filter(lambda lines: any(lines)),
       tail=st.lists(st.sampled_from(WRAPPER_TRAILERS), max_size=4))
def test_wrapper_lines_around_a_plan_recover_the_same_tables(name: str, head: List[str], tail: List[str]) -> None:
    body = (HERE / name).read_text(encoding="utf-8")
    while head and not head[0]:  # a file starting with a blank line before the wrapper's is still the wrapper's
        head = head[1:]
    text = "\n".join(head) + "\n" + body + "\n".join(tail)
    reading = read_plan(name, text.encode())
    assert reading.not_judged is None and reading.warning == WRAPPER_WARNING
    assert summary(reading) == shifted(summary(FULL[name]), len(head))


# ---------------------------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------------------------

def big_plan(tables: int, pretty: bool) -> bytes:
    """A plan with `tables` tables in a module, each in planned_values, resource_changes and prior_state."""
    resources = [resource(f'module.m.aws_dynamodb_table.t["k{i}"]', "aws_dynamodb_table", "t",
                          table_values(f"t{i}", tags={"team": "a"}), index=f"k{i}") for i in range(tables)]
    changes = [change(r["address"], "aws_dynamodb_table", "t", ["update"], r["values"], r["values"],
                      module_address="module.m") for r in resources]
    modules = {"root_module": {"child_modules": [{"address": "module.m", "resources": resources}]}}
    return json.dumps({"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": modules,
                       "resource_changes": changes, "prior_state": {"values": modules}},
                      indent=2 if pretty else None).encode()


@pytest.mark.parametrize("pretty", [False, True], ids=["one line", "pretty"])
def test_ten_thousand_tables_read_in_about_a_second(pretty: bool) -> None:
    raw = big_plan(10_000, pretty)
    started = time.perf_counter()
    json.loads(raw)
    baseline = time.perf_counter() - started  # the machine's speed now: shared cores vary a lot
    started = time.perf_counter()
    reading = read_plan("big.json", raw)
    elapsed = time.perf_counter() - started
    assert len(reading.tables) == 10_000 and reading.not_judged is None
    assert reading.tables[-1].change.actions == ("update",)
    if pretty:
        last = reading.tables[-1]
        assert last.lines[0] == _address_line(raw.decode(), last.resource)
    # about 1 s on an idle core (json.loads alone: 0.3 to 0.7 s); the bound leaves room for a busy machine
    assert elapsed < max(2.0, 5 * baseline), f"{elapsed:.2f}s for {len(raw) / 1e6:.0f} MB (json.loads: {baseline:.2f}s)"


def test_nesting_pre_scan_is_fast_on_a_large_deep_file() -> None:
    # 50 MB: a deep list whose strings hold brackets; pre-scanned, never handed to the recursive parser
    raw = ('{"format_version": "1.2", "planned_values": '
           + '["[{x", ' * 400 + '"' + "a" * (50 * 1024 * 1024) + '"' + "]" * 400 + "}").encode()
    started = time.perf_counter()
    reading = read_plan("deep.json", raw)
    assert reading.not_judged == f"nested more than {MAX_DEPTH} levels deep, not read"
    assert time.perf_counter() - started < 3.0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["aws_dynamodb_table.t", "update", "", "data"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["address", "type", "values", "change", "actions", "resources", "child_modules", "mode"]),
        inner, max_size=3),
    max_leaves=8)
SLOTS = ["root_module", "resources", "resource", "address", "type", "mode", "values", "child_modules",
         "resource_changes", "change", "actions", "after", "planned_values"]


@settings(max_examples=300, deadline=None)
@given(slot=st.sampled_from(SLOTS), value=JSON_VALUES)
def test_any_value_in_any_slot_never_raises(slot: str, value: Any) -> None:
    table = dict(resource("module.m.aws_dynamodb_table.t", "aws_dynamodb_table", "t", table_values("t")))
    entry = change(table["address"], "aws_dynamodb_table", "t", ["update"], table_values("t"), table_values("t"))
    module = {"address": "module.m", "resources": [table]}
    root: Any = {"child_modules": [module]}
    data: dict = {"format_version": "1.2", "planned_values": {"root_module": root}, "resource_changes": [entry]}
    if slot in ("address", "type", "mode", "values"):
        table[slot] = value
    elif slot == "resource":
        module["resources"] = [value]
    elif slot in ("resources", "child_modules"):
        (module if slot == "resources" else root)[slot] = value
    elif slot in ("change", "resource_changes"):
        (entry if slot == "change" else data)[slot] = value
    elif slot in ("actions", "after"):
        entry["change"][slot] = value
    else:
        data["planned_values"] = value if slot == "planned_values" else {"root_module": value}
    reading = read_plan("fuzz.json", json.dumps(data).encode())
    assert isinstance(reading, FileReading)
    assert reading.not_judged is not None or all(t.resource_type == "aws_dynamodb_table" for t in reading.tables)
