"""The one parse of a scan command line (and of the `--config-file` it names) into `ScanOptions`. No checkov
here. The arguments are checkov's, with its meaning (SPEC "Command line"); every other checkov argument is
refused with the reason (exit 2, one line): none is silently ignored."""
from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from checkov_pitr.rule import CHECKS, FRAMEWORKS, TOOL_NAME as PROG

OUTPUTS = ("cli", "json", "sarif", "junitxml", "github_failed_only", "gitlab_sast", "csv")
# checkov's frameworks that hold no DynamoDB table of ours: selecting only them judges nothing.
_OTHER_FRAMEWORKS = (
    "all", "ansible", "argo_workflows", "arm", "azure_pipelines", "bicep", "bitbucket_pipelines", "circleci_pipelines",
    "dockerfile", "github_actions", "github_configuration", "gitlab_ci", "gitlab_configuration", "helm",
    "json", "yaml", "kubernetes", "kustomize", "openapi", "sca_package", "sca_image", "secrets", "sast",
    "cdk", "3d_policy", "bitbucket_configuration", "kics", "policies_3d", "sca",
)
MAX_CONFIG_BYTES = 256 * 1024
_FLAG_WORDS = {**dict.fromkeys(("true", "yes", "on", "1"), True), **dict.fromkeys(("false", "no", "off", "0"), False)}

_LOADS_CHECKS = "it loads checks from elsewhere; checkov-pitr runs its own checks only"
_NETWORK = "it downloads from or uploads to a vendor service, and checkov-pitr runs offline"
_SUPPRESSES = ("a baseline file hides findings with no reason or expiry, and a pull request can edit it; "
               "use the policy file's exemptions (reviewed, with a reason and an expiry date)")

# checkov options checkov-pitr refuses, with the reason (any other unknown option is refused too).
REFUSED: Dict[str, str] = {
    **{name: _LOADS_CHECKS for name in ("--external-checks-dir", "--external-checks-git", "--external-checks-public-key",
                                         "--run-all-external-checks", "--include-all-checkov-policies", "--add-check")},
    **{name: _NETWORK for name in ("--bc-api-key", "--prisma-api-url", "--repo-id", "--branch", "--use-enforcement-rules",
                                    "--support", "--download-external-modules", "--external-modules-download-path",
                                    "--ca-certificate", "--no-cert-verify", "--docker-image", "--image",
                                    "--dockerfile-path", "--policy-metadata-filter", "--policy-metadata-filter-exception",
                                    "--output-bc-ids", "--skip-results-upload", "--openai-api-key", "--secrets-scan-file-type",
                                    "--enable-secret-scan-all-files", "--block-list-secret-scan")},
    **{name: _SUPPRESSES for name in ("--baseline", "--output-baseline-as-skipped", "--create-baseline")},
    "--no-fail-on-crash": "it turns a crash into a pass, and a gate must fail closed",
    "--create-config": "it writes a config file rather than scanning",
    "--show-config": "it prints a config rather than scanning",
    "--list": "it lists checkov's checks; checkov-pitr's are CKV_PITR_001, CKV_PITR_002 and CKV_PITR_003",
    "--evaluate-variables": "checkov-pitr always evaluates variables as Terraform does",
}


class OptionsError(Exception):
    """A command line or config file checkov-pitr will not run; str() is the one-line message (exit 2)."""


