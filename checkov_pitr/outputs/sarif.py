"""SARIF 2.1.0 for GitHub code scanning, from the engine's findings. Results are failures only (code
scanning ignores SARIF suppressions: a skip would open an alert); fingerprints hold no line numbers (an alert
survives edits above it); URIs are relative to the repository root; a plan finding points at its Terraform
`resource` block (plan_sources.py), else at its line in the plan."""
from __future__ import annotations

import hashlib
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

from checkov.version import version as checkov_version

from checkov_pitr import __version__
from checkov_pitr.domain.fixer import FixCache, sarif_fix
from checkov_pitr.domain.inventory import MAX_FILE_BYTES, TERRAFORM_PLAN, read_file_bytes
from checkov_pitr.domain.plan_sources import SourceFinder
from checkov_pitr.domain.policy import LoadedPolicy
from checkov_pitr.domain.readers.plan import NotAPlan, decode_plan_bytes
from checkov_pitr.engine.scan import FAILED, Finding
from checkov_pitr.outputs import safe_text
from checkov_pitr.outputs.visibility import sarif_notifications
from checkov_pitr.rule import (
    CHECKS, FIX_CLOUDFORMATION, FIX_TERRAFORM, PROJECT_URL, RULE_ID, RULE_TITLE, TOOL_NAME, CheckMeta,
)

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "checkovPitrFinding/v1"

# GitHub ranks alerts by security-severity: critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4.0.
SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}
LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}


def severity_name(name: str) -> str:
    """The policy's severity as one of the four GitHub ranks (INFO ranks as LOW)."""
    return "LOW" if name == "INFO" else name


def our_rule(meta: CheckMeta, severity: str) -> Dict[str, Any]:
    """The SARIF rule of one of our checks; every word comes from rule.py."""
    frameworks = ", ".join(meta.frameworks)
    text = (
        f"{meta.name}\n\n{meta.description}\n\nFix: {meta.remediation}\n\n"
        f"CloudFormation / SAM:\n{FIX_CLOUDFORMATION}\n\nTerraform:\n{FIX_TERRAFORM}\n\n"
        f"Severity: {severity}. Frameworks: {frameworks}. Guideline: {meta.guideline}"
    )
    markdown = (
        f"**{meta.name}**\n\n{meta.description}\n\n**Fix:** {meta.remediation}\n\n"
        f"CloudFormation / SAM:\n\n```yaml\n{FIX_CLOUDFORMATION}\n```\n\n"
        f"Terraform:\n\n```hcl\n{FIX_TERRAFORM}\n```\n\n"
        f"Severity: **{severity}**. Frameworks: {frameworks}. "
        f"Rule [{RULE_ID} ({RULE_TITLE})]({meta.guideline})."
    )
    return {
        "id": meta.id,
        "name": meta.sarif_name,
        "shortDescription": {"text": meta.name},
        "fullDescription": {"text": meta.description},
        "help": {"text": text, "markdown": markdown},
        "helpUri": meta.guideline,
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": ["security", RULE_ID, "aws", "dynamodb", "backup-and-recovery", *meta.frameworks],
        },
    }


def result_sort_key(result: Mapping[str, Any]) -> Tuple[str, str, int, str]:
    """Results in a stable order: rule, file, line, resource (checkov's report order varies)."""
    physical = result["locations"][0]["physicalLocation"]
    return result["ruleId"], physical["artifactLocation"]["uri"], physical["region"]["startLine"], \
        result["properties"]["resource"]


def finding_fingerprint(check_id: str, resource: str, uri: str) -> str:
    """Stable across runs and line moves: what failed, on which resource, in which file."""
    return hashlib.sha256("\0".join((check_id, resource, uri)).encode("utf-8")).hexdigest()


class RepositoryPaths:
    """Paths as code scanning wants them: relative to the repository root, `/`-separated."""

    def __init__(self, scan_roots: Sequence[str], workspace: Optional[str] = None, cwd: Optional[str] = None) -> None:
        self.bases = [os.path.abspath(b) for b in (workspace, cwd or os.getcwd(), *scan_roots) if b]
        self._uris: Dict[str, str] = {}

    def uri(self, path: str) -> str:
        """Computed once per file, not once per result (realpath and relpath are system calls); the
        name's bytes percent-encoded: a non-UTF-8 byte (a surrogate in the str) is %XX, not a crash."""
        if path not in self._uris:
            absolute = os.path.abspath(path)
            relative = (os.path.relpath(candidate, root) for candidate in (absolute, os.path.realpath(absolute))
                        for base in self.bases for root in (base, os.path.realpath(base)))
            inside = next((rel for rel in relative if rel not in (os.curdir, os.pardir)
                           and not rel.startswith(os.pardir + os.sep) and not os.path.isabs(rel)), None)
            # outside every root: the file name is all that is not machine-specific
            shown = inside.replace(os.sep, "/") if inside else os.path.basename(absolute)
            self._uris[path] = quote(shown.encode("utf-8", "surrogateescape"))
        return self._uris[path]


