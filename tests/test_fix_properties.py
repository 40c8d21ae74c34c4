"""Property tests: for generated CloudFormation templates and Terraform HCL (indentation, comments,
flow style, replica counts, PITR states), a fix makes the checks' own reading pass, a second fix
changes nothing, and every edit touches only a PITR value or inserts new text."""
from __future__ import annotations

import io
import re
from typing import List

import hcl2
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkov_pitr.domain.core import Policy, Result, judge_enabled, judge_period, read_cloudformation, read_terraform
from checkov_pitr.domain.fixer import Target, apply_edits, edits_diff, fix_text
from conftest import apply_unified_diff

SETTINGS = settings(max_examples=50, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
STATES = st.sampled_from(["missing", "false", "string_false", "true", "short", "empty"])
PITR_VALUES = re.compile(r"^(?:false|'false'|\"false\"|'False'|\d+)$")


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else (
        loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node))
    return {("Ref" if suffix == "Ref" else "Fn::" + suffix): value}


_CfnLoader.add_multi_constructor("!", _tag)


def _check_edits(before: str, edits) -> None:
    for edit in edits:
        old = before[edit.start:edit.end]
        assert old == "" or PITR_VALUES.match(old), f"an edit replaced {old!r}"


def _yaml_spec(state: str, flow: bool) -> List[str]:
    """Lines (relative, two-space) of a PointInTimeRecoverySpecification in `state`."""
    if state == "missing":
        return []
    if state == "empty":
        return ["PointInTimeRecoverySpecification:"]
    value = {"false": "false", "string_false": "'false'", "true": "true", "short": "true"}[state]
    period = ", RecoveryPeriodInDays: 7" if state == "short" else ""
    if flow:
        return [f"PointInTimeRecoverySpecification: {{PointInTimeRecoveryEnabled: {value}{period}}}"]
    lines = ["PointInTimeRecoverySpecification:", f"  PointInTimeRecoveryEnabled: {value}  # flag"]
    return lines + (["  RecoveryPeriodInDays: 7"] if period else [])


@st.composite
def templates(draw, step=None):
    step = step or draw(st.sampled_from([2, 4]))
    flow = draw(st.booleans())
    comment = draw(st.booleans())
    kind = draw(st.sampled_from(["table", "global"]))

    def ind(level: int, text: str) -> str:
        return " " * (step * level) + text

    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "# generated", "Resources:", ind(1, "T:  # the table"),
             ind(2, f"Type: AWS::DynamoDB::{'Table' if kind == 'table' else 'GlobalTable'}"), ind(2, "Properties:")]
    if comment:
        lines.append(ind(3, "# properties follow"))
    lines.append(ind(3, "TableName: !Sub '${AWS::StackName}-t'"))
    if kind == "table":
        for line in _yaml_spec(draw(STATES), flow):
            lines.append(ind(3, line.replace("  ", " " * step)))
    else:
        lines.append(ind(3, "Replicas:"))
        for index in range(draw(st.integers(1, 4))):
            spec = _yaml_spec(draw(STATES), flow)
            if draw(st.booleans()) or not spec:
                lines.append(ind(3, f"- Region: r-{index}") if not spec or draw(st.booleans()) else ind(3, f"- Region: r-{index}"))
                for line in spec:
                    lines.append(ind(3, "  " + line.replace("  ", " " * step)))
            else:
                lines.append(ind(3, "- " + spec[0].replace("  ", " " * step)))
                for line in spec[1:]:
                    lines.append(ind(3, "  " + line.replace("  ", " " * step)))
                lines.append(ind(3, f"  Region: r-{index}"))
    lines.append(ind(3, "BillingMode: PAY_PER_REQUEST  # last"))
    lines += ["Outputs:", ind(1, "Name:"), ind(2, "Value: !Ref T")]
    return "\n".join(lines) + "\n", kind


@SETTINGS
@given(templates(), st.integers(1, 35))
def test_cloudformation_fix_passes_is_idempotent_and_touches_only_pitr(generated, minimum) -> None:
    text, kind = generated
    rtype = "AWS::DynamoDB::Table" if kind == "table" else "AWS::DynamoDB::GlobalTable"
    target = Target(f"{rtype}.T", minimum=minimum)
    result = fix_text("t.yaml", text, [target])
    _check_edits(text, result.edits)
    after = apply_edits(text, result.edits)
    assert fix_text("t.yaml", after, [target]).edits == []
    assert apply_unified_diff(text, edits_diff("t.yaml", text, result.edits)) == after
    before_data = yaml.load(text, Loader=_CfnLoader)
    after_data = yaml.load(after, Loader=_CfnLoader)
    assert after_data["Outputs"] == before_data["Outputs"]
    props = after_data["Resources"]["T"]["Properties"]
    subjects = read_cloudformation("T", rtype, props)
    policy = Policy(min_recovery_period_days=minimum)
    assert judge_enabled(subjects, policy).result is Result.PASSED, judge_enabled(subjects, policy).reason
    assert judge_period(subjects, policy).result is Result.PASSED, judge_period(subjects, policy).reason
    strip = lambda data: {k: v for k, v in data.items() if k != "PointInTimeRecoverySpecification"}  # noqa: E731
    if kind == "table":
        assert strip(props) == strip(before_data["Resources"]["T"]["Properties"])
    else:
        assert [strip(r) for r in props["Replicas"]] == [strip(r) for r in before_data["Resources"]["T"]["Properties"]["Replicas"]]


