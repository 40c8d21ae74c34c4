"""What checkov-pitr says on its command line, apart from checkov's own output: `--help`, the
argument rewrite for `--skip-check`, and precise one-line messages about inputs it does not judge.

cli.py calls these; they are pure functions (no checkov run), so the tests check them directly.
"""
from __future__ import annotations

import os
from typing import List, Optional, Sequence, Tuple

from checkov_pitr import __version__
from checkov_pitr.rule import CHECKS

PROG = "checkov-pitr"

OUR_OPTIONS = f"""\
usage: {PROG} [--policy FILE] [checkov's arguments]
       {PROG} fix [--diff] [--policy FILE] (-d DIR | -f FILE ...)
       {PROG} --checks-dir | --version | --help

checkov with the DynamoDB point-in-time recovery checks ({", ".join(CHECKS)}) loaded, offline (no
DNS lookup, no connection, no download), and by default only these checks.

{PROG} options:
  --policy FILE         checkov-pitr policy file (minimum recovery period, unresolved values,
                        exemptions, severities); default: .checkov-pitr.yaml in the working
                        directory if present, else the built-in policy
  --checks-dir          print the absolute path of the installed checks folder, for
                        `checkov --external-checks-dir "$({PROG} --checks-dir)"`
  --version, -v         print the checkov-pitr and checkov versions
  --config-file FILE    a checkov config file; checkov's own .checkov.yaml files are read only
                        when named here
  --help, -h            this help

{PROG} fix:
  fix [--diff] [--policy FILE] (-d DIR | -f FILE ...)
                        write the smallest edit that makes each fixable CKV_PITR_001 /
                        CKV_PITR_002 failure pass; --diff prints a unified diff instead

Only our checks run unless --check names others; --skip-check with only our IDs keeps the rest
of ours. Exit code: 1 when a check failed, 0 otherwise (--soft-fail: 0), 2 for a missing input,
an invalid policy or an internal error.

checkov's arguments (passed through):
"""


def checkov_usage() -> str:
    """checkov's own `--help`, from its argument parser (no scan, no network)."""
    from checkov_pitr.integration.offline import install as offline

    offline()  # the parser module imports checkov's config; keep its update check off
    try:
        from checkov.common.util.ext_argument_parser import ExtArgumentParser

        parser = ExtArgumentParser(prog="checkov", description="Infrastructure as code static analysis",
                                   add_env_var_help=True)
        parser.add_parser_args()
        return parser.format_help()
    except Exception as exc:  # another checkov layout: point at its help rather than fail
        return f"(checkov's options could not be listed here: {type(exc).__name__}; run `checkov --help`)\n"


def help_text() -> str:
    """`checkov-pitr --help`: our options first, then checkov's usage."""
    return OUR_OPTIONS + "\n" + checkov_usage()


def _split_ids(values: Sequence[str]) -> List[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _option_values(argv: Sequence[str], *names: str) -> Tuple[List[str], List[str]]:
    """(values of the options, argv without them); `--name VALUE` and `--name=VALUE`."""
    values: List[str] = []
    rest: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in names and i + 1 < len(argv):
            values.append(argv[i + 1])
            i += 2
            continue
        name, sep, value = arg.partition("=")
        if sep and name in names:
            values.append(value)
        else:
            rest.append(arg)
        i += 1
    return values, rest


def skip_check_arguments(argv: Sequence[str]) -> Optional[List[str]]:
    """The rewrite of `--skip-check` when it names only our checks and no `--check` is given.

    checkov turns `--skip-check` into "every check but these", its ~1,000 built-in ones included;
    `--skip-check CKV_PITR_002` means "our checks but 002". Returns argv with the skip list replaced
    by `--check <our remaining IDs>`, or None when nothing is to change (no --skip-check, a --check
    given, or a mixed list, where the user's wording is kept as checkov reads it)."""
    checks, _ = _option_values(argv, "-c", "--check")
    skipped, rest = _option_values(argv, "--skip-check")
    if checks or not skipped:
        return None
    ids = _split_ids(skipped)
    if not ids or any(i not in CHECKS for i in ids):
        return None
    remaining = [check_id for check_id in CHECKS if check_id not in ids]
    if not remaining:
        # every one of ours skipped: checkov needs a --check list to stay off its built-in checks, and
        # a check both listed and skipped is skipped, so nothing runs
        return [*rest, "--check", ",".join(CHECKS), "--skip-check", ",".join(ids)]
    return [*rest, "--check", ",".join(remaining)]


def is_multi_document_yaml(text: str) -> bool:
    """True when the YAML text holds more than one document (a `---` separator after content)."""
    seen_content = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("---") and (len(stripped) == 3 or stripped[3] in " \t#"):
            if seen_content:
                return True
            continue
        if stripped and not stripped.startswith("#") and not stripped.startswith("%"):
            seen_content = True
    return False


def is_not_ours_multi_document(text: str) -> bool:
    """A multi-document YAML none of whose documents is a CloudFormation template (Kubernetes
    manifests, Helm output): not ours, so checkov-pitr says nothing about it (checkov's
    CloudFormation parser reads only single documents and would otherwise be reported as "nothing
    read")."""
    if not is_multi_document_yaml(text):
        return False
    import re

    # a template has a top-level Resources (or AWSTemplateFormatVersion / Transform) key
    return re.search(r"(?m)^(Resources|AWSTemplateFormatVersion|Transform)\s*:", text) is None


def root_module_file_message(path: str) -> str:
    """Said when a .tf file that calls modules is scanned alone with -f: checkov resolves module
    arguments only when it reads the folder, so those tables were not judged."""
    folder = os.path.dirname(path) or "."
    return (f"{path}: calls a module; checkov judges module arguments only when it scans the folder: "
            f"scan it with `-d {folder}` for the module's tables to be judged")


def calls_modules(text: str) -> bool:
    """True when Terraform HCL text has a `module "name" {` block (a root module calling others)."""
    import re

    return re.search(r'(?m)^\s*module\s+"[^"]+"\s*\{', text) is not None


__all__ = ["help_text", "skip_check_arguments", "root_module_file_message", "calls_modules",
           "is_multi_document_yaml", "is_not_ours_multi_document", "__version__"]
