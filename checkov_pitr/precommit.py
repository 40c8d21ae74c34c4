"""`checkov-pitr-pre-commit [OPTIONS] FILES...`: the pre-commit hook, judged in-process by the one engine.

pre-commit runs the hook from the repository's top folder and appends the changed file names to the
hook's `args:`. The hook judges what the commit changes and everything whose reading the change can
alter (SPEC "The pre-commit hook"):

- a changed `.tf`, `.tf.json`, `.tofu` or `.tofu.json` file judges its Terraform root folders: its
  folder, or, when that folder is a local module (`source = "./..."` / `"../..."`), the folders that
  call it, transitively up to the folders nobody calls. A module's tables are judged under each
  caller's address with the arguments it passes, which a scan of the module file alone cannot see;
- a changed tfvars file (`*.tfvars`, `*.tfvars.json`) judges the folder it sits in, as a root;
- a changed `${file(...)}` include (a file that a serverless.yml / .yaml / .json of the repository
  includes under `resources`) judges the serverless files that include it, and only them: the include
  is deployed as part of its service, so it is not judged a second time as a template of its own;
- a changed template (CloudFormation, SAM, CDK output, serverless file) or plan JSON is judged
  itself, when it can hold a table (the engine's own text pre-filter); other files (Kubernetes
  manifests, workflows, package.json, ...) are not ours and the hook says nothing about them.

Everything chosen is judged by ONE engine scan (the folders as `-d`, the files as `-f`) and rendered
once, as `checkov-pitr` renders it. The hook's options are `checkov-pitr`'s scan options, parsed once
by engine/options.py (`--policy`, `--quiet`, `--compact`, `--soft-fail`, `-o`, ...), and its exit code
is `checkov-pitr`'s (1 when a check failed, 2 for a refused option, an invalid policy or an internal
error).

File names: a root folder scanned with `-d infra/a` would report `/main.tf`, as checkov does
(relative to the scan root), and two folders' `main.tf` would read the same. The hook's scan root is
the repository top, so every finding's `file_path` is rewritten to the path relative to the top, with
checkov's leading "/": `/infra/a/main.tf`, exactly what `checkov-pitr -d .` run at the top reports.

A root folder is scanned as a root and nothing more: its subfolders are kept from the walk (the
Terraform reader follows the root's module calls, local or installed by `terraform init`, itself;
another root below it is not what the change can alter), and the templates or plans beside it are
judged only when they change themselves.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, TextIO, Tuple

from checkov_pitr.cli import say
from checkov_pitr.domain.readers.terraform_modules import is_local_source
from checkov_pitr.engine.options import OptionsError, ScanOptions

if TYPE_CHECKING:
    from checkov_pitr.domain.policy import LoadedPolicy
    from checkov_pitr.engine.scan import Finding, ScanResult

PROG = "checkov-pitr-pre-commit"
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
TERRAFORM_FRAMEWORKS = ("terraform", "terraform_json")
# Options that name the inputs: the hook's inputs are the changed files.
INPUT_OPTIONS = ("-d", "--directory", "-f", "--file")

_MODULE_BLOCK = re.compile(r'(?m)^\s*module\s+"[^"]*"\s*\{')
_SOURCE = re.compile(r'(?m)^\s*source\s*=\s*"([^"]+)"')
_BLOCK_START = re.compile(r'(?m)^\S')  # the next top-level line ends a block


# --- the repository: Terraform module calls and serverless includes ----------------------------------

def _local_module_sources(path: str) -> List[str]:
    """The local module folders (./ or ../) one Terraform file calls, as absolute paths. A cheap text
    search, not a parse: it only decides which root folders to judge; the engine reads them in full."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return []
    sources: List[str] = []
    if path.endswith(".json"):
        try:
            modules = json.loads(text).get("module") or {}
        except (ValueError, AttributeError, RecursionError):
            return []
        for item in modules if isinstance(modules, list) else [modules]:
            for body in (item.values() if isinstance(item, dict) else []):
                for entry in (body if isinstance(body, list) else [body]):
                    source = entry.get("source") if isinstance(entry, dict) else None
                    if isinstance(source, str):
                        sources.append(source)
    else:
        for match in _MODULE_BLOCK.finditer(text):
            rest = text[match.end():]
            end = _BLOCK_START.search(rest)
            found = _SOURCE.search(rest[:end.start()] if end else rest)
            if found:
                sources.append(found.group(1))
    return [os.path.normpath(os.path.join(folder, s)) for s in sources if is_local_source(s)]


