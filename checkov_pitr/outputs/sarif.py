"""SARIF 2.1.0 for GitHub code scanning: `PitrSarif` is checkov's `Sarif` class with the JSON built
where code scanning needs it to differ:

- every rule has descriptions, help (text and markdown, with the CloudFormation and Terraform fix
  for our checks), a helpUri, `security-severity` and tags including "security";
- results are failures only: code scanning does not honour SARIF suppressions, so a skipped check
  would open an alert;
- stable `partialFingerprints` (check, resource address, file; no line numbers), so an alert
  survives edits above it;
- URIs relative to the repository root, never absolute;
- plan findings point at the `resource` block in the Terraform source (plan_sources.py), or at the
  resource's line in the plan file when its module is not on disk; never line 0.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

from checkov.common.output.sarif import Sarif

from checkov_pitr import __version__
from checkov_pitr.domain.plan import PlanError, parse_plan_text
from checkov_pitr.domain.plan_sources import SourceFinder, SourcePlace, plan_address_line
from checkov_pitr.rule import CHECKS, FIX_CLOUDFORMATION, FIX_TERRAFORM, GUIDELINE_URL, RULE_ID, RULE_TITLE, CheckMeta
from checkov_pitr.domain.policy import LoadedPolicy

TOOL_NAME = "checkov-pitr"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "checkovPitrFinding/v1"
PLAN_CHECK_TYPE = "terraform_plan"

# GitHub ranks alerts by security-severity: critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4.0.
SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}
LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
# checkov's severity names beyond the four GitHub knows.
_SEVERITY_ALIASES = {"IMPORTANT": "HIGH", "MODERATE": "MEDIUM", "INFO": "LOW", "NONE": "LOW", "OFF": "LOW"}
# checkov's own checks have no severity without a vendor account: they rank as MEDIUM.
UNKNOWN_SEVERITY = "MEDIUM"


def severity_name(severity: Any) -> str:
    """CRITICAL, HIGH, MEDIUM or LOW for a checkov Severity, a name, or None."""
    name = getattr(severity, "name", severity)
    name = str(name).upper() if name else UNKNOWN_SEVERITY
    name = _SEVERITY_ALIASES.get(name, name)
    return name if name in SECURITY_SEVERITY else UNKNOWN_SEVERITY


def information_uri() -> str:
    """The project's home page from the installed package metadata, else the rule's guideline."""
    try:
        from importlib.metadata import metadata

        meta = metadata(TOOL_NAME)
        for url in [meta.get("Home-page")] + [u.split(",", 1)[-1].strip() for u in meta.get_all("Project-URL") or []]:
            if url and url.startswith(("https://", "http://")):
                return url
    except Exception:  # metadata is a nicety; SARIF still needs a URI
        pass
    return GUIDELINE_URL


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
    try:
        physical = result["locations"][0]["physicalLocation"]
        uri, line = str(physical["artifactLocation"]["uri"]), int(physical["region"]["startLine"])
    except (KeyError, IndexError, TypeError, ValueError):
        uri, line = "", 0
    return str(result.get("ruleId", "")), uri, line, str((result.get("properties") or {}).get("resource", ""))


def finding_fingerprint(check_id: str, resource: str, uri: str) -> str:
    """Stable across runs and line moves: what failed, on which resource, in which file."""
    return hashlib.sha256("\0".join((check_id, resource, uri)).encode("utf-8")).hexdigest()


def message_text(record: Any) -> str:
    """The check's one-line reason, naming the resource."""
    details = [str(d).strip() for d in (record.details or []) if str(d).strip()]
    reason = details[0].splitlines()[0] if details else (record.check_name or record.check_id)
    resource = str(record.resource or "")
    return reason if not resource or resource in reason else f"{reason} ({resource})"


