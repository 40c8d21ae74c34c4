"""`checkov-pitr --help`: our options, then the checkov scan arguments a scan takes (with checkov's
meaning), then what is refused. Built from engine/options.py, so the help and the parser agree."""
from __future__ import annotations

from checkov_pitr.engine.options import FRAMEWORKS, OUTPUTS, REFUSED
from checkov_pitr.rule import CHECKS, TOOL_NAME as PROG

HELP = f"""\
usage: {PROG} [--policy FILE] [--config-file FILE] [scan arguments]
       {PROG} fix [--diff] [--policy FILE] (-d DIR | -f FILE ...)
       {PROG} --checks-dir | --version | --help

The DynamoDB point-in-time recovery gate (Conformity DynamoDB-003): checks {", ".join(CHECKS)},
judged by checkov-pitr's own engine, offline (no DNS lookup, no connection), in checkov's output
formats. A green run means every table was judged and passed.

{PROG} options:
  --policy FILE         checkov-pitr policy file (minimum recovery period, unresolved values,
                        exemptions, severities, deployed_with); default: $CHECKOV_PITR_POLICY, else
                        .checkov-pitr.yaml in the working directory if present, else the built-in policy
  --checks-dir          print the absolute path of the installed checks folder, for
                        `checkov --external-checks-dir "$({PROG} --checks-dir)"`
  --version, -v         print the checkov-pitr and checkov versions
  --config-file FILE    a checkov config file whose keys are the scan arguments below; checkov's own
                        .checkov.yaml files are read only when named here
  --help, -h            this help

{PROG} fix:
  fix [--diff] [--policy FILE] (-d DIR | -f FILE ...)
                        write the smallest edit that makes each fixable CKV_PITR_001 /
                        CKV_PITR_002 failure pass; --diff prints a unified diff instead

scan arguments (checkov's, with checkov's meaning):
  -d, --directory DIR ...        folders to scan (checkov's skip rules: hidden folders, node_modules,
                                 .terraform, .serverless)
  -f, --file FILE ...            files to scan
  --framework NAME ...           {" ".join(FRAMEWORKS)} (or all)
  --skip-framework NAME ...      frameworks not to judge
  -o, --output NAME              {" | ".join(OUTPUTS)} (several allowed)
  --output-file-path PATH        a folder for the outputs, or one path per output (comma-separated)
  --soft-fail                    exit 0 even when a check failed
  --soft-fail-on ID|SEVERITY     exit 0 when only these checks or severities failed
  --hard-fail-on ID|SEVERITY     exit 1 only when these checks or severities failed
  --compact                      no code blocks in the outputs
  --quiet                        failed checks only
  --skip-path REGEX              paths not to scan
  -c, --check ID                 only these of our checks
  --skip-check ID                our checks not to run (the rest of ours still run)
  --var-file FILE                Terraform variable values for the root module scanned
  --repo-root-for-plan-enrichment DIR
                                 where a plan's Terraform source lives (SARIF points at it)
  --skip-download, --no-guide    accepted: checkov-pitr never downloads anything

refused (exit 2, one line with the reason): {", ".join(sorted(REFUSED))}, and any other argument.
checkov's own check IDs are refused with the plain-checkov command to use instead.

Exit code: 1 when a check failed, 0 otherwise (--soft-fail: 0); 2 for a missing input, a refused
argument, an invalid policy or config file, or an internal error.
"""
