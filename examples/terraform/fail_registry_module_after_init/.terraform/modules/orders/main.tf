# A trimmed copy of a registry DynamoDB module, as `terraform init` leaves it on disk.
variable "name" {
  type = string
}

variable "hash_key" {
  type = string
}

variable "point_in_time_recovery_enabled" {
  type    = bool
  default = false
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.hash_key

  attribute {
    name = var.hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }
}
