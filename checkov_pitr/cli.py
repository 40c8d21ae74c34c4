"""`checkov-pitr`: the DynamoDB-003 gate.

    checkov-pitr --checks-dir
    checkov-pitr [--policy FILE] [--config-file FILE] [checkov's scan arguments]
    checkov-pitr fix [--diff] [--policy FILE] -d DIR | -f FILE ...

One scan, from argv to exit code: the command line is parsed once (engine/options.py), the policy
loaded (domain/policy.py), the inputs walked, read and judged by the engine (engine/scan.py), and
the findings written in checkov's formats (outputs/render.py). checkov's own scan never runs.
Exit code: checkov's convention (1 when a check failed), 2 for a missing input, a refused argument,
an invalid policy or config file, or an internal error.
"""
from __future__ import annotations

import gc
import os
import sys
from typing import List, Optional, Sequence, TextIO

from checkov_pitr import __version__

PROG = "checkov-pitr"


def checks_dir() -> str:
    """Absolute path of the installed checks folder, for `checkov --external-checks-dir`."""
    from checkov_pitr import checks

    return os.path.dirname(os.path.abspath(checks.__file__))


def _say(message: str, err: TextIO) -> None:
    err.write(f"{PROG}: {message}\n")


def named_files_not_judged(files: Sequence[str], judged: set) -> List[str]:
    """One line per -f file that holds nothing checkov-pitr judges: -f names a file on purpose, so
    silence would read as a pass. (Files that may hold tables and cannot be read are FAILED results.)"""
    lines = []
    for path in files:
        if os.path.realpath(path) in judged:
            continue
        try:
            with open(path, "rb") as handle:
                head = handle.read(4096)
        except OSError as exc:
            head, why = b"", f"cannot be read ({exc.strerror})"
        if not head.strip():
            why = "empty file"
        elif b"\0" in head:
            why = "not text (a binary file?)"
        elif path.endswith(".json"):
            why = "JSON, but neither a Terraform plan nor a CloudFormation template"
        elif path.endswith((".yaml", ".yml", ".template")):
            why = "neither a CloudFormation template with a DynamoDB table nor a serverless.yml"
        else:
            why = "no DynamoDB table checkov-pitr reads"
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
        _say(str(exc), err)
        return 2
    missing = options.missing()
    for path in missing:  # a renamed folder must not turn the gate into a scan of nothing
        _say(f"error: {path}: no such file or directory", err)
    if missing:
        return 2
    if not options.directories and not options.files:
        _say("error: nothing to scan: name a folder with -d DIR or a file with -f FILE", err)
        return 2
    for line in options.config_lines:  # checkov's .checkov.yaml files are never read unless named
        _say(line, err)
    from checkov_pitr.engine.scan import scan
    from checkov_pitr.outputs.render import render, safe_text
    from checkov_pitr.outputs.visibility import visibility_lines

    # What is alive before the scan (the imports) and after it (the readings) lives to the end: frozen,
    # the garbage collector stops walking it on every collection (a third of SARIF's time on 2,000 tables).
    gc.freeze()
    try:
        result = scan(options, policy)
        gc.freeze()
        code = render(result, options, policy, out, workspace=os.environ.get("GITHUB_WORKSPACE") or None)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a one-line message, never a traceback
        _say(f"error: internal error: {type(exc).__name__}: {safe_text(exc)}", err)
        return 2
    finally:
        gc.unfreeze()  # in-process callers (the hook, tests) keep a collectable heap
    for path, warning in result.warnings:
        _say(f"warning: {safe_text(path)}: {safe_text(warning)}", err)
    for line in named_files_not_judged(options.files, result.files_judged):
        _say(safe_text(line), err)
    used = {e.index for f in result.findings for e in (f.exemption, f.expired) if e is not None}
    for exemption in policy.exemptions:
        if exemption.index not in used:
            _say(f"warning: policy {policy.source}: {exemption.label} matched no resource in this run; "
                 "remove it if it is stale", err)
    for line in visibility_lines(policy, result.findings):
        err.write(safe_text(line) + "\n")
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
        from checkov_pitr.messages import help_text

        out.write(help_text())
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


if __name__ == "__main__":
    sys.exit(main())
