"""`checkov-pitr` (usage and exit codes: messages.HELP), from argv to exit code: the command line parsed once
(engine/options.py), the policy loaded, the engine's scan (engine/scan.py), checkov's formats (outputs/render.py)."""
from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence, TextIO

from checkov_pitr import __version__
from checkov_pitr.outputs import safe_text
from checkov_pitr.rule import TOOL_NAME as PROG

if TYPE_CHECKING:
    from checkov_pitr.domain.policy import LoadedPolicy
    from checkov_pitr.engine.options import ScanOptions
    from checkov_pitr.engine.scan import ScanResult


def checks_dir() -> str:
    """Absolute path of the installed checks folder, for `checkov --external-checks-dir`."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "checks")


def say(message: str, err: TextIO, prog: str = PROG) -> None:
    """One stderr line; a file name in it is data (never a second line, never a workflow command)."""
    err.write(f"{prog}: {safe_text(message)}\n")


def named_files_not_judged(files: Sequence[str], judged: set) -> List[str]:
    """One line per -f file that holds nothing checkov-pitr judges: -f names a file on purpose, so
    silence would read as a pass. (Files that may hold tables and cannot be read are FAILED results.)"""
    from checkov_pitr.domain.inventory import MAX_FILE_BYTES, read_file_bytes
    from checkov_pitr.domain.readers.plan import looks_like_plan

    lines = []
    for path in files:
        if os.path.realpath(path) in judged:
            continue
        raw, why_not = read_file_bytes(path, MAX_FILE_BYTES)  # bounded, and never waits on a FIFO
        if raw is None:
            lines.append(f"warning: {path}: {why_not}; nothing in it was judged")
            continue
        head = raw[:4096]
        reasons = ((not head.strip(), "empty file"), (b"\0" in head, "not text (a binary file?)"),
                   (looks_like_plan(head), "a Terraform plan that leaves no DynamoDB table in place (a deleted or "
                                           "forgotten table has no result)"),
                   (path.endswith(".json"), "JSON, but neither a Terraform plan nor a CloudFormation template"),
                   (path.endswith((".yaml", ".yml", ".template")),
                    "neither a CloudFormation template with a DynamoDB table nor a serverless.yml"),
                   (True, "no DynamoDB table checkov-pitr reads"))
        why = next(why for matched, why in reasons if matched)  # the first that holds
        lines.append(f"warning: {path}: {why}; nothing in it was judged")
    return lines


def run_scan(args: Sequence[str], out: TextIO, err: TextIO) -> int:
    """A scan command line, from argv to exit code."""
    from checkov_pitr.domain.policy import PolicyError, load_policy
    from checkov_pitr.engine.options import OptionsError, parse_scan_arguments

    try:
        options = parse_scan_arguments(args)
        policy = load_policy(options.policy_file)
    except (OptionsError, PolicyError) as exc:
        say(str(exc), err)
        return 2
    missing = options.missing()
    for path in missing:  # a renamed folder must not turn the gate into a scan of nothing
        say(f"error: {path}: no such file or directory", err)
    if missing:
        return 2
    if not options.directories and not options.files:
        say("error: nothing to scan: name a folder with -d DIR or a file with -f FILE", err)
        return 2
    return scan_and_report(options, policy, out, err)


def scan_and_report(options: "ScanOptions", policy: "LoadedPolicy", out: TextIO, err: TextIO,
                    narrow: Optional[Callable[["ScanResult"], None]] = None, prog: str = PROG) -> int:
    """Judge, render, then state on stderr what the run used (every entry point's last step).
    `narrow` may drop findings and warnings before anything is written (the pre-commit hook's)."""
    from checkov_pitr.engine.scan import scan
    from checkov_pitr.outputs.render import render
    from checkov_pitr.outputs.visibility import visibility_lines

    for line in options.config_lines:  # checkov's .checkov.yaml files are never read unless named
        say(line, err, prog)
    # What is alive before the scan (the imports) and after it (the readings) lives to the end: frozen,
    # the garbage collector stops walking it on every collection (a third of SARIF's time on 2,000 tables).
    gc.freeze()
    try:
        result = scan(options, policy)
        if narrow is not None:
            narrow(result)
        gc.freeze()
        code = render(result, options, policy, out, workspace=os.environ.get("GITHUB_WORKSPACE") or None)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a one-line message, never a traceback
        say(f"error: internal error: {type(exc).__name__}: {exc}", err, prog)
        return 2
    finally:
        gc.unfreeze()  # in-process callers (the hook, tests) keep a collectable heap
    # after the outputs: reading warnings, -f files with nothing judged, stale exemptions, visibility.py's lines
    for path, warning in result.warnings:
        say(f"warning: {path}: {warning}", err, prog)
    for line in named_files_not_judged(options.files, result.files_judged):
        say(line, err, prog)
    used = {e.index for f in result.findings for e in (f.exemption, f.expired) if e is not None}
    # a narrowed run (the hook's) sees part of the repository: an exemption it does not meet may match elsewhere
    for exemption in policy.exemptions if narrow is None else ():
        if exemption.index not in used:
            say(f"warning: policy {policy.source}: {exemption.label} matched no resource in this run; "
                "remove it if it is stale", err, prog)
    for line in visibility_lines(policy, result.findings):
        say(line, err)  # "checkov-pitr: ", whatever the entry point
    return code


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = out or sys.stdout
    err = err or sys.stderr
    if args[:1] == ["fix"]:
        from checkov_pitr.fix_command import main as fix_main

        return fix_main(args[1:], out, err)
    if args == ["--checks-dir"]:
        out.write(checks_dir() + "\n")
        return 0
    if any(a in ("-h", "--help") for a in args):
        from checkov_pitr.messages import HELP

        out.write(HELP)
        return 0
    if args in (["--version"], ["-v"]):
        from importlib.metadata import version

        try:
            checkov_version = version("checkov")
        except Exception:
            checkov_version = "unknown"
        out.write(f"{PROG} {__version__} (checkov {checkov_version})\n")
        return 0
    return run_scan(args, out, err)

