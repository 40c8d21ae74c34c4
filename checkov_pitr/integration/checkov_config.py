"""checkov's config files, under checkov-pitr's rules (SPEC: "What a pull request cannot change").

checkov 3.3.30 builds its parser with configargparse and `default_config_files` from
`checkov.common.util.config_utils.get_default_config_paths(sys.argv[1:])`: `.checkov.yaml` and
`.checkov.yml` in every `-d` folder, then in the working directory, then in the home directory.
configargparse opens every one of those that exists on each parse, *in addition to* a
`--config-file`. A pull request can add `.checkov.yaml` to the scanned tree, so a checkov-pitr run
reads none of them:

* `no_default_config_files()` patches both places checkov takes the list from (each patch guarded,
  idempotent, and verified by `default_config_files_are_off()`).
* `expand_config_file(argv)` takes `--config-file FILE` off the command line, reads exactly that
  file, and turns its settings into command-line arguments placed before the user's, as
  configargparse would (the command line wins). checkov never sees the file, so its `check`,
  `skip-check` and `framework` keys meet checkov-pitr's own defaults on the command line (where
  checkov itself would report "--check and --skip-check must be mutually exclusive"), and a key
  outside `ALLOWED` stops the run (exit 2) with one line: no config file can load other checks,
  reach a vendor service, or turn findings into skips.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

CONFIG_OPTION = "--config-file"
MAX_CONFIG_BYTES = 256 * 1024

# checkov options (config-file keys) a --config-file may set: what to scan, which of our checks run,
# how results are shown, and the exit code rules a workflow author already controls on the command line.
ALLOWED: Tuple[str, ...] = (
    "directory", "file", "skip-path", "framework", "skip-framework", "check", "skip-check",
    "soft-fail", "soft-fail-on", "hard-fail-on", "output", "output-file-path", "quiet", "compact",
    "var-file", "evaluate-variables", "repo-root-for-plan-enrichment", "summary-position",
    "skip-resources-without-violations", "mask", "skip-download",
)

_LOADS_CHECKS = "loads checks from elsewhere"
_NETWORK = "downloads from or uploads to a vendor service, and checkov-pitr runs offline"
_SUPPRESSES = "hides findings outside the policy file's reviewed, expiring exemptions"
_NOT_A_SCAN = "is not a scan setting"

# Keys refused with the reason; any other key that is not in ALLOWED is refused too.
REFUSED: Dict[str, str] = {
    "external-checks-dir": _LOADS_CHECKS,
    "external-checks-git": _LOADS_CHECKS,
    "external-checks-public-key": _LOADS_CHECKS,
    "run-all-external-checks": _LOADS_CHECKS,
    "include-all-checkov-policies": _LOADS_CHECKS,
    "bc-api-key": _NETWORK,
    "prisma-api-url": _NETWORK,
    "repo-id": _NETWORK,
    "branch": _NETWORK,
    "skip-results-upload": _NETWORK,
    "use-enforcement-rules": _NETWORK,
    "support": _NETWORK,
    "download-external-modules": _NETWORK,
    "external-modules-download-path": _NETWORK,
    "ca-certificate": _NETWORK,
    "no-cert-verify": _NETWORK,
    "docker-image": _NETWORK,
    "image": _NETWORK,
    "dockerfile-path": _NETWORK,
    "policy-metadata-filter": _NETWORK,
    "policy-metadata-filter-exception": _NETWORK,
    "output-bc-ids": _NETWORK,
    "baseline": _SUPPRESSES,
    "output-baseline-as-skipped": _SUPPRESSES,
    "create-baseline": _SUPPRESSES,
    "no-fail-on-crash": "turns a crash into a pass",
    "config-file": _NOT_A_SCAN,
    "create-config": _NOT_A_SCAN,
    "show-config": _NOT_A_SCAN,
    "list": _NOT_A_SCAN,
    "version": _NOT_A_SCAN,
    "help": _NOT_A_SCAN,
    "add-check": _NOT_A_SCAN,
}

# the short forms every argv reader of this package recognises
_SHORT = {"directory": "-d", "file": "-f"}


class ConfigFileError(Exception):
    """A --config-file checkov-pitr will not use; str() is the one-line message (exit 2)."""


@dataclass
class ConfigExpansion:
    argv: List[str]  # the command line with the file's settings in front of the user's arguments
    source: Optional[str] = None  # the config file read, or None
    settings: List[Tuple[str, str]] = field(default_factory=list)  # (key, value as text) applied
    overridden: List[str] = field(default_factory=list)  # keys the command line set itself

    def lines(self) -> List[str]:
        """What the run states about the config file (stderr, without the "checkov-pitr: " prefix)."""
        if self.source is None:
            return ["checkov config files: none read (.checkov.yaml/.checkov.yml are ignored; name one with --config-file)"]
        shown = [f"config file {self.source}: {key}: {value}" for key, value in self.settings]
        shown += [f"config file {self.source}: {key}: ignored, the command line sets it" for key in self.overridden]
        return shown or [f"config file {self.source}: sets nothing"]


# --- default config files: off -----------------------------------------------------------------------

_PATCHED = "_checkov_pitr_no_default_config"


def no_default_config_files() -> None:
    """Make checkov read no default config file (`.checkov.yaml`/`.checkov.yml` in the -d folders,
    the working directory, the home directory). Call before `checkov.main.Checkov(...)`."""
    _patch_default_paths()
    _patch_parser_init()


def _patch_default_paths() -> None:
    # checkov.main imported the function by name; its module global is what parse_config calls.
    try:
        import checkov.main as checkov_main
    except ImportError:  # pragma: no cover - checkov is a dependency
        return
    current = getattr(checkov_main, "get_default_config_paths", None)
    if current is None or getattr(current, _PATCHED, False):
        return

    def get_default_config_paths(argv: List[str]) -> List[str]:
        return []

    setattr(get_default_config_paths, _PATCHED, True)
    checkov_main.get_default_config_paths = get_default_config_paths  # type: ignore[assignment]


def _patch_parser_init() -> None:
    # The second line of defence: whatever list a future checkov computes, its parser gets none.
    try:
        from checkov.common.util.ext_argument_parser import ExtArgumentParser
    except ImportError:  # pragma: no cover
        return
    original: Callable[..., None] = ExtArgumentParser.__init__
    if getattr(original, _PATCHED, False):
        return

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["default_config_files"] = []
        original(self, *args, **kwargs)

    setattr(__init__, _PATCHED, True)
    ExtArgumentParser.__init__ = __init__  # type: ignore[method-assign]


def default_config_files_are_off() -> bool:
    """True when a parser built the way checkov builds it has no default config file to read."""
    from checkov.common.util.ext_argument_parser import ExtArgumentParser

    import checkov.main as checkov_main

    parser = ExtArgumentParser(default_config_files=checkov_main.get_default_config_paths(["-d", "."]))
    return list(getattr(parser, "_default_config_files", [])) == []


# --- --config-file FILE ---------------------------------------------------------------------------

def expand_config_file(argv: Sequence[str]) -> ConfigExpansion:
    """`argv` with `--config-file FILE` replaced by the file's settings; ConfigFileError if the file
    cannot be read or sets something a config file may not."""
    path, rest = _take_config_option(list(argv))
    if path is None:
        return ConfigExpansion(argv=rest)
    data = _read_config(path)
    actions = _checkov_actions()
    expansion = ConfigExpansion(argv=[], source=path)
    front: List[str] = []
    for raw_key, value in data.items():
        key = str(raw_key)
        key = key[2:] if key.startswith("--") else key
        _refuse_unless_allowed(path, key, actions)
        if value is None:
            continue  # configargparse ignores an empty key too
        options = actions[key]
        if any(_on_command_line(rest, option) for option in options):
            expansion.overridden.append(key)
            continue
        args, shown = _as_arguments(path, key, value, options)
        front += args
        if args:
            expansion.settings.append((key, shown))
    expansion.argv = front + rest
    return expansion


def _take_config_option(argv: List[str]) -> Tuple[Optional[str], List[str]]:
    found: List[str] = []
    rest: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == CONFIG_OPTION:
            if i + 1 >= len(argv) or not argv[i + 1]:
                raise ConfigFileError(f"{CONFIG_OPTION} needs a file name")
            found.append(argv[i + 1])
            i += 2
            continue
        if arg.startswith(CONFIG_OPTION + "="):
            found.append(arg.split("=", 1)[1])
        else:
            rest.append(arg)
        i += 1
    if len(found) > 1:
        raise ConfigFileError(f"{CONFIG_OPTION} given {len(found)} times; name one config file")
    return (found[0] if found else None), rest


def _read_config(path: str) -> Mapping[Any, Any]:
    """The file's top-level mapping, read with the policy file's safe YAML loader (bounded aliases,
    duplicate keys refused)."""
    from checkov_pitr.domain.policy import PolicyYamlError, excerpt, parse_policy_yaml

    import yaml

    if not os.path.isfile(path):
        raise ConfigFileError(f"config file {path}: does not exist")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigFileError(f"config file {path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigFileError(f"config file {path}: is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        data = parse_policy_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigFileError(f"config file {path}: is not UTF-8 text") from None
    except PolicyYamlError as exc:
        raise ConfigFileError(f"config file {path}: is not valid: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigFileError(f"config file {path}: is not valid YAML{f' at line {mark.line + 1}' if mark else ''}") from None
    except Exception as exc:  # e.g. RecursionError, a bad explicit tag: one line, never a traceback
        raise ConfigFileError(f"config file {path}: is not valid YAML ({type(exc).__name__}: {excerpt(str(exc))})") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigFileError(f"config file {path}: expected `key: value` settings at the top level")
    return data


@functools.lru_cache(maxsize=1)
def _checkov_actions() -> Dict[str, Tuple[Any, ...]]:
    """config key -> (argparse action, its long option) for every option of checkov's parser."""
    from checkov.common.util.ext_argument_parser import ExtArgumentParser

    parser = ExtArgumentParser(default_config_files=[])
    parser.add_parser_args()
    found: Dict[str, Tuple[Any, ...]] = {}
    for action in parser._actions:  # argparse keeps no public list; configargparse reads it too
        for option in action.option_strings:
            if option.startswith("--"):
                found[option[2:]] = tuple(action.option_strings) + (action,)
    return found


