"""Performance promises that can be tested without timing anything (timings are benchmarks/run.py's):

- loading our checks into plain checkov reads no file and no policy (they only register);
- the engine reads each scanned file once, and parses only files that may hold a table.
"""
from __future__ import annotations

import builtins
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import FIXTURES


def _python(script: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-c", script], cwd=str(cwd), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_loading_our_checks_reads_no_file_and_no_policy(tmp_path: Path) -> None:
    script = """
import sys
import checkov.main  # checkov's own start-up is not ours
opened = []
sys.addaudithook(lambda event, args: opened.append(args[0]) if event == "open" and isinstance(args[0], str)
                 and not args[0].endswith((".py", ".pyc")) else None)
from checkov.cloudformation.checks.resource.registry import cfn_registry
from checkov.terraform.checks.resource.registry import resource_registry
from checkov_pitr.cli import checks_dir
resource_registry.load_external_checks(checks_dir())
cfn_registry.load_external_checks(checks_dir())
from checkov_pitr.domain import policy
ids = sorted({c.id for c in resource_registry.checks.get("aws_dynamodb_table", []) if c.id.startswith("CKV_PITR")})
print(ids, opened, policy._cached_policy.cache_info().currsize)
"""
    assert _python(script, tmp_path).strip() == "['CKV_PITR_001', 'CKV_PITR_002', 'CKV_PITR_003'] [] 0"


def test_the_engine_reads_each_file_once_and_parses_only_candidates(tmp_path, monkeypatch) -> None:
    from checkov_pitr.domain.policy import load_policy
    from checkov_pitr.domain.readers import cloudformation
    from checkov_pitr.engine.options import parse_scan_arguments
    from checkov_pitr.engine.scan import scan

    for folder in ("cloudformation", "plan", "terraform/local_module_twice"):
        target = tmp_path / folder.replace("/", "_")
        target.mkdir()
        for source in (FIXTURES / folder).rglob("*"):
            if source.is_file():
                destination = target / source.relative_to(FIXTURES / folder)
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(source.read_bytes())
    for n in range(20):  # files that cannot hold a table: not parsed
        (tmp_path / f"workflow_{n}.yaml").write_text("on: push\njobs: {}\n", encoding="utf-8")
    opened: Counter = Counter()
    original_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if isinstance(file, str) and file.startswith(str(tmp_path)):
            opened[file] += 1
        return original_open(file, *args, **kwargs)

    original_os_open = os.open

    def counting_os_open(file, *args, **kwargs):
        if isinstance(file, str) and file.startswith(str(tmp_path)):
            opened[file] += 1
        return original_os_open(file, *args, **kwargs)

    parsed = []
    original_read_template = cloudformation.read_template
    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(os, "open", counting_os_open)
    monkeypatch.setattr(cloudformation, "read_template",
                        lambda path, raw: parsed.append(path) or original_read_template(path, raw))
    result = scan(parse_scan_arguments(["-d", str(tmp_path)]), load_policy(None))
    assert len({f.resource for f in result.findings}) > 10
    assert len([p for p in opened if p.endswith((".tf", ".json", ".yaml"))]) > 10
    assert max(opened.values()) == 1, [p for p, n in opened.items() if n > 1]
    assert not [p for p in parsed if "workflow_" in p]
