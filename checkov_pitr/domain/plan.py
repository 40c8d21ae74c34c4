"""Reading `terraform show -json` output (format versions 0.1 to 1.x, one line or pretty-printed).

The functions here are the plan loading the integration layer uses (sources.py, sarif.py,
unreadable.py, cli.py); they delegate to the plan reader (`readers/plan.py`) so that both agree on
what is a readable plan: a plan wrapped in hashicorp/setup-terraform's lines is readable (the JSON
inside), a gzip'd plan, a binary `terraform plan -out` file, a state, a plan cut short are not.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from checkov_pitr.domain.readers.plan import (
    NotAPlan,
    decode_plan_bytes,
    decode_plan_text,
    is_plan,
    looks_like_plan,
    read_plan,
)

# plan_problem decides from this much of a file whether it is Terraform's output at all
_HEAD_BYTES = 64 * 1024


class PlanError(Exception):
    """A file that is not a readable Terraform plan; str() is a one-line message."""


def parse_plan_text(text: str, source: str) -> Dict[str, Any]:
    """The plan document in `text` (the JSON inside wrapper lines, if any); PlanError "<source>: why"."""
    try:
        return decode_plan_text(text).data
    except NotAPlan as exc:
        raise PlanError(f"{source}: {exc}") from None


def load_plan(path: str) -> Dict[str, Any]:
    """The plan document in the file at `path`; PlanError "<path>: why" when there is none."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise PlanError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return decode_plan_bytes(raw).data
    except NotAPlan as exc:
        raise PlanError(f"{path}: {exc}") from None


def looks_like_terraform_json(head: bytes) -> bool:
    """Whether a file's first bytes are Terraform's output (or wrapped / compressed such): other JSON
    files (package.json, CloudFormation templates) are not ours to complain about."""
    return looks_like_plan(head)


def plan_problem(path: str) -> Optional[str]:
    """A one-line message "<path>: why, and the fix" when `path` is Terraform output (JSON, wrapped,
    gzip'd, or a binary plan file) but the plan reader cannot judge it, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
            if not looks_like_plan(head):
                return None
            raw = head + handle.read()
    except OSError:
        return None
    reading = read_plan(path, raw)
    return f"{path}: {reading.not_judged}" if reading.not_judged else None


__all__ = ["PlanError", "is_plan", "load_plan", "looks_like_terraform_json", "parse_plan_text", "plan_problem"]
