"""The one patch through which `checkov-pitr` makes checkov's run fail closed.

checkov's `RunnerRegistry.run` runs every framework's runner and returns the merged reports;
`Checkov.run` then writes every output and computes the exit code from them. Wrapping it is the
one place where (1) each runner can be isolated (isolation.py) and (2) the reports can be
reconciled with our inventory (reconcile.py) before anything is printed. Installed by `checkov-pitr`
only, for one run; guarded: a checkov whose registry looks different is refused with a one-line error
rather than scanned without the gate.
"""
from __future__ import annotations

import inspect
from typing import Any, List, Optional, Sequence, Set

from checkov_pitr.integration.isolation import isolate
from checkov_pitr.integration.reconcile import Reconciler

_MARK = "_checkov_pitr_gate"
_EXPECTED = ["self", "root_folder", "external_checks_dir", "files"]


class GateError(Exception):
    """checkov looks different from what the gate was built for; str() is a one-line message."""


def _enabled(runner_filter: Any) -> Any:
    def enabled(check_id: str) -> bool:
        try:
            return bool(runner_filter.should_run_check(check_id=check_id))
        except Exception:  # an unknown filter: judge rather than drop
            return True
    return enabled


def _selected_frameworks(runner_filter: Any) -> Optional[Set[str]]:
    """The frameworks the user selected (not the runners left after checkov's file-type filter: a
    `-f tfplan` with no extension leaves none, and its table must still be reported)."""
    selected = set(getattr(runner_filter, "framework", None) or ["all"])
    skipped = set(getattr(runner_filter, "skip_framework", None) or [])
    if "all" in selected:
        return None if not skipped else {f for f in ("cloudformation", "serverless", "terraform", "terraform_json",
                                                     "terraform_plan") if f not in skipped}
    return selected - skipped


def install(reconciler: Reconciler, skip_paths: Sequence[str]) -> None:
    from checkov.common.runners.runner_registry import RunnerRegistry

    original = RunnerRegistry.run
    original = getattr(original, "__wrapped_by_pitr__", original)
    if list(inspect.signature(original).parameters)[:4] != _EXPECTED:
        raise GateError("this checkov's RunnerRegistry.run has another signature; checkov-pitr cannot gate it")

    def run(self: Any, root_folder: Optional[str] = None, external_checks_dir: Optional[List[str]] = None,
            files: Optional[List[str]] = None, *args: Any, **kwargs: Any) -> List[Any]:
        isolate(self.runners, skip_paths)
        reports = original(self, root_folder, external_checks_dir, files, *args, **kwargs)
        reconciler.enabled = _enabled(self.runner_filter)
        frameworks = _selected_frameworks(self.runner_filter)
        if reports is None:
            reports = []
        return reconciler.apply(reports, frameworks)  # in place: checkov also keeps this list as scan_reports

    run.__wrapped_by_pitr__ = original  # type: ignore[attr-defined]
    setattr(run, _MARK, True)
    RunnerRegistry.run = run  # type: ignore[method-assign]


__all__ = ["GateError", "install"]
