"""`checkov-pitr`: checkov with the DynamoDB-003 checks loaded, offline, and by default only them.

    checkov-pitr --checks-dir
    checkov-pitr [--policy FILE] [--config-file FILE] [checkov's own arguments]
    checkov-pitr fix [--diff] [--policy FILE] -d DIR | -f FILE ...

Before checkov runs, the inventory reads every file that may hold a table (integration/scan.py,
domain/readers/); around checkov's run, the gate isolates each runner and reconciles checkov's
records with the inventory before anything is printed (integration/gate.py). The exit code is
checkov's, counting the results we add; 2 for a missing input, an invalid policy or config file,
or an internal error.
"""
from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from checkov_pitr import __version__
from checkov_pitr.domain.policy import POLICY_ENV, LoadedPolicy, PolicyError, load_policy
from checkov_pitr.rule import CHECKS

# The frameworks our checks judge; other frameworks would only cost time when only our checks run.
OUR_FRAMEWORKS = ("cloudformation", "serverless", "terraform", "terraform_json", "terraform_plan")
PROG = "checkov-pitr"


def checks_dir() -> str:
    """Absolute path of the installed checks folder, for `checkov --external-checks-dir`."""
    from checkov_pitr import checks

    return os.path.dirname(os.path.abspath(checks.__file__))


def _pop_option(argv: List[str], name: str) -> Tuple[Optional[str], List[str]]:
    """Take `--name VALUE` or `--name=VALUE` out of argv."""
    value: Optional[str] = None
    rest: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == name:
            if i + 1 >= len(argv):
                raise PolicyError(f"{name} needs a file name")
            value = argv[i + 1]
            i += 2
            continue
        if arg.startswith(name + "="):
            value = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return value, rest


def _has_flag(argv: Sequence[str], *flags: str) -> bool:
    return any(a in flags or any(a.startswith(f + "=") for f in flags if f.startswith("--")) for a in argv)


def checkov_arguments(argv: Sequence[str]) -> List[str]:
    """The checkov command line for the user's arguments: our checks, offline, only ours by default."""
    from checkov_pitr.messages import skip_check_arguments

    # `--skip-check <our IDs>` alone means "the rest of ours", never checkov's ~1,000 built-in checks
    args = skip_check_arguments(argv) or list(argv)
    args += ["--external-checks-dir", checks_dir()]
    if not _has_flag(args, "--skip-download"):
        args.append("--skip-download")
    if not _has_flag(args, "-c", "--check", "--skip-check"):
        args += ["--check", ",".join(CHECKS)]
    if not _has_flag(args, "--framework"):
        args += ["--framework", *OUR_FRAMEWORKS]
    return args


