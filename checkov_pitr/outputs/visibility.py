"""What every run states, so a reviewer sees what a pull request changed (SPEC "What a pull request cannot
change"): the policy in effect, each exemption that matched, each skip comment that applied, each UNKNOWN
table; on stderr (`visibility_lines`) and in the SARIF run's notifications (`sarif_notifications`)."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Sequence, Set, Tuple

from checkov_pitr.domain.policy import Exemption, LoadedPolicy, excerpt
from checkov_pitr.engine.scan import SKIPPED, UNKNOWN, Finding
from checkov_pitr.outputs import safe_text


def _facts(policy: LoadedPolicy, findings: Sequence[Finding]) -> List[Tuple[str, str, str, str, Dict[str, Any]]]:
    """(SARIF level, descriptor, the line, file, SARIF properties) of each fact a run states, in order."""
    core = policy.core
    deployed = "" if policy.deployed_with == "both" else f", deployed_with {policy.deployed_with}"
    facts = [("note", "policy", f"policy in effect: {policy.shown_source} (min_recovery_period_days "
              f"{core.min_recovery_period_days}, unresolved {core.unresolved}, max_exemption_days "
              f"{policy.max_exemption_days}, {len(policy.exemptions)} exemption(s){deployed})", "", {
                  "policy": policy.shown_source, "minRecoveryPeriodDays": core.min_recovery_period_days,
                  "unresolved": core.unresolved, "maxExemptionDays": policy.max_exemption_days,
                  "deployedWith": policy.deployed_with, "exemptions": len(policy.exemptions)})]
    matched: Dict[Tuple[int, str], Tuple[Exemption, Set[str], str]] = {}  # by (exemption, resource)
    for f in findings:
        if f.result == SKIPPED and f.exemption is not None:
            matched.setdefault((f.exemption.index, f.resource), (f.exemption, set(), f.path))[1].add(f.check_id)
    for (_, resource), (exemption, check_ids, path) in sorted(matched.items(), key=lambda item: item[0]):
        checks = sorted(check_ids)
        text = (f"exemption {exemption.label} skipped {safe_text(resource)} for {', '.join(checks)}: "
                f"{excerpt(exemption.reason, 200)} (expires {exemption.expires.isoformat()}; "
                f"covers {exemption.checks_text})")
        facts.append(("note", "exemption-matched", text, path, {
            "exemption": exemption.index, "resource": resource, "checks": checks, "reason": exemption.reason,
            "expires": exemption.expires.isoformat()}))
    facts += [("note", "skip-comment", f"skip comment skipped {safe_text(f.resource)} for {f.check_id} in "
               f"{safe_text(f.file_path)}: {excerpt(f.suppress_comment or '', 200)}", f.path, {
                   "resource": safe_text(f.resource), "checkId": f.check_id,
                   "reason": safe_text(f.suppress_comment or "")})
              for f in findings if f.result == SKIPPED and f.exemption is None]
    facts += [("warning", "unknown", f"UNKNOWN (policy unresolved: unknown, no result): {safe_text(f.resource)} "
               f"{f.check_id} in {safe_text(f.file_path)}: {safe_text(f.reason)}", f.path,
               {"resource": safe_text(f.resource), "checkId": f.check_id}) for f in findings if f.result == UNKNOWN]
    return facts


def visibility_lines(policy: LoadedPolicy, findings: Sequence[Finding]) -> List[str]:
    """The stderr lines of a run."""
    return [text for _, _, text, _, _ in _facts(policy, findings)]


def sarif_notifications(policy: LoadedPolicy, findings: Sequence[Finding],
                        uri: Callable[[str], str]) -> List[Dict[str, Any]]:
    """SARIF 2.1.0 `notification` objects for the same facts; `uri` maps a path to the artifact URI."""
    notes = []
    for level, descriptor, text, path, properties in _facts(policy, findings):
        note: Dict[str, Any] = {"level": level, "descriptor": {"id": f"checkov-pitr/{descriptor}"},
                                "message": {"text": text}, "properties": properties}
        if path:
            try:
                shown = uri(path)
            except Exception:  # a location is a courtesy; the note itself must not be lost
                shown = path
            note["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": shown}}}]
        notes.append(note)
    return notes
