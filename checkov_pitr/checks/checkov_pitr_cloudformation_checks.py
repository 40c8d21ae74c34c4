"""CKV_PITR_001 and CKV_PITR_002 for CloudFormation, SAM, CDK output and serverless.yml resources."""
from checkov_pitr.integration.adapter import cloudformation_checks

checks = cloudformation_checks()
