"""CKV_PITR_001 and CKV_PITR_002 for Terraform HCL, .tf.json and plans; CKV_PITR_003 for plans."""
from checkov_pitr.integration.adapter import terraform_checks

checks = terraform_checks()
