"""A Markdown summary of the failed tables, from a SARIF file, for GitHub's job summary.

    python -m checkov_pitr.integration.summary results.sarif >> "$GITHUB_STEP_SUMMARY"

One table row per failed check: check, resource, file:line, message. It reads only the SARIF
(no checkov import), so the Action can write it whatever happened in the scan; a missing or
unreadable file gives one line saying so and exit code 0 (the summary is advice, never the gate).
"""
from __future__ import annotations

import json
import sys
from typing import Any, Dict, List, Optional, Sequence

TITLE = "### checkov-pitr: DynamoDB point-in-time recovery"


def _cell(text: Any) -> str:
    """One Markdown table cell: no line breaks, pipes escaped."""
    return " ".join(str(text if text is not None else "").split()).replace("|", "\\|")


def rows(sarif: Dict[str, Any]) -> List[Dict[str, str]]:
    """(check, resource, location, message) of every result, sorted like the SARIF's results."""
    found: List[Dict[str, str]] = []
    for run in sarif.get("runs") or []:
        for result in run.get("results") or []:
            if result.get("suppressions"):
                continue  # skipped checks are not failures
            location = ((result.get("locations") or [{}])[0]).get("physicalLocation") or {}
            uri = (location.get("artifactLocation") or {}).get("uri", "")
            line = (location.get("region") or {}).get("startLine")
            logical = ((result.get("locations") or [{}])[0]).get("logicalLocations") or [{}]
            resource = (result.get("properties") or {}).get("resource") or logical[0].get("fullyQualifiedName", "")
            found.append({
                "check": str(result.get("ruleId", "")),
                "resource": str(resource),
                "location": f"{uri}:{line}" if line else str(uri),
                "message": str((result.get("message") or {}).get("text", "")),
            })
    return found


def markdown(sarif: Optional[Dict[str, Any]], problem: str = "") -> str:
    """The summary text: a title, then the table of failures (or why there is none)."""
    lines = [TITLE, ""]
    if sarif is None:
        lines.append(f"No results: {problem or 'no SARIF file was written'}.")
        return "\n".join(lines) + "\n"
    failed = rows(sarif)
    if not failed:
        lines.append("No failed checks.")
        return "\n".join(lines) + "\n"
    lines.append(f"{len(failed)} failed check(s):")
    lines.append("")
    lines.append("| Check | Resource | File:line | Message |")
    lines.append("| --- | --- | --- | --- |")
    for row in failed:
        lines.append("| " + " | ".join(_cell(row[k]) for k in ("check", "resource", "location", "message")) + " |")
    return "\n".join(lines) + "\n"


def read_sarif(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError("not a SARIF log")
    return data


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m checkov_pitr.integration.summary FILE.sarif", file=sys.stderr)
        return 2
    try:
        sarif: Optional[Dict[str, Any]] = read_sarif(args[0])
        problem = ""
    except (OSError, ValueError) as exc:
        sarif, problem = None, f"{args[0]} could not be read ({type(exc).__name__})"
    sys.stdout.write(markdown(sarif, problem))
    return 0


if __name__ == "__main__":
    sys.exit(main())
