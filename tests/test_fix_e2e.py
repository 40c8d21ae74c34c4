"""`checkov-pitr fix` end to end, on copies of the examples and fixtures: the fixed findings pass,
a second fix changes nothing, the diff touches only PITR lines, fixed templates are no less valid
under cfn-lint, fixed HCL parses with hcl2, SARIF carries the same fixes, exit codes."""
from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import hcl2
import jsonschema
import pytest

from conftest import FIXTURES, REPO, index_report, run_pitr, run_pitr_process, tool

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
COPIED = {
    "examples": REPO / "examples",
    "fix": FIXTURES / "fix",
    "cloudformation": FIXTURES / "cloudformation",
    "tfjson": FIXTURES / "tfjson",
    "serverless": FIXTURES / "serverless",
    "terraform": FIXTURES / "terraform",
}
# Failures that must be fixed, at least (file as checkov reports it from the workspace, resource, check).
MUST_FIX = {
    ("/examples/cloudformation/fail_global_table_second_replica.yaml", "AWS::DynamoDB::GlobalTable.GameScoresGlobal", "CKV_PITR_001"),
    ("/examples/cloudformation/fail_recovery_period_7_days.yaml", "AWS::DynamoDB::Table.GameEvents", "CKV_PITR_002"),
    ("/examples/cloudformation/fail_sam_simple_table.yaml", "AWS::Serverless::SimpleTable.GameSessions", "CKV_PITR_001"),
    ("/examples/terraform/fail_replica_missing_pitr/main.tf", "aws_dynamodb_table.game_scores_global", "CKV_PITR_001"),
    ("/fix/cloudformation/tabs.json", "AWS::DynamoDB::Table.Table", "CKV_PITR_001"),
    ("/fix/terraform/short.tf.json", "resource.json_short", "CKV_PITR_002"),
    ("/serverless/table_without_pitr/serverless.yml", "AWS::DynamoDB::Table.OrdersTable", "CKV_PITR_001"),
}
PITR_LINE = re.compile(r"PointInTimeRecovery|RecoveryPeriodInDays|point_in_time_recovery|recovery_period_in_days|"
                       r'^\s*(?:"?enabled"?\s*[=:]\s*\S+|[{}\]],?)?\s*$')
NOT_FIXED = re.compile(r"^not fixed: (CKV_PITR_\d+) (.+?) \((.+?)\): (.+)$")


def files_of(root: Path) -> Dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file()}


def failures(report) -> Set[Tuple[str, str, str]]:
    return {key for key, records in report.items() if any(r["_verdict"] == "FAILED" for r in records)}


