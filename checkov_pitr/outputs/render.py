"""The engine's findings in checkov's formats with checkov's report, record and output classes, and checkov's
exit code: `RunnerRegistry.print_reports` without importing the runner registry (3 s and 170 MB of runners)."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple

from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckResult
from checkov.common.output.record import Record
from checkov.common.output.report import Report
from checkov.common.util.json_utils import CustomJSONEncoder
from checkov.version import version as checkov_version

from checkov_pitr import __version__
from checkov_pitr.outputs import safe_text
from checkov_pitr.domain.policy import LoadedPolicy
from checkov_pitr.engine.options import FRAMEWORKS, ScanOptions
from checkov_pitr.engine.scan import FAILED, PASSED, SKIPPED, Finding, ScanResult
from checkov_pitr.rule import CHECKS

CHECK_CLASS = "checkov_pitr.engine"
CONSOLE = "console"
OUTPUT_DELIMITER = "\n--- OUTPUT DELIMITER ---\n"  # checkov's, between two outputs on stdout
_CODE_BLOCK_LINES = 40  # no more of a file is copied into a record's code block
_RESULT = {PASSED: CheckResult.PASSED, FAILED: CheckResult.FAILED, SKIPPED: CheckResult.SKIPPED}
# checkov's names under an --output-file-path folder: results_<output>.<extension>
_EXTENSIONS = {"cli": "txt", "github_failed_only": "md", "sarif": "sarif", "json": "json", "junitxml": "xml",
               "gitlab_sast": "json"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NO_COLOUR = "ANSI_COLORS_DISABLED"  # termcolor's switch


def _code_block(files: Dict[str, List[str]], path: str, start: int, end: int) -> List[Tuple[int, str]]:
    """A record's code block; `files` keeps each file's lines, read once."""
    if path not in files:
        try:
            with open(path, encoding="utf-8-sig", errors="replace") as handle:
                files[path] = handle.read(8 * 1024 * 1024).splitlines()
        except OSError:
            files[path] = []
    lines = files[path]
    last = min(end, start + _CODE_BLOCK_LINES - 1, len(lines))
    return [(number, lines[number - 1] + "\n") for number in range(max(start, 1), last + 1)]


def _record(finding: Finding, files: Dict[str, List[str]]) -> Record:
    meta = CHECKS[finding.check_id]
    check_result: Dict[str, Any] = {"result": _RESULT[finding.result]}
    if finding.suppress_comment is not None:
        check_result["suppress_comment"] = safe_text(finding.suppress_comment)
    start, end = finding.lines
    plan = finding.framework == "terraform_plan"
    record = Record(
        check_id=finding.check_id, check_name=meta.name, check_result=check_result,
        code_block=[] if plan or finding.table is None else _code_block(files, finding.path, start, end),
        file_path=safe_text(finding.file_path), file_line_range=[start, end], resource=safe_text(finding.resource),
        evaluations=None, check_class=CHECK_CLASS, file_abs_path=finding.path,
        severity=Severities[finding.severity], details=[safe_text(finding.reason)] if finding.reason else [],
        caller_file_path=finding.table.calling_file if finding.table else None,
    )
    record.set_guideline(meta.guideline)
    # gitlab_sast and JSON write these (as data); the finding keeps the true path
    record.repo_file_path, record.file_abs_path = safe_text(record.repo_file_path), safe_text(finding.path)
    return record


def reports_of(result: ScanResult) -> List[Report]:
    """One checkov Report per framework that has a finding, in checkov's framework order."""
    files: Dict[str, List[str]] = {}
    by_framework: Dict[str, Report] = {}
    for finding in result.findings:
        if finding.result not in _RESULT:
            continue  # UNKNOWN: no result (listed on stderr and in SARIF)
        report = by_framework.setdefault(finding.framework, Report(finding.framework))
        record = _record(finding, files)
        report.add_record(record)
        report.add_resource(f"{record.file_path}:{record.resource}")
    return [by_framework[f] for f in FRAMEWORKS if f in by_framework]


def exit_code(reports: Sequence[Report], options: ScanOptions) -> int:
    """With checkov's fail thresholds (RunnerRegistry.get_fail_thresholds, without vendor enforcement rules):
    the highest --soft-fail-on severity, the lowest --hard-fail-on one, and the check ids of each."""
    thresholds: Dict[str, Any] = {"soft_fail": options.soft_fail}
    for kind, values, pick in (("soft", options.soft_fail_on, max), ("hard", options.hard_fail_on, min)):
        levels = [Severities[v.upper()] for v in values if v.upper() in Severities]
        thresholds[f"{kind}_fail_checks"] = [v for v in values if v.upper() not in Severities]
        thresholds[f"{kind}_fail_threshold"] = pick(levels, key=lambda s: s.level) if levels else None
    return 1 if any(report.get_exit_code(thresholds) == 1 for report in reports) else 0