class RepositoryPaths:
    """Paths as code scanning wants them: relative to the repository root, `/`-separated."""

    def __init__(self, scan_roots: Sequence[str], workspace: Optional[str] = None, cwd: Optional[str] = None) -> None:
        bases = [workspace] if workspace else []
        bases += [cwd or os.getcwd(), *scan_roots]
        self.bases = [os.path.abspath(b) for b in bases if b]

    def relative(self, path: str) -> str:
        absolute = os.path.abspath(path)
        for candidate in (absolute, os.path.realpath(absolute)):
            for base in self.bases:
                for root in (base, os.path.realpath(base)):
                    rel = os.path.relpath(candidate, root)
                    if rel != os.curdir and rel != os.pardir and not rel.startswith(os.pardir + os.sep) \
                            and not os.path.isabs(rel):
                        return rel.replace(os.sep, "/")
        # outside every root: the file name is all that is not machine-specific
        return os.path.basename(absolute)

    def uri(self, path: str) -> str:
        # the name's bytes, percent-encoded: a non-UTF-8 byte (a surrogate in the str) is %XX, not a crash
        return quote(self.relative(path).encode("utf-8", "surrogateescape"))


class PlanFiles:
    """Each plan file read once: its text (for line numbers) and its JSON (for `configuration`)."""

    def __init__(self) -> None:
        self._plans: Dict[str, Tuple[str, Optional[Mapping[str, Any]]]] = {}

    def get(self, path: str) -> Tuple[str, Optional[Mapping[str, Any]]]:
        if path not in self._plans:
            try:
                with open(path, "rb") as handle:
                    text = handle.read().decode("utf-8-sig", errors="replace")
            except OSError:
                text = ""
            try:
                data: Optional[Mapping[str, Any]] = parse_plan_text(text, path)
            except PlanError:
                data = None
            self._plans[path] = (text, data)
        return self._plans[path]