class Repository:
    """The repository's files, walked once (only when a change needs it) with the scan's skip rules."""

    def __init__(self, top: str, options: ScanOptions) -> None:
        self.top = top
        self.options = options
        self._files: Optional[List[str]] = None
        self._callers: Optional[Dict[str, Set[str]]] = None
        self._includers: Optional[Dict[str, List[str]]] = None

    def files(self) -> List[str]:
        if self._files is None:
            from checkov_pitr.engine.scan import walk

            everything = dataclasses.replace(self.options, directories=(self.top,), files=())
            self._files = [path for path, _, _ in walk(everything)]
        return self._files

    def callers(self) -> Dict[str, Set[str]]:
        """Module folder -> the folders whose Terraform files call it as a local module (absolute paths)."""
        if self._callers is None:
            self._callers = {}
            for path in self.files():
                if path.endswith(TERRAFORM_SUFFIXES):
                    caller = os.path.dirname(os.path.abspath(path))
                    for module in _local_module_sources(path):
                        if module != caller:
                            self._callers.setdefault(module, set()).add(caller)
        return self._callers

    def includers(self) -> Dict[str, List[str]]:
        """Real path of an included file -> the serverless files whose `resources` include it."""
        if self._includers is None:
            from checkov_pitr.domain.readers.serverless import included_files

            self._includers = {}
            for path in self.files():
                if os.path.basename(path) not in SERVERLESS_NAMES:
                    continue
                try:
                    included = included_files(path)
                except Exception:  # a serverless file the reader cannot list: it is judged when it changes
                    continue
                for include in included:
                    self._includers.setdefault(os.path.realpath(include), []).append(path)
        return self._includers


def root_folders(changed: Sequence[str], callers: Dict[str, Set[str]]) -> List[str]:
    """The Terraform root folders (absolute) of changed Terraform files: each file's folder, walked up
    the local module calls to the folders nobody calls."""
    roots: Set[str] = set()
    for path in changed:
        pending, seen = [os.path.dirname(os.path.abspath(path))], set()
        while pending:
            folder = pending.pop()
            if folder in seen:
                continue
            seen.add(folder)
            up = callers.get(folder)
            if up:
                pending.extend(up)
            else:
                roots.add(folder)
    return sorted(roots)


def can_hold_tables(path: str) -> bool:
    """The engine's text pre-filter: whether a changed template or JSON file may hold a table or is a plan."""
    from checkov_pitr.domain.inventory import MAX_FILE_BYTES, may_hold_tables, read_file_bytes

    raw, _ = read_file_bytes(path, MAX_FILE_BYTES)
    if raw is None:  # too large or unreadable: the engine judges it as "not judged", saying why
        return True
    return may_hold_tables(path, raw)


@dataclasses.dataclass(frozen=True)
class Chosen:
    """What a commit's changes make the hook judge."""

    roots: Tuple[str, ...] = ()  # Terraform root folders, absolute
    files: Tuple[str, ...] = ()  # templates, plans and serverless files judged as themselves

    def __bool__(self) -> bool:
        return bool(self.roots or self.files)


def choose(changed: Sequence[str], repository: Repository) -> Chosen:
    """The root folders and files a commit that changes `changed` is judged by."""
    terraform = [p for p in changed if p.endswith(TERRAFORM_SUFFIXES)]
    roots = set(root_folders(terraform, repository.callers())) if terraform else set()
    roots.update(os.path.dirname(os.path.abspath(p)) for p in changed if p.endswith(TFVARS_SUFFIXES))
    files: List[str] = []
    for path in changed:
        if path.endswith(TERRAFORM_SUFFIXES + TFVARS_SUFFIXES) or not os.path.isfile(path):
            continue
        serverless = os.path.basename(path) in SERVERLESS_NAMES
        if not serverless and path.endswith(TEMPLATE_SUFFIXES):
            including = repository.includers().get(os.path.realpath(path))
            if including:
                files.extend(including)
                continue
        if (serverless or path.endswith(TEMPLATE_SUFFIXES)) and can_hold_tables(path):
            files.append(path)
    return Chosen(tuple(sorted(roots)), tuple(dict.fromkeys(os.path.relpath(f, repository.top) for f in files)))


