"""The families of the attack round (issue 19), end to end: each a small input that must make the gate
fail (exit 1, the table FAILED with a message), with no traceback and no workflow command in any
output. Inputs that cannot live in git (device symlinks, non-UTF-8 names) are made in tmp_path."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import List

import jsonschema
import pytest

from conftest import FIXTURES, TESTS, assert_row, index_report, read_expected, run_pitr

FAMILIES = FIXTURES / "attack_families"
SARIF_SCHEMA = json.loads((TESTS / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
TABLE_WITHOUT_PITR = b"""Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""


def assert_clean(*texts: str) -> None:
    """No traceback, and no line a GitHub runner would take as a workflow command."""
    for text in texts:
        assert "Traceback" not in text, text
        assert not [line for line in text.splitlines() if line.lstrip().startswith("::")], text


# --- outputs and names -------------------------------------------------------------------------------

NAMES = [os.fsdecode(b"bad\xff.yaml"), "new\nline.yaml", "::warning x.yaml", "a|b.yaml", "x\n::error y.yaml"]
FORMATS = ["cli", "json", "sarif", "junitxml", "github_failed_only", "gitlab_sast", "csv"]


@pytest.fixture(scope="module")
def named_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    folder = root / "::error dir"
    folder.mkdir()
    for name in NAMES:
        (folder / name).write_bytes(TABLE_WITHOUT_PITR)
    return root


@pytest.mark.parametrize("output", FORMATS)
@pytest.mark.parametrize("scanned", [".", "::error dir"])
def test_file_names_are_data_in_every_output(named_tree: Path, tmp_path: Path, output: str, scanned: str) -> None:
    target = tmp_path / "missing" / "folder"  # an --output-file-path folder that does not exist is created
    process = run_pitr("-d", scanned, "-o", output, "--output-file-path", str(target), cwd=named_tree)
    assert process.returncode == 1, process.stderr
    assert_clean(process.stdout, process.stderr)
    written = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert written, "nothing written under the output folder"
    if output == "json":
        report = json.loads(written["results_json.json"])
        assert len(report["results"]["failed_checks"]) == len(NAMES)
    elif output == "sarif":
        sarif = json.loads(written["results_sarif.sarif"])
        jsonschema.validate(sarif, SARIF_SCHEMA)
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
        assert len(uris) == len(NAMES) and any(uri.endswith("bad%FF.yaml") for uri in uris), uris
    elif output == "csv":
        assert any(name.endswith("_iac.csv") for name in written), written
    for text in written.values():
        assert "Traceback" not in text


def test_file_names_are_data_on_stderr(named_tree: Path) -> None:
    """-f names every file; a missing one with a newline in its name is one line, not a command."""
    process = run_pitr("-d", ".", "-f", "::error dir/x\n::warning missing.yaml", "-o", "json", cwd=named_tree)
    assert process.returncode == 2
    assert_clean(process.stdout, process.stderr)
    assert len(process.stderr.splitlines()) == 1, process.stderr
