"""The one place that describes rule DynamoDB-003 and its checks: checks, SARIF rules, the CLI and the
README table all read these records; nothing repeats them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

# The tool's name, and its home page (keep it equal to setup.cfg's `url`, which SARIF reads).
TOOL_NAME = "checkov-pitr"
PROJECT_URL = "https://github.com/checkov-pitr/checkov-pitr"

RULE_ID = "DynamoDB-003"
RULE_TITLE = "DynamoDB Continuous Backups"
GUIDELINE_URL = "https://www.trendmicro.com/cloudoneconformity/knowledge-base/aws/DynamoDB/continuous-backups.html"

# What each framework needs written to turn PITR on; used by messages and by SARIF help.
FIX_CLOUDFORMATION = """\
MyTable:
  Type: AWS::DynamoDB::Table
  Properties:
    PointInTimeRecoverySpecification:
      PointInTimeRecoveryEnabled: true
      RecoveryPeriodInDays: 35      # optional, 1-35 (35 when absent)
MyGlobalTable:
  Type: AWS::DynamoDB::GlobalTable
  Properties:
    Replicas:
      - Region: eu-west-1
        PointInTimeRecoverySpecification:   # on every replica
          PointInTimeRecoveryEnabled: true"""

FIX_TERRAFORM = """\
resource "aws_dynamodb_table" "example" {
  # ...
  point_in_time_recovery {
    enabled                 = true
    recovery_period_in_days = 35  # optional, 1-35 (35 when absent)
  }
  replica {
    region_name            = "eu-west-1"
    point_in_time_recovery = true  # on every replica
  }
}

resource "aws_dynamodb_table_replica" "example" {
  global_table_arn       = aws_dynamodb_table.example.arn
  point_in_time_recovery = true
}

# hashicorp/awscc (AWS Cloud Control provider)
resource "awscc_dynamodb_table" "example" {
  # ...
  point_in_time_recovery_specification = {
    point_in_time_recovery_enabled = true
    recovery_period_in_days        = 35  # optional, 1-35 (35 when absent)
  }
}

resource "awscc_dynamodb_global_table" "example" {
  # ...
  replicas = [{
    region = "eu-west-1"
    point_in_time_recovery_specification = {  # in every replica element
      point_in_time_recovery_enabled = true
    }
  }]
}"""

# The frameworks our checks judge, in checkov's names; `terraform` selects .tf.json too, as in checkov.
FRAMEWORKS = ("cloudformation", "serverless", "terraform", "terraform_json", "terraform_plan")


@dataclass(frozen=True)
class CheckMeta:
    id: str
    name: str
    severity: str  # checkov severity name: CRITICAL, HIGH, MEDIUM, LOW
    description: str
    remediation: str
    # SARIF `reportingDescriptor.name`: a readable PascalCase identifier, distinct from the id (code
    # scanning shows it as the rule's title where the id says nothing).
    sarif_name: str
    frameworks: Tuple[str, ...] = FRAMEWORKS
    guideline: str = GUIDELINE_URL


PITR_ENABLED = CheckMeta(
    id="CKV_PITR_001",
    name="Ensure every DynamoDB table and global-table replica has point-in-time recovery enabled",
    severity="HIGH",
    description=(
        f"{RULE_ID} ({RULE_TITLE}): a DynamoDB table, or any replica of a global table, does not have "
        "Point-in-time Recovery (PITR) enabled, so its data cannot be restored to a point in the last 35 days "
        "after an accidental write or delete. PITR is off by default."
    ),
    remediation=(
        "Set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true on the table and on every "
        "GlobalTable replica (CloudFormation/SAM), or point_in_time_recovery { enabled = true } on the table and "
        "point_in_time_recovery = true on every replica block and aws_dynamodb_table_replica (Terraform), or "
        "point_in_time_recovery_specification = { point_in_time_recovery_enabled = true } on awscc_dynamodb_table and "
        "in every replicas element of awscc_dynamodb_global_table (Terraform awscc provider)."
    ),
    sarif_name="DynamoDbPitrEnabled",
)

PITR_PERIOD = CheckMeta(
    id="CKV_PITR_002",
    name="Ensure DynamoDB point-in-time recovery keeps at least the policy's minimum recovery period",
    severity="MEDIUM",
    description=(
        f"{RULE_ID} ({RULE_TITLE}): PITR is enabled but its recovery period (RecoveryPeriodInDays / "
        "recovery_period_in_days) is shorter than the policy minimum (35 days by default), so fewer days can "
        "be restored."
    ),
    remediation=(
        "Remove RecoveryPeriodInDays / recovery_period_in_days (also inside awscc's "
        "point_in_time_recovery_specification; AWS then keeps 35 days) or set it to at least the policy minimum."
    ),
    sarif_name="DynamoDbPitrRecoveryPeriod",
)

PITR_NOT_LOST = CheckMeta(
    id="CKV_PITR_003",
    name="Ensure a Terraform plan does not turn off or shorten point-in-time recovery on an existing DynamoDB table",
    severity="CRITICAL",
    description=(
        f"{RULE_ID} ({RULE_TITLE}): the plan updates or replaces a DynamoDB table or replica that has PITR "
        "enabled today and, after apply, PITR is off or its recovery period is shorter. Apply deletes the "
        "table's continuous backups and the restore window built up so far."
    ),
    remediation=(
        "Keep point_in_time_recovery { enabled = true } (and the replica's point_in_time_recovery = true), or awscc's "
        "point_in_time_recovery_specification = { point_in_time_recovery_enabled = true } on the table and every "
        "replicas element, in the configuration, and do not lower recovery_period_in_days, then plan again."
    ),
    sarif_name="DynamoDbPitrNotLostInPlan",
    frameworks=("terraform_plan",),
)

CHECKS: Dict[str, CheckMeta] = {c.id: c for c in (PITR_ENABLED, PITR_PERIOD, PITR_NOT_LOST)}


@dataclass(frozen=True)
class FixTemplates:
    """What `checkov-pitr fix` writes: the settings it adds or sets, and the inserted `*_text`s, where
    `{step}` is one indentation step of the file being fixed."""

    cfn_spec: str = "PointInTimeRecoverySpecification"
    cfn_enabled: str = "PointInTimeRecoveryEnabled"
    cfn_period: str = "RecoveryPeriodInDays"
    tf_block: str = "point_in_time_recovery"
    tf_enabled: str = "enabled"
    tf_period: str = "recovery_period_in_days"
    tf_replica: str = "point_in_time_recovery"
    awscc_spec: str = "point_in_time_recovery_specification"
    awscc_enabled: str = "point_in_time_recovery_enabled"
    awscc_period: str = "recovery_period_in_days"
    awscc_replicas: str = "replicas"
    tf_block_text: str = "point_in_time_recovery {\n{step}enabled = true\n}"
    awscc_text: str = "point_in_time_recovery_specification = {\n{step}point_in_time_recovery_enabled = true\n}"
    awscc_inline_text: str = "point_in_time_recovery_specification = { point_in_time_recovery_enabled = true }"
    # SARIF `fixes[].description` and the fix command's lines
    enable_description: str = "Turn on point-in-time recovery for {label}"
    period_description: str = "Raise the point-in-time recovery period of {label} to {minimum} days"


FIX_TEMPLATES = FixTemplates()
