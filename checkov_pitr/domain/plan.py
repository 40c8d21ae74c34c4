"""Reading `terraform show -json` output (format versions 0.1 to 1.x, one line or pretty-printed)."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional


class PlanError(Exception):
    """A file that is not a readable Terraform plan; str() is a one-line message."""


def parse_plan_text(text: str, source: str) -> Dict[str, Any]:
    if not text.strip():
        raise PlanError(f"{source}: empty file, not a Terraform plan")
    try:
        data = json.loads(text)
    except RecursionError:
        raise PlanError(f"{source}: JSON nested too deeply to read, not a Terraform plan") from None
    except json.JSONDecodeError as exc:
        # the parser stopped at the end of the text (or inside a string left open): the file was cut short
        at_end = exc.pos >= len(text.rstrip()) - 1 or ("Expecting" in exc.msg and exc.pos >= len(text) - 2)
        if at_end or "Unterminated" in exc.msg:
            raise PlanError(f"{source}: truncated JSON (it breaks off after {len(text.rstrip())} characters); re-run terraform show -json") from None
        raise PlanError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not is_plan(data):
        if isinstance(data, dict) and "format_version" in data and "values" in data:
            raise PlanError(f"{source}: a Terraform state (terraform show -json without a plan file), not a plan; "
                            "run terraform show -json tfplan")
        raise PlanError(f"{source}: JSON, but not a Terraform plan (no format_version with planned_values or resource_changes)")
    return data


def is_plan(data: Any) -> bool:
    return isinstance(data, dict) and "format_version" in data and (
        "planned_values" in data or "resource_changes" in data
    )


def load_plan(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise PlanError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanError(f"{path}: not UTF-8 text (binary file?), not a Terraform plan") from None
    return parse_plan_text(text, path)


# `terraform show -json` output starts with these keys; other JSON files (package.json, CloudFormation
# templates) are not ours to complain about.
_TERRAFORM_JSON_HEAD = re.compile(rb'^\s*\{\s*"(?:format_version|terraform_version)"')


def looks_like_terraform_json(head: bytes) -> bool:
    return bool(_TERRAFORM_JSON_HEAD.match(head.lstrip(b"\xef\xbb\xbf"))) or b'"terraform_version"' in head


def plan_problem(path: str) -> Optional[str]:
    """A one-line message when `path` is Terraform JSON output but not a readable plan, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError:
        return None
    if not looks_like_terraform_json(head):
        return None
    try:
        load_plan(path)
    except PlanError as exc:
        return str(exc)
    return None
