"""checkov_pitr.integration.summary: the Action's failed-count and job summary, from SARIF and JSON."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from checkov_pitr.integration import summary

ON_GITHUB = {"GITHUB_REPOSITORY": "octo/infra", "GITHUB_SHA": "0123abc"}


def result(check: str, resource: str, uri: str, line: int = 4, **extra: Any) -> Dict[str, Any]:
    return {"ruleId": check, "message": {"text": f"{resource}: PITR is off"}, "properties": {"resource": resource},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}}],
            **extra}


def sarif(*results: Dict[str, Any]) -> Dict[str, Any]:
    return {"runs": [{"results": list(results)}]}


def test_failures_are_distinct_check_file_resource_and_never_suppressed() -> None:
    log = sarif(result("CKV_PITR_001", "T.Carts", "a.yaml"),
                result("CKV_PITR_001", "T.Carts", "a.yaml", line=9),  # the same finding twice: once
                result("CKV_PITR_002", "T.Carts", "a.yaml"),
                result("CKV_PITR_001", "T.Carts", "b.yaml"),
                result("CKV_PITR_001", "T.Audit", "a.yaml", suppressions=[{"kind": "inSource"}]))
    assert [(f.check, f.uri, f.line) for f in summary.findings(log)] == [
        ("CKV_PITR_001", "a.yaml", 4), ("CKV_PITR_002", "a.yaml", 4), ("CKV_PITR_001", "b.yaml", 4)]
    text = summary.markdown(log, env={})
    assert text.count("| CKV_PITR_") == 3 and "T.Audit" not in text


@pytest.mark.parametrize("env, cell", [
    ({}, "a b.yaml:4"),
    (ON_GITHUB, "[a b.yaml:4](https://github.com/octo/infra/blob/0123abc/a%20b.yaml#L4)"),
    (dict(ON_GITHUB, GITHUB_SERVER_URL="https://ghe.example.com"),
     "[a b.yaml:4](https://ghe.example.com/octo/infra/blob/0123abc/a%20b.yaml#L4)"),
], ids=["plain_text_off_github", "github", "github_enterprise"])
def test_each_finding_links_to_its_file_and_line(env: Dict[str, str], cell: str) -> None:
    text = summary.markdown(sarif(result("CKV_PITR_001", "T.Carts", "a%20b.yaml")), env=env)
    assert f"| CKV_PITR_001 | T.Carts | {cell} |" in text


@pytest.mark.parametrize("properties, level, shown", [
    ({"severity": "CRITICAL"}, "error", "CRITICAL"), ({}, "warning", "MEDIUM"), ({}, "note", "LOW"), ({}, "", ""),
])
def test_severity_from_properties_else_from_the_level(properties: Dict[str, str], level: str, shown: str) -> None:
    item = result("CKV_PITR_001", "T.Carts", "a.yaml", level=level)
    item["properties"].update(properties)
    assert f"| {shown} | CKV_PITR_001 |" in summary.markdown(sarif(item), env={})


def test_a_file_or_message_cannot_inject_markdown_or_html() -> None:
    item = result("CKV_PITR_001", "T.[x](https://evil)", "a|b.yaml")
    item["message"]["text"] = "<img src=x> `code` *bold*\nnext | cell"
    text = summary.markdown(sarif(item), env=ON_GITHUB)
    row = [line for line in text.splitlines() if "CKV_PITR_001" in line][0]
    assert "<img" not in row and "&lt;img src=x&gt;" in row
    assert "T.\\[x\\](https://evil)" in row and "a\\|b.yaml:4" in row
    assert "\\`code\\` \\*bold\\* next \\| cell" in row
    assert row.count(" | ") == 4  # five cells, whatever the text held


def report(check_type: str, passed: int, failed: int, skipped: int = 0, resource_count: int = -1) -> Dict[str, Any]:
    def rows(prefix: str, count: int) -> list:
        return [{"file_path": "/t.yaml", "resource": f"{prefix}{i}"} for i in range(count)]

    count = passed + failed + skipped if resource_count < 0 else resource_count
    return {"check_type": check_type, "summary": {"resource_count": count},
            "results": {"passed_checks": rows("P", passed), "failed_checks": rows("F", failed),
                        "skipped_checks": rows("S", skipped)}}


@pytest.mark.parametrize("json_report, judged", [
    ({"passed": 0, "failed": 0, "resource_count": 0}, 0),  # checkov's bare summary: nothing found
    (report("cloudformation", 2, 1, 1), 4),
    ([report("terraform", 1, 1), report("terraform_plan", 0, 1)], 3),
    (report("cloudformation", 0, 1, resource_count=5), 5),  # --quiet: passed results left out
])
def test_tables_judged(json_report: Any, judged: int) -> None:
    assert summary.tables_judged(json_report) == judged


def test_no_table_at_all_says_check_the_input_not_no_failed_checks() -> None:
    empty = {"passed": 0, "failed": 0, "resource_count": 0}
    text = summary.markdown(sarif(), report=empty, directory="infar", env={})
    assert "No DynamoDB table found in `infar`: check the directory input." in text
    assert "No failed checks." not in text
    assert "No failed checks." in summary.markdown(sarif(), report=report("terraform", 1, 0), env={})
    assert "No failed checks." in summary.markdown(sarif(), env={})  # no JSON report: nothing to count


def test_merged_source_and_plan_finding_is_explained() -> None:
    log = sarif(result("CKV_PITR_001", "aws_dynamodb_table.t", "infra/main.tf"))
    both = [report("terraform", 0, 1), report("terraform_plan", 0, 1)]
    text = summary.markdown(log, report=both, env={})
    assert "1 failed check(s) (the log lists 2 failure records: a finding that both the source and the plan" in text


def test_count_mode_prints_the_failed_count_and_fails_on_an_unreadable_sarif(tmp_path: Path, capsys) -> None:
    path = tmp_path / "r.sarif"
    path.write_text(json.dumps(sarif(result("CKV_PITR_001", "T.A", "a.yaml"), result("CKV_PITR_001", "T.B", "a.yaml"))))
    assert summary.main(["--count", str(path)]) == 0
    assert capsys.readouterr().out == "2\n"
    for text in ("{not json", "[]", '{"version": "2.1.0"}'):
        path.write_text(text)
        assert summary.main(["--count", str(path)]) == 2
    assert summary.main([str(path)]) == 0  # the Markdown is advice: one line, exit 0
    assert "could not be read (ValueError)" in capsys.readouterr().out
    assert summary.main([str(tmp_path / "missing.sarif")]) == 0


def test_fix_diff_is_fenced_so_the_diff_cannot_close_it_and_cut_at_a_bound() -> None:
    diff = "--- a/t.yaml\n+++ b/t.yaml\n" + "".join(f"+  Description: ````{i}\n" for i in range(100))
    text = summary.fix_markdown(diff, "", 1, limit=400)
    assert "`````diff\n--- a/t.yaml" in text and "\n`````\n" in text  # longer than the diff's ````
    shown = text.split("`````diff\n", 1)[1].split("\n`````", 1)[0]
    assert len(shown) <= 400 and shown.endswith(tuple(f"````{i}" for i in range(100)))  # whole lines
    assert f"The diff is cut after {shown.count(chr(10)) + 1} of 102 lines" in text
    assert "cut" not in summary.fix_markdown(diff, "", 1)


def test_fix_notes_list_what_is_not_fixed_and_a_fix_that_could_not_run() -> None:
    notes = "not fixed: CKV_PITR_001 T.A (a.yaml): value from a parameter\ncheckov-pitr fix: would fix 0 setting(s)\n"
    text = summary.fix_markdown("", notes, 1)
    assert "No fix to suggest." in text and "- CKV_PITR_001 T.A (a.yaml): value from a parameter" in text
    text = summary.fix_markdown("", "checkov-pitr fix: -o is not supported\n", 2)
    assert "could not run (exit code 2)" in text and "-o is not supported" in text