def _cli(reports: Sequence[Report], options: ScanOptions, colour: bool) -> str:
    text = "" if options.quiet else (f"checkov-pitr {__version__}: DynamoDB point-in-time recovery (Conformity "
                                     f"DynamoDB-003), rendered with checkov {checkov_version}\n\n")
    # Colour that render strips is not made: termcolor reads the environment (a missing key raises inside
    # os.environ) and isatty on each of a record's colored() calls; its switch is the first thing it reads.
    saved = os.environ.get(_NO_COLOUR)
    if not colour:
        os.environ[_NO_COLOUR] = "1"
    try:
        text += "".join(report.print_console(is_quiet=options.quiet, is_compact=options.compact) for report in reports)
    finally:  # the environment as it was
        os.environ.pop(_NO_COLOUR, None)
        if saved is not None:
            os.environ[_NO_COLOUR] = saved
    return text


def _json(reports: Sequence[Report], options: ScanOptions) -> str:
    documents = [report.get_dict(is_quiet=options.quiet) for report in reports]
    for document in documents if options.compact else []:  # copies: the dicts are the Records' own __dict__
        results = document["results"]
        results["failed_checks"] = [{k: v for k, v in r.items() if k != "code_block"} for r in results["failed_checks"]]
    output: Any = documents[0] if len(documents) == 1 else documents or Report("").get_summary()
    return json.dumps(output, indent=4, cls=CustomJSONEncoder)


def _sarif(result: ScanResult, options: ScanOptions, policy: LoadedPolicy, workspace: Optional[str]) -> str:
    from checkov_pitr.outputs.sarif import PitrSarif

    # --repo-root-for-plan-enrichment first: where a plan's Terraform source is looked for
    roots = [*options.repo_root_for_plan_enrichment, *options.directories,
             *(os.path.dirname(os.path.abspath(f)) for f in options.files)]
    return json.dumps(PitrSarif(result.findings, roots, policy, workspace).json, cls=CustomJSONEncoder)


def _junit(reports: Sequence[Report], options: ScanOptions) -> str:
    properties = {"directory": list(options.directories), "file": list(options.files), "output": list(options.outputs)}
    suites = [report.get_test_suite(properties=properties) for report in reports or [Report("")]]
    return Report.get_junit_xml_string(suites)


def _gitlab(reports: Sequence[Report]) -> str:
    from checkov.common.output.gitlab_sast import GitLabSast  # 0.2 s of imports: only when asked for

    return json.dumps(GitLabSast(reports=list(reports)).sast_json, indent=4)


def _csv(reports: Sequence[Report], options: ScanOptions) -> None:
    from checkov.common.output.csv import CSVSBOM

    csv_report = CSVSBOM()
    for report in reports:
        csv_report.add_report(report=report, git_org="", git_repository="")
    os.makedirs(options.output_file_path or os.curdir, exist_ok=True)
    csv_report.persist_report(is_api_key=False, output_path=options.output_file_path or "")


def _save(path: str, data: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(data, encoding="utf-8")


def render(result: ScanResult, options: ScanOptions, policy: LoadedPolicy, out: TextIO,
           workspace: Optional[str] = None) -> int:
    """Write every output `options` asks for; return checkov's exit code for the findings. `workspace`: where
    SARIF's file URIs are relative to (GitHub's checkout)."""
    reports = reports_of(result)
    colour = bool(getattr(out, "isatty", lambda: False)())
    # each output to the console, or with `--output-file-path a,b` (one path per output) to a file
    paths = options.output_file_path.split(",") if "," in (options.output_file_path or "") else []
    destinations = {name: paths[i] if i < len(paths) else CONSOLE for i, name in enumerate(options.outputs)}
    written: Dict[str, str] = {}
    console: List[str] = []

    texts = {"cli": lambda: _cli(reports, options, colour), "json": lambda: _json(reports, options),
             "sarif": lambda: _sarif(result, options, policy, workspace),
             "junitxml": lambda: _junit(reports, options), "gitlab_sast": lambda: _gitlab(reports),
             "github_failed_only": lambda: "".join(report.print_failed_github_md() for report in reports)}
    for name in options.outputs:
        if name == "csv":
            _csv(reports, options)
            continue
        written[name] = text = texts[name]()
        if destinations[name] != CONSOLE:
            _save(destinations[name], text)
        elif name != "sarif":
            console.append(text)
        else:  # SARIF "on the console": checkov shows the CLI output there
            if "cli" not in options.outputs:
                console.append(_cli(reports, options, colour))
            if not options.output_file_path:  # checkov writes results.sarif in the working folder
                _save("results.sarif", text)
                console.append("\nWrote output in SARIF format to the file 'results.sarif'")
    text = OUTPUT_DELIMITER.join(text.rstrip("\n") + "\n" for text in console) if console else ""
    out.write(text if colour else _ANSI.sub("", text))
    if options.output_file_path and "," not in options.output_file_path:
        for name, text in written.items():  # checkov also keeps a copy of each (but CSV's) under the folder
            _save(os.path.join(options.output_file_path, f"results_{name}.{_EXTENSIONS[name]}"), text)
    return exit_code(reports, options)