def _hcl_pitr(state: str) -> List[str]:
    if state == "missing":
        return []
    if state == "empty":
        return ["point_in_time_recovery {}"]
    value = {"false": "false", "string_false": '"false"', "true": "true", "short": "true"}[state]
    lines = ["point_in_time_recovery {", f"{{s}}enabled = {value} # flag"]
    if state == "short":
        lines.append("{s}recovery_period_in_days = 3")
    return lines + ["}"]


@st.composite
def hcl_configs(draw):
    step = draw(st.sampled_from(["  ", "    ", "\t"]))
    comment = draw(st.booleans())
    lines = ["# generated", 'resource "aws_dynamodb_table" "t" {', f'{step}name = "t" # name']
    if comment:
        lines.append(step + "/* a { brace in a comment */")
    lines += [f"{step}attribute {{", f'{step}{step}name = "id"', f"{step}}}"]
    for line in _hcl_pitr(draw(STATES)):
        lines.append(step + line.replace("{s}", step))
    for index in range(draw(st.integers(0, 3))):
        state = draw(st.sampled_from(["missing", "false", "true"]))
        lines += [f"{step}replica {{", f'{step}{step}region_name = "r-{index}"']
        if state != "missing":
            lines.append(f"{step}{step}point_in_time_recovery = {state}")
        lines.append(f"{step}}}")
        if draw(st.booleans()):
            lines.append("")
    lines += ["}", "", 'output "x" {', f"{step}value = aws_dynamodb_table.t.arn", "}"]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(hcl_configs(), st.integers(1, 35))
def test_hcl_fix_passes_is_idempotent_and_touches_only_pitr(text, minimum) -> None:
    target = Target("aws_dynamodb_table.t", minimum=minimum)
    result = fix_text("m.tf", text, [target])
    _check_edits(text, result.edits)
    after = apply_edits(text, result.edits)
    assert fix_text("m.tf", after, [target]).edits == []
    assert apply_unified_diff(text, edits_diff("m.tf", text, result.edits)) == after
    parsed = hcl2.load(io.StringIO(after))
    conf = parsed["resource"][0]["aws_dynamodb_table"]["t"]
    subjects = read_terraform("aws_dynamodb_table.t", "aws_dynamodb_table", conf)
    policy = Policy(min_recovery_period_days=minimum)
    assert judge_enabled(subjects, policy, "terraform").result is Result.PASSED, judge_enabled(subjects, policy).reason
    assert judge_period(subjects, policy, "terraform").result is Result.PASSED
    before = hcl2.load(io.StringIO(text))
    assert parsed["output"] == before["output"]
    assert conf["attribute"] == before["resource"][0]["aws_dynamodb_table"]["t"]["attribute"]


def _resources_block(text: str, logical_id: str) -> List[str]:
    """The lines of resource T of a generated template, renamed."""
    lines = text.split("\n")
    first = lines.index(next(line for line in lines if line.strip().startswith("T:")))
    last = lines.index("Outputs:")
    return [lines[first].replace("T:", f"{logical_id}:", 1)] + lines[first + 1:last]


@st.composite
def many_table_templates(draw):
    """2 to 5 generated tables (each in its own PITR state and style) in one template."""
    step = draw(st.sampled_from([2, 4]))
    tables = [draw(templates(step=step)) for _ in range(draw(st.integers(2, 5)))]
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for index, (text, _) in enumerate(tables):
        lines += _resources_block(text, f"T{index}")
    rtypes = ["AWS::DynamoDB::Table" if kind == "table" else "AWS::DynamoDB::GlobalTable" for _, kind in tables]
    return "\n".join(lines) + "\n", rtypes


@SETTINGS
@given(many_table_templates(), st.integers(1, 35))
def test_fixing_a_file_of_many_tables_at_once_is_fixing_each_and_a_second_fix_changes_nothing(generated,
                                                                                               minimum) -> None:
    text, rtypes = generated
    targets = [Target(f"{rtype}.T{index}", minimum=minimum) for index, rtype in enumerate(rtypes)]
    together = fix_text("t.yaml", text, targets)  # one parse for every table
    one_by_one = [edit for target in targets for edit in fix_text("t.yaml", text, [target]).edits]
    assert sorted(together.edits, key=lambda e: (e.start, e.end)) == sorted(one_by_one, key=lambda e: (e.start, e.end))
    after = apply_edits(text, together.edits)
    assert fix_text("t.yaml", after, targets).edits == []
    assert apply_unified_diff(text, edits_diff("t.yaml", text, together.edits)) == after
    resources = yaml.load(after, Loader=_CfnLoader)["Resources"]
    policy = Policy(min_recovery_period_days=minimum)
    for index, rtype in enumerate(rtypes):
        subjects = read_cloudformation(f"T{index}", rtype, resources[f"T{index}"]["Properties"])
        assert judge_enabled(subjects, policy).result is Result.PASSED, judge_enabled(subjects, policy).reason
        assert judge_period(subjects, policy).result is Result.PASSED
