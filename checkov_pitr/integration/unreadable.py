"""One-line reasons for input files that checkov could not read, or read and dropped without a word.

A gate that passes what it cannot read is worse than none: every such file gets one line on
stderr from `checkov-pitr`, saying what is wrong with it (empty, binary, invalid YAML at line L,
truncated plan, ...). Nothing here runs for files checkov read: a good plan is not parsed again.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Iterable, List, Optional, Set

from checkov_pitr.domain.plan import plan_problem

_HEAD_BYTES = 4096
_YAML_SUFFIXES = (".yaml", ".yml", ".template")


class CheckovParserLogFilter(logging.Filter):
    """checkov logs each YAML error with the parser's multi-line message (`YAML error parsing F:
    while parsing ...` at ERROR on the root logger, in forked parser processes too). Our one-line
    warning for the file replaces it; see `reason()`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("YAML error parsing "))


def is_binary(head: bytes) -> bool:
    """NUL bytes, or bytes that are not UTF-8 (a sequence cut at the end of `head` is fine)."""
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3
    return False


def _head(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES)
    except OSError:
        return None


def _permissive_yaml_loader() -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation's short forms (!Ref, !If, ...) are fine here: only the syntax is in question
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return Loader


def _yaml_reason(text: str) -> Optional[str]:
    import yaml

    try:
        data = yaml.load(text, Loader=_permissive_yaml_loader())  # nosec B506 - a SafeLoader subclass
    except RecursionError:
        return "nested too deeply to read"
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = (exc.problem or exc.context or "syntax error").strip()
        if "nesting depth" in problem:
            return f"nested too deeply to read{where}"
        return f"not valid YAML ({problem}{where})"
    except yaml.YAMLError as exc:
        return f"not valid YAML ({' '.join(str(exc).split())})"
    return _template_reason(data)


def _template_reason(data: Any) -> Optional[str]:
    """What checkov refuses in a template that is valid YAML/JSON."""
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict):
        return None
    for name, resource in resources.items():
        if not isinstance(resource, dict):
            return f"resource {name} is {type(resource).__name__}, not a mapping (checkov then reads none of the file)"
        properties = resource.get("Properties")
        if properties is not None and not isinstance(properties, dict):
            return (f"Properties of {name} is a {type(properties).__name__}, not a mapping "
                    "(checkov then reads none of the file)")
    return None


def _json_reason(text: str) -> Optional[str]:
    try:
        data = json.loads(text)
    except RecursionError:
        return "nested too deeply to read"
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    return _template_reason(data)


def reason(path: str) -> Optional[str]:
    """Why `path` cannot be read, in a few words; None when this module cannot tell."""
    head = _head(path)
    if head is None:
        return None
    if not head.strip():
        return "empty file" if not head else "empty file (only white space)"
    if is_binary(head):
        return "not text (a binary file?)"
    problem = plan_problem(path) if path.endswith(".json") else None
    if problem:
        return problem[len(path) + 2:] if problem.startswith(path + ": ") else problem
    if not path.endswith(_YAML_SUFFIXES + (".json",)):
        return None
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    if path.endswith(".json"):
        return _json_reason(text)
    return _yaml_reason(text)


def nothing_read_reason(path: str) -> str:
    """For a file named with -f from which checkov read nothing at all."""
    why = reason(path)
    if why:
        return why
    if path.endswith(".json"):
        return "JSON, but neither a Terraform plan nor a CloudFormation template"
    if path.endswith(_YAML_SUFFIXES):
        return "neither a CloudFormation template nor a serverless.yml"
    return "nothing in it that checkov reads"


def paths_read(reports: Iterable[Any]) -> Set[str]:
    """Real paths of the files some checkov runner read (found resources in, or judged)."""
    paths: Set[str] = set()  # as checkov wrote them; one realpath() per distinct path, not per resource
    for report in reports:
        for entry in getattr(report, "resources", ()) or ():
            if isinstance(entry, str):
                paths.add(entry.split(":", 1)[0])
        for extra in getattr(report, "extra_resources", ()) or ():
            paths.add(str(getattr(extra, "file_abs_path", "")))
        for record in list(getattr(report, "passed_checks", [])) + list(getattr(report, "failed_checks", [])) + \
                list(getattr(report, "skipped_checks", [])):
            if getattr(record, "file_abs_path", None):
                paths.add(record.file_abs_path)
    return {os.path.realpath(path) for path in paths if path}


_LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


def user_log_level() -> int:
    """The level checkov shows on stderr (its LOG_LEVEL variable, WARNING by default)."""
    name = os.environ.get("LOG_LEVEL", "WARNING").upper()
    return getattr(logging, name) if name in _LOG_LEVELS else logging.WARNING


def files_named(argv: List[str]) -> List[str]:
    """The -f/--file arguments of a checkov command line."""
    from checkov_pitr.integration.sources import scan_roots

    return scan_roots(argv)[1]


__all__ = ["CheckovParserLogFilter", "files_named", "nothing_read_reason", "paths_read",
           "reason", "user_log_level"]
