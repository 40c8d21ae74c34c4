"""Guarded patches for plain checkov (`checkov --external-checks-dir .../checkov_pitr/checks`).

The check modules import this module, so it is active wherever our checks are loaded: in plain
checkov (its Docker image, bridgecrewio/checkov-action, its pre-commit hook) and in checkov-pitr
(where `sarif.PitrSarif` builds SARIF itself and the patch below is simply never called).

Each patch checks the shape of what it replaces and does nothing when checkov changed it: a newer
checkov then behaves as it does without us, it never breaks.

- SARIF: checkov turns each record's `details` into `{"description": ...}` entries of the result's
  `attachments`; SARIF 2.1.0 requires an `artifactLocation` on every attachment, so any check that
  sets details (ours always do) makes checkov's SARIF schema-invalid and GitHub's upload strict
  mode reject it. The patch gives each such attachment the result's own file as artifactLocation,
  so the reason stays visible and the log stays valid.
- Deep nesting: on Python < 3.11 checkov's CloudFormation parser lets a RecursionError out of a
  template nested thousands deep (3.11+ reports "exceeded maximum nesting depth" as a parsing
  error), and the error ends the whole CloudFormation scan: no table of any file is judged. The
  patch turns it into the parsing error 3.11 gives, for that file only.

- `--external-checks-git <repo>//checkov_pitr/checks`: checkov 3.x parses the `//subfolder` but
  loads the whole clone, and its YAML graph-policy loader then reads every .yaml/.json of the
  repository (fixtures, workflows, policies) as a custom policy, and a YAML date in one of them
  ends the runner. The patch skips YAML policy loading for a folder that is a checkov-pitr
  checkout (it has no graph policies); any other folder loads as before.

checkov runs each framework's runner in a forked process and loads external checks there, but
builds SARIF in the parent, which never imports our modules. So, in plain checkov, our records'
detail strings carry this file to the parent: a detail is a `str` whose pickle form runs this file
(`runpy.run_path`, by path: the parent may not be able to import checkov_pitr from a checkout) and
then yields the plain string. The parent unpickles the runners' reports before it writes any
output, so the SARIF patch is in place there in time; JSON, JUnit and CLI show the same strings.
"""
from __future__ import annotations

import inspect
import operator
import os
import runpy
import sys
from typing import Any, Callable, Dict, List, Tuple

_MARK = "_checkov_pitr_plain"


def _fix_attachments(results: Any) -> Any:
    """Give every attachment without an artifactLocation the result's first location's artifact."""
    if not isinstance(results, list):
        return results
    for result in results:
        if not isinstance(result, dict):
            continue
        attachments = result.get("attachments")
        if not isinstance(attachments, list):
            continue
        artifact = _result_artifact(result)
        fixed: List[Dict[str, Any]] = []
        for attachment in attachments:
            if not isinstance(attachment, dict):
                continue  # not a SARIF attachment at all: leave it out rather than keep an invalid log
            if "artifactLocation" not in attachment:
                if artifact is None:
                    continue  # nowhere to point: dropping the attachment keeps the log valid
                attachment = {"artifactLocation": dict(artifact), **attachment}
            description = attachment.get("description")
            if isinstance(description, str):  # checkov puts the bare string; SARIF wants a message
                attachment["description"] = {"text": description}
            fixed.append(attachment)
        if fixed:
            result["attachments"] = fixed
        else:
            result.pop("attachments", None)
    return results


def _result_artifact(result: Dict[str, Any]) -> Any:
    try:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    except (KeyError, IndexError, TypeError):
        return None
    return artifact if isinstance(artifact, dict) and isinstance(artifact.get("uri"), str) else None


def patch_sarif_attachments() -> bool:
    """Wrap `checkov.common.output.sarif.Sarif._create_results`; False when its shape is unknown."""
    try:
        from checkov.common.output.sarif import Sarif
    except Exception:
        return False
    original: Callable[..., Any] = getattr(Sarif, "_create_results", None)  # type: ignore[assignment]
    if original is None:
        return False
    if getattr(original, _MARK, False):
        return True  # already patched (this module may run twice: see the check modules)
    try:
        if list(inspect.signature(original).parameters) != ["self"]:
            return False
    except (TypeError, ValueError):
        return False

    def _create_results(self: Any) -> Any:
        return _fix_attachments(original(self))

    _create_results.__doc__ = original.__doc__
    setattr(_create_results, _MARK, True)
    Sarif._create_results = _create_results  # type: ignore[method-assign]
    return True


NESTING_ERROR = "exceeded maximum nesting depth (RecursionError)"


