"""Shared helpers: run the installed `checkov-pitr` (or plain checkov) and index its JSON report."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent


def tool(name: str) -> str:
    """A console script of the environment running the tests."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def run(args: Sequence[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None,
        timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "CHECKOV_PITR_POLICY"}
    full_env.update(env or {})
    return subprocess.run(list(args), cwd=str(cwd or TESTS), env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def run_pitr_process(*args: str, cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """A true end-to-end run of the installed console script."""
    return run([tool("checkov-pitr"), *args], cwd=cwd, env=env)


_IN_PROCESS = threading.Lock()


def run_pitr(*args: str, cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """`checkov-pitr ARGS` judged in this process (the engine keeps no state between runs), with the
    same working folder, environment, output streams and exit code a subprocess would have."""
    with _IN_PROCESS:  # one at a time: a run owns the working folder and the environment
        return _run_in_process(list(args), cwd, env)


def _run_in_process(args: List[str], cwd: Optional[Path], env: Optional[Dict[str, str]]) -> subprocess.CompletedProcess:
    import io
    from contextlib import redirect_stdout

    from checkov_pitr.cli import main

    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.pop("CHECKOV_PITR_POLICY", None)
        os.environ.update(env or {})
        os.chdir(str(cwd or TESTS))
        with redirect_stdout(out):  # anything printed directly still lands in the captured stdout
            code = main(list(args), out, err)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["checkov-pitr", *args], code, out.getvalue(), err.getvalue())


def json_documents(text: str) -> List[object]:
    """checkov may print more than one JSON document; read them all."""
    decoder = json.JSONDecoder()
    docs, i = [], 0
    while True:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p >= 0]
        if not starts:
            return docs
        try:
            obj, i = decoder.raw_decode(text, min(starts))
        except json.JSONDecodeError:
            i = min(starts) + 1
            continue
        docs.append(obj)


Key = Tuple[str, str, str]  # (file_path as checkov reports it, resource, check_id)


def index_report(stdout: str) -> Dict[Key, List[dict]]:
    """(file, resource, check) -> the result records (verdict in record['_verdict'])."""
    found: Dict[Key, List[dict]] = {}
    for doc in json_documents(stdout):
        for report in doc if isinstance(doc, list) else [doc]:
            if not isinstance(report, dict):
                continue
            results = report.get("results", {})
            for key, verdict in (("passed_checks", "PASSED"), ("failed_checks", "FAILED"), ("skipped_checks", "SKIPPED")):
                for record in results.get(key, []):
                    record = dict(record, _verdict=verdict, _check_type=report.get("check_type"))
                    found.setdefault((record["file_path"], record["resource"], record["check_id"]), []).append(record)
    return found


def read_expected(path: Path) -> List[Tuple[str, str, str, str, str]]:
    """Rows of an expected.tsv: file, resource, check_id, verdict, message substring (may be empty)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        while len(parts) < 5:
            parts.append("")
        rows.append(tuple(parts[:5]))
    return rows


Row = Tuple[str, str, str, str, str]  # file, resource, check_id, verdict, message substring


class FolderScan:
    """One `checkov-pitr -d . -o json` run from inside a fixture folder (files report as "/name")."""

    def __init__(self, folder: str, *extra: str) -> None:
        self.path = FIXTURES / folder
        self.process = run_pitr("-d", ".", "-o", "json", *extra, cwd=self.path)
        self.report: Dict[Key, List[dict]] = index_report(self.process.stdout)

    @property
    def expected(self) -> List[Row]:
        return read_expected(self.path / "expected.tsv")


_folder_scans: Dict[Tuple[str, ...], FolderScan] = {}


@pytest.fixture(scope="session")
def scans():
    """scans(folder, *extra checkov-pitr arguments): each distinct scan runs once per session."""
    def get(folder: str, *extra: str) -> FolderScan:
        key = (folder, *extra)
        if key not in _folder_scans:
            _folder_scans[key] = FolderScan(folder, *extra)
        return _folder_scans[key]

    return get


def folder_rows(folders: Sequence[str]) -> List[Tuple[str, Row]]:
    return [(folder, row) for folder in folders for row in read_expected(FIXTURES / folder / "expected.tsv")]


def assert_row(report: Dict[Key, List[dict]], row: Row, framework: Optional[str] = None) -> None:
    """The row's verdict, exactly once, with its message in details (SKIPPED: in the suppress comment)."""
    file, resource, check_id, verdict, message = row
    records = report.get((file, resource, check_id), [])
    if verdict == "NONE":
        assert records == [], f"expected no result, got {[(r['_verdict'], r['details']) for r in records]}"
        return
    assert len(records) == 1, f"expected one {verdict} result, got {[r['_verdict'] for r in records]}"
    record = records[0]
    assert record["_verdict"] == verdict, record["details"]
    if framework:
        assert record["_check_type"] == framework
    if verdict == "SKIPPED":
        assert message in (record["check_result"].get("suppress_comment") or ""), record["check_result"]
    elif message:
        assert len(record["details"]) == 1 and message in record["details"][0], record["details"]
        assert "\n" not in record["details"][0]


def apply_unified_diff(before: str, diff: str) -> str:
    """Apply a unified diff of one file (as `patch` would), checking every context and removed line."""
    old = before.split("\n")
    old = [line + "\n" for line in old[:-1]] + ([old[-1]] if old[-1] else [])
    out, position, lines = [], 0, diff.splitlines(keepends=True)[2:]
    index = 0
    while index < len(lines):
        header = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", lines[index])
        assert header, lines[index]
        start = int(header.group(1)) - (0 if header.group(2) == "0" else 1)
        out += old[position:start]
        position = start
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            line = lines[index]
            body = line[1:]
            if index + 1 < len(lines) and lines[index + 1].startswith("\\ No newline"):
                body = body[:-1]
                index += 1
            if line[0] in " -":
                assert old[position] == body, (old[position], body)
                position += 1
            if line[0] in " +":
                out.append(body)
            index += 1
    return "".join(out + old[position:])