# --- what the scan reads, and which findings the change can alter -----------------------------------

def subfolders_skipped(roots: Sequence[str]) -> Tuple[str, ...]:
    """--skip-path patterns that keep a `-d` walk of each root folder to the folder itself: its
    subfolders are modules (the Terraform reader follows the calls it finds, local or installed) or
    other roots, which the change cannot alter. Each pattern is the exact path the walk joins
    (checkov's --skip-path regexes), so no file and no other root's walk matches it."""
    patterns: List[str] = []
    for root in roots:
        try:
            names = sorted(n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)))
        except OSError:
            continue
        patterns += ["^" + re.escape(os.path.join(root, name)) + "$" for name in names]
    return tuple(patterns)


def in_scope(finding_path: str, framework: str, chosen_files: Set[str]) -> bool:
    """A root folder stands for its Terraform only: a template or plan beside it is judged when it changes."""
    return framework in TERRAFORM_FRAMEWORKS or os.path.realpath(finding_path) in chosen_files


def from_top(finding: "Finding", top: str) -> "Finding":
    """The finding with its file named relative to the repository top, with checkov's leading "/"."""
    from checkov_pitr.engine.scan import reported_path

    shown = reported_path(finding.path, top)
    reason = finding.reason
    if finding.table is None and reason.startswith(finding.file_path + ":"):  # "<file>: not judged: ..."
        reason = shown + reason[len(finding.file_path):]
    return dataclasses.replace(finding, file_path=shown, reason=reason)


# --- the run -----------------------------------------------------------------------------------------

def hook_options(argv: Sequence[str]) -> Tuple[ScanOptions, List[str]]:
    """(the hook's `args:` as checkov-pitr scan options, the changed files pre-commit appends); the
    inputs are the changed files, never -d / -f."""
    from checkov_pitr.engine.options import parse_arguments_and_files

    named = [o for o in argv if o.split("=", 1)[0] in INPUT_OPTIONS]
    if named:
        raise OptionsError(f"{named[0].split('=', 1)[0]} is not a hook argument: the hook judges the files a commit "
                           "changes (see .pre-commit-hooks.yaml)")
    return parse_arguments_and_files(argv)


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    from checkov_pitr.domain.policy import PolicyError, load_policy

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        options, changed = hook_options(sys.argv[1:] if argv is None else argv)
    except OptionsError as exc:
        say(f"error: {exc}", err, PROG)
        return 2
    top = os.curdir  # pre-commit runs hooks from the repository's top folder
    try:
        repository = Repository(top, options)
        chosen = choose(changed, repository)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # fail closed, in one line
        say(f"error: internal error: {type(exc).__name__}: {exc}", err, PROG)
        return 2
    if not chosen:
        return 0  # nothing the commit changes is ours: say nothing
    try:
        policy = load_policy(options.policy_file)
    except PolicyError as exc:
        say(str(exc), err, PROG)
        return 2
    roots = tuple(os.path.relpath(r) for r in chosen.roots)
    scanned = dataclasses.replace(options, directories=roots, files=chosen.files,
                                  skip_paths=options.skip_paths + subfolders_skipped(roots))
    return judge(scanned, policy, top, out, err)


def judge(options: ScanOptions, policy: "LoadedPolicy", top: str, out: TextIO, err: TextIO) -> int:
    """One engine scan of the chosen inputs, its findings named from the top, rendered once."""
    from checkov_pitr.cli import scan_and_report

    chosen = {os.path.realpath(f) for f in options.files}

    def narrow(result: "ScanResult") -> None:
        result.findings = [from_top(f, top) for f in result.findings if in_scope(f.path, f.framework, chosen)]
        result.warnings = [(path, warning) for path, warning in result.warnings
                           if in_scope(path, "terraform" if os.path.isdir(path) or path.endswith(TERRAFORM_SUFFIXES)
                                       else "", chosen)]

    # no "exemption matched no resource" warnings: a commit's scan is partial
    return scan_and_report(options, policy, out, err, narrow=narrow, prog=PROG, stale_exemptions=False)


if __name__ == "__main__":
    sys.exit(main())
