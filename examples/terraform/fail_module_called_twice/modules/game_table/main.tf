variable "name" {
  type = string
}

variable "pitr" {
  type        = bool
  description = "Enable point-in-time recovery (continuous backups)"
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "UserId"

  attribute {
    name = "UserId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.pitr
  }
}
