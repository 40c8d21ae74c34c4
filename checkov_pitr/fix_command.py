"""`checkov-pitr fix`: scan, then write the smallest edits that make each fixable CKV_PITR_001 /
CKV_PITR_002 failure pass (or, with --diff, print them as a unified diff and write nothing).

    checkov-pitr fix [--diff] [--policy FILE] (-d DIR | -f FILE) ... [more checkov arguments]

Exit code: 0 when nothing is left failing (with --diff: nothing would be, once the diff is
applied), 1 while failures remain (each listed with why it was not fixed), 2 on bad input.
The scan is `checkov-pitr -o json` run as a child process of the same Python; the edits come from
`checkov_pitr.domain.fixer`, which reads the files itself and edits only literal values."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from checkov_pitr.domain.fixer import FileFix, OverlappingEdits, Target, apply_edits, fix_text, unified_diff
from checkov_pitr.domain.fixer import read_text
from checkov_pitr.rule import FIXABLE_CHECKS

PROG = "checkov-pitr fix"
OUR_FAILURES = ("CKV_PITR_001", "CKV_PITR_002", "CKV_PITR_003")
_REFUSED = ("-o", "--output", "--output-file-path", "--soft-fail", "--soft-fail-on", "--hard-fail-on")


class BadInput(Exception):
    pass


@dataclass
class Failure:
    check_id: str
    check_type: str
    resource: str
    path: str  # absolute, "" when the result names no file
    shown: str  # the file as checkov reports it
    message: str


@dataclass
class Outcome:
    diffs: List[str] = field(default_factory=list)
    fixed: List[str] = field(default_factory=list)  # one line per edit written
    remaining: List[Tuple[Failure, str]] = field(default_factory=list)
    changed: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # path -> (before, after)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, add_help=True,
        description="Scan, then fix each CKV_PITR_001 / CKV_PITR_002 failure whose setting is written literally "
                    "in the file: turn PITR on (table and every replica) and raise short recovery periods to the "
                    "policy minimum. Values from parameters, variables, module inputs or Fn::If are not edited; "
                    "the output says what to change.",
        epilog="Exit code: 0 nothing left failing, 1 failures remain (listed with why), 2 bad input. "
               "Other arguments go to the scan (e.g. --skip-path, --framework).")
    parser.add_argument("-d", "--directory", action="append", default=[], help="folder to scan and fix (repeatable)")
    parser.add_argument("-f", "--file", action="append", default=[], help="file to scan and fix (repeatable)")
    parser.add_argument("--diff", action="store_true", help="print a unified diff of the fixes; write nothing")
    parser.add_argument("--policy", help="checkov-pitr policy file (minimum recovery period, exemptions, ...)")
    return parser


def parse_arguments(argv: Sequence[str]) -> Tuple[argparse.Namespace, List[str]]:
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(list(argv))
    except SystemExit as exc:  # argparse has printed its message
        raise BadInput("") if exc.code else SystemExit(0)
    for arg in extra:
        if arg.split("=", 1)[0] in _REFUSED:
            raise BadInput(f"{arg.split('=', 1)[0]} is not for `fix` (it prints a diff or writes files)")
    if not args.directory and not args.file:
        raise BadInput("give the folders (-d DIR) or files (-f FILE) to fix")
    for path in args.directory + args.file:
        if not os.path.exists(path):
            raise BadInput(f"no such {'folder' if path in args.directory else 'file'}: {path}")
    return args, extra


def _scan_arguments(args: argparse.Namespace, extra: Sequence[str]) -> List[str]:
    scan: List[str] = []
    for folder in args.directory:
        scan += ["-d", folder]
    for path in args.file:
        scan += ["-f", path]
    if args.policy:
        scan += ["--policy", args.policy]
    return scan + list(extra) + ["-o", "json"]


def json_documents(text: str) -> List[object]:
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


def scan(scan_args: Sequence[str]) -> List[Failure]:
    """Our checks' failures, from `checkov-pitr -o json` run as a child of this Python."""
    env = dict(os.environ)
    process = subprocess.run([sys.executable, "-m", "checkov_pitr.cli", *scan_args], capture_output=True, text=True,
                             env=env)
    if process.returncode not in (0, 1):
        lines = [line for line in process.stderr.splitlines() if line.strip()]
        raise BadInput(lines[-1] if lines else f"the scan failed (exit code {process.returncode})")
    failures: List[Failure] = []
    seen = set()
    for doc in json_documents(process.stdout):
        for report in doc if isinstance(doc, list) else [doc]:
            if not isinstance(report, dict):
                continue
            for record in (report.get("results") or {}).get("failed_checks") or []:
                if record.get("check_id") not in OUR_FAILURES:
                    continue
                shown = record.get("file_path") or ""
                raw = record.get("file_abs_path") or ""
                path = os.path.abspath(raw) if raw else ""
                details = [str(d) for d in record.get("details") or [] if str(d).strip()]
                failure = Failure(record["check_id"], report.get("check_type") or "", str(record.get("resource") or ""),
                                  path, shown, details[0] if details else record.get("check_name") or "")
                key = (failure.check_id, failure.resource, failure.path)
                if key not in seen:
                    seen.add(key)
                    failures.append(failure)
    return failures


def _display(path: str) -> str:
    rel = os.path.relpath(path) if path else path
    return rel if path and not rel.startswith(os.pardir) else path