class PitrSarif(Sarif):
    """checkov's Sarif class, with JSON built for GitHub code scanning."""

    def __init__(self, reports: List[Any], scan_roots: Sequence[str], policy: LoadedPolicy,
                 findings: Sequence[Any] = (), workspace: Optional[str] = None) -> None:
        self.scan_roots = [os.path.abspath(root) for root in scan_roots]
        self.policy = policy
        self.findings = list(findings)
        self.paths = RepositoryPaths(self.scan_roots, workspace)
        self.plans = PlanFiles()
        self.sources = SourceFinder()
        super().__init__(reports=reports, tool=TOOL_NAME)

    # --- checkov's entry point ------------------------------------------------------------------
    def create_json(self) -> Dict[str, Any]:
        rules, index = self._rules()
        from checkov.version import version as checkov_version

        return {
            "$schema": SARIF_SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": TOOL_NAME,
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": information_uri(),
                    "rules": rules,
                    "properties": {"checkovVersion": checkov_version},
                }},
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": self._notifications()}],
                "results": self._results(index),
            }],
        }

    # --- rules ----------------------------------------------------------------------------------
    def _rules(self) -> Tuple[List[Dict[str, Any]], Dict[str, int]]:
        rules = [our_rule(meta, severity_name(self.policy.severity_for(meta.id))) for meta in CHECKS.values()]
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        self.rule_index_map = dict(index)
        return rules, index

    # --- results --------------------------------------------------------------------------------
    def _results(self, rule_index: Mapping[str, int]) -> List[Dict[str, Any]]:
        results: List[Dict[str, Any]] = []
        position: Dict[Tuple[str, str], int] = {}
        for report in self.reports:
            for record in report.failed_checks:  # failures only: see the module docstring
                result = self._result(record, report.check_type, rule_index)
                key = (result["ruleId"], result["partialFingerprints"][FINGERPRINT_KEY])
                if key in position:
                    # The same finding from the source scan and the plan scan: one alert, and the
                    # plan's message (it judges resolved values) wins.
                    if report.check_type == PLAN_CHECK_TYPE:
                        results[position[key]] = result
                    continue
                position[key] = len(results)
                results.append(result)
        return sorted(results, key=result_sort_key)

    def _result(self, record: Any, check_type: str, rule_index: Mapping[str, int]) -> Dict[str, Any]:
        severity = severity_name(record.severity)
        resource = str(record.resource or "")
        location, related = self._locations(record, check_type)
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        result: Dict[str, Any] = {
            "ruleId": record.check_id,
            "ruleIndex": rule_index[record.check_id],
            "level": LEVEL[severity],
            "message": {"text": message_text(record)},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(record.check_id, resource, uri)},
            "properties": {"checkType": check_type, "resource": resource, "severity": severity},
        }
        if related:
            result["relatedLocations"] = related
        fixes = self._fixes(record, check_type, resource, uri)
        if fixes:
            result["fixes"] = fixes
        return result

    def _fixes(self, record: Any, check_type: str, resource: str, uri: str) -> List[Dict[str, Any]]:
        """SARIF `fixes`: the edit `checkov-pitr fix` would write (each file read and parsed once)."""
        from checkov_pitr.rule import FIXABLE_CHECKS

        path = record.file_abs_path or ""
        if record.check_id not in FIXABLE_CHECKS or check_type == PLAN_CHECK_TYPE or not path:
            return []
        try:
            from checkov_pitr.domain.fixer import FixCache, sarif_fix

            if not hasattr(self, "fix_cache"):
                self.fix_cache = FixCache()
            minimum = self.policy.core.min_recovery_period_days
            return sarif_fix(self.fix_cache, path, resource, record.check_id, minimum, uri)
        except Exception:  # a fix is a nicety; the finding stands without it
            return []

    def _locations(self, record: Any, check_type: str) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        path = record.file_abs_path or record.file_path or ""
        logical = [{"fullyQualifiedName": str(record.resource or ""), "kind": "resource"}]
        if check_type == PLAN_CHECK_TYPE and path:
            try:
                return self._plan_locations(path, str(record.resource or ""), logical)
            except Exception:  # a lookup problem must not lose the finding: point at the plan file
                pass
            return _location(self.paths.uri(path), 1, 1, logical), []
        start, end = _line_range(record.file_line_range)
        return _location(self.paths.uri(path), start, end, logical), []

    def _plan_locations(self, plan_path: str, address: str,
                        logical: List[Dict[str, Any]]) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        text, plan = self.plans.get(plan_path)
        plan_line = plan_address_line(text, address)
        place: Optional[SourcePlace] = None
        if plan is not None:
            roots = [os.path.dirname(os.path.abspath(plan_path)), *self.scan_roots, os.getcwd()]
            place = self.sources.locate(plan, address, roots)
        plan_uri = self.paths.uri(plan_path)
        if place is None:
            return _location(plan_uri, plan_line, plan_line, logical), []
        related = [{
            "id": 1,
            "physicalLocation": {"artifactLocation": {"uri": plan_uri}, "region": {"startLine": plan_line}},
            "message": {"text": f"{address} in the Terraform plan"},
        }]
        return _location(self.paths.uri(place.path), place.start_line, place.end_line, logical), related

    # --- notifications --------------------------------------------------------------------------
    def _notifications(self) -> List[Dict[str, Any]]:
        """The policy in effect, matched exemptions, applied skips, UNKNOWN tables (visibility.py)."""
        from checkov_pitr.outputs.visibility import sarif_notifications

        return sarif_notifications(self.policy, self.findings, self.paths.uri)


def _line_range(line_range: Any) -> Tuple[int, int]:
    """(start, end) with 1 <= start <= end; checkov reports [0, 0] when it has no line."""
    try:
        start, end = int(line_range[0]), int(line_range[1])
    except (TypeError, ValueError, IndexError):
        return 1, 1
    start = max(start, 1)
    return start, max(end, start)


def _location(uri: str, start: int, end: int, logical: List[Dict[str, Any]]) -> Dict[str, Any]:
    start = max(int(start), 1)
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": {"startLine": start, "endLine": max(int(end), start)},
        },
        "logicalLocations": logical,
    }
