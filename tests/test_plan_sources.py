"""Plan resource -> Terraform source place, on plain data (no checkov)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from checkov_pitr.domain.plan_sources import (
    ResourceAddress,
    SourceFinder,
    SourcePlace,
    is_local_source,
    module_folder,
    parse_address,
)


@pytest.mark.parametrize("address, expected", [
    ("aws_dynamodb_table.t", ResourceAddress((), "managed", "aws_dynamodb_table", "t")),
    ('aws_dynamodb_table.t["alpha"]', ResourceAddress((), "managed", "aws_dynamodb_table", "t")),
    ("aws_dynamodb_table.t[3]", ResourceAddress((), "managed", "aws_dynamodb_table", "t")),
    ("module.a.module.b.aws_dynamodb_table.t",
     ResourceAddress(("a", "b"), "managed", "aws_dynamodb_table", "t")),
    # instance keys of modules are dropped: every instance shares the module's source folder
    ('module.a["x.y"].module.b[0].aws_dynamodb_table_replica.r["eu-west-2"]',
     ResourceAddress(("a", "b"), "managed", "aws_dynamodb_table_replica", "r")),
    # a key holding dots, brackets and an escaped quote does not split the address
    ('aws_dynamodb_table.t["a.b]\\"c"]', ResourceAddress((), "managed", "aws_dynamodb_table", "t")),
    ("data.aws_dynamodb_table.t", ResourceAddress((), "data", "aws_dynamodb_table", "t")),
    ("module.m.data.aws_dynamodb_table.t", ResourceAddress(("m",), "data", "aws_dynamodb_table", "t")),
])
def test_parse_address(address: str, expected: ResourceAddress) -> None:
    assert parse_address(address) == expected


@pytest.mark.parametrize("address", [
    "", "aws_dynamodb_table", "module.a", "aws_dynamodb_table.t.", 'aws_dynamodb_table.t["open',
    "aws_dynamodb_table.t[1", "a.b.c", "aws_dynamodb_table..t", None,
])
def test_parse_address_rejects_what_is_not_a_resource_address(address) -> None:
    assert parse_address(address) is None


@pytest.mark.parametrize("source, local", [
    ("./modules/tables", True), ("../shared/tables", True), (".\\modules\\tables", True),
    ("terraform-aws-modules/dynamodb-table/aws", False), ("git::https://example.com/m.git", False),
    ("github.com/org/module", False), ("modules/tables", False), (None, False),
])
def test_is_local_source_follows_terraform(source, local: bool) -> None:
    assert is_local_source(source) is local


CONFIGURATION = {
    "root_module": {
        "module_calls": {
            "tables": {
                "source": "./modules/tables",
                "module": {"module_calls": {
                    "archive": {"source": "./archive", "module": {}},
                    "shared": {"source": "../shared", "module": {}},
                    "registry": {"source": "terraform-aws-modules/dynamodb-table/aws", "module": {
                        "module_calls": {"inner": {"source": "./inner", "module": {}}}}},
                }},
            },
            "remote": {"source": "git::https://example.com/tables.git", "module": {}},
        }
    }
}


@pytest.mark.parametrize("modules, expected", [
    ((), "/repo/infra"),
    (("tables",), "/repo/infra/modules/tables"),
    (("tables", "archive"), "/repo/infra/modules/tables/archive"),  # relative to the calling module
    (("tables", "shared"), "/repo/infra/modules/shared"),
    (("tables", "registry"), None),
    (("tables", "registry", "inner"), None),  # local inside a registry module: not on disk either
    (("remote",), None),
    (("unknown",), None),
])
def test_module_folder(modules, expected) -> None:
    result = module_folder(CONFIGURATION, modules, "/repo/infra")
    assert result == (os.path.normpath(expected) if expected else None)


def test_module_folder_without_configuration_knows_only_the_root() -> None:
    assert module_folder({}, (), "/repo") == "/repo"
    assert module_folder({}, ("tables",), "/repo") is None


HCL = '''\
variable "x" {
  default = "resource \\"aws_dynamodb_table\\" \\"t\\" {"
}

resource "aws_dynamodb_table" "other" {
  name = "other"
}

resource "aws_dynamodb_table" "t" {
  name = "t-${var.x}"   # a brace in a comment: }
  tags = { Note = "a brace in a string: }" }
  /* a brace in a
     block comment: } */
  description = <<-EOT
    a heredoc with }
    EOT
  point_in_time_recovery {
    enabled = true
  }
}

data "aws_dynamodb_table" "t" {
  name = "t"
}
'''


def test_find_block_gives_the_resource_line_and_its_closing_brace(tmp_path: Path) -> None:
    _write(tmp_path / "main.tf", HCL)
    finder = SourceFinder()
    assert finder.find_block(str(tmp_path), "aws_dynamodb_table", "t") == SourcePlace(str(tmp_path / "main.tf"), 9, 20)
    assert finder.find_block(str(tmp_path), "aws_dynamodb_table", "other") == SourcePlace(str(tmp_path / "main.tf"), 5, 7)
    assert finder.find_block(str(tmp_path), "aws_dynamodb_table", "missing") is None
    assert finder.find_block(str(tmp_path), "aws_dynamodb_table_replica", "t") is None


def test_find_block_in_tf_json_gives_the_name_key_and_its_closing_brace(tmp_path: Path) -> None:
    text = json.dumps({"resource": {"aws_dynamodb_table": {"other": {}, "t": {"name": "t"}}}}, indent=2)
    path = _write(tmp_path / "tables.tf.json", text)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith('"t"')) + 1
    assert SourceFinder().find_block(str(tmp_path), "aws_dynamodb_table", "t") == SourcePlace(str(path), start, start + 2)
    _write(tmp_path / "broken" / "x.tf.json", "not json")
    assert SourceFinder().find_block(str(tmp_path / "broken"), "aws_dynamodb_table", "t") is None


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _plan(module_calls=None) -> dict:
    return {"format_version": "1.2", "planned_values": {}, "configuration": {"root_module": {
        "resources": [{"address": "aws_dynamodb_table.root", "type": "aws_dynamodb_table", "name": "root"}],
        "module_calls": module_calls or {}}}}


def test_source_finder_follows_local_modules(tmp_path: Path) -> None:
    _write(tmp_path / "infra" / "main.tf", '# root\n\nresource "aws_dynamodb_table" "root" {\n}\n')
    module_tf = _write(tmp_path / "infra" / "modules" / "tables" / "tables.tf",
                       'locals {}\n\nresource "aws_dynamodb_table" "t" {\n  name = "t"\n}\n')
    plan = _plan({"tables": {"source": "./modules/tables", "module": {}}})
    finder = SourceFinder()
    place = finder.locate(plan, 'module.tables.aws_dynamodb_table.t["k"]', [str(tmp_path / "infra")])
    assert place is not None and (place.path, place.start_line, place.end_line) == (str(module_tf), 3, 5)
    root = finder.locate(plan, "aws_dynamodb_table.root", [str(tmp_path / "infra")])
    assert root is not None and root.path.endswith("main.tf") and root.start_line == 3


def test_source_finder_tries_the_next_root_when_the_plan_is_elsewhere(tmp_path: Path) -> None:
    # the plan was moved to plans/; the scanned root holds the source
    (tmp_path / "plans").mkdir()
    tf = _write(tmp_path / "infra" / "main.tf", 'resource "aws_dynamodb_table" "root" {\n}\n')
    place = SourceFinder().locate(_plan(), "aws_dynamodb_table.root", [str(tmp_path / "plans"), str(tmp_path / "infra")])
    assert place is not None and place.path == str(tf) and place.start_line == 1


def test_source_finder_has_no_place_for_registry_modules_or_missing_blocks(tmp_path: Path) -> None:
    _write(tmp_path / "main.tf", 'module "t" {\n  source = "terraform-aws-modules/dynamodb-table/aws"\n}\n')
    plan = _plan({"t": {"source": "terraform-aws-modules/dynamodb-table/aws", "module": {}}})
    finder = SourceFinder()
    assert finder.locate(plan, "module.t.aws_dynamodb_table.this[0]", [str(tmp_path)]) is None
    assert finder.locate(plan, "aws_dynamodb_table.not_written", [str(tmp_path)]) is None
    assert finder.locate({"format_version": "1.2"}, "module.t.aws_dynamodb_table.this", [str(tmp_path)]) is None
    assert finder.locate(plan, "not an address", [str(tmp_path)]) is None


def test_source_finder_reads_each_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checkov_pitr.domain import plan_sources

    _write(tmp_path / "main.tf", 'resource "aws_dynamodb_table" "a" {\n}\nresource "aws_dynamodb_table" "b" {\n}\n')
    finder = SourceFinder()
    read = []
    real = plan_sources.resource_blocks
    monkeypatch.setattr(plan_sources, "resource_blocks", lambda path: read.append(path) or real(path))
    assert finder.locate(_plan(), "aws_dynamodb_table.a", [str(tmp_path)]).start_line == 1
    assert finder.locate(_plan(), "aws_dynamodb_table.b", [str(tmp_path)]).start_line == 3
    assert read == [str(tmp_path / "main.tf")]