def _not_fixable(failure: Failure) -> Optional[str]:
    """Why a failure is not for the fixer at all, or None."""
    if failure.check_id == "CKV_PITR_003":
        return ("the plan turns PITR off or shortens it on a table that exists today: keep PITR in the configuration "
                "and plan again (the plan file itself is never edited)")
    if failure.check_type == "terraform_plan":
        return ("a plan result (the plan file is never edited): fix the Terraform source the plan was made from "
                "(the block, variable or module input named in the message) and plan again")
    if failure.check_id not in FIXABLE_CHECKS:
        return "not a check the fixer handles"
    if not failure.path or not os.path.isfile(failure.path):
        return "the result names no file to edit"
    return None


def _valid_after(path: str, text: str) -> Optional[str]:
    """Why the fixed text is not readable any more (a safety net: then nothing is written)."""
    from checkov_pitr.domain.fixer import file_kind
    from checkov_pitr.domain.fixer.hcl import HclError, parse_body
    from checkov_pitr.domain.fixer.tree import TreeError, parse_json
    from checkov_pitr.domain.fixer.cloudformation import parse_template

    try:
        kind = file_kind(path)
        if kind == "hcl":
            parse_body(text, 0, len(text))
        elif kind == "tf_json":
            parse_json(text)
        else:
            parse_template(path, text)
    except (HclError, TreeError) as exc:
        return str(exc)
    return None


def plan_fixes(failures: Sequence[Failure], minimum: int) -> Outcome:
    """The edits for every fixable failure, file by file, and what stays failing (with why)."""
    outcome = Outcome()
    targets: Dict[str, Dict[str, Target]] = {}
    by_resource: Dict[Tuple[str, str], List[Failure]] = {}
    for failure in failures:
        why = _not_fixable(failure)
        if why:
            outcome.remaining.append((failure, why))
            continue
        current = targets.setdefault(failure.path, {}).get(failure.resource)
        enable = failure.check_id == "CKV_PITR_001" or bool(current and current.enable)
        period = failure.check_id == "CKV_PITR_002" or bool(current and current.period)
        targets[failure.path][failure.resource] = Target(failure.resource, enable, period, minimum)
        by_resource.setdefault((failure.path, failure.resource), []).append(failure)
    for path in sorted(targets):
        try:
            before = read_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            for resource in targets[path]:
                for failure in by_resource[(path, resource)]:
                    outcome.remaining.append((failure, f"the file cannot be read as UTF-8 text ({exc})"))
            continue
        combined = FileFix(path)
        per_resource: Dict[str, FileFix] = {}
        for resource, target in targets[path].items():
            per_resource[resource] = fix_text(path, before, [target])
            combined.extend(per_resource[resource])
        try:
            after = apply_edits(before, combined.edits)
            problem = _valid_after(path, after) if after != before else None
        except OverlappingEdits as exc:
            after, problem = before, str(exc)
        if problem:
            after = before
        for resource, fix in per_resource.items():
            for failure in by_resource[(path, resource)]:
                reasons = [note.reason for note in fix.unfixable]
                if problem:
                    outcome.remaining.append((failure, f"the fix would not leave a readable file ({problem}): "
                                                       "nothing written; fix it by hand"))
                elif reasons:
                    outcome.remaining.append((failure, "; ".join(reasons)))
                elif not fix.edits:
                    outcome.remaining.append((failure, f"nothing the fixer can change was found: {failure.message}"))
        if after != before:
            outcome.changed[path] = (before, after)
            outcome.diffs.append(unified_diff(path, before, after, label=_display(path)))
            for edit in combined.edits:
                outcome.fixed.append(f"{_display(path)}: {edit.description}")
    return outcome


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _remaining_line(failure: Failure, why: str) -> str:
    where = _display(failure.path) or failure.shown
    return f"not fixed: {failure.check_id} {failure.resource} ({where}): {why}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    from checkov_pitr.domain.policy import PolicyError, load_policy

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, extra = parse_arguments(argv)
        policy = load_policy(args.policy)
        minimum = policy.core.min_recovery_period_days
        scan_args = _scan_arguments(args, extra)
        failures = scan(scan_args)
    except BadInput as exc:
        if str(exc):
            print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except PolicyError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    outcome = plan_fixes(failures, minimum)
    report = sys.stderr if args.diff else sys.stdout
    if args.diff:
        sys.stdout.write("".join(outcome.diffs))
        remaining = outcome.remaining
    else:
        for path, (_, after) in outcome.changed.items():
            _write(path, after)
        for line in outcome.fixed:
            print(f"fixed {line}")
        remaining = outcome.remaining
        if outcome.changed:
            # what the files say now, not what the fixer expects: scan again
            why = {(f.check_id, f.resource, f.path): reason for f, reason in outcome.remaining}
            try:
                after = scan(scan_args)
            except BadInput as exc:
                print(f"{PROG}: the scan after fixing failed: {exc}", file=sys.stderr)
                return 2
            remaining = [(f, why.get((f.check_id, f.resource, f.path), f"still failing after the fix: {f.message}"))
                         for f in after]
    for failure, reason in remaining:
        print(_remaining_line(failure, reason), file=report)
    fixed_count = len(outcome.fixed)
    verb = "would fix" if args.diff else "fixed"
    print(f"{PROG}: {verb} {fixed_count} setting(s) in {len(outcome.changed)} file(s); "
          f"{len(remaining)} failure(s) {'would remain' if args.diff else 'remain'}", file=report)
    return 1 if remaining else 0
