"""The engine: walk the inputs, read each file once with the domain's readers, judge every table under the
policy. Every entry point calls `scan()` in-process; no checkov here (outputs/ renders the findings)."""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from checkov_pitr.domain import verdicts
from checkov_pitr.domain.core import Result
from checkov_pitr.domain.inventory import (
    NOT_JUDGED_RESOURCE, TERRAFORM_PLAN, FileReading, FoundTable, is_terraform_file, read_files,
)
from checkov_pitr.domain.policy import Exemption, LoadedPolicy
from checkov_pitr.domain.skips import IGNORED_NOTE, named_in_values
from checkov_pitr.engine.options import ScanOptions
from checkov_pitr.rule import PITR_ENABLED

PASSED, FAILED, SKIPPED, UNKNOWN = "PASSED", "FAILED", "SKIPPED", "UNKNOWN"
_VERDICT = {Result.PASSED: PASSED, Result.FAILED: FAILED, Result.UNKNOWN: UNKNOWN}
# checkov skips these folders by name (CKV_IGNORED_DIRECTORIES' default), and every hidden name
IGNORED_DIRECTORIES = ("node_modules", ".terraform", ".serverless")


@dataclass(frozen=True)
class Finding:
    """One check's result on one table (or on a file that could not be read)."""

    check_id: str
    result: str  # PASSED | FAILED | SKIPPED | UNKNOWN (UNKNOWN: policy `unresolved: unknown`, listed, not counted)
    framework: str  # checkov's check type
    resource: str  # the name checkov gives the resource
    path: str  # the file as joined from its scan root
    file_path: str  # the file as checkov reports it: relative to its scan root, with a leading /
    lines: Tuple[int, int]
    reason: str  # one line
    severity: str
    suppress_comment: Optional[str] = None  # SKIPPED: why
    exemption: Optional[Exemption] = None  # SKIPPED by this policy exemption (else by a skip comment or Metadata)
    expired: Optional[Exemption] = None  # an exemption that matched but has expired (named in the reason)
    table: Optional[FoundTable] = None  # None for a file that could not be read


@dataclass
class ScanResult:
    findings: List[Finding] = field(default_factory=list)
    warnings: List[Tuple[str, str]] = field(default_factory=list)  # (path, one line)
    files_judged: Set[str] = field(default_factory=set)  # real paths of files that held a table or a reason


def walk(options: ScanOptions) -> List[Tuple[str, str, bool]]:
    """(path, scan root, named with -f) for each -f file and each file under each -d folder that
    checkov's skip rules leave, in a stable order. A symlinked folder is followed (a pull request
    could otherwise hide a deployable folder behind a link into a skipped one), each real folder once."""
    patterns: List["re.Pattern[str]"] = []
    for pattern in options.skip_paths:
        try:  # checkov's rule: a pattern like ".x" is literal, others are regexes
            patterns.append(re.compile(re.escape(pattern) if re.match(r"^\.[^\.]", pattern) else pattern))
        except re.error:
            continue

    def kept(root: str, names: List[str]) -> List[str]:
        """checkov's filter_ignored_paths: hidden names and IGNORED_DIRECTORIES go, then --skip-path
        (a regex search of, or a substring in, the path joined from the scan root)."""
        return sorted(n for n in names if n not in IGNORED_DIRECTORIES and not n.startswith(".")
                      and not any(p.search(os.path.join(root, n)) for p in patterns)
                      and not any(s in os.path.join(root, n) for s in options.skip_paths))

    found: List[Tuple[str, str, bool]] = [(f, os.curdir, True) for f in options.files]
    for directory in options.directories:
        seen = {os.path.realpath(directory)}
        for root, dir_names, file_names in os.walk(directory, followlinks=True):
            folders = []
            for name in kept(root, dir_names):
                real = os.path.realpath(os.path.join(root, name))
                if real not in seen:
                    seen.add(real)
                    folders.append(name)
            dir_names[:] = folders
            found.extend((os.path.join(root, name), directory, False) for name in kept(root, file_names))
    return found


