"""The GitHub Action's job summary and its `failed-count` (`python -m checkov_pitr.integration.summary --help`), from
the SARIF and JSON reports (no checkov here). The one place that counts failures: a distinct (check, file, resource)
among the SARIF's unsuppressed results, so a finding of both the source and the plan scan counts once. `--count`
exits 2 when the SARIF cannot be read; the Markdown is advice (exit 0)."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

TITLE = "### checkov-pitr: DynamoDB point-in-time recovery"
# The job summary takes at most 1 MiB per step; the diff gets a bounded share of it.
MAX_DIFF_CHARS = 60_000
# SARIF `level` back to a severity name, for a result without `properties.severity`.
_LEVEL_SEVERITY = {"error": "HIGH", "warning": "MEDIUM", "note": "LOW"}


class Finding(NamedTuple):
    check: str
    severity: str
    resource: str
    uri: str  # relative to the repository root, percent-encoded as SARIF writes it
    line: int  # 0 when the result names no line
    message: str


def findings(sarif: Mapping[str, Any]) -> List[Finding]:
    """The failures: unsuppressed results, one per (check, file, resource), in the SARIF's order."""
    found: Dict[Tuple[str, str, str], Finding] = {}
    for run in sarif.get("runs") or []:
        for result in run.get("results") or []:
            if result.get("suppressions"):
                continue  # skipped checks are not failures
            location = (result.get("locations") or [{}])[0]
            physical = location.get("physicalLocation") or {}
            logical = location.get("logicalLocations") or [{}]
            properties = result.get("properties") or {}
            finding = Finding(
                check=str(result.get("ruleId", "")),
                severity=str(properties.get("severity") or _LEVEL_SEVERITY.get(result.get("level", ""), "")),
                resource=str(properties.get("resource") or logical[0].get("fullyQualifiedName", "")),
                uri=str((physical.get("artifactLocation") or {}).get("uri", "")),
                line=int((physical.get("region") or {}).get("startLine") or 0),
                message=str((result.get("message") or {}).get("text", "")),
            )
            found.setdefault((finding.check, finding.uri, finding.resource), finding)
    return list(found.values())


def _reports(report: Any) -> List[Mapping[str, Any]]:
    """checkov's JSON output: one report, a list of them, or a bare summary when nothing was found."""
    return [r for r in (report if isinstance(report, list) else [report]) if isinstance(r, dict)]


def tables_judged(report: Any) -> int:
    """Tables with a result (passed, failed or skipped): each report's `resource_count`, the distinct
    (file, resource) of its records, kept under `--quiet`, which leaves passed results out."""
    return sum(int((item.get("summary") or item).get("resource_count") or 0) for item in _reports(report))


def failure_records(report: Any) -> int:
    """How many FAILED results checkov's log lists (a finding of both the source and the plan twice)."""
    return sum(len((item.get("results") or {}).get("failed_checks") or []) for item in _reports(report))


def file_link(uri: str, line: int, env: Mapping[str, str]) -> str:
    """`path:line`, as a link to the file at the scanned commit when the run is on GitHub."""
    shown = _escape(f"{unquote(uri)}:{line}" if line else unquote(uri))
    repository, sha = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_SHA", "")
    if not (uri and repository and sha):
        return shown
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    anchor = f"#L{line}" if line else ""
    return f"[{shown}]({server}/{repository}/blob/{sha}/{quote(unquote(uri))}{anchor})"


