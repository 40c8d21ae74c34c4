# A global table (version 2019.11.21): the table has PITR, but its eu-west-2 replica does not.
# A replica's point_in_time_recovery defaults to false, and checkov's own CKV_AWS_28 does not look
# at replicas: CKV_PITR_001 fails and names the replica.
resource "aws_dynamodb_table" "game_scores_global" {
  name             = "cc-game-scores-global"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "UserId"
  range_key        = "GameTitle"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "UserId"
    type = "S"
  }

  attribute {
    name = "GameTitle"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  replica {
    region_name            = "us-west-2"
    point_in_time_recovery = true
  }

  replica {
    region_name = "eu-west-2"
  }
}