def reported_path(path: str, root: str) -> str:
    """The `file_path` checkov reports for a file: relative to its scan root, with a leading /."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return "/" + relative.replace(os.sep, "/")


def read_inputs(options: ScanOptions, policy: LoadedPolicy) -> Tuple[List[FileReading], Dict[str, Tuple[str, str]]]:
    """Every reading of the inputs, and realpath -> (path as joined from its scan root, scan root)."""
    from checkov_pitr.domain.readers.terraform import read_terraform_tree

    terraform = functools.partial(read_terraform_tree, var_files=options.var_files, deployed_with=policy.deployed_with)
    walked = walk(options)
    where = {os.path.realpath(path): (path, root) for path, root, _ in walked}
    terraform_by_root: Dict[str, Set[str]] = {}
    named_terraform: List[str] = []
    others: List[Tuple[str, bool]] = []
    for path, root, named in walked:
        if not is_terraform_file(path):
            others.append((path, named))
        elif named:
            named_terraform.append(path)
        else:
            terraform_by_root.setdefault(root, set()).add(os.path.dirname(os.path.abspath(path)))
    readings = [r for r in read_files(others) if r is not None]
    for root, folders in terraform_by_root.items():
        readings += terraform(folders, root)
    named_by_folder: Dict[str, Set[str]] = {}  # -f main.tf: its folder is read (once for all its -f files) ...
    for path in named_terraform:
        named_by_folder.setdefault(os.path.dirname(os.path.abspath(path)), set()).add(os.path.realpath(path))
    for folder, named_files in named_by_folder.items():
        real_folder = os.path.realpath(folder)
        for reading in terraform([folder], os.curdir):  # ... and what the named files declare or call is kept
            reading.tables = [t for t in reading.tables
                              if any(_declared_or_called_by(t, named, real_folder) for named in named_files)]
            if os.path.realpath(reading.path) in named_files or reading.tables:
                readings.append(reading)
    return readings, where


def _declared_or_called_by(table: FoundTable, named: str, folder: str) -> bool:
    """A table of `-f named.tf`: written there, or created by a module call written there. A table of
    a nested module (called from a module's folder) is kept too: which root file began the chain is
    not recorded, and judging one table more is the safe side."""
    if os.path.realpath(table.path) == named:
        return True
    caller = os.path.realpath(table.calling_file) if table.calling_file else None
    return caller == named or (caller is not None and os.path.dirname(caller) != folder)


@dataclass
class _Judge:
    options: ScanOptions
    policy: LoadedPolicy
    where: Dict[str, Tuple[str, str]]

    def __post_init__(self) -> None:
        self.place = functools.lru_cache(maxsize=None)(self._place)  # once per file, not once per finding

    def _place(self, path: str, framework: str = "") -> Tuple[str, str]:
        """(path as joined from its scan root, file_path as checkov reports it). checkov reports a -f
        file relative to the working folder, except a plan: relative to the folder all -f files share."""
        joined, root = self.where.get(os.path.realpath(path), (None, None))
        if framework == TERRAFORM_PLAN and root == os.curdir and joined is not None and self.options.files:
            root = os.path.commonpath([os.path.dirname(os.path.abspath(f)) for f in self.options.files])
        if joined is None:
            joined, root = path, os.curdir
            absolute = os.path.abspath(path)
            for directory in self.options.directories:
                base = os.path.abspath(directory)
                if absolute.startswith(base + os.sep):
                    joined, root = os.path.join(directory, os.path.relpath(absolute, base)), directory
                    break
        return joined, reported_path(joined, root)

    def finding(self, table: FoundTable, check_id: str) -> Optional[Finding]:
        joined, shown = self.place(table.path, table.framework)
        base = dict(check_id=check_id, framework=table.framework, resource=table.resource, path=joined,
                    file_path=shown, lines=table.lines, severity=self.policy.severity_for(check_id), table=table)
        skip = table.skips.get(check_id)
        if skip is not None:
            return Finding(result=SKIPPED, reason="", suppress_comment=skip or "skipped by a checkov:skip comment",
                           **base)
        verdict = verdicts.judge(table, check_id, self.policy.core)
        if verdict.result not in _VERDICT:
            return None  # NONE: this check has nothing to say about this table
        reason = " ".join(verdict.reason.splitlines())
        try:
            ids = list(table.resource_ids) or [table.resource]
            exemption, expired = self.policy.exemption_for(check_id, ids, dict(table.tags))
        except Exception:  # exemption matching must never hide a table
            exemption, expired = None, None
        if exemption is not None and verdict.result is not Result.UNKNOWN:
            return Finding(result=SKIPPED, reason=reason, suppress_comment=exemption.comment(), exemption=exemption, **base)
        if expired is not None and verdict.result is Result.FAILED:
            reason += expired.expired_note
            base["expired"] = expired
        if verdict.result is Result.FAILED and named_in_values(table.config, check_id):
            reason += IGNORED_NOTE
        return Finding(result=_VERDICT[verdict.result], reason=reason, **base)

    def not_judged(self, reading: FileReading) -> Finding:
        joined, shown = self.place(reading.path, reading.framework)
        reason = f"{shown}: not judged: {reading.not_judged}; its DynamoDB tables, if any, were not judged"
        return Finding(check_id=PITR_ENABLED.id, result=FAILED, framework=reading.framework, resource=NOT_JUDGED_RESOURCE,
                       path=joined, file_path=shown, lines=(1, 1), reason=" ".join(reason.splitlines()),
                       severity=self.policy.severity_for(PITR_ENABLED.id))


def scan(options: ScanOptions, policy: LoadedPolicy) -> ScanResult:
    """Read and judge everything `options` names, under `policy`."""
    readings, where = read_inputs(options, policy)
    judge = _Judge(options, policy, where)
    result = ScanResult()
    for reading in readings:
        if reading.warning:
            result.warnings.append((reading.path, reading.warning))
        if reading.framework not in options.frameworks:
            continue
        if reading.tables or reading.not_judged:
            result.files_judged.add(os.path.realpath(reading.path))
        if reading.shadowed:
            continue  # the deploying tool does not read it; its tables are judged where they are read
        tables: Dict[str, FoundTable] = {}  # a resource written twice (a duplicate logical id) is one table, one result
        for table in reading.tables:
            tables.setdefault(table.resource, table)
        for table in tables.values():
            found = (judge.finding(table, c) for c in verdicts.checks_for(table) if c in options.checks)
            result.findings.extend(f for f in found if f is not None)
        if reading.not_judged and PITR_ENABLED.id in options.checks:
            result.findings.append(judge.not_judged(reading))
    result.warnings = list(dict.fromkeys(result.warnings))
    return result
