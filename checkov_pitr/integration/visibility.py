"""What every run states, so a reviewer sees what a pull request changed (SPEC "What a pull request
cannot change"): the policy in effect, each exemption that matched, each table left UNKNOWN.

The CLI prints `visibility_lines(policy, reports)` on stderr; the SARIF run carries
`sarif_notifications(policy, reports)` in `invocations[0].toolExecutionNotifications`.

Exemptions are read back from checkov's reports: a record our exemption code skipped carries
`check_result["suppress_comment"]` = `Exemption.comment()` ("checkov-pitr policy exemptions[N] ...").

UNKNOWN results never reach a report: checkov drops a check's UNKNOWN, and its runners may judge a
framework in a forked process, so a list kept in memory by the check would die with the child.
`start_unknown_log()` (in the CLI process, before checkov runs) names an append-only file in
$CHECKOV_PITR_UNKNOWN_LOG; every process that judges a table UNKNOWN appends one JSON line there
(`record_unknown`, one `write` per line on an O_APPEND descriptor, so forked writers do not
interleave), and the CLI process reads it back. This leaves checkov's results, counts and exit code
exactly as they were: reporting UNKNOWN as SKIPPED would claim a suppression nobody wrote, change
skipped counts in every output, and still vanish from SARIF (which leaves suppressed results out).
"""
from __future__ import annotations

import atexit
import json
import os
import re
import tempfile
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from checkov_pitr.domain.policy import Exemption, LoadedPolicy, excerpt

PROG = "checkov-pitr"
UNKNOWN_LOG_ENV = "CHECKOV_PITR_UNKNOWN_LOG"
_MAX_UNKNOWN_LINE = 2000  # one table's entry; a longer reason is cut, never a partial line
_EXEMPTION_INDEX = re.compile(r"^checkov-pitr policy exemptions\[(\d+)\]")
DESCRIPTOR_POLICY = "checkov-pitr/policy"
DESCRIPTOR_EXEMPTION = "checkov-pitr/exemption-matched"
DESCRIPTOR_UNKNOWN = "checkov-pitr/unknown"


# --- UNKNOWN tables, across processes ----------------------------------------------------------------

def start_unknown_log() -> str:
    """Create this run's UNKNOWN log and name it in the environment checkov's workers inherit."""
    handle, path = tempfile.mkstemp(prefix="checkov-pitr-unknown-", suffix=".jsonl")
    os.close(handle)
    os.environ[UNKNOWN_LOG_ENV] = path
    atexit.register(_remove, path)
    return path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def record_unknown(check_id: str, resource: str, file_path: str, reason: str) -> None:
    """Note a table left UNKNOWN (policy `unresolved: unknown`); a no-op outside a checkov-pitr run."""
    path = os.environ.get(UNKNOWN_LOG_ENV)
    if not path:
        return
    entry = {"check_id": check_id, "resource": resource, "file": file_path, "reason": reason[:_MAX_UNKNOWN_LINE]}
    line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return  # the log is a report, never a reason to lose the table's result
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def unknown_tables() -> List[Dict[str, str]]:
    """The tables this run left UNKNOWN, each (check, resource, file) once, in a stable order."""
    path = os.environ.get(UNKNOWN_LOG_ENV)
    if not path or not os.path.isfile(path):
        return []
    found: Dict[Tuple[str, str, str], Dict[str, str]] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                key = (str(entry.get("resource")), str(entry.get("check_id")), str(entry.get("file")))
                found.setdefault(key, {k: str(v) for k, v in entry.items()})
    return [found[key] for key in sorted(found)]


# --- exemptions that matched ---------------------------------------------------------------------------

def matched_exemptions(policy: LoadedPolicy, reports: Iterable[Any]) -> List[Tuple[Exemption, str, List[str], str]]:
    """(exemption, resource, check ids, file) for every resource an exemption skipped in `reports`."""
    by_index = {e.index: e for e in policy.exemptions}
    found: Dict[Tuple[int, str], Tuple[List[str], str]] = {}
    for report in reports:
        for record in getattr(report, "skipped_checks", []) or []:
            comment = str((record.check_result or {}).get("suppress_comment") or "")
            match = _EXEMPTION_INDEX.match(comment)
            if not match or int(match.group(1)) not in by_index:
                continue
            key = (int(match.group(1)), str(record.resource or ""))
            checks, _ = found.setdefault(key, ([], str(record.file_abs_path or record.file_path or "")))
            if record.check_id not in checks:
                checks.append(record.check_id)
    return [(by_index[index], resource, sorted(checks), file)
            for (index, resource), (checks, file) in sorted(found.items())]


