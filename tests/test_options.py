"""The one parse of a scan command line: what each supported argument means, and that everything
else is refused with a reason (never silently ignored)."""
from __future__ import annotations

from pathlib import Path

import pytest

from checkov_pitr.engine.options import FRAMEWORKS, OptionsError, ScanOptions, parse_scan_arguments
from conftest import FIXTURES, run_pitr


@pytest.mark.parametrize("argv, field, value", [
    (["-d", "a", "b", "-d", "c"], "directories", ("a", "b", "c")),
    (["--file=x.yaml", "-f", "y.json"], "files", ("x.yaml", "y.json")),
    (["-d", "a", "--skip-check", "CKV_PITR_002"], "checks", ("CKV_PITR_001", "CKV_PITR_003")),
    (["-d", "a", "--skip-check=CKV_PITR_001,CKV_PITR_003"], "checks", ("CKV_PITR_002",)),
    (["-d", "a", "-c", "CKV_PITR_003"], "checks", ("CKV_PITR_003",)),
    (["-d", "a", "--check", "CKV_PITR_001", "--skip-check", "CKV_PITR_001"], "checks", ()),
    (["-d", "a", "--check", "HIGH"], "checks", ("CKV_PITR_001", "CKV_PITR_003")),
    (["-d", "a", "--skip-check", "CRITICAL"], "checks", ("CKV_PITR_001", "CKV_PITR_002")),
    (["-d", "a", "--framework", "terraform"], "frameworks", ("terraform", "terraform_json")),
    (["-d", "a", "--framework", "all", "--skip-framework", "terraform_plan"], "frameworks", FRAMEWORKS[:-1]),
    (["-d", "a", "--framework", "kubernetes"], "frameworks", ()),
    (["-d", "a", "-o", "json", "-o", "sarif"], "outputs", ("json", "sarif")),
    (["-d", "a", "-o", "cli,junitxml"], "outputs", ("cli", "junitxml")),
    (["-d", "a", "--soft-fail-on", "CKV_PITR_002,MEDIUM"], "soft_fail_on", ("CKV_PITR_002", "MEDIUM")),
    (["-d", "a", "--hard-fail-on", "HIGH"], "hard_fail_on", ("HIGH",)),
    (["-d", "a", "--var-file", "prod.tfvars"], "var_files", ("prod.tfvars",)),
    (["-d", "a", "--skip-path", "legacy/"], "skip_paths", ("legacy/",)),
    (["-d", "a", "--soft-fail", "--compact", "--quiet"], "soft_fail", True),
    (["-d", "a", "--skip-download", "--no-guide"], "directories", ("a",)),
])
def test_supported_arguments_mean_what_they_mean_in_checkov(argv, field, value) -> None:
    assert getattr(parse_scan_arguments(argv), field) == value


@pytest.mark.parametrize("argv, message", [
    (["-d", "a", "--baseline", "b.json"], "--baseline is not supported: a baseline file hides findings"),
    (["-d", "a", "--create-baseline"], "--create-baseline is not supported"),
    (["-d", "a", "--external-checks-dir", "x"], "--external-checks-dir is not supported: it loads checks from elsewhere"),
    (["-d", "a", "--bc-api-key", "k"], "--bc-api-key is not supported: it downloads from or uploads"),
    (["-d", "a", "--download-external-modules", "true"], "--download-external-modules is not supported"),
    (["-d", "a", "--no-fail-on-crash"], "--no-fail-on-crash is not supported: it turns a crash into a pass"),
    (["-d", "a", "--list"], "--list is not supported"),
    (["-d", "a", "--made-up"], "--made-up is not a checkov-pitr scan argument"),
    (["-d", "a", "--check", "CKV_AWS_28"], "CKV_AWS_28 is not a checkov-pitr check"),
    (["-d", "a", "--skip-check", "CKV2_AWS_1"], "CKV2_AWS_1 is not a checkov-pitr check"),
    (["-d", "a", "-o", "cyclonedx"], "-o cyclonedx: not an output checkov-pitr writes"),
    (["-d", "a", "--framework", "nonsense"], "--framework nonsense: not a checkov framework"),
    (["-d", "a", "--config-file"], "--config-file needs a file name"),
])
def test_everything_else_is_refused_with_the_reason(argv, message) -> None:
    with pytest.raises(OptionsError) as error:
        parse_scan_arguments(argv)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_refused_argument_exits_2_with_one_line_and_no_output(tmp_path: Path) -> None:
    process = run_pitr("-d", str(FIXTURES / "cloudformation"), "--baseline", "baseline.json", cwd=tmp_path)
    assert process.returncode == 2 and process.stdout == ""
    assert len(process.stderr.splitlines()) == 1 and "--baseline is not supported" in process.stderr


def test_a_config_file_sets_defaults_the_command_line_overrides(tmp_path: Path) -> None:
    config = tmp_path / "ci.yaml"
    config.write_text("directory: [infra]\nsoft-fail: true\ncompact: true\noutput: [json, sarif]\n", encoding="utf-8")
    options = parse_scan_arguments(["--config-file", str(config), "-o", "cli"])
    assert options.directories == ("infra",) and options.soft_fail and options.compact
    assert options.outputs == ("cli",)
    assert any("output: ignored, the command line sets it" in line for line in options.config_lines)


def test_options_are_a_value() -> None:
    assert parse_scan_arguments(["-d", "a"]) == ScanOptions(directories=("a",))
