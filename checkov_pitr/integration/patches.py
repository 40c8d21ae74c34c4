"""Every patch of checkov's internals, for plain checkov (`checkov --external-checks-dir .../checks`): the
check modules import this module, so our checks keep checkov's own outputs right wherever they load
(checkov's Docker image, checkov-action, its pre-commit hook); `checkov-pitr` itself patches nothing.
A patch that cannot be applied stops the run (`install()`) rather than let checkov write wrong outputs.

checkov runs each framework's runner in a forked process and loads external checks there, but builds
SARIF in the parent, which never imports our modules. So our records' detail strings carry this file to
the parent: a `CarriedDetail` unpickles by running this file (`runpy.run_path`, by path: the parent may
not be able to import checkov_pitr from a checkout), then is the plain string. The parent unpickles the
runners' reports before it writes any output, so the SARIF patch is in place there in time.
"""
from __future__ import annotations

import inspect
import operator
import os
import runpy
import sys
from typing import Any, Callable, Dict, List, Sequence, Tuple

_MARK = "_checkov_pitr_plain"


def _wrap(owner: Any, name: str, parameters: Sequence[str], wrapper: Callable[[Callable[..., Any]], Callable[..., Any]],
          prefix: bool = False) -> bool:
    """Replace `owner.name` by `wrapper(original)`, once, if its parameters are `parameters` (or start
    with them); False when checkov's shape is not the one the patch was built for."""
    original = getattr(owner, name, None)
    if original is None or getattr(original, _MARK, False):
        return original is not None  # already patched: this module may run twice (see the check modules)
    try:
        found = list(inspect.signature(original).parameters)
    except (TypeError, ValueError):
        return False
    if (found[:len(parameters)] if prefix else found) != list(parameters):
        return False
    wrapped = wrapper(original)
    wrapped.__doc__ = original.__doc__
    setattr(wrapped, _MARK, True)
    setattr(owner, name, wrapped)
    return True


def _fix_attachments(results: Any) -> Any:
    """Give every attachment without an artifactLocation the result's first location's artifact."""
    for result in results if isinstance(results, list) else []:
        attachments = result.get("attachments") if isinstance(result, dict) else None
        if not isinstance(attachments, list):
            continue
        try:
            artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
            artifact = artifact if isinstance(artifact, dict) and isinstance(artifact["uri"], str) else None
        except (KeyError, IndexError, TypeError):
            artifact = None
        fixed: List[Dict[str, Any]] = []
        for attachment in attachments:
            if not isinstance(attachment, dict):
                continue  # not a SARIF attachment at all: leave it out rather than keep an invalid log
            if "artifactLocation" not in attachment:
                if artifact is None:
                    continue  # nowhere to point: dropping the attachment keeps the log valid
                attachment = {"artifactLocation": dict(artifact), **attachment}
            if isinstance(attachment.get("description"), str):  # checkov puts the bare string; SARIF wants a message
                attachment["description"] = {"text": attachment["description"]}
            fixed.append(attachment)
        if fixed:
            result["attachments"] = fixed
        else:
            result.pop("attachments", None)
    return results


def patch_sarif_attachments() -> bool:
    """checkov makes each record's `details` a result attachment without the `artifactLocation` SARIF
    2.1.0 requires (GitHub's strict upload rejects the log): each gets the result's own file."""
    from checkov.common.output.sarif import Sarif

    return _wrap(Sarif, "_create_results", ["self"], lambda original: lambda self: _fix_attachments(original(self)))


NESTING_ERROR = "exceeded maximum nesting depth (RecursionError)"


def patch_deep_template_parsing() -> bool:
    """On Python < 3.11 a template nested thousands deep lets a RecursionError out of checkov's
    CloudFormation `parse`, ending the whole CloudFormation scan: it becomes that file's parsing error,
    as on 3.11+. Wrapped where it is called too (cfn_utils imports it by name)."""
    from checkov.cloudformation import cfn_utils
    from checkov.cloudformation import parser as cfn_parser

    def wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
        def parse(filename: str, out_parsing_errors: Any = None, *args: Any, **kwargs: Any) -> Any:
            try:
                return original(filename, out_parsing_errors, *args, **kwargs)
            except RecursionError:
                if isinstance(out_parsing_errors, dict):
                    out_parsing_errors[str(filename)] = f"Parsing error in file: {filename} - {NESTING_ERROR}"
                return None, None

        return parse

    if getattr(cfn_utils, "parse", None) is not getattr(cfn_parser, "parse", None):
        return False
    patched = _wrap(cfn_parser, "parse", ["filename", "out_parsing_errors"], wrapper, prefix=True)
    cfn_utils.parse = cfn_parser.parse  # type: ignore[attr-defined]
    return patched


CHECKOUT_MARKER = os.path.join("checkov_pitr", "checks", "checkov_pitr_checks.py")


def patch_graph_policy_loading() -> bool:
    """`--external-checks-git <repo>//checkov_pitr/checks` loads the whole clone, and checkov's YAML
    graph-policy loader reads every .yaml/.json in it as a policy (a YAML date ends the runner): a
    checkov-pitr checkout holds no graph policies, so its loading is skipped; other folders load as before."""
    from checkov.common.checks_infra.registry import Registry

    def wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
        def load_external_checks(self: Any, dir: str) -> None:  # noqa: A002 - checkov's parameter name
            if not os.path.isfile(os.path.join(os.path.expanduser(str(dir)), CHECKOUT_MARKER)):
                original(self, dir)

        return load_external_checks

    return _wrap(Registry, "load_external_checks", ["self", "dir"], wrapper)


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


DETAILS_KEY = "checkov_pitr_details"


def patch_record_details() -> bool:
    """checkov's CloudFormation and serverless runners build Records without the check's `details` (its
    Terraform runners pass them): our check carries them under DETAILS_KEY; they become CarriedDetails."""
    from checkov.common.output.record import Record

    def wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            try:
                carried = self.check_result.pop(DETAILS_KEY, None) if isinstance(self.check_result, dict) else None
                if carried and not self.details:
                    self.details = list(carried)
                if str(getattr(self, "check_id", "")).startswith(OUR_CHECK_PREFIX) and isinstance(self.details, list):
                    self.details = [CarriedDetail(d) if type(d) is str else d for d in self.details]
            except Exception:  # never lose a record over a nicety
                pass

        return __init__

    return _wrap(Record, "__init__", ["self", "check_id", "check_name", "check_result"], wrapper, prefix=True)


def install() -> Dict[str, bool]:
    """Install every patch, or stop the run with exit 2 naming the ones this checkov does not allow."""
    patches = {"sarif_attachments": patch_sarif_attachments, "deep_templates": patch_deep_template_parsing,
               "graph_policies": patch_graph_policy_loading}
    if __name__ != PARENT_RUN_NAME:  # in checkov's parent only the output patches are needed
        patches["record_details"] = patch_record_details
    took: Dict[str, bool] = {}
    for name, patch in patches.items():
        try:
            took[name] = patch()
        except Exception:  # checkov moved what the patch wraps
            took[name] = False
    failed = sorted(name for name, ok in took.items() if not ok)
    if failed:
        sys.stderr.write(f"checkov-pitr checks: this checkov's internals differ from what the checks were built for "
                         f"({', '.join(failed)}); stopping rather than writing wrong outputs. Use a checkov version "
                         f"checkov-pitr supports, or the checkov-pitr command.\n")
        raise SystemExit(2)
    return took


install()