def _parse_without_recursion_error(original: Callable[..., Any]) -> Callable[..., Any]:
    def parse(filename: str, out_parsing_errors: Any = None, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(filename, out_parsing_errors, *args, **kwargs)
        except RecursionError:
            if isinstance(out_parsing_errors, dict):
                out_parsing_errors[str(filename)] = f"Parsing error in file: {filename} - {NESTING_ERROR}"
            return None, None

    parse.__doc__ = original.__doc__
    setattr(parse, _MARK, True)
    return parse


def patch_deep_template_parsing() -> bool:
    """Wrap checkov's CloudFormation `parse` where it is called (cfn_utils imports it by name);
    False when its shape is unknown."""
    try:
        from checkov.cloudformation import cfn_utils
        from checkov.cloudformation import parser as cfn_parser
    except Exception:
        return False
    original = getattr(cfn_parser, "parse", None)
    if original is None or getattr(cfn_utils, "parse", None) is not original and \
            not getattr(getattr(cfn_utils, "parse", None), _MARK, False):
        return False
    if getattr(original, _MARK, False):
        return True
    try:
        if list(inspect.signature(original).parameters)[:2] != ["filename", "out_parsing_errors"]:
            return False
    except (TypeError, ValueError):
        return False
    wrapped = _parse_without_recursion_error(original)
    cfn_parser.parse = wrapped  # type: ignore[assignment]
    cfn_utils.parse = wrapped  # type: ignore[attr-defined]
    return True


CHECKOUT_MARKER = os.path.join("checkov_pitr", "checks", "checkov_pitr_cloudformation_checks.py")


def is_checkov_pitr_checkout(directory: Any) -> bool:
    """Whether a folder checkov loads external checks from is the root of a checkov-pitr checkout."""
    try:
        return os.path.isfile(os.path.join(os.path.expanduser(str(directory)), CHECKOUT_MARKER))
    except Exception:
        return False


def patch_graph_policy_loading() -> bool:
    """Wrap `checkov.common.checks_infra.registry.Registry.load_external_checks`; False when its
    shape is unknown."""
    try:
        from checkov.common.checks_infra.registry import Registry
    except Exception:
        return False
    original = getattr(Registry, "load_external_checks", None)
    if original is None:
        return False
    if getattr(original, _MARK, False):
        return True
    try:
        if list(inspect.signature(original).parameters) != ["self", "dir"]:
            return False
    except (TypeError, ValueError):
        return False

    def load_external_checks(self: Any, dir: str) -> None:  # noqa: A002 - checkov's parameter name
        if is_checkov_pitr_checkout(dir):
            return  # our repository holds no graph policies: its YAML and JSON are fixtures and docs
        original(self, dir)

    setattr(load_external_checks, _MARK, True)
    Registry.load_external_checks = load_external_checks  # type: ignore[method-assign]
    return True


PARENT_RUN_NAME = "checkov_pitr_plain_checkov_in_parent"
OUR_CHECK_PREFIX = "CKV_PITR_"


class _RunThisFile:
    """Unpickles into `runpy.run_path(<this file>)`: the patches installed where it is unpickled."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return runpy.run_path, (self.path, None, PARENT_RUN_NAME)


_RUN_THIS_FILE = _RunThisFile(os.path.abspath(__file__))  # one object: pickle runs it once per report


class CarriedDetail(str):
    """A detail string that, unpickled in checkov's parent process, installs the patches there first
    and becomes a plain `str` (operator.getitem((patches, text), 1) == text)."""

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return operator.getitem, ((_RUN_THIS_FILE, str(self)), 1)


def _in_checkov_pitr() -> bool:
    # checkov-pitr installs the patches in its own process before the scan; nothing to carry
    return "checkov_pitr.cli" in sys.modules


def patch_record_details() -> bool:
    """Make our records' details CarriedDetail strings (plain checkov only); False when Record's
    shape is unknown. adapter.py fills CloudFormation details in its own Record.__init__ wrapper,
    so it is imported first and this wrapper goes around it."""
    try:
        from checkov.common.output.record import Record

        from checkov_pitr.integration import adapter  # noqa: F401  its Record patch goes inside ours
    except Exception:
        return False
    original = Record.__init__
    if getattr(original, _MARK, False):
        return True

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            if str(getattr(self, "check_id", "")).startswith(OUR_CHECK_PREFIX) and not _in_checkov_pitr() \
                    and isinstance(self.details, list):
                self.details = [CarriedDetail(d) if isinstance(d, str) and type(d) is str else d for d in self.details]
        except Exception:  # never lose a record over a nicety
            pass

    setattr(__init__, _MARK, True)
    Record.__init__ = __init__  # type: ignore[method-assign]
    return True


def install() -> Dict[str, bool]:
    """Install every patch; which ones took (for tests and debugging)."""
    took = {"sarif_attachments": patch_sarif_attachments(), "deep_templates": patch_deep_template_parsing(),
            "graph_policies": patch_graph_policy_loading()}
    if __name__ != PARENT_RUN_NAME:  # in checkov's parent only the output patches are needed
        took["record_details"] = patch_record_details()
    return took


install()
