# Two calls of a registry module whose PITR input defaults to false (as terraform-aws-modules/
# dynamodb-table does). checkov does not read registry modules; after `terraform init` their source
# is on disk under .terraform/modules, and checkov-pitr judges the tables they create.
module "orders" {
  source  = "terraform-aws-modules/dynamodb-table/aws"
  version = "4.0.0"

  name                           = "cc-orders"
  hash_key                       = "OrderId"
  point_in_time_recovery_enabled = true
}

module "sessions" {
  source  = "terraform-aws-modules/dynamodb-table/aws"
  version = "4.0.0"

  name     = "cc-sessions"
  hash_key = "SessionId"
}
