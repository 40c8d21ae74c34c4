"""checkov-pitr: checkov checks for DynamoDB point-in-time recovery (Conformity DynamoDB-003)."""

__version__ = "0.1.0"
