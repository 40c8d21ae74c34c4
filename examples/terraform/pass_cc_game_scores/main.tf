# The reference table of Conformity rule DynamoDB-003 (DynamoDB Continuous Backups), as the rule's
# remediation gives it: PITR enabled, so CKV_PITR_001 and CKV_PITR_002 pass.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 4.0"
    }
  }

  required_version = ">= 0.14.9"
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_dynamodb_table" "aws-dynamodb-table" {

  name           = "cc-game-scores"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "UserId"
  range_key      = "GameTitle"

  attribute {
    name = "UserId"
    type = "S"
  }

  attribute {
    name = "GameTitle"
    type = "S"
  }

  attribute {
    name = "TopScore"
    type = "N"
  }

  global_secondary_index {
    name               = "GameTitleIndex"
    hash_key           = "GameTitle"
    range_key          = "TopScore"
    write_capacity     = 5
    read_capacity      = 5
    projection_type    = "INCLUDE"
    non_key_attributes = ["UserId"]
  }

  # Enable Continuous Backups with Point-in-time Recovery (PITR)
  point_in_time_recovery {
    enabled = true
  }

}
