"""`checkov-pitr-pre-commit FILES...`: the pre-commit hook's entry point.

pre-commit passes the changed files. Scanning a changed `.tf` alone (`-f main.tf`) would leave
module arguments unjudged (`module "orders" { pitr = false }` is read only when checkov scans the
folder and loads the module), so the hook scans Terraform *root folders* instead:

- the folder of each changed `.tf` / `.tf.json` file, when no other folder calls it as a local
  module (`source = "./..."` or `"../..."`);
- when it is a local module, the folders that call it (transitively, up to the roots), found by a
  cheap text search of the repository's Terraform files; the module's tables are judged there,
  with the arguments each caller passes.

Changed templates (CloudFormation, SAM, CDK output, serverless.yml) and plan JSON files are scanned
as files, and only when they can hold a table (the text names a DynamoDB resource type, or a plan's
resource_changes): a Kubernetes manifest, a workflow or a package.json is not ours, and the hook says
nothing about it.

Arguments before the file names (the hook's `args:`) are checkov-pitr's and checkov's options,
e.g. `--policy .checkov-pitr.yaml --compact`. Exit code: the highest of the runs (2 > 1 > 0).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
# text that a file holding a table must contain somewhere
TABLE_MARKERS = ("AWS::DynamoDB::", "AWS::Serverless::SimpleTable", "aws_dynamodb_table", "awscc_dynamodb",
                 '"resource_changes"')
SKIP_DIRS = {".git", ".terraform", ".terragrunt-cache", "node_modules", ".serverless", ".venv", "venv",
             "__pycache__", "cdk.out"}
TERRAFORM_FRAMEWORKS = ("terraform", "terraform_json")

_MODULE_BLOCK = re.compile(r'(?m)^\s*module\s+"[^"]*"\s*\{')
_SOURCE = re.compile(r'(?m)^\s*source\s*=\s*"([^"]+)"')
_BLOCK_START = re.compile(r'(?m)^\S')  # the next top-level line ends a block


# checkov options that take no value; every other option takes the next argument as its value
FLAGS = {"--quiet", "--compact", "--soft-fail", "--no-guide", "--skip-download", "--skip-results-upload",
         "--include-all-checkov-policies", "--enable-secret-scan-all-files", "--show-config", "--list",
         "--deep-analysis", "--support"}


def split_arguments(argv: Sequence[str]) -> Tuple[List[str], List[str]]:
    """(options, files): pre-commit appends the changed file names after the hook's `args:`."""
    options: List[str] = []
    files: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("-") and len(arg) > 1:
            options.append(arg)
            if "=" not in arg and arg not in FLAGS and i + 1 < len(argv):
                options.append(argv[i + 1])  # its value (`--policy p.yaml`), never a changed file
                i += 1
        else:
            files.append(arg)
        i += 1
    return options, files


def _local_module_sources(path: str) -> List[str]:
    """Local module sources (./ or ../) called from one Terraform file, as absolute folders."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return []
    sources: List[str] = []
    if path.endswith((".tf.json", ".tofu.json")):
        try:
            modules = json.loads(text).get("module") or {}
        except (ValueError, AttributeError):
            return []
        items = modules if isinstance(modules, list) else [modules]
        for item in items:
            for body in (item.values() if isinstance(item, dict) else []):
                for entry in (body if isinstance(body, list) else [body]):
                    source = entry.get("source") if isinstance(entry, dict) else None
                    if isinstance(source, str):
                        sources.append(source)
    else:
        for match in _MODULE_BLOCK.finditer(text):
            rest = text[match.end():]
            end = _BLOCK_START.search(rest)
            found = _SOURCE.search(rest[:end.start()] if end else rest)
            if found:
                sources.append(found.group(1))
    return [os.path.normpath(os.path.join(folder, s)) for s in sources if s.startswith(("./", "../"))]


def terraform_files(top: str) -> Iterable[str]:
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            if name.endswith(TERRAFORM_SUFFIXES):
                yield os.path.join(root, name)


def module_callers(top: str) -> Dict[str, Set[str]]:
    """Module folder -> the folders whose Terraform files call it as a local module."""
    callers: Dict[str, Set[str]] = {}
    for path in terraform_files(top):
        caller = os.path.dirname(os.path.abspath(path))
        for module in _local_module_sources(path):
            if module != caller:
                callers.setdefault(module, set()).add(caller)
    return callers


def root_folders(changed: Sequence[str], top: str) -> List[str]:
    """The Terraform root folders to scan for the changed .tf / .tf.json files."""
    callers: Optional[Dict[str, Set[str]]] = None
    roots: Set[str] = set()
    for path in changed:
        start = os.path.dirname(os.path.abspath(path))
        if callers is None:
            callers = module_callers(top)
        pending, seen = [start], set()
        while pending:  # walk up the call graph to the folders nobody calls
            folder = pending.pop()
            if folder in seen:
                continue
            seen.add(folder)
            up = callers.get(folder)
            if up:
                pending.extend(up)
            else:
                roots.add(folder)
    return sorted(roots)


def holds_tables(path: str) -> bool:
    """Whether a changed template or JSON file can hold a table (see TABLE_MARKERS)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(8 * 1024 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return False
    return any(marker in text for marker in TABLE_MARKERS)


def plan_runs(options: Sequence[str], files: Sequence[str], top: str) -> List[List[str]]:
    """The checkov-pitr command lines (arguments) to run for the changed files."""
    terraform = [f for f in files if f.endswith(TERRAFORM_SUFFIXES)]
    templates = [f for f in files if not f.endswith(TERRAFORM_SUFFIXES) and f.endswith(TEMPLATE_SUFFIXES)
                 and holds_tables(f)]
    has_framework = any(o == "--framework" or o.startswith("--framework=") for o in options)
    runs: List[List[str]] = []
    folders = root_folders(terraform, top) if terraform else []
    if folders:
        run = [*options]
        for folder in folders:
            run += ["-d", os.path.relpath(folder, top) if _inside(folder, top) else folder]
        if not has_framework:
            run += ["--framework", *TERRAFORM_FRAMEWORKS]  # the folders' templates are judged as files
        runs.append(run)
    if templates:
        run = [*options]
        for path in templates:
            run += ["-f", path]
        runs.append(run)
    return runs


def _inside(path: str, top: str) -> bool:
    rel = os.path.relpath(path, top)
    return not rel.startswith(os.pardir)


def _run(arguments: Sequence[str]) -> int:
    return subprocess.call([sys.executable, "-m", "checkov_pitr.cli", *arguments])


def main(argv: Optional[Sequence[str]] = None) -> int:
    options, files = split_arguments(sys.argv[1:] if argv is None else argv)
    top = os.getcwd()  # pre-commit runs hooks from the repository's top level
    worst = 0
    for arguments in plan_runs(options, files, top):
        code = _run(arguments)
        worst = max(worst, code if code in (0, 1) else 2)
    return worst


if __name__ == "__main__":
    sys.exit(main())