class PitrSarif:
    """The SARIF log of a run's findings, as `.json`."""

    def __init__(self, findings: Sequence[Finding], scan_roots: Sequence[str], policy: LoadedPolicy,
                 workspace: Optional[str] = None) -> None:
        self.scan_roots = [os.path.abspath(root) for root in scan_roots]
        self.policy = policy
        self.paths = RepositoryPaths(self.scan_roots, workspace)
        self.plans: Dict[str, Optional[Mapping[str, Any]]] = {}  # each plan's JSON, decoded once
        self.sources = SourceFinder()
        self.fix_cache = FixCache()
        rules = [our_rule(meta, severity_name(policy.severity_for(meta.id))) for meta in CHECKS.values()]
        rule_index = {rule["id"]: i for i, rule in enumerate(rules)}
        results: Dict[Tuple[str, str], Dict[str, Any]] = {}
        for finding in (f for f in findings if f.result == FAILED):  # failures only: see the module docstring
            result = self._result(finding, rule_index)
            key = (result["ruleId"], result["partialFingerprints"][FINGERPRINT_KEY])
            # The same finding from the source scan and the plan scan: one alert, and the
            # plan's message (it judges resolved values) wins.
            if key not in results or finding.framework == TERRAFORM_PLAN:
                results[key] = result
        self.json = {
            "$schema": SARIF_SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": TOOL_NAME,
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": PROJECT_URL,
                    "rules": rules,
                    "properties": {"checkovVersion": checkov_version},
                }},
                "invocations": [{"executionSuccessful": True,
                                 "toolExecutionNotifications": sarif_notifications(policy, findings, self.paths.uri)}],
                "results": sorted(results.values(), key=result_sort_key),
            }],
        }

    def _result(self, finding: Finding, rule_index: Mapping[str, int]) -> Dict[str, Any]:
        severity = severity_name(finding.severity)
        resource = safe_text(finding.resource)
        reason = safe_text(finding.reason).strip() or CHECKS[finding.check_id].name
        logical = [{"fullyQualifiedName": resource, "kind": "resource"}]
        start, end = (max(line, 1) for line in finding.lines)
        location, related = _location(self.paths.uri(finding.path), start, end, logical), []
        if finding.framework == TERRAFORM_PLAN:
            try:
                location, related = self._plan_locations(finding.path, resource, start, logical)
            except Exception:  # a lookup problem must not lose the finding: point at the plan file
                location = _location(self.paths.uri(finding.path), 1, 1, logical)
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        result: Dict[str, Any] = {
            "ruleId": finding.check_id,
            "ruleIndex": rule_index[finding.check_id],
            "level": LEVEL[severity],
            "message": {"text": reason if resource in reason else f"{reason} ({resource})"},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(finding.check_id, resource, uri)},
            "properties": {"checkType": finding.framework, "resource": resource, "severity": severity},
        }
        if related:
            result["relatedLocations"] = related
        if finding.framework != TERRAFORM_PLAN:  # CKV_PITR_003 judges plans only: the others have fixes
            try:  # SARIF `fixes`: the edit `checkov-pitr fix` would write (each file read and parsed once)
                minimum = self.policy.core.min_recovery_period_days
                fixes = sarif_fix(self.fix_cache, finding.path, resource, finding.check_id, minimum, uri)
            except Exception:  # a fix is a nicety; the finding stands without it
                fixes = []
            if fixes:
                result["fixes"] = fixes
        return result

    def _plan_locations(self, plan_path: str, address: str, plan_line: int,
                        logical: List[Dict[str, Any]]) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        """plan_line: the plan reader's line of the resource's address."""
        if plan_path not in self.plans:
            raw, _ = read_file_bytes(plan_path, MAX_FILE_BYTES)  # read and decoded as the plan reader does
            try:
                self.plans[plan_path] = None if raw is None else decode_plan_bytes(raw).data
            except NotAPlan:
                self.plans[plan_path] = None
        plan = self.plans[plan_path]
        roots = [os.path.dirname(os.path.abspath(plan_path)), *self.scan_roots, os.getcwd()]
        place = None if plan is None else self.sources.locate(plan, address, roots)
        plan_uri = self.paths.uri(plan_path)
        if place is None:
            return _location(plan_uri, plan_line, plan_line, logical), []
        related = [{
            "id": 1,
            "physicalLocation": {"artifactLocation": {"uri": plan_uri}, "region": {"startLine": plan_line}},
            "message": {"text": f"{address} in the Terraform plan"},
        }]
        return _location(self.paths.uri(place.path), place.start_line, place.end_line, logical), related


def _location(uri: str, start: int, end: int, logical: List[Dict[str, Any]]) -> Dict[str, Any]:
    start = max(start, 1)
    region = {"startLine": start, "endLine": max(end, start)}
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}, "logicalLocations": logical}
