"""Reconciliation: after checkov's run and before any output is written, every table of our inventory
gets exactly one result per check.

checkov's result stands where it exists. Where checkov did not report a table (it refused the file,
skipped it, crashed on it, or never saw the table), we judge it with the core from our own reading
and add a Record to checkov's report of that framework, so every output (CLI, JSON, JUnit, SARIF)
and the exit code count it. Our reading replaces checkov's where it is the one Terraform or
CloudFormation would deploy (override files merged, `.tofu` precedence, a template CloudFormation
rejects). A file that may hold tables and that neither could read is one CKV_PITR_001 FAILED
result for the file, saying why and what to do.
"""
from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckResult
from checkov.common.output.record import Record
from checkov.common.output.report import Report

from checkov_pitr.domain import verdicts
from checkov_pitr.domain.core import Result
from checkov_pitr.domain.inventory import (
    NOT_JUDGED_RESOURCE, TERRAFORM_PLAN, FileReading, FoundTable, Inventory, TerraformFile, is_terraform_file,
)
from checkov_pitr.domain.readers.terraform import read_terraform_tree
from checkov_pitr.domain.policy import LoadedPolicy
from checkov_pitr.integration.scan import option_values, reported_path, root_of
from checkov_pitr.rule import CHECKS, PITR_ENABLED

CHECK_CLASS = "checkov_pitr.inventory"
_RESULT = {Result.PASSED: CheckResult.PASSED, Result.FAILED: CheckResult.FAILED}
_CODE_BLOCK_LINES = 40  # no more of a file is copied into a record's code block

# real path of the file -> resource -> checkov records of our checks
RecordIndex = Dict[str, Dict[str, List[Tuple[Report, "Record"]]]]


def _records(report: Report) -> Iterable[Record]:
    return list(report.passed_checks) + list(report.failed_checks) + list(report.skipped_checks)


def _is_ours(record: Record) -> bool:
    return record.check_id in CHECKS


@lru_cache(maxsize=None)
def _real(path: Optional[str]) -> str:
    # once per distinct path: realpath costs a few system calls, and every table asks for its file's
    return os.path.realpath(path) if path else ""


