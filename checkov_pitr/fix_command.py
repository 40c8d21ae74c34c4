"""`checkov-pitr fix` (HELP says what it does): the engine's scan names each failure's file and resource,
`domain.fixer` edits literal values, a second scan says what is left failing."""
from __future__ import annotations

import os
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from checkov_pitr.cli import say
from checkov_pitr.domain.fixer import Target, apply_edits, distinct, edits_diff, file_fixer, read_for_fixing, read_text
from checkov_pitr.domain.policy import PolicyError, load_policy
from checkov_pitr.engine.options import OptionsError, ScanOptions, parse_scan_arguments
from checkov_pitr.outputs import safe_text
from checkov_pitr.engine.scan import FAILED, Finding, scan

PROG = "checkov-pitr fix"
# the scan's output options: `fix` prints a diff or writes files, never a scan report
_REFUSED = ("-o", "--output", "--output-file-path", "--soft-fail", "-s", "--soft-fail-on", "--hard-fail-on")
HELP = """\
usage: checkov-pitr fix [--diff] [--policy FILE] (-d DIR | -f FILE) ... [more scan arguments]

Scan, then fix each CKV_PITR_001 / CKV_PITR_002 failure whose setting is written literally in the
file: turn PITR on (table and every replica) and raise short recovery periods to the policy
minimum. Values from parameters, variables, module inputs or Fn::If are not edited; the output
says what to change. Files outside the scanned folders and files (a symlink that leads outside,
a module source elsewhere) are never edited.

options:
  -d, --directory DIR   folder to scan and fix (repeatable)
  -f, --file FILE       file to scan and fix (repeatable)
  --diff                print a unified diff of the fixes; write nothing
  --policy FILE         checkov-pitr policy file (minimum recovery period, exemptions, ...)
  -h, --help            this help

Other scan arguments (--skip-path, --framework, --var-file, --config-file, ...) select what is
scanned, as for `checkov-pitr`; output options (-o, --output-file-path, --soft-fail...) are refused.
Exit code: 0 nothing left failing, 1 failures remain (listed with why), 2 bad input.
"""


Remaining = List[Tuple[Finding, str]]  # each failure left, and why
# real path -> (text after, failures fixed, its diff (made only for --diff), lines)
Changed = Dict[str, Tuple[str, List[Finding], Callable[[], str], List[str]]]


def parse_arguments(argv: Sequence[str]) -> Tuple[ScanOptions, bool]:
    """(scan options, --diff) of the fix command line. OptionsError (exit 2) for anything refused."""
    for name in (arg.split("=", 1)[0] for arg in argv):
        if name in _REFUSED:
            raise OptionsError(f"{name} is not for `fix` (it prints a diff or writes files)")
    options = parse_scan_arguments([a for a in argv if a != "--diff"])
    if options.outputs != ("cli",) or options.output_file_path or options.soft_fail or options.soft_fail_on \
            or options.hard_fail_on:  # set from a --config-file
        raise OptionsError("the config file sets output options, which are not for `fix` "
                           "(it prints a diff or writes files)")
    if not options.directories and not options.files:
        raise OptionsError("give the folders (-d DIR) or files (-f FILE) to fix")
    if options.missing():  # as the scan: a renamed folder must not turn the fix into one of nothing
        raise OptionsError(f"error: {', '.join(options.missing())}: no such file or directory")
    return options, "--diff" in argv


def failures_of(findings: Sequence[Finding]) -> List[Finding]:
    """The FAILED findings, each (check, resource, file) once."""
    failures: Dict[Tuple[str, str, str], Finding] = {}
    for finding in findings:
        if finding.result == FAILED:
            failures.setdefault(_key(finding), finding)
    return list(failures.values())


def _source(finding: Finding) -> str:
    """The failing table's file, absolute ("" for a file-level result)."""
    return os.path.abspath(finding.table.path) if finding.table is not None and finding.table.path else ""


def _display(path: str) -> str:
    rel = os.path.relpath(path) if path else path
    return rel if path and not rel.startswith(os.pardir) else path


class Scope:
    """The only places `fix` writes: real paths of -f files and under -d folders, but not under
    .terraform/ (a module copy `terraform init` downloaded: the next init would undo the edit)."""

    def __init__(self, options: ScanOptions) -> None:
        self.folders = [os.path.realpath(d) for d in options.directories]
        self.files = {os.path.realpath(f) for f in options.files}

    def why_not_written(self, path: str) -> Optional[str]:
        real, shown = os.path.realpath(path), _display(path)
        below = [os.path.relpath(real, folder) for folder in self.folders  # real's path below each folder holding it
                 if real.startswith(folder.rstrip(os.sep) + os.sep)]
        if real in self.files or (below and not all(".terraform" in relative.split(os.sep) for relative in below)):
            return None
        if below:
            return (f"{shown} is a module copy terraform init downloaded (under .terraform/); not edited: "
                    "fix the module's source, or pass an input in the module block that calls it")
        if os.path.islink(path):
            return f"{shown} is a symlink to a file outside the scanned folders; not edited"
        if real != os.path.abspath(path):
            return f"{shown} is reached through a symlink to a folder outside the scanned folders; not edited"
        return (f"{shown} is outside the scanned folders and files; not edited (scan its folder too, or fix it "
                "where it is written)")