def not_fixed(text: str) -> Dict[Tuple[str, str], str]:
    found = {}
    for line in text.splitlines():
        match = NOT_FIXED.match(line)
        if match:
            found[(match.group(1), match.group(2))] = match.group(4)
    return found


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixws")
    for name, source in COPIED.items():
        shutil.copytree(source, root / name)
    for expected in root.rglob("expected*.tsv"):
        expected.unlink()
    originals = {p: p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*") if p.is_file()}
    state = {"root": root, "originals": originals}
    state["before"] = index_report(run_pitr("-d", ".", "-o", "json", cwd=root).stdout)
    hashes = files_of(root)
    state["diff"] = run_pitr("fix", "--diff", "-d", ".", cwd=root)
    state["unchanged_by_diff"] = files_of(root) == hashes
    state["fix"] = run_pitr("fix", "-d", ".", cwd=root)
    state["after"] = index_report(run_pitr("-d", ".", "-o", "json", cwd=root).stdout)
    state["diff2"] = run_pitr("fix", "--diff", "-d", ".", cwd=root)
    return state


def test_diff_prints_a_diff_and_writes_nothing(ws) -> None:
    assert ws["unchanged_by_diff"]
    assert ws["diff"].returncode == 1, ws["diff"].stderr  # unfixable failures remain
    assert ws["diff"].stdout.startswith("--- a/")
    assert "would fix" in ws["diff"].stderr


def test_every_fixable_failure_passes_after_the_fix(ws) -> None:
    before = failures(ws["before"])
    assert MUST_FIX <= before
    left = not_fixed(ws["fix"].stdout)
    fixable = {key for key in before if (key[2], key[1]) not in left}
    assert MUST_FIX <= fixable
    for key in sorted(fixable):
        verdicts = [r["_verdict"] for r in ws["after"].get(key, [])]
        assert verdicts == ["PASSED"], (key, verdicts, [r["details"] for r in ws["after"].get(key, [])])
    # what is left failing is exactly what the fix command listed as not fixed
    assert {(k[2], k[1]) for k in failures(ws["after"])} == set(left)
    assert ws["fix"].returncode == 1


def test_unfixable_failures_say_what_to_change(ws) -> None:
    left = not_fixed(ws["fix"].stdout)
    assert 'set pitr = true in the module "sessions_table" block' in left[
        ("CKV_PITR_001", "module.sessions_table.aws_dynamodb_table.this")]
    assert "Parameters.PitrEnabled.Default" in left[("CKV_PITR_001", "AWS::DynamoDB::Table.FromParameter")]
    assert "Fn::If on condition IsProd" in left[("CKV_PITR_001", "AWS::DynamoDB::Table.FromCondition")]
    assert 'variable "pitr"' in left[("CKV_PITR_001", "aws_dynamodb_table.from_variable")]
    assert "never edited" in left[("CKV_PITR_003", "aws_dynamodb_table.game_scores")]


def test_a_second_fix_changes_nothing(ws) -> None:
    assert ws["diff2"].stdout == "", ws["diff2"].stdout
    assert "would fix 0 setting(s)" in ws["diff2"].stderr


def _diff_lines(diff: str) -> List[List[str]]:
    hunks, current = [], []
    for line in diff.splitlines():
        if line.startswith(("--- ", "+++ ")):
            continue
        if line.startswith("@@"):
            current = []
            hunks.append(current)
        elif line[:1] in "+- " and current is not None:
            current.append(line)
    return hunks


def _changed_only_pitr(old: str, new: str) -> bool:
    """A line that is a PITR line, or one whose only change is PITR text inserted into it (flow style)."""
    if PITR_LINE.search(old):
        return bool(PITR_LINE.search(new))
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    if any(op in ("delete", "replace") for op, *_ in ops):
        return False
    return bool(PITR_LINE.search("".join(new[b1:b2] for op, _, _, b1, b2 in ops if op == "insert")))


def test_the_diff_touches_only_pitr_lines(ws) -> None:
    hunks = _diff_lines(ws["diff"].stdout)
    assert hunks
    for hunk in hunks:
        removed = [line[1:] for line in hunk if line.startswith("-")]
        added = [line[1:] for line in hunk if line.startswith("+")]
        unmatched_added = list(added)
        for old in removed:
            partner = next((new for new in unmatched_added if _changed_only_pitr(old, new)), None)
            assert partner is not None, f"a non-PITR line changed: {old!r}\n{hunk}"
            unmatched_added.remove(partner)
        for new in unmatched_added:
            assert PITR_LINE.search(new), f"a non-PITR line was added: {new!r}"


def _changed(ws) -> List[Path]:
    return [p for p, text in ws["originals"].items() if p.read_text(encoding="utf-8", errors="replace") != text]


def _cfn_errors(paths: List[Path]) -> Dict[str, int]:
    process = subprocess.run([tool("cfn-lint"), "--format", "parseable", "--", *map(str, paths)],
                             capture_output=True, text=True, timeout=300)
    counts = {str(p): 0 for p in paths}
    for line in process.stdout.splitlines():
        match = re.match(r"^(.*?):\d+:\d+:\d+:\d+:(E\d+):", line)
        if match and match.group(1) in counts:
            counts[match.group(1)] += 1
    return counts


def test_fixed_templates_are_no_less_valid_under_cfn_lint(ws, tmp_path) -> None:
    if not (Path(sys.executable).with_name("cfn-lint").exists() or shutil.which("cfn-lint")):
        pytest.skip("cfn-lint is not installed (pip install -e .[test])")
    templates = [p for p in _changed(ws) if p.suffix in (".yaml", ".yml", ".json") and not p.name.endswith(".tf.json")
                 and p.name != "serverless.yml"]
    assert templates
    originals = []
    for index, path in enumerate(templates):
        copy = tmp_path / f"{index}{path.suffix}"
        copy.write_text(ws["originals"][path], encoding="utf-8")
        originals.append(copy)
    before = _cfn_errors(originals)
    after = _cfn_errors(templates)
    for original, path in zip(originals, templates):
        assert after[str(path)] <= before[str(original)], path


def test_fixed_hcl_parses_with_hcl2(ws) -> None:
    changed = [p for p in _changed(ws) if p.suffix in (".tf", ".tofu")]
    assert changed
    for path in changed:
        hcl2.load(io.StringIO(path.read_text(encoding="utf-8")))
    for path in (p for p in _changed(ws) if p.name.endswith(".tf.json")):
        json.loads(path.read_text(encoding="utf-8"))


def test_fix_exits_0_when_nothing_is_left_and_writes_in_place(tmp_path) -> None:
    """The two true end-to-end runs of the installed console script (every other test runs
    `checkov_pitr.cli.main` in this process)."""
    folder = tmp_path / "cfn"
    shutil.copytree(REPO / "examples" / "cloudformation", folder)
    process = run_pitr_process("fix", "-d", str(folder))
    assert process.returncode == 0, process.stdout + process.stderr
    assert "fixed 3 setting(s) in 3 file(s); 0 failure(s) remain" in process.stdout
    again = run_pitr_process("fix", "--diff", "-d", str(folder))
    assert (again.returncode, again.stdout) == (0, ""), again.stderr


def test_policy_minimum_is_the_target_period(tmp_path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("min_recovery_period_days: 20\n", encoding="utf-8")
    template = tmp_path / "t.yaml"
    shutil.copy(REPO / "examples" / "cloudformation" / "fail_recovery_period_7_days.yaml", template)
    process = run_pitr("fix", "--diff", "--policy", str(policy), "-f", str(template))
    assert "+        RecoveryPeriodInDays: 20" in process.stdout.splitlines(), process.stdout + process.stderr
    assert process.returncode == 0


@pytest.mark.parametrize("args, message", [
    ((), "give the folders (-d DIR) or files (-f FILE) to fix"),
    (("-d", "no/such/folder"), "error: no/such/folder: no such file or directory"),
    (("-f", "no-such.yaml"), "error: no-such.yaml: no such file or directory"),
    (("-d", ".", "-o", "json"), "-o is not for `fix`"),
    (("-d", ".", "--output-file-path", "out"), "--output-file-path is not for `fix`"),
    (("-d", ".", "--soft-fail"), "--soft-fail is not for `fix`"),
    (("-d", ".", "--baseline", "b.json"), "--baseline is not supported"),
    (("-d", ".", "--check", "CKV_AWS_28"), "CKV_AWS_28 is not a checkov-pitr check"),
    (("--policy", "no-such-policy.yaml", "-d", "."), "no-such-policy.yaml"),
])
def test_bad_input_exits_2(args, message, tmp_path) -> None:
    process = run_pitr("fix", *args, cwd=tmp_path)
    assert process.returncode == 2, process.stdout + process.stderr
    assert message in process.stderr and process.stderr.startswith("checkov-pitr fix: "), process.stderr
    assert "Traceback" not in process.stderr and process.stdout == ""


def test_help_names_the_fix_options() -> None:
    process = run_pitr("fix", "--help")
    assert process.returncode == 0
    assert process.stdout.startswith("usage: checkov-pitr fix [--diff]") and "--policy FILE" in process.stdout


def test_scan_arguments_select_what_is_fixed(tmp_path) -> None:
    """Arguments after the fix options are the scan's (parsed once, by the engine's parser)."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "t.yaml").write_text(NO_PITR_YAML, encoding="utf-8")
    process = run_pitr("fix", "--diff", "-d", ".", "--skip-path", "b", cwd=tmp_path)
    assert "+++ b/a/t.yaml" in process.stdout and "b/t.yaml" not in process.stdout, process.stdout
    only_002 = run_pitr("fix", "--diff", "-d", ".", "--check", "CKV_PITR_002", cwd=tmp_path)
    assert (only_002.returncode, only_002.stdout) == (0, ""), only_002.stderr


NO_PITR_YAML = "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: t\n"
FIXED_YAML = ("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
              "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: true\n      TableName: t\n")


def test_a_symlink_leading_outside_the_scanned_folders_is_reported_and_not_written(tmp_path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = outside / "t.yaml"
    target.write_text(NO_PITR_YAML, encoding="utf-8")
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "own.yaml").write_text(NO_PITR_YAML, encoding="utf-8")
    (folder / "link.yaml").symlink_to(target)
    (folder / "inside.yaml").symlink_to(folder / "own.yaml")  # a second name of a scanned file: fixed once
    original = target.read_bytes()
    diff = run_pitr("fix", "--diff", "-d", "ws", cwd=tmp_path)
    assert "link.yaml" not in diff.stdout and "elsewhere" not in diff.stdout, diff.stdout
    process = run_pitr("fix", "-d", "ws", cwd=tmp_path)
    assert process.returncode == 1, process.stdout + process.stderr
    assert target.read_bytes() == original
    assert (folder / "link.yaml").is_symlink() and (folder / "inside.yaml").is_symlink()
    assert (folder / "own.yaml").read_text(encoding="utf-8") == FIXED_YAML
    assert process.stdout.splitlines() == [
        "fixed ws/own.yaml: Turn on point-in-time recovery for T",
        "not fixed: CKV_PITR_001 AWS::DynamoDB::Table.T (ws/link.yaml): ws/link.yaml is a symlink to a file outside "
        "the scanned folders; not edited",
        "checkov-pitr fix: fixed 1 setting(s) in 1 file(s); 1 failure(s) remain",
    ]


def test_a_module_through_a_symlinked_folder_is_read_not_written(tmp_path) -> None:
    module = tmp_path / "elsewhere" / "tables"
    module.mkdir(parents=True)
    (module / "main.tf").write_text('variable "pitr" {\n  default = false\n}\n\n'
                                    'resource "aws_dynamodb_table" "from_input" {\n  name = "a"\n'
                                    '  point_in_time_recovery {\n    enabled = var.pitr\n  }\n}\n\n'
                                    'resource "aws_dynamodb_table" "literal" {\n  name = "b"\n}\n', encoding="utf-8")
    original = (module / "main.tf").read_bytes()
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "tables").symlink_to(module, target_is_directory=True)
    (folder / "main.tf").write_text('module "t" {\n  source = "./tables"\n}\n', encoding="utf-8")
    process = run_pitr("fix", "-d", "ws", cwd=tmp_path)
    assert process.returncode == 1 and (module / "main.tf").read_bytes() == original, process.stdout
    left = not_fixed(process.stdout)
    assert 'set pitr = true in the module "t" block' in left[("CKV_PITR_001", "module.t.aws_dynamodb_table.from_input")]
    assert left[("CKV_PITR_001", "module.t.aws_dynamodb_table.literal")] == (
        "ws/tables/main.tf is reached through a symlink to a folder outside the scanned folders; not edited")


BOM = "\ufeff"
TF_BOM_CRLF_TABS = (BOM + 'resource "aws_dynamodb_table" "t" {\r\n\tname     = "t"\r\n\thash_key = "id"\r\n'
                    '\tattribute {\r\n\t\tname = "id"\r\n\t\ttype = "S"\r\n\t}\r\n}\r\n')
TF_FIXED = (BOM + 'resource "aws_dynamodb_table" "t" {\r\n\tname     = "t"\r\n\thash_key = "id"\r\n'
            '\tattribute {\r\n\t\tname = "id"\r\n\t\ttype = "S"\r\n\t}\r\n\r\n'
            '\tpoint_in_time_recovery {\r\n\t\tenabled = true\r\n\t}\r\n}\r\n')
YAML_BOM_CRLF = BOM + NO_PITR_YAML.replace("\n", "\r\n")
YAML_FIXED = BOM + FIXED_YAML.replace("\n", "\r\n")
JSON_BOM_CRLF_TABS = (BOM + '{\r\n\t"Resources": {\r\n\t\t"T": {\r\n\t\t\t"Type": "AWS::DynamoDB::Table",\r\n'
                      '\t\t\t"Properties": {\r\n\t\t\t\t"TableName": "t"\r\n\t\t\t}\r\n\t\t}\r\n\t}\r\n}\r\n')
JSON_FIXED = (BOM + '{\r\n\t"Resources": {\r\n\t\t"T": {\r\n\t\t\t"Type": "AWS::DynamoDB::Table",\r\n'
              '\t\t\t"Properties": {\r\n\t\t\t\t"PointInTimeRecoverySpecification": {\r\n'
              '\t\t\t\t\t"PointInTimeRecoveryEnabled": true\r\n\t\t\t\t},\r\n'
              '\t\t\t\t"TableName": "t"\r\n\t\t\t}\r\n\t\t}\r\n\t}\r\n}\r\n')


@pytest.mark.parametrize("name, before, after", [
    ("main.tf", TF_BOM_CRLF_TABS, TF_FIXED),
    ("template.yaml", YAML_BOM_CRLF, YAML_FIXED),
    ("template.json", JSON_BOM_CRLF_TABS, JSON_FIXED),
])
def test_a_bom_crlf_and_tabs_are_kept(name, before, after, tmp_path) -> None:
    """Terraform reads a .tf with a BOM (its HCL scanner strips one: hashicorp/hcl
    hclsyntax/scan_tokens.rl), CloudFormation and PyYAML read templates with one."""
    path = tmp_path / name
    path.write_bytes(before.encode("utf-8"))
    process = run_pitr("fix", "-d", ".", cwd=tmp_path)
    assert process.returncode == 0, process.stdout + process.stderr
    assert path.read_bytes() == after.encode("utf-8")
    again = run_pitr("fix", "--diff", "-d", ".", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, ""), again.stdout + again.stderr


def test_sarif_results_carry_the_fixes(tmp_path) -> None:
    folder = tmp_path / "ws"
    shutil.copytree(FIXTURES / "fix", folder / "fix")
    shutil.copytree(REPO / "examples", folder / "examples")
    out = tmp_path / "out"
    process = run_pitr("-d", ".", "-o", "sarif", "--output-file-path", str(out), cwd=folder)
    assert process.returncode == 1, process.stderr
    sarif = json.loads((out / "results_sarif.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, SCHEMA)
    from checkov_pitr.domain.fixer import Target, fix_text

    with_fixes = 0
    for result in sarif["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        fixes = result.get("fixes")
        if not fixes:
            continue
        with_fixes += 1
        change = fixes[0]["artifactChanges"][0]
        assert change["artifactLocation"]["uri"] == uri
        path = folder / uri
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        text = "".join(lines)

        def offset(line: int, column: int) -> int:
            return sum(len(x) for x in lines[:line - 1]) + column - 1

        for replacement in sorted(change["replacements"], key=lambda r: (r["deletedRegion"]["startLine"],
                                                                         r["deletedRegion"]["startColumn"]), reverse=True):
            region = replacement["deletedRegion"]
            start, end = offset(region["startLine"], region["startColumn"]), offset(region["endLine"], region["endColumn"])
            text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
        target = Target(result["properties"]["resource"], enable=result["ruleId"] == "CKV_PITR_001",
                        period=result["ruleId"] == "CKV_PITR_002")
        assert fix_text(str(path), text, [target]).edits == [], (uri, result["ruleId"])
    assert with_fixes >= 10
    plan_results = [r for r in sarif["runs"][0]["results"] if r["properties"]["checkType"] == "terraform_plan"]
    assert plan_results and not any("fixes" in r for r in plan_results)


def test_a_file_that_cannot_be_written_keeps_its_failure(tmp_path, monkeypatch) -> None:
    from checkov_pitr import fix_command

    (tmp_path / "t.yaml").write_text(NO_PITR_YAML, encoding="utf-8")

    def refuse(path: str, text: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix_command, "_write", refuse)
    process = run_pitr("fix", "-d", ".", cwd=tmp_path)
    assert process.returncode == 1
    assert "checkov-pitr fix: t.yaml: could not be written (Permission denied)" in process.stderr
    assert process.stdout.splitlines()[-2:] == [
        "not fixed: CKV_PITR_001 AWS::DynamoDB::Table.T (t.yaml): the file could not be written (Permission denied)",
        "checkov-pitr fix: fixed 0 setting(s) in 0 file(s); 1 failure(s) remain"]


def test_a_module_copy_under_dot_terraform_is_not_edited(tmp_path) -> None:
    folder = tmp_path / "ws"
    shutil.copytree(REPO / "examples" / "terraform" / "fail_registry_module_after_init", folder)
    module = folder / ".terraform" / "modules" / "sessions" / "main.tf"
    module.write_text(module.read_text(encoding="utf-8").replace("var.point_in_time_recovery_enabled", "false"),
                      encoding="utf-8")
    original = module.read_bytes()
    process = run_pitr("fix", "-d", "ws", cwd=tmp_path)
    assert process.returncode == 1 and module.read_bytes() == original, process.stdout + process.stderr
    assert not_fixed(process.stdout)[("CKV_PITR_001", "module.sessions.aws_dynamodb_table.this")] == (
        "ws/.terraform/modules/sessions/main.tf is a module copy terraform init downloaded (under .terraform/); "
        "not edited: fix the module's source, or pass an input in the module block that calls it")