class Reconciler:
    """Adds, replaces and drops records so that checkov's reports and our inventory agree."""

    def __init__(self, inventory: Inventory, policy: LoadedPolicy, walked: Dict[str, Tuple[str, str]],
                 directories: Sequence[str], enabled: Callable[[str], bool] = lambda check_id: True) -> None:
        self.inventory = inventory
        self.policy = policy
        self.walked = walked  # realpath -> (path as checkov joins it, scan root)
        self.directories = list(directories)
        self.enabled = enabled
        self.added: List[Record] = []
        self.warnings: List[Tuple[str, str]] = []  # (path, warning) of readings made after checkov's run
        self._lines: Dict[str, List[str]] = {}
        self._bases: Dict[str, Dict[str, List[str]]] = {}  # real path -> name before an index -> names

    # --- the whole pass -------------------------------------------------------------------------
    def apply(self, reports: List[Report], frameworks: Optional[Set[str]] = None) -> List[Report]:
        by_type = {report.check_type: report for report in reports}
        index = self._index(reports)
        readings = list(self.inventory.readings)
        if frameworks is None or frameworks & {"terraform", "terraform_json"}:
            terraform = self._terraform_readings(index)
            self.warnings += [(r.path, r.warning) for r in terraform if r.warning]
            readings += terraform
        for reading in readings:
            if frameworks is not None and reading.framework not in frameworks and not _framework_family_runs(
                    reading.framework, frameworks):
                continue
            self._reconcile_file(reading, reports, by_type, index)
        return reports

    # --- Terraform: read in full only where checkov's results do not cover the text ---------------
    def _terraform_readings(self, index: "RecordIndex") -> List[FileReading]:
        roots = sorted({tf.root for tf in self.inventory.terraform
                        if tf.differs_from_checkov or not _declared_covered(tf, index)})
        if not roots:
            return []
        folders = sorted({(os.path.dirname(os.path.abspath(joined)), root)
                          for joined, root in self.walked.values()
                          if root in roots and is_terraform_file(joined)})
        var_files = option_values(sys.argv[1:], "--var-file")
        readings: List[FileReading] = []
        for root in roots:  # a module folder that another folder calls is read under each call only
            readings += read_terraform_tree([folder for folder, of in folders if of == root], root, var_files)
        return readings

    def _index(self, reports: Sequence[Report]) -> "RecordIndex":
        index: RecordIndex = {}
        real_paths: Dict[str, str] = {}
        for report in reports:
            for record in _records(report):
                if not _is_ours(record):
                    continue
                path = record.file_abs_path or ""
                if path not in real_paths:
                    real_paths[path] = _real(path)
                index.setdefault(real_paths[path], {}).setdefault(str(record.resource), []).append((report, record))
        return index

    def _reconcile_file(self, reading: FileReading, reports: List[Report], by_type: Dict[str, Report],
                        index: "RecordIndex") -> None:
        in_file = index.get(_real(reading.path), {})
        if reading.shadowed:
            for entries in in_file.values():  # a file the deploying tool does not read: its results are not real
                _drop(entries)
            in_file.clear()
            return
        had_results = bool(in_file)
        seen: Set[str] = set()
        for table in reading.tables:
            if table.resource in seen:
                continue  # a resource written twice (a duplicate logical id) is one table, one result
            seen.add(table.resource)
            matched = self._matching(table, index)
            if matched and not (table.authoritative or table.problem):
                continue  # checkov's result stands
            records = index.get(_real(table.path), {})
            for name in matched:
                _drop(records.pop(name))
            self._add_table(table, self._report(reading.framework, reports, by_type))
        # a file nobody read is one FAILED result; so is a part of a file we read that hides tables
        if reading.not_judged and (reading.tables or not had_results):
            self._add_not_judged(reading, self._report(reading.framework, reports, by_type))

    def _matching(self, table: FoundTable, index: "RecordIndex") -> List[str]:
        """checkov's names for the table in its file: the same name, or one of its count/for_each instances."""
        real = _real(table.path)
        records = index.get(real, {})
        if not records:
            return []
        bases = self._bases.get(real)
        if bases is None:
            bases = self._bases[real] = _instance_bases(records)
        matched: List[str] = []
        for name in (table.resource, *table.aliases):
            if name in records:
                matched.append(name)
            matched.extend(n for n in bases.get(name, ()) if n in records and n not in matched)
        return matched

    def _report(self, framework: str, reports: List[Report], by_type: Dict[str, Report]) -> Report:
        if framework not in by_type:
            by_type[framework] = Report(framework)
            reports.append(by_type[framework])
        return by_type[framework]

    # --- records --------------------------------------------------------------------------------
    def _add_table(self, table: FoundTable, report: Report) -> None:
        for check_id in verdicts.checks_for(table):
            if not self.enabled(check_id):
                continue
            record = self._table_record(table, check_id)
            if record is not None:
                self._add(report, record)

    def _table_record(self, table: FoundTable, check_id: str) -> Optional[Record]:
        skip = table.skips.get(check_id)
        if skip is not None:
            return self._record(table, check_id, CheckResult.SKIPPED, "", suppress=skip or "skipped by a checkov:skip comment")
        verdict = verdicts.judge(table, check_id, self.policy.core)
        if verdict.result is Result.UNKNOWN:
            from checkov_pitr.integration.visibility import record_unknown

            record_unknown(check_id, table.resource, table.path, " ".join(verdict.reason.splitlines()))
        if verdict.result not in _RESULT:
            return None  # UNKNOWN (policy `unresolved: unknown`) and NONE give no result, as in the checks
        reason = " ".join(verdict.reason.splitlines())
        exemption, expired = self._exemption(table, check_id)
        if exemption is not None:
            return self._record(table, check_id, CheckResult.SKIPPED, reason, suppress=exemption.comment())
        if expired is not None and verdict.result is Result.FAILED:
            reason += f" (exemption {expired.label} expired on {expired.expires.isoformat()})"
        return self._record(table, check_id, _RESULT[verdict.result], reason)

    def _exemption(self, table: FoundTable, check_id: str) -> Tuple[Any, Any]:
        if not self.policy.exemptions:
            return None, None
        try:
            return self.policy.exemption_for(check_id, list(table.resource_ids) or [table.resource], dict(table.tags))
        except Exception:  # exemption matching must never hide a table
            return None, None

    def _record(self, table: FoundTable, check_id: str, result: CheckResult, reason: str,
                suppress: Optional[str] = None) -> Record:
        joined, root = root_of(table.path, self.walked, self.directories)
        meta = CHECKS[check_id]
        check_result: Dict[str, Any] = {"result": result, "evaluated_keys": []}
        if suppress is not None:
            check_result["suppress_comment"] = suppress
        start, end = table.lines
        record = Record(
            check_id=check_id, check_name=meta.name, check_result=check_result,
            code_block=[] if table.framework == TERRAFORM_PLAN else self._code_block(table.path, start, end),
            file_path=reported_path(joined, root or os.curdir), file_line_range=[start, end],
            resource=table.resource, evaluations=None, check_class=CHECK_CLASS, file_abs_path=joined,
            severity=Severities[self.policy.severity_for(check_id)], details=[reason] if reason else [],
            caller_file_path=table.calling_file,
        )
        record.set_guideline(meta.guideline)
        return record

    def _add_not_judged(self, reading: FileReading, report: Report) -> None:
        if not self.enabled(PITR_ENABLED.id):
            return
        joined, root = root_of(reading.path, self.walked, self.directories)
        shown = reported_path(joined, root or os.curdir)
        reason = f"{shown}: not judged: {reading.not_judged}; its DynamoDB tables, if any, were not judged"
        record = Record(
            check_id=PITR_ENABLED.id, check_name=PITR_ENABLED.name,
            check_result={"result": CheckResult.FAILED, "evaluated_keys": []}, code_block=[],
            file_path=shown, file_line_range=[1, 1], resource=NOT_JUDGED_RESOURCE, evaluations=None,
            check_class=CHECK_CLASS, file_abs_path=joined,
            severity=Severities[self.policy.severity_for(PITR_ENABLED.id)], details=[" ".join(reason.splitlines())],
        )
        record.set_guideline(PITR_ENABLED.guideline)
        self._add(report, record)

    def _add(self, report: Report, record: Record) -> None:
        report.add_record(record)
        report.add_resource(f"{record.file_path}:{record.resource}")
        self.added.append(record)

    def _code_block(self, path: str, start: int, end: int) -> List[Tuple[int, str]]:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8-sig", errors="replace") as handle:
                    self._lines[path] = handle.read().splitlines()
            except OSError:
                self._lines[path] = []
        lines = self._lines[path]
        last = min(end, start + _CODE_BLOCK_LINES - 1, len(lines))
        return [(number, lines[number - 1] + "\n") for number in range(max(start, 1), last + 1)]