def _refuse_unless_allowed(path: str, key: str, actions: Mapping[str, Any]) -> None:
    from checkov_pitr.domain.policy import excerpt

    if key in REFUSED:
        raise ConfigFileError(f"config file {path}: `{key}` cannot be set from a config file: it {REFUSED[key]}")
    if key not in actions:
        raise ConfigFileError(f"config file {path}: `{excerpt(key)}` is not a checkov option")
    if key not in ALLOWED:
        raise ConfigFileError(f"config file {path}: `{key}` is not a setting checkov-pitr takes from a config file "
                              f"(allowed: {', '.join(ALLOWED)})")


def _on_command_line(argv: Sequence[str], option: Any) -> bool:
    if not isinstance(option, str):
        return False
    return any(arg == option or (option.startswith("--") and arg.startswith(option + "=")) for arg in argv)


def _as_arguments(path: str, key: str, value: Any, options: Tuple[Any, ...]) -> Tuple[List[str], str]:
    """(command-line arguments, the value as the run states it) for one config setting."""
    import argparse

    action = options[-1]
    flag = _SHORT.get(key, f"--{key}")
    if action.nargs == 0:  # store_true: `soft-fail: true`
        text = str(value).lower()
        if text in ("true", "yes", "on", "1"):
            return [flag], "true"
        if text in ("false", "no", "off", "0"):
            return [], "false"
        raise ConfigFileError(f"config file {path}: `{key}` expects true or false")
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, (dict, list)) for v in values):
        raise ConfigFileError(f"config file {path}: `{key}` expects a value or a list of values")
    texts = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    if not isinstance(action, argparse._AppendAction) and len(texts) != 1:
        raise ConfigFileError(f"config file {path}: `{key}` expects one value")
    args: List[str] = []
    for text in texts:
        # `--key=value` keeps a value that starts with "-" from being read as an option
        args += [f"--{key}={text}"] if text.startswith("-") else [flag, text]
    return args, ",".join(texts)
