"""`checkov-pitr-pre-commit [OPTIONS] FILES...` (SPEC "The pre-commit hook"), run by pre-commit from the
repository top with the changed files. It judges what their change can alter: for a Terraform file, the roots
that read its folder as the Terraform reader finds them (a module is judged with its callers' arguments); for
a tfvars file, its folder; for a serverless `${file(...)}` include, the serverless files including it; for a
template, serverless file or plan that may hold a table, itself; for other files, nothing. One engine scan
(roots as -d, their subfolders skipped; files as -f) with `checkov-pitr`'s options, output and exit code;
files are named from the top (`/infra/a/main.tf`), as `checkov-pitr -d .` does.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, TextIO, Tuple

from checkov_pitr.cli import say, scan_and_report
from checkov_pitr.domain.inventory import MAX_FILE_BYTES, is_terraform_file, may_hold_tables, read_file_bytes
from checkov_pitr.domain.inventory import SERVERLESS_NAMES
from checkov_pitr.engine.options import OptionsError, ScanOptions, parse_arguments_and_files

if TYPE_CHECKING:
    from checkov_pitr.engine.scan import Finding, ScanResult

PROG = "checkov-pitr-pre-commit"
TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
TERRAFORM_FRAMEWORKS = ("terraform", "terraform_json")
# Options that name the inputs: the hook's inputs are the changed files.
INPUT_OPTIONS = ("-d", "--directory", "-f", "--file")


def _folder(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def choose(changed: Sequence[str], options: ScanOptions, top: str = os.curdir) -> Tuple[List[str], List[str]]:
    """(the Terraform root folders, absolute; the files judged as themselves) for a commit's changes. The
    repository is walked with the scan's skip rules only when a change needs it, and once."""
    from checkov_pitr.domain.readers.serverless import included_files
    from checkov_pitr.domain.readers.terraform import roots_reading
    from checkov_pitr.engine.scan import walk

    @functools.cache
    def repository() -> List[str]:
        return [path for path, _, _ in walk(dataclasses.replace(options, directories=(top,), files=()))]

    @functools.cache
    def includers() -> Dict[str, List[str]]:
        """Real path of an included file -> the serverless files whose `resources` include it."""
        found: Dict[str, List[str]] = {}
        for path in repository():
            if os.path.basename(path) in SERVERLESS_NAMES:
                try:
                    included = included_files(path)
                except Exception:  # a serverless file the reader cannot list: it is judged when it changes
                    continue
                for include in included:
                    found.setdefault(os.path.realpath(include), []).append(path)
        return found

    terraform = {_folder(p) for p in changed if is_terraform_file(p)}
    # the roots that read the changed Terraform files' folders, as the Terraform reader finds them
    roots = set(roots_reading({_folder(p) for p in repository() if is_terraform_file(p)}, terraform)
                if terraform else ())
    roots.update(_folder(p) for p in changed if p.endswith(TFVARS_SUFFIXES))
    files: List[str] = []
    for path in changed:
        serverless = os.path.basename(path) in SERVERLESS_NAMES
        if (is_terraform_file(path) or path.endswith(TFVARS_SUFFIXES)
                or not (serverless or path.endswith(TEMPLATE_SUFFIXES)) or not os.path.isfile(path)):
            continue
        including = None if serverless else includers().get(os.path.realpath(path))
        if including:
            files.extend(including)
            continue
        raw, _ = read_file_bytes(path, MAX_FILE_BYTES)
        if raw is None or may_hold_tables(path, raw):  # unreadable: the engine says "not judged", and why
            files.append(path)
    return sorted(roots), list(dict.fromkeys(os.path.relpath(f, top) for f in files))


def hook_options(argv: Sequence[str]) -> Tuple[ScanOptions, List[str]]:
    """(the hook's `args:` as scan options, the changed files); the inputs are never -d / -f."""
    named = [o for o in argv if o.split("=", 1)[0] in INPUT_OPTIONS]
    if named:
        raise OptionsError(f"{named[0].split('=', 1)[0]} is not a hook argument: the hook judges the files a commit "
                           "changes (see .pre-commit-hooks.yaml)")
    return parse_arguments_and_files(argv)


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    from checkov_pitr.domain.policy import PolicyError, load_policy
    from checkov_pitr.engine.scan import reported_path

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        options, changed = hook_options(sys.argv[1:] if argv is None else argv)
    except OptionsError as exc:
        say(f"error: {exc}", err, PROG)
        return 2
    try:
        roots, files = choose(changed, options)  # pre-commit runs hooks from the top
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # fail closed, in one line
        say(f"error: internal error: {type(exc).__name__}: {exc}", err, PROG)
        return 2
    if not roots and not files:
        return 0  # nothing the commit changes is ours: say nothing
    try:
        policy = load_policy(options.policy_file)
    except PolicyError as exc:
        say(str(exc), err, PROG)
        return 2
    directories = tuple(os.path.relpath(r) for r in roots)
    chosen = {os.path.realpath(f) for f in files}

    def from_top(finding: "Finding") -> "Finding":  # its file named from the top, with checkov's leading "/"
        shown, reason = reported_path(finding.path, os.curdir), finding.reason
        if finding.table is None and reason.startswith(finding.file_path + ":"):  # "<file>: not judged: ..."
            reason = shown + reason[len(finding.file_path):]
        return dataclasses.replace(finding, file_path=shown, reason=reason)

    def narrow(result: "ScanResult") -> None:
        # a root folder stands for its Terraform only: a template or plan beside it is judged when it changes
        result.findings = [from_top(f) for f in result.findings
                           if f.framework in TERRAFORM_FRAMEWORKS or os.path.realpath(f.path) in chosen]
        result.warnings = [(path, warning) for path, warning in result.warnings
                           if os.path.isdir(path) or is_terraform_file(path) or os.path.realpath(path) in chosen]

    # --skip-path patterns (checkov's regexes of the joined path) that keep a -d walk of each root to the folder
    # itself: its subfolders are modules (the reader follows the calls) or other roots
    subfolders = tuple("^" + re.escape(os.path.join(root, name)) + "$"
                       for root in directories for name in sorted(next(os.walk(root), ("", [], []))[1]))
    scanned = dataclasses.replace(options, directories=directories, files=tuple(files),
                                  skip_paths=options.skip_paths + subfolders)
    # no "exemption matched no resource" warnings: a commit's scan is partial
    return scan_and_report(scanned, policy, out, err, narrow=narrow, prog=PROG)