def _instance_bases(records: Dict[str, Any]) -> Dict[str, List[str]]:
    """name-before-`[` -> checkov's names (`aws_x.t` -> [`aws_x.t["a"]`, `aws_x.t["b"]`]), built once per file."""
    bases: Dict[str, List[str]] = {}
    for name in records:
        for position, char in enumerate(name):
            if char == "[":
                bases.setdefault(name[:position], []).append(name)
    return bases


_MODULE_PREFIX = re.compile(r'^(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)+')
_INSTANCE = re.compile(r'\[[^\]]*\]$')


def _resource_part(name: str) -> str:
    """`module.a["k"].module.b.aws_x.t[0]` -> `aws_x.t`: the resource block a checkov name stands for."""
    return _INSTANCE.sub("", _MODULE_PREFIX.sub("", name))


def _declared_covered(tf: TerraformFile, index: "RecordIndex") -> bool:
    """Whether checkov reported every resource block the file's text declares (module instances,
    count and for_each instances included)."""
    covered = {_resource_part(name) for name in index.get(_real(tf.path), {})}
    for declared in tf.declared:
        if not declared.name:
            return False
        if f"{declared.resource_type}.{declared.name}" not in covered and f"resource.{declared.name}" not in covered:
            return False
    return True


def _framework_family_runs(framework: str, frameworks: Set[str]) -> bool:
    # checkov runs .tf.json files in the terraform_json runner, but users select them with `terraform`
    return framework == "terraform_json" and "terraform" in frameworks


def _drop(entries: List[Tuple[Report, Record]]) -> None:
    for report, record in entries:
        for bucket in (report.passed_checks, report.failed_checks, report.skipped_checks):
            if record in bucket:
                bucket.remove(record)


__all__ = ["CHECK_CLASS", "Reconciler"]
