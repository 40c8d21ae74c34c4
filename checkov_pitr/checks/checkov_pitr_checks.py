"""CKV_PITR_001 and CKV_PITR_002 for CloudFormation, SAM, CDK output, serverless.yml resources, Terraform HCL,
.tf.json and plans; CKV_PITR_003 for plans."""
try:
    import checkov_pitr  # noqa: F401  an installed checkov-pitr wins over the checkout around this file
except ImportError:  # loaded from a checkout into plain checkov: the package is two folders up
    import os as _os
    import sys as _sys

    _sys.path.append(_os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))))
from checkov_pitr.integration import patches  # noqa: F401,E402  keeps checkov's own outputs right
from checkov_pitr.integration.adapter import all_checks  # noqa: E402

checks = all_checks()