def _quiet_vendor_logging() -> None:
    # checkov logs vendor-service and module-download problems as warnings with tracebacks; the
    # scan is offline by design, so users see none of them.
    from checkov_pitr.integration.offline import install as offline, install_noise_filter

    offline()  # no PyPI version check, no vendor mapping download: see integration/offline.py
    install_noise_filter()  # "Failed to download module", "only possible with an API key", ...
    for name in ("urllib3", "requests", "checkov.common.bridgecrew", "checkov.common.util.http_utils"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _install_sarif() -> None:
    """checkov builds SARIF with its own class; ours is ready for GitHub code scanning."""
    try:
        from checkov_pitr.integration.sarif import install
    except ImportError:  # pragma: no cover - the SARIF module ships with the package
        return
    install()
    # the guarded checkov patches the check modules install, now: checkov parses CloudFormation
    # before it loads external checks, and a deep template must not end the scan (plain_checkov.py)
    from checkov_pitr.integration import plain_checkov  # noqa: F401


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _named_files_not_ours(reports: List[Any], argv: Sequence[str]) -> List[str]:
    """One line per file named with -f that holds nothing checkov-pitr judges: -f names a file on
    purpose, so silence would read as a pass. (Files that may hold tables and cannot be read are
    FAILED results of the inventory, not lines here.)"""
    from checkov_pitr.integration.unreadable import files_named, nothing_read_reason, paths_read

    from checkov_pitr.messages import calls_modules, is_not_ours_multi_document, root_module_file_message

    read = paths_read(reports)
    lines = []
    for path in files_named(list(argv)):
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(1024 * 1024)
        except OSError:
            text = ""
        if path.endswith((".tf", ".tofu")) and calls_modules(text):
            lines.append(root_module_file_message(path))
        elif os.path.realpath(path) not in read and not is_not_ours_multi_document(text):
            lines.append(f"{path}: {nothing_read_reason(path)}; nothing in it was judged")
    return lines


def _report_after_run(reports: Iterable[Any], policy: LoadedPolicy, argv: Sequence[str] = ()) -> None:
    """One line per -f file that holds nothing of ours, and per exemption that matched nothing."""
    reports = [r for r in reports if r is not None]
    try:
        unreadable = _named_files_not_ours(reports, argv)
    except Exception as exc:  # a message about other files must never hide this run's results
        unreadable = [f"could not check the scanned files for unreadable ones ({type(exc).__name__}: {exc})"]
    for line in unreadable:
        _warn(line)
    if not policy.exemptions:
        return
    used = set()
    for report in reports:
        for record in list(report.skipped_checks) + list(report.failed_checks):
            text = " ".join([str((record.check_result or {}).get("suppress_comment") or "")] + list(record.details or []))
            used.update(int(n) for n in re.findall(r"exemptions\[(\d+)\]", text))
    for exemption in policy.exemptions:
        if exemption.index not in used:
            _warn(f"policy {policy.source}: {exemption.label} matched no resource in this run; remove it if it is stale")


def _keep_from_checkov(args: List[str], inventory: Any, targets: Any) -> List[str]:
    """checkov must not parse files that take unbounded time or memory (alias bombs, huge nesting), nor
    files the deploying tool ignores (x.tf beside x.tofu): -f files leave the command line, files
    under -d get a --skip-path of their own. The inventory reports them."""
    from checkov_pitr.integration.scan import skip_path_pattern

    excluded = {os.path.realpath(p) for p in inventory.excluded_from_checkov()}
    if not excluded:
        return args
    kept: List[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        kept.append(arg)
        if arg in ("-f", "--file"):
            j = i + 1
            while j < len(args) and not args[j].startswith("-"):
                if os.path.realpath(args[j]) not in excluded:
                    kept.append(args[j])
                j += 1
            if kept[-1] == arg:
                kept.pop()
            i = j
            continue
        i += 1
    for path in excluded:
        for directory in targets.directories:
            base = os.path.realpath(directory)
            if path.startswith(base + os.sep):
                kept += ["--skip-path", skip_path_pattern(path, base)]
    if not any(a in ("-f", "--file", "-d", "--directory") or a.startswith(("--file=", "--directory=")) for a in kept):
        # every input is one checkov must not read: give it an empty folder, the inventory reports the rest
        import atexit
        import shutil
        import tempfile

        empty = tempfile.mkdtemp(prefix="checkov-pitr-empty-")
        atexit.register(shutil.rmtree, empty, True)
        kept += ["-d", empty]
    return kept


def run_checkov(argv: Sequence[str], policy: Optional[LoadedPolicy] = None) -> Tuple[int, List[Any]]:
    from checkov.main import Checkov

    from checkov_pitr.integration import gate
    from checkov_pitr.integration.reconcile import Reconciler
    from checkov_pitr.integration.scan import roots_by_path, scan_targets, walk
    from checkov_pitr.domain.inventory import build_inventory
    from checkov_pitr.integration.speedups import install as install_speedups
    from checkov_pitr.integration.unreadable import CheckovParserLogFilter, user_log_level

    install_speedups()  # checkov's plan scan is quadratic in the number of resources: see speedups.py
    targets = scan_targets(argv)
    walked = walk(targets)
    inventory = build_inventory(walked)
    # checkov forks workers (CloudFormation parsing, frameworks in parallel) and spends about half
    # its time in the cyclic GC. Everything alive now (checkov's modules, our inventory) lives for the
    # whole run: frozen, the GC stops walking it, in this process and, without copy-on-write page
    # copies, in every forked worker. (Without it the inventory's heap cost ~10% CPU on 10,000 tables.)
    import gc

    gc.collect()  # what reading left in cycles is freed first, not frozen for the whole run
    gc.freeze()
    policy = policy or load_policy(None)
    reconciler = Reconciler(inventory, policy, roots_by_path(walked), targets.directories)
    gate.install(reconciler, targets.skip_paths)
    args = checkov_arguments(_keep_from_checkov(list(argv), inventory, targets))
    sys.argv = ["checkov", *args]  # checks resolve relative paths against the scan roots
    root = logging.getLogger()
    # checkov sets the root logger to DEBUG and keeps every debug line in memory, for uploading to
    # its platform; the scan is offline, and formatting and keeping those lines (several per check
    # and resource) is most of what each extra check costs. Keep only what the user sees on stderr.
    root.setLevel(min(user_log_level(), logging.WARNING))
    parser_log_filter = CheckovParserLogFilter()  # multi-line YAML errors: we print one line per file
    root.addFilter(parser_log_filter)
    try:
        from checkov_pitr.integration.checkov_config import no_default_config_files

        no_default_config_files()  # a .checkov.yaml in the scanned tree or cwd is never read (issue 10)
        from checkov_pitr.integration.visibility import start_unknown_log

        start_unknown_log()  # tables left UNKNOWN, from every checkov worker process (visibility.py)
        ckv = Checkov(argv=args)
        exit_code = ckv.run()
    finally:
        root.removeFilter(parser_log_filter)
    warnings = [(r.path, r.warning) for r in inventory.readings if r.warning] + reconciler.warnings
    warnings += [(tf.path, warning) for tf in inventory.terraform for warning in tf.warnings]
    for path, warning in dict.fromkeys(warnings):
        _warn(f"{path}: {warning}")
    return int(exit_code or 0), list(getattr(ckv, "scan_reports", []) or [])


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["fix"]:
        from checkov_pitr.fix_command import main as fix_main

        return fix_main(args[1:])
    if args == ["--checks-dir"]:
        print(checks_dir())
        return 0
    if any(a in ("-h", "--help") for a in args):  # ours, then checkov's (messages.help_text)
        from checkov_pitr.messages import help_text

        print(help_text(), end="")
        return 0
    if args in (["--version"], ["-v"]):
        from checkov.version import version as checkov_version

        print(f"{PROG} {__version__} (checkov {checkov_version})")
        return 0
    try:
        policy_file, args = _pop_option(args, "--policy")
        policy = load_policy(policy_file)
    except PolicyError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if policy_file:
        os.environ[POLICY_ENV] = os.path.abspath(policy_file)
    from checkov_pitr.integration.checkov_config import ConfigFileError, expand_config_file

    try:  # --config-file FILE: its allowed settings become arguments; checkov never reads it (issue 10)
        config = expand_config_file(args)
    except ConfigFileError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    args = config.argv
    for line in config.lines() if config.source else []:
        print(f"{PROG}: {line}", file=sys.stderr)
    from checkov_pitr.integration.scan import scan_targets

    missing = scan_targets(args).missing()
    for path in missing:  # a renamed folder must not turn the gate into a scan of nothing
        print(f"{PROG}: error: {path}: no such file or directory", file=sys.stderr)
    if missing:
        return 2
    _quiet_vendor_logging()
    _install_sarif()
    try:
        exit_code, reports = run_checkov(args, policy)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a one-line message, never a traceback
        print(f"{PROG}: error: checkov failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    _report_after_run(reports, policy, args)
    from checkov_pitr.integration.visibility import visibility_lines

    for line in visibility_lines(policy, reports):  # policy in effect, exemptions matched, tables UNKNOWN
        print(line, file=sys.stderr)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
