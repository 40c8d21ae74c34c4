"""What every run states, so a reviewer sees what a pull request changed (SPEC "What a pull request
cannot change"): the policy in effect, each exemption that matched, each skip comment that applied,
each table left UNKNOWN. The CLI prints `visibility_lines` on stderr; the SARIF run carries
`sarif_notifications` in `invocations[0].toolExecutionNotifications`. Both read the engine's findings.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from checkov_pitr.domain.policy import Exemption, LoadedPolicy, excerpt
from checkov_pitr.engine.scan import SKIPPED, UNKNOWN, Finding
from checkov_pitr.outputs import safe_text


def matched_exemptions(findings: Sequence[Finding]) -> List[Tuple[Exemption, str, List[str], str]]:
    """(exemption, resource, check ids, file) for every resource an exemption skipped."""
    found: Dict[Tuple[int, str], Tuple[Exemption, List[str], str]] = {}
    for finding in findings:
        if finding.result == SKIPPED and finding.exemption is not None:
            _, checks, _ = found.setdefault((finding.exemption.index, finding.resource),
                                            (finding.exemption, [], finding.path))
            if finding.check_id not in checks:
                checks.append(finding.check_id)
    return [(exemption, resource, sorted(checks), path)
            for (_, resource), (exemption, checks, path) in sorted(found.items(), key=lambda item: item[0])]


def policy_text(policy: LoadedPolicy) -> str:
    core = policy.core
    deployed = "" if policy.deployed_with == "both" else f", deployed_with {policy.deployed_with}"
    return (f"policy in effect: {policy.shown_source} (min_recovery_period_days {core.min_recovery_period_days}, "
            f"unresolved {core.unresolved}, max_exemption_days {policy.max_exemption_days}, "
            f"{len(policy.exemptions)} exemption(s){deployed})")


def exemption_text(exemption: Exemption, resource: str, checks: Sequence[str]) -> str:
    return (f"exemption {exemption.label} skipped {safe_text(resource)} for {', '.join(checks)}: "
            f"{excerpt(exemption.reason, 200)} (expires {exemption.expires.isoformat()}; "
            f"covers {exemption.checks_text})")


def skip_text(finding: Finding) -> str:
    return (f"skip comment skipped {safe_text(finding.resource)} for {finding.check_id} in {safe_text(finding.file_path)}: "
            f"{excerpt(finding.suppress_comment or '', 200)}")


def unknown_text(finding: Finding) -> str:
    return (f"UNKNOWN (policy unresolved: unknown, no result): {safe_text(finding.resource)} {finding.check_id} "
            f"in {safe_text(finding.file_path)}: {safe_text(finding.reason)}")


def visibility_lines(policy: LoadedPolicy, findings: Sequence[Finding]) -> List[str]:
    """The stderr lines of a run."""
    lines = [policy_text(policy)]
    lines += [exemption_text(e, resource, checks) for e, resource, checks, _ in matched_exemptions(findings)]
    lines += [skip_text(f) for f in findings if f.result == SKIPPED and f.skipped_by_comment]
    lines += [unknown_text(f) for f in findings if f.result == UNKNOWN]
    return lines


def sarif_notifications(policy: LoadedPolicy, findings: Sequence[Finding],
                        uri: Optional[Callable[[str], str]] = None) -> List[Dict[str, Any]]:
    """SARIF 2.1.0 `notification` objects for the same facts; `uri` maps a path to the artifact URI."""
    uri = uri or (lambda path: path)
    notes = [_note("note", "policy", policy_text(policy), uri, "", {
        "policy": policy.shown_source, "minRecoveryPeriodDays": policy.core.min_recovery_period_days,
        "unresolved": policy.core.unresolved, "maxExemptionDays": policy.max_exemption_days,
        "deployedWith": policy.deployed_with, "exemptions": len(policy.exemptions)})]
    for exemption, resource, checks, path in matched_exemptions(findings):
        notes.append(_note("note", "exemption-matched", exemption_text(exemption, resource, checks), uri, path,
                           {"exemption": exemption.index, "resource": resource, "checks": checks,
                            "reason": exemption.reason, "expires": exemption.expires.isoformat()}))
    notes += [_note("note", "skip-comment", skip_text(f), uri, f.path, {
        "resource": safe_text(f.resource), "checkId": f.check_id, "reason": safe_text(f.suppress_comment or "")})
        for f in findings if f.result == SKIPPED and f.skipped_by_comment]
    notes += [_note("warning", "unknown", unknown_text(f), uri, f.path,
                    {"resource": safe_text(f.resource), "checkId": f.check_id}) for f in findings if f.result == UNKNOWN]
    return notes


def _note(level: str, descriptor: str, text: str, uri: Callable[[str], str], path: str,
          properties: Dict[str, Any]) -> Dict[str, Any]:
    note: Dict[str, Any] = {"level": level, "descriptor": {"id": f"checkov-pitr/{descriptor}"},
                            "message": {"text": text}, "properties": properties}
    if path:
        try:
            shown = uri(path)
        except Exception:  # a location is a courtesy; the note itself must not be lost
            shown = path
        note["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": shown}}}]
    return note


__all__ = ["matched_exemptions", "sarif_notifications", "visibility_lines"]