@dataclass(frozen=True)
class ScanOptions:
    """What to scan and how to report it: the whole state of one run, passed explicitly."""

    directories: Tuple[str, ...] = ()
    files: Tuple[str, ...] = ()
    frameworks: Tuple[str, ...] = FRAMEWORKS  # the frameworks judged (checkov's names)
    checks: Tuple[str, ...] = tuple(CHECKS)  # our check ids that run
    skip_paths: Tuple[str, ...] = ()
    var_files: Tuple[str, ...] = ()
    outputs: Tuple[str, ...] = ("cli",)
    output_file_path: Optional[str] = None
    soft_fail: bool = False
    soft_fail_on: Tuple[str, ...] = ()
    hard_fail_on: Tuple[str, ...] = ()
    compact: bool = False
    quiet: bool = False
    policy_file: Optional[str] = None
    repo_root_for_plan_enrichment: Tuple[str, ...] = ()
    config_lines: Tuple[str, ...] = field(default=(), compare=False)  # what the run says about the config file

    def missing(self) -> List[str]:
        """The named inputs that do not exist: the run must stop, never scan nothing."""
        return [d for d in self.directories if not os.path.isdir(d)] + [f for f in self.files if not os.path.lexists(f)]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit 2 itself
        needs = re.match(r"argument ([-\w]+)(?:/[-\w]+)*: expected (?:one|at least one) argument", message)
        if needs:
            what = "a file name" if needs.group(1) in ("--policy", "--config-file", "--output-file-path") else "a value"
            raise OptionsError(f"{needs.group(1)} needs {what}")
        raise OptionsError(message)


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, add_help=False, allow_abbrev=False)
    for names in ("-d/--directory", "-f/--file", "--framework", "--skip-framework", "--repo-root-for-plan-enrichment"):
        parser.add_argument(*names.split("/"), action="extend", nargs="+", default=[])
    for names in ("-o/--output", "--soft-fail-on", "--hard-fail-on", "--skip-path", "-c/--check", "--skip-check",
                  "--var-file", "--config-file"):
        parser.add_argument(*names.split("/"), action="append", default=[])
    # --skip-download and --no-guide are accepted: nothing is ever downloaded, no guidelines are fetched
    for name in ("--soft-fail", "--compact", "--quiet", "--skip-download", "--no-guide"):
        parser.add_argument(name, action="store_true")
    for name in ("--output-file-path", "--policy"):
        parser.add_argument(name)
    parser.add_argument("-s", action="store_true", dest="soft_fail_short")
    return parser


def _split_commas(values: Sequence[str]) -> List[str]:
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def _refuse_unknown(unknown: Sequence[str]) -> None:
    for arg in unknown:
        name = arg.split("=", 1)[0]
        if name in REFUSED:
            raise OptionsError(f"{name} is not supported: {REFUSED[name]}")
        if name.startswith("-"):
            raise OptionsError(f"{name} is not a checkov-pitr scan argument (see checkov-pitr --help)")
        raise OptionsError(f"unexpected argument {arg!r}: name inputs with -d DIR or -f FILE")


def _by_severity(tokens: Sequence[str]) -> List[str]:
    """checkov's meaning of a severity in --check / --skip-check: every check of that severity or
    higher (the rule's severity; a policy's severity overrides change how results are shown)."""
    levels = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
    ids: List[str] = []
    for token in tokens:
        floor = levels.index(token.upper()) if token.upper() in levels else None
        ids += [token] if floor is None else [c for c, meta in CHECKS.items() if levels.index(meta.severity) >= floor]
    return ids


def _selected_checks(checks: Sequence[str], skipped: Sequence[str]) -> Tuple[str, ...]:
    wanted = _by_severity(_split_commas(checks))
    skipped = _by_severity(_split_commas(skipped))
    not_ours = [c for c in wanted + skipped if c not in CHECKS]
    if not_ours:
        raise OptionsError(
            f"{not_ours[0]} is not a checkov-pitr check (ours: {', '.join(CHECKS)}); for checkov's own checks run "
            f"plain checkov: checkov --check {not_ours[0]} ...")
    return tuple(c for c in CHECKS if (not wanted or c in wanted) and c not in skipped)


def _selected_frameworks(frameworks: Sequence[str], skipped: Sequence[str]) -> Tuple[str, ...]:
    chosen = _split_commas(frameworks) or ["all"]
    skip = _split_commas(skipped)
    for name in chosen + skip:
        if name not in FRAMEWORKS and name not in _OTHER_FRAMEWORKS:
            raise OptionsError(f"--framework {name}: not a checkov framework")
    if "terraform" in chosen:
        chosen.append("terraform_json")  # checkov's `terraform` selects .tf.json files too
    return tuple(f for f in FRAMEWORKS if ("all" in chosen or f in chosen) and f not in skip)


def _outputs(values: Sequence[str]) -> Tuple[str, ...]:
    outputs = _split_commas(values) or ["cli"]
    for name in outputs:
        if name not in OUTPUTS:
            raise OptionsError(f"-o {name}: not an output checkov-pitr writes (choose from {', '.join(OUTPUTS)})")
    return tuple(dict.fromkeys(outputs))


def parse_scan_arguments(argv: Sequence[str]) -> ScanOptions:
    """The ScanOptions of a scan command line; OptionsError for anything refused or malformed."""
    return parse_arguments_and_files(argv, files_allowed=False)[0]


