# The cc-game-scores table written for the AWS Cloud Control provider (hashicorp/awscc).
# awscc_dynamodb_table has no point_in_time_recovery_specification here, so PITR is off (AWS's
# default): CKV_PITR_001 fails. The fix:
#   point_in_time_recovery_specification = {
#     point_in_time_recovery_enabled = true
#   }
terraform {
  required_providers {
    awscc = {
      source  = "hashicorp/awscc"
      version = "~> 1.0"
    }
  }
}

resource "awscc_dynamodb_table" "game_scores" {
  table_name   = "cc-game-scores"
  billing_mode = "PAY_PER_REQUEST"

  attribute_definitions = [
    { attribute_name = "UserId", attribute_type = "S" },
    { attribute_name = "GameTitle", attribute_type = "S" },
  ]

  key_schema = [
    { attribute_name = "UserId", key_type = "HASH" },
    { attribute_name = "GameTitle", key_type = "RANGE" },
  ]
}