def _not_fixable(finding: Finding) -> Optional[str]:
    """Why a failure is not for the fixer at all, or None."""
    if finding.check_id == "CKV_PITR_003":
        return ("the plan turns PITR off or shortens it on a table that exists today: keep PITR in the configuration "
                "and plan again (the plan file itself is never edited)")
    if finding.framework == "terraform_plan":
        return ("a plan result (the plan file is never edited): fix the Terraform source the plan was made from "
                "(the block, variable or module input named in the message) and plan again")
    if finding.table is None:
        return f"{finding.reason or 'the file could not be read'}: fix the file first"
    return None if os.path.isfile(_source(finding)) else "the result names no file to edit"


def plan_fixes(failures: Sequence[Finding], minimum: int, scope: Scope) -> Tuple[Remaining, Changed]:
    """What stays failing (with why), and the files changed to fix every fixable failure."""
    remaining: Remaining = []
    changed: Changed = {}
    by_file: Dict[str, Dict[str, List[Finding]]] = {}  # real path -> resource -> its failures
    for finding in failures:
        why = _not_fixable(finding)
        if why:
            remaining.append((finding, why))
        else:  # two names of one file are one file
            by_file.setdefault(os.path.realpath(_source(finding)), {}).setdefault(finding.resource, []).append(finding)
    for path, failures_in in sorted(by_file.items()):
        _fix_one_file(path, failures_in, minimum, scope, remaining, changed)
    return remaining, changed


def _fix_one_file(path: str, failures: Dict[str, List[Finding]], minimum: int, scope: Scope, remaining: Remaining,
                  changed: Changed) -> None:
    # a file out of scope is still read, so that a module input or a variable says what to change
    why_not_written = scope.why_not_written(path)
    try:
        before = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        remaining += [(f, f"the file cannot be read as UTF-8 text ({exc})") for fs in failures.values() for f in fs]
        return
    fix = file_fixer(path, before)
    fixes = {resource: fix(Target(resource, enable=any(f.check_id == "CKV_PITR_001" for f in found),
                                  period=any(f.check_id == "CKV_PITR_002" for f in found), minimum=minimum,
                                  resource_type=found[0].table.resource_type))
             for resource, found in failures.items()}
    edits = distinct(edit for resource_fix in fixes.values() for edit in resource_fix.edits)
    after, problem = before, None
    if why_not_written is None and edits:
        try:
            after = apply_edits(before, edits)
            read_for_fixing(path, after)  # the fixed text must read as its format still (else nothing is written)
        except ValueError as exc:  # OverlappingEdits too
            after, problem = before, str(exc)
    for resource, resource_fix in fixes.items():
        reasons = "; ".join(resource_fix.unfixable)
        for finding in failures[resource]:
            why = (f"the fix would not leave a readable file ({problem}): nothing written; fix it by hand" if problem
                   else reasons or (why_not_written and (scope.why_not_written(_source(finding)) or "not edited"))
                   or ("" if resource_fix.edits else f"nothing the fixer can change was found: {finding.reason}"))
            if why:
                remaining.append((finding, why))
    if after != before:
        changed[path] = (after, [f for found in failures.values() for f in found],
                         partial(edits_diff, path, before, edits, label=safe_text(_display(path))),
                         [f"{_display(path)}: {edit.description}" for edit in edits])


def _write(path: str, text: str) -> None:  # as read: a BOM stays, newline="" keeps \r\n
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _key(finding: Finding) -> Tuple[str, str, str]:
    return finding.check_id, finding.resource, _source(finding) or finding.path


def run_fix(options: ScanOptions, diff: bool, out: TextIO, err: TextIO) -> int:
    policy = load_policy(options.policy_file)
    for line in options.config_lines:
        say(line, err, PROG)
    remaining, changed = plan_fixes(failures_of(scan(options, policy).findings), policy.core.min_recovery_period_days,
                                    Scope(options))
    why = {_key(f): reason for f, reason in remaining}
    done: List[List[str]] = []  # the edits' lines of each file written (with --diff: shown)
    for path, (after, fixing, diff_text, lines) in changed.items():
        try:
            if not diff:
                _write(path, after)
        except OSError as exc:  # the file's failures stay, and say why
            why.update({_key(f): f"the file could not be written ({exc.strerror or exc})" for f in fixing})
            say(f"{_display(path)}: could not be written ({exc.strerror or exc})", err, PROG)
            continue
        out.write(diff_text() if diff else "".join(safe_text(f"fixed {line}") + "\n" for line in lines))
        done.append(lines)
    if changed and not diff:  # what the files say now, not what the fixer expects: scan again
        remaining = [(f, why.get(_key(f), f"still failing after the fix: {f.reason}"))
                     for f in failures_of(scan(options, policy).findings)]
    report = err if diff else out
    for finding, reason in remaining:
        where = _display(_source(finding)) or finding.path or finding.file_path
        report.write(safe_text(f"not fixed: {finding.check_id} {finding.resource} ({where}): {reason}") + "\n")
    report.write(f"{PROG}: {'would fix' if diff else 'fixed'} {sum(map(len, done))} setting(s) in {len(done)} file(s); "
                 f"{len(remaining)} failure(s) {'would remain' if diff else 'remain'}\n")
    return 1 if remaining else 0


def main(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    if any(a in ("-h", "--help") for a in argv):
        out.write(HELP)
        return 0
    try:
        return run_fix(*parse_arguments(argv), out, err)
    except (OptionsError, PolicyError) as exc:
        say(str(exc), err, PROG)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a one-line message, never a traceback
        say(f"error: internal error: {type(exc).__name__}: {exc}", err, PROG)
        return 2