# --- what the run states --------------------------------------------------------------------------------

def policy_text(policy: LoadedPolicy) -> str:
    core = policy.core
    return (f"policy in effect: {policy.shown_source} (min_recovery_period_days {core.min_recovery_period_days}, "
            f"unresolved {core.unresolved}, max_exemption_days {policy.max_exemption_days}, "
            f"{len(policy.exemptions)} exemption(s))")


def exemption_text(exemption: Exemption, resource: str, checks: Sequence[str]) -> str:
    return (f"exemption {exemption.label} skipped {resource} for {', '.join(checks)}: "
            f"{excerpt(exemption.reason, 200)} (expires {exemption.expires.isoformat()}; "
            f"covers {exemption.checks_text})")


def unknown_text(entry: Dict[str, str]) -> str:
    return (f"UNKNOWN (policy unresolved: unknown, no result): {entry.get('resource')} {entry.get('check_id')} "
            f"in {entry.get('file')}: {entry.get('reason')}")


def visibility_lines(policy: LoadedPolicy, reports: Iterable[Any]) -> List[str]:
    """The stderr lines of a run, each starting "checkov-pitr: ": the policy in effect, every
    exemption that matched (resource, checks, reason, expiry), every table left UNKNOWN."""
    reports = [r for r in reports if r is not None]
    lines = [policy_text(policy)]
    lines += [exemption_text(e, resource, checks) for e, resource, checks, _ in matched_exemptions(policy, reports)]
    lines += [unknown_text(entry) for entry in unknown_tables()]
    return [f"{PROG}: {line}" for line in lines]


def sarif_notifications(policy: LoadedPolicy, reports: Iterable[Any],
                        uri: Optional[Callable[[str], str]] = None) -> List[Dict[str, Any]]:
    """SARIF 2.1.0 `notification` objects for the same facts, for `toolExecutionNotifications`;
    `uri` maps a file path to the SARIF artifact URI (default: the path as is)."""
    uri = uri or (lambda path: path)
    reports = [r for r in reports if r is not None]
    notes: List[Dict[str, Any]] = [{
        "level": "note",
        "descriptor": {"id": DESCRIPTOR_POLICY},
        "message": {"text": policy_text(policy)},
        "properties": {"policy": policy.shown_source, "minRecoveryPeriodDays": policy.core.min_recovery_period_days,
                       "unresolved": policy.core.unresolved, "maxExemptionDays": policy.max_exemption_days,
                       "exemptions": len(policy.exemptions)},
    }]
    for exemption, resource, checks, file in matched_exemptions(policy, reports):
        note: Dict[str, Any] = {
            "level": "note",
            "descriptor": {"id": DESCRIPTOR_EXEMPTION},
            "message": {"text": exemption_text(exemption, resource, checks)},
            "properties": {"exemption": exemption.index, "resource": resource, "checks": checks,
                           "reason": exemption.reason, "expires": exemption.expires.isoformat()},
        }
        if file:
            note["locations"] = [_location(uri, file)]
        notes.append(note)
    for entry in unknown_tables():
        note = {
            "level": "warning",
            "descriptor": {"id": DESCRIPTOR_UNKNOWN},
            "message": {"text": unknown_text(entry)},
            "properties": {"resource": entry.get("resource", ""), "checkId": entry.get("check_id", "")},
        }
        if entry.get("file"):
            note["locations"] = [_location(uri, entry["file"])]
        notes.append(note)
    return notes


def _location(uri: Callable[[str], str], path: str) -> Dict[str, Any]:
    try:
        shown = uri(path)
    except Exception:  # a location is a courtesy; the note itself must not be lost
        shown = path
    return {"physicalLocation": {"artifactLocation": {"uri": shown}}}
