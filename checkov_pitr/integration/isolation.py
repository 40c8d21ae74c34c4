"""Isolation: an exception inside checkov on one file must not cost the other files their results.

checkov runs one runner per framework; an exception in a runner (a parser or graph builder that
meets a shape it does not expect) ends the whole scan. `isolate()` wraps each runner's `run`: when
it raises, the runner runs again unit by unit (one file, or one Terraform folder, at a time), on a
fresh runner, and the units that raise on their own are left out. Their tables get no checkov
record, so the reconciliation judges them with our own reader, or reports them "not judged".
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from checkov.common.output.report import Report

from checkov_pitr.integration.scan import ScanTargets, reported_path, walk

_MARK = "_checkov_pitr_isolated"

# Which files a runner reads, for the unit-by-unit run; other runners are not retried.
_SUFFIXES: Dict[str, Tuple[str, ...]] = {
    "cloudformation": (".yaml", ".yml", ".json", ".template"),
    "serverless": ("serverless.yml", "serverless.yaml"),
    "terraform_json": (".tf.json",),
    "terraform_plan": (".json",),
}


def _say(message: str) -> None:
    print(f"checkov-pitr: warning: {' '.join(message.split())}", file=sys.stderr)


def _units(check_type: str, root_folder: Optional[str], files: Optional[Sequence[str]],
           skip_paths: Sequence[str]) -> List[Tuple[Optional[str], Optional[List[str]]]]:
    """(root_folder, files) arguments that together cover one run, one file or folder each."""
    targets = ScanTargets([root_folder] if root_folder else [], list(files or []), list(skip_paths))
    paths = [path for path, _, _ in walk(targets)]
    if check_type == "terraform":
        folders = sorted({os.path.dirname(p) for p in paths if p.endswith((".tf", ".tf.json"))})
        return [(folder, None) for folder in folders]
    suffixes = _SUFFIXES.get(check_type)
    if not suffixes:
        return []
    return [(None, [path]) for path in paths if path.endswith(suffixes)]


def _fresh(runner: Any) -> Any:
    try:
        return type(runner)()
    except Exception:  # a runner that needs arguments: reuse it, forgetting what it parsed
        for name in ("definitions", "definitions_raw", "context"):
            if hasattr(runner, name):
                setattr(runner, name, {} if name != "context" else None)
        return runner


def _rebase(report: Report, root_folder: Optional[str]) -> None:
    """Report paths as the whole run would have: relative to its root folder."""
    if not root_folder:
        return
    for bucket in (report.passed_checks, report.failed_checks, report.skipped_checks):
        for record in bucket:
            if record.file_abs_path:
                record.file_path = reported_path(record.file_abs_path, root_folder)


def _merge(into: Report, report: Any) -> None:
    for sub in report if isinstance(report, list) else [report]:
        if sub is None:
            continue
        into.passed_checks.extend(sub.passed_checks)
        into.failed_checks.extend(sub.failed_checks)
        into.skipped_checks.extend(sub.skipped_checks)
        into.parsing_errors.extend(sub.parsing_errors)
        into.resources.update(sub.resources)


def isolated_run(runner: Any, original: Callable[..., Any], skip_paths: Sequence[str]) -> Callable[..., Any]:
    def run(root_folder: Optional[str], external_checks_dir: Optional[List[str]] = None,
            files: Optional[List[str]] = None, runner_filter: Any = None, collect_skip_comments: bool = True) -> Any:
        try:
            return original(root_folder, external_checks_dir=external_checks_dir, files=files,
                            runner_filter=runner_filter, collect_skip_comments=collect_skip_comments)
        except Exception as exc:
            first = f"{type(exc).__name__}: {exc}"
        merged = Report(runner.check_type)
        units = _units(runner.check_type, root_folder, files, skip_paths)
        if not units:
            return merged  # nothing of ours for this runner: its failure loses no table
        _say(f"checkov's {runner.check_type} scan failed ({first[:200]}); scanning its {len(units)} "
             "file(s) one at a time")
        for unit_root, unit_files in units:
            fresh = _fresh(runner)
            try:
                report = type(fresh).run(fresh, unit_root, external_checks_dir=external_checks_dir, files=unit_files,
                                         runner_filter=runner_filter, collect_skip_comments=collect_skip_comments)
            except Exception as exc:
                where = unit_root or (unit_files or ["?"])[0]
                _say(f"checkov failed on {where} ({type(exc).__name__}: {str(exc)[:200]}); "
                     "checkov-pitr judges its tables from its own reading")
                continue
            for sub in report if isinstance(report, list) else [report]:
                if sub is not None:
                    _rebase(sub, root_folder)
            _merge(merged, report)
        return merged

    setattr(run, _MARK, True)
    return run


def isolate(runners: Sequence[Any], skip_paths: Sequence[str]) -> None:
    """Wrap each runner's `run` (on the instance, for this scan only)."""
    for runner in runners:
        current = getattr(runner, "run", None)
        if current is None or getattr(current, _MARK, False):
            continue
        runner.run = isolated_run(runner, current, skip_paths)


__all__ = ["isolate", "isolated_run"]