def parse_arguments_and_files(argv: Sequence[str], files_allowed: bool = True) -> Tuple[ScanOptions, List[str]]:
    """(ScanOptions, the plain file names among the arguments: the pre-commit hook's changed files)."""
    parser = _parser()
    namespace, unknown = parser.parse_known_args(argv)
    config_lines = _config_defaults(namespace.config_file, argv, parser) if namespace.config_file else ()
    if config_lines:  # parsed again over the config file's defaults
        namespace, unknown = parser.parse_known_args(argv)
    files = [arg for arg in unknown if files_allowed and not arg.startswith("-")]
    _refuse_unknown([arg for arg in unknown if arg not in files])
    return ScanOptions(
        directories=tuple(namespace.directory),
        files=tuple(namespace.file),
        frameworks=_selected_frameworks(namespace.framework, namespace.skip_framework),
        checks=_selected_checks(namespace.check, namespace.skip_check),
        skip_paths=tuple(namespace.skip_path),
        var_files=tuple(namespace.var_file),
        outputs=_outputs(namespace.output),
        output_file_path=namespace.output_file_path,
        soft_fail=bool(namespace.soft_fail or namespace.soft_fail_short),
        soft_fail_on=tuple(_split_commas(namespace.soft_fail_on)),
        hard_fail_on=tuple(_split_commas(namespace.hard_fail_on)),
        compact=bool(namespace.compact),
        quiet=bool(namespace.quiet),
        policy_file=namespace.policy,
        repo_root_for_plan_enrichment=tuple(namespace.repo_root_for_plan_enrichment),
        config_lines=config_lines,
    ), files


# --- --config-file FILE ------------------------------------------------------------------------------
# checkov's config files are never discovered (a pull request can add `.checkov.yaml` to the scanned
# tree); one named with --config-file is read here, and its keys are the long options above.

def _config_defaults(paths: Sequence[str], argv: Sequence[str], parser: argparse.ArgumentParser) -> Tuple[str, ...]:
    """Set `parser`'s defaults from the one config file (the command line wins); what the run says about it."""
    if not all(paths):
        raise OptionsError("--config-file needs a file name")
    if len(paths) > 1:
        raise OptionsError(f"--config-file given {len(paths)} times; name one config file")
    path = paths[0]
    data = _read_config(path)
    actions = {option[2:]: action for action in parser._actions for option in action.option_strings  # noqa: SLF001
               if option.startswith("--") and option not in ("--config-file", "--policy")}
    lines: List[str] = []
    for raw_key, value in data.items():
        key = str(raw_key).removeprefix("--")
        if f"--{key}" in REFUSED:
            raise OptionsError(f"config file {path}: `{key}` cannot be set from a config file: {REFUSED['--' + key]}")
        if key not in actions:
            from checkov_pitr.domain.policy import excerpt

            raise OptionsError(f"config file {path}: `{excerpt(key)}` is not a setting checkov-pitr takes from a config "
                               f"file (allowed: {', '.join(sorted(actions))})")
        if value is None:
            continue
        action = actions[key]
        if any(a.split("=", 1)[0] in action.option_strings for a in argv):
            lines.append(f"config file {path}: {key}: ignored, the command line sets it")
            continue
        values = value if isinstance(value, list) else [value]
        texts = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
        if action.nargs == 0:  # a flag: `soft-fail: true`
            parsed = _FLAG_WORDS.get(str(value).lower())
            if parsed is None:
                raise OptionsError(f"config file {path}: `{key}` expects true or false")
            shown = str(parsed).lower()
        elif any(isinstance(v, (dict, list)) for v in values):
            raise OptionsError(f"config file {path}: `{key}` expects a value or a list of values")
        elif isinstance(action, argparse._AppendAction):  # noqa: SLF001
            parsed, shown = texts, ",".join(texts)
        elif len(texts) != 1:
            raise OptionsError(f"config file {path}: `{key}` expects one value")
        else:
            parsed = shown = texts[0]
        parser.set_defaults(**{action.dest: parsed})
        lines.append(f"config file {path}: {key}: {shown}")
    return tuple(lines or [f"config file {path}: sets nothing"])


def _read_config(path: str) -> Mapping[Any, Any]:
    """The file's top-level mapping, by the policy file's YAML loader (bounded aliases, no duplicate keys)."""
    from checkov_pitr.domain.policy import PolicyYamlError, parse_policy_yaml

    if not os.path.isfile(path):
        raise OptionsError(f"config file {path}: does not exist")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise OptionsError(f"config file {path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise OptionsError(f"config file {path}: is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        data = parse_policy_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise OptionsError(f"config file {path}: is not UTF-8 text") from None
    except PolicyYamlError as exc:
        raise OptionsError(f"config file {path}: {exc}") from None
    if data is not None and not isinstance(data, Mapping):
        raise OptionsError(f"config file {path}: expected `key: value` settings at the top level")
    return data or {}