def _escape(text: Any) -> str:
    """One Markdown table cell: one line, nothing a file or message could inject (table pipes, links, HTML)."""
    flat = " ".join(str(text if text is not None else "").split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([|\[\]`*\\])", r"\\\1", flat)


def _where(directory: str, plan_file: str) -> Tuple[str, str]:
    """('`infra` or `infra/tfplan.json`', 'the directory and plan-file inputs') for the no-table line."""
    named = {what: f"`{_escape(p)}`" for p, what in ((directory, "directory"), (plan_file, "plan-file")) if p}
    if not named:
        return "the scanned inputs", "the directory and plan-file inputs"
    return " or ".join(named.values()), f"the {' and '.join(named)} input{'s' if len(named) > 1 else ''}"


def markdown(sarif: Optional[Mapping[str, Any]], problem: str = "", report: Any = None, directory: str = "",
             plan_file: str = "", env: Optional[Mapping[str, str]] = None) -> str:
    """The summary: a title, how many tables were judged, then one row per failure (or why there is none)."""
    env = os.environ if env is None else env
    failed = findings(sarif) if sarif is not None else []
    judged = tables_judged(report) if report is not None else None
    if sarif is None:
        lines = [f"No results: {problem or 'no SARIF file was written'}."]
    elif judged == 0 and not failed:
        lines = ["No DynamoDB table found in {}: check {}.".format(*_where(directory, plan_file))]
    else:
        lines = [] if judged is None else [f"{judged} table(s) judged."]
        records = failure_records(report) if report is not None else len(failed)
        merged = (f" (the log lists {records} failure records: a finding that both the source and the plan scan "
                  "report counts once)") if records > len(failed) else ""
        lines += [f"{len(failed)} failed check(s){merged}:", "", "| Severity | Check | Resource | File:line | Message |",
                  "| --- | --- | --- | --- | --- |"] if failed else ["No failed checks."]
        lines += ["| " + " | ".join((_escape(f.severity), _escape(f.check), _escape(f.resource),
                                     file_link(f.uri, f.line, env), _escape(f.message))) + " |" for f in failed]
    return "\n".join([TITLE, "", *lines]) + "\n"


def _fence(text: str) -> str:
    """A backtick fence longer than any backtick run in the text, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def fix_markdown(diff: str, notes: str, exit_code: int, limit: int = MAX_DIFF_CHARS) -> str:
    """`checkov-pitr fix --diff`: the diff (fenced, cut at a line past `limit` characters), then what it can't fix."""
    lines = ["", "#### Fixes `checkov-pitr fix` would make", ""]  # a blank line ends the table above
    note_lines = [line for line in notes.splitlines() if line.strip()]
    if exit_code not in (0, 1):
        fence = _fence(notes)
        return "\n".join(lines + [f"`checkov-pitr fix --diff` could not run (exit code {exit_code}):", "",
                                  fence, *note_lines[-20:], fence]) + "\n"
    if diff.strip():
        shown = diff[:limit].rsplit("\n", 1)[0] + "\n" if len(diff) > limit else diff
        fence = _fence(shown)
        lines += [f"{fence}diff", shown.rstrip("\n"), fence]
        if shown is not diff:
            lines += ["", f"The diff is cut after {shown.count(chr(10))} of {diff.count(chr(10))} lines: run "
                          "`checkov-pitr fix --diff` with the same inputs to see all of it."]
    else:
        lines.append("No fix to suggest.")
    not_fixed = [line[len("not fixed: "):] for line in note_lines if line.startswith("not fixed: ")]
    if not_fixed:
        lines += ["", "Not fixed by `checkov-pitr fix`:", ""] + [f"- {_escape(line)}" for line in not_fixed]
    return "\n".join(lines) + "\n"


def _text(path: str) -> str:
    """A file's text; "" when it was not written (no diff or notes: the summary says what it has)."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checkov_pitr.integration.summary",
                                     description="The Action's job summary and failed-count.")
    parser.add_argument("sarif", nargs="?", help="the SARIF file the scan wrote")
    parser.add_argument("--json", default="", help="the JSON report the scan wrote (tables judged)")
    parser.add_argument("--count", action="store_true", help="print the failed-count only (exit 2: SARIF unreadable)")
    parser.add_argument("--directory", default="", help="the folder scanned (for the no-table line)")
    parser.add_argument("--plan-file", default="", help="the plan file scanned (for the no-table line)")
    parser.add_argument("--fix-diff", default=None, help="stdout of `checkov-pitr fix --diff`")
    parser.add_argument("--fix-notes", default="", help="stderr of `checkov-pitr fix --diff`")
    parser.add_argument("--fix-exit-code", type=int, default=1)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.fix_diff is not None:
        sys.stdout.write(fix_markdown(_text(args.fix_diff), _text(args.fix_notes), args.fix_exit_code))
        return 0
    if not args.sarif:
        print("summary: a SARIF file is needed", file=sys.stderr)
        return 2
    try:
        report = json.loads(Path(args.json).read_text(encoding="utf-8")) if args.json else None
    except (OSError, ValueError):
        report = None  # the table count is advice: the SARIF alone still gives the failures
    try:
        sarif, problem = json.loads(Path(args.sarif).read_text(encoding="utf-8")), ""
        if not isinstance(sarif, dict) or not isinstance(sarif.get("runs"), list):
            raise ValueError("not a SARIF log")
    except (OSError, ValueError) as exc:
        sarif, problem = None, f"{args.sarif} could not be read ({type(exc).__name__})"
    if not args.count:
        sys.stdout.write(markdown(sarif, problem, report, args.directory, args.plan_file))
        return 0
    if sarif is None:
        print(f"summary: {problem}", file=sys.stderr)
        return 2
    count = len(findings(sarif))  # the Action's `failed-count`: the rows the summary lists
    records = failure_records(report) if report is not None else count
    print(count)
    if records > count:
        print(f"checkov-pitr: the log lists {records} failure records; a finding that both the source and "
              f"the plan scan report counts once: {count} failed check(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
