#!/usr/bin/env python3
"""Benchmark: `checkov-pitr` against checkov's built-in CKV_AWS_28, on the same inputs, in the same run.

    .venv/bin/python benchmarks/run.py                       # every case, the fix/SARIF ratios, profiles (~10 min)
    .venv/bin/python benchmarks/run.py --case plan_tables    # one case (repeat --case for more), quick
    .venv/bin/python benchmarks/run.py --case examples --repeat 1 --no-profile
    .venv/bin/python benchmarks/run.py --fix                 # only the ratios without checkov (~1 min)
    .venv/bin/python benchmarks/run.py --profile-only        # only the two cProfile summaries

Cases (inputs generated under benchmarks/out/, git-ignored; one third of the tables have PITR off):

- plan_mixed: one Terraform plan (`terraform show -json`, one line) of 5,000 other resources
  (aws_s3_bucket, aws_iam_role, aws_security_group, aws_lambda_function, aws_sqs_queue, with the
  values, changes and configuration a real plan carries) and 20 DynamoDB tables;
- plan_tables: one plan of 2,000 tables (half in nested modules, every 5th with replicas, 10% of the
  changes an update of a table that has PITR today);
- cloudformation_estate: 100 YAML templates holding 5,000 other resources (S3, IAM, Lambda, SQS,
  SNS, with !Ref, !GetAtt, !Sub) and 20 tables;
- terraform_estate: the same shape in HCL: 10 root folders of 10 .tf files, variables and locals;
- examples: the repository's examples/ folder.

Each repetition starts the two commands together (the start order alternates), each with a core:

    checkov --skip-download --framework F -d DIR --check CKV_AWS_28 -o cli --quiet --compact
    checkov-pitr -d DIR -o cli --quiet --compact

and takes each child's wall time, CPU time (user + system) and peak RSS from os.wait4; a table
cell is the median over the repetitions. Targets: the ratios checkov-pitr / CKV_AWS_28 in TARGETS.

Without checkov (the issue's "Ready to adopt" ratios), in this process with the imports paid once:
`-o sarif` against `-o json` on one template of 2,000 failing tables (at most 1.5x), and
`checkov-pitr fix --diff` against a scan of 1,000 failing tables (at most 3x).

Writes benchmarks/results.md (every case, the ratios, and a cProfile summary of checkov-pitr on
plan_mixed and cloudformation_estate); with --case or --fix it prints and writes nothing unless
--output is given.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
OUTPUT_ARGS = ["-o", "cli", "--quiet", "--compact"]  # how a CI gate runs: failures only, no code
OTHERS, TABLES, FILES = 5000, 20, 100
# case -> (checkov's --framework values, wall target, peak RSS target, default repetitions)
CASES: Dict[str, Tuple[List[str], float, Optional[float], int]] = {
    "plan_mixed": (["terraform_plan"], 0.05, 0.25, 2),
    "plan_tables": (["terraform_plan"], 0.10, 0.25, 2),
    "cloudformation_estate": (["cloudformation"], 0.08, 0.50, 2),
    "terraform_estate": (["terraform"], 0.25, 0.50, 2),
    "examples": (["cloudformation", "serverless", "terraform", "terraform_plan"], 0.30, None, 3),
}


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

def _pitr_on(i: int) -> bool:
    return i % 3 != 0

# --- Terraform plan ----------------------------------------------------------------------------

_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                              "Principal": {"Service": "lambda.amazonaws.com"}}]})


def _other_plan_values(i: int) -> Tuple[str, dict]:
    """A realistic resource of another type: what `terraform show -json` writes for it."""
    tags = {"team": f"team-{i % 7}", "env": "prod", "cost-center": str(1000 + i % 13)}
    kind = i % 5
    if kind == 0:
        return "aws_s3_bucket", {"bucket": f"logs-{i}", "force_destroy": False, "object_lock_enabled": False,
                                 "tags": tags, "tags_all": tags, "timeouts": None}
    if kind == 1:
        return "aws_iam_role", {"name": f"role-{i}", "assume_role_policy": _POLICY, "description": f"role {i}",
                                "force_detach_policies": False, "max_session_duration": 3600, "path": "/",
                                "permissions_boundary": None, "tags": tags, "tags_all": tags}
    if kind == 2:
        rule = {"cidr_blocks": ["10.0.0.0/8"], "description": "https", "from_port": 443, "to_port": 443,
                "protocol": "tcp", "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False}
        return "aws_security_group", {"name": f"sg-{i}", "description": "service", "ingress": [rule],
                                      "egress": [dict(rule, cidr_blocks=["0.0.0.0/0"], from_port=0, to_port=0,
                                                      protocol="-1")],
                                      "revoke_rules_on_delete": False, "tags": tags, "tags_all": tags,
                                      "timeouts": None, "vpc_id": "vpc-0123456789abcdef0"}
    if kind == 3:
        return "aws_lambda_function", {"function_name": f"fn-{i}", "handler": "app.handler", "runtime": "python3.12",
                                       "memory_size": 256, "timeout": 30, "publish": False, "filename": "build/fn.zip",
                                       "environment": [{"variables": {"TABLE": f"t{i % TABLES}", "LOG_LEVEL": "info"}}],
                                       "tracing_config": [{"mode": "Active"}], "tags": tags, "tags_all": tags}
    return "aws_sqs_queue", {"name": f"queue-{i}", "delay_seconds": 0, "max_message_size": 262144,
                             "message_retention_seconds": 345600, "visibility_timeout_seconds": 30,
                             "sqs_managed_sse_enabled": True, "fifo_queue": False, "tags": tags, "tags_all": tags}


def _plan_table_values(i: int, name: str) -> dict:
    values = {"name": name, "billing_mode": "PAY_PER_REQUEST", "hash_key": "id", "range_key": None,
              "attribute": [{"name": "id", "type": "S"}], "ttl": [], "tags": {"team": "data"},
              "point_in_time_recovery": [{"enabled": _pitr_on(i), "recovery_period_in_days": 35}],
              "replica": [], "server_side_encryption": [], "stream_enabled": False}
    if i % 5 == 0:
        values["replica"] = [{"region_name": region, "point_in_time_recovery": _pitr_on(i), "kms_key_arn": "",
                              "propagate_tags": False} for region in ("eu-west-1", "us-east-1")]
    return values


def _expressions(values: dict) -> dict:
    """The `configuration` block's expressions of a resource: constant values, as written in HCL."""
    return {key: {"constant_value": value} for key, value in values.items()
            if value is not None and not isinstance(value, list) and key != "tags_all"}


def write_plan(folder: Path, tables: int, others: int) -> None:
    """One plan; resource i lives in the root module when i is even, else in module.a_K.module.b."""
    root: List[dict] = []
    children: Dict[str, List[dict]] = {}
    changes: List[dict] = []
    config: Dict[str, List[dict]] = {}
    for i in range(tables + others):
        if i < tables:
            rtype, name, after = "aws_dynamodb_table", f"t{i}", _plan_table_values(i, f"t{i}")
        else:
            (rtype, after), name = _other_plan_values(i), f"r{i}"
        module = "" if i % 2 == 0 else f"module.a_{i % 40}.module.b"
        address = f"{module + '.' if module else ''}{rtype}.{name}"
        resource = {"address": address, "mode": "managed", "type": rtype, "name": name,
                    "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
                    "values": after, "sensitive_values": {}}
        (children.setdefault(module, []) if module else root).append(resource)
        if rtype == "aws_dynamodb_table" and i % 10 == 0:  # an update to a table that has PITR today
            actions, before = ["update"], dict(after, point_in_time_recovery=[{"enabled": True, "recovery_period_in_days": 35}])
        else:
            actions, before = (["no-op"], after) if i % 2 else (["create"], None)
        change = {"address": address, "mode": "managed", "type": rtype, "name": name,
                  "provider_name": "registry.terraform.io/hashicorp/aws",
                  "change": {"actions": actions, "before": before, "after": after, "after_unknown": {},
                             "before_sensitive": {} if before else False, "after_sensitive": {}}}
        if module:
            change["module_address"] = module
        changes.append(change)
        config.setdefault(module, []).append({"address": f"{rtype}.{name}", "mode": "managed", "type": rtype,
                                              "name": name, "provider_config_key": "aws", "schema_version": 1,
                                              "expressions": _expressions(after)})
    child_modules, module_calls = [], {}
    for k in range(40):
        inner = f"module.a_{k}.module.b"
        if inner in children:
            child_modules.append({"address": f"module.a_{k}", "child_modules": [{"address": inner, "resources": children[inner]}]})
            module_calls[f"a_{k}"] = {"source": "./modules/a", "module": {"module_calls": {"b": {
                "source": "../b", "module": {"resources": config[inner]}}}}}
    plan = {"format_version": "1.2", "terraform_version": "1.6.6",
            "planned_values": {"root_module": {"resources": root, "child_modules": child_modules}},
            "resource_changes": changes,
            "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}},
                              "root_module": {"resources": config.get("", []), "module_calls": module_calls}}}
    (folder / "tfplan.json").write_text(json.dumps(plan, separators=(",", ":")))  # one line, as terraform writes it


# --- CloudFormation ----------------------------------------------------------------------------

def _cfn_other(i: int) -> str:
    tags = f"""      Tags:
        - Key: team
          Value: team-{i % 7}
        - Key: env
          Value: !Ref Env
"""
    kind = i % 5
    if kind == 0:
        return f"""  Bucket{i}:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${{AWS::StackName}}-logs-{i}"
      VersioningConfiguration:
        Status: Enabled
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
{tags}"""
    if kind == 1:
        return f"""  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${{AWS::StackName}}-role-{i}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
{tags}"""
    if kind == 2:
        return f"""  Function{i}:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${{AWS::StackName}}-fn-{i}"
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 256
      Timeout: 30
      Role: !GetAtt Role{i - 1}.Arn
      Code:
        S3Bucket: !Ref ArtifactBucket
        S3Key: fn.zip
      Environment:
        Variables:
          LOG_LEVEL: info
{tags}"""
    if kind == 3:
        return f"""  Queue{i}:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${{AWS::StackName}}-queue-{i}"
      VisibilityTimeout: 30
      MessageRetentionPeriod: 345600
      SqsManagedSseEnabled: true
{tags}"""
    return f"""  Topic{i}:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "${{AWS::StackName}}-topic-{i}"
      KmsMasterKeyId: alias/aws/sns
{tags}"""


def _cfn_table(i: int) -> str:
    return f"""  Table{i}:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${{AWS::StackName}}-table-{i}"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: S
      KeySchema:
        - AttributeName: id
          KeyType: HASH
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: {str(_pitr_on(i)).lower()}
"""


def write_cloudformation_estate(folder: Path, tables: int = TABLES, others: int = OTHERS, files: int = FILES) -> None:
    per_file = others // files
    every = files // tables  # one table in every `every`-th template
    for f in range(files):
        body = "".join(_cfn_other(f * per_file + k) for k in range(per_file))
        if f % every == 0 and f // every < tables:
            body += _cfn_table(f // every)
        (folder / f"stack_{f:03d}.yaml").write_text(
            "AWSTemplateFormatVersion: '2010-09-09'\nDescription: service stack\nParameters:\n  Env:\n"
            "    Type: String\n    Default: prod\n  ArtifactBucket:\n    Type: String\n    Default: artifacts\n"
            "Resources:\n" + body)


# --- Terraform HCL -----------------------------------------------------------------------------

def _hcl_other(i: int) -> str:
    kind = i % 5
    if kind == 0:
        return f'''resource "aws_s3_bucket" "b{i}" {{
  bucket        = "${{var.prefix}}-logs-{i}"
  force_destroy = false
  tags          = local.tags
}}
'''
    if kind == 1:
        return f'''resource "aws_iam_role" "r{i}" {{
  name = "${{var.prefix}}-role-{i}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "lambda.amazonaws.com" }} }}]
  }})
  tags = local.tags
}}
'''
    if kind == 2:
        return f'''resource "aws_security_group" "s{i}" {{
  name   = "${{var.prefix}}-sg-{i}"
  vpc_id = var.vpc_id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  tags = local.tags
}}
'''
    if kind == 3:
        return f'''resource "aws_lambda_function" "f{i}" {{
  function_name = "${{var.prefix}}-fn-{i}"
  role          = aws_iam_role.r{i - 2}.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "build/fn.zip"
  memory_size   = 256
  environment {{
    variables = {{ LOG_LEVEL = "info" }}
  }}
  tags = local.tags
}}
'''
    return f'''resource "aws_sqs_queue" "q{i}" {{
  name                      = "${{var.prefix}}-queue-{i}"
  message_retention_seconds = 345600
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}}
'''


def _hcl_table(i: int) -> str:
    return f'''resource "aws_dynamodb_table" "t{i}" {{
  name         = "${{var.prefix}}-table-{i}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
  point_in_time_recovery {{
    enabled = {str(_pitr_on(i)).lower()}
  }}
  tags = local.tags
}}
'''


def write_terraform_estate(folder: Path, tables: int = TABLES, others: int = OTHERS, files: int = FILES) -> None:
    per_file, every, roots = others // files, files // tables, 10
    for f in range(files):
        root = folder / f"stack_{f % roots:02d}"
        if not root.exists():
            root.mkdir()
            (root / "variables.tf").write_text(
                'variable "prefix" {\n  type    = string\n  default = "svc"\n}\n'
                'variable "vpc_id" {\n  type    = string\n  default = "vpc-0123456789abcdef0"\n}\n'
                'locals {\n  tags = { team = "platform", env = "prod" }\n}\n')
        body = "".join(_hcl_other(f * per_file + k) for k in range(per_file))
        if f % every == 0 and f // every < tables:
            body += _hcl_table(f // every)
        (root / f"main_{f // roots:02d}.tf").write_text(body)


def generate(case: str) -> Path:
    if case == "examples":
        return REPO / "examples"
    folder = OUT / case
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if case == "plan_mixed":
        write_plan(folder, TABLES, OTHERS)
    elif case == "plan_tables":
        write_plan(folder, 2000, 0)
    elif case == "cloudformation_estate":
        write_cloudformation_estate(folder)
    else:
        write_terraform_estate(folder)
    return folder


# ---------------------------------------------------------------------------------------------
# Measuring against checkov
# ---------------------------------------------------------------------------------------------

Sample = Tuple[float, float, float, int]  # wall s, CPU s, peak RSS MB, results (passed + failed)
TOOLS = ("checkov", "pitr")


def command(tool: str, case: str, folder: Path) -> List[str]:
    bin_dir = Path(sys.executable).parent
    if tool == "pitr":
        return [str(bin_dir / "checkov-pitr"), "-d", str(folder), *OUTPUT_ARGS]
    return [str(bin_dir / "checkov"), "--skip-download", "--framework", *CASES[case][0], "-d", str(folder),
            "--check", "CKV_AWS_28", *OUTPUT_ARGS]


def _environment() -> Dict[str, str]:
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_SKIP_VERSION_CHECK="TRUE")
    env.pop("CHECKOV_PITR_POLICY", None)  # the default policy; cwd is OUT, so no ./.checkov-pitr.yaml
    # as installed by pip, both tools run from compiled bytecode (without it, start-up compiles ~900 modules)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_up() -> None:
    """One unmeasured run of each command on examples/, every framework: bytecode written, caches warm."""
    for tool in TOOLS:
        subprocess.run(command(tool, "examples", REPO / "examples"), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=_environment(), cwd=str(OUT), check=False)


def measure_together(case: str, folder: Path, order: List[str]) -> Dict[str, Sample]:
    """Start both commands at once on the same input and wait for both (os.wait4: each child's own
    wall time, CPU time and peak RSS)."""
    children, outputs, started = {}, {}, {}
    for tool in order:
        outputs[tool] = OUT / f"stdout_{tool}.txt"
        with open(outputs[tool], "wb") as stdout:
            started[tool] = time.perf_counter()
            child = subprocess.Popen(command(tool, case, folder), stdout=stdout, stderr=subprocess.DEVNULL,
                                     env=_environment(), cwd=str(OUT))
        children[child.pid] = tool
    samples: Dict[str, Sample] = {}
    while children:
        pid, _, usage = os.wait4(-1, 0)
        tool = children.pop(pid, None)
        if tool is not None:
            samples[tool] = (time.perf_counter() - started[tool], usage.ru_utime + usage.ru_stime,
                             usage.ru_maxrss / 1024.0, _count_results(outputs[tool].read_text(errors="replace")))
    return samples


def _count_results(cli_output: str) -> int:
    """Passed + failed checks, from the `Passed checks: P, Failed checks: F` summary lines."""
    return sum(int(p) + int(f) for p, f in re.findall(r"Passed checks: (\d+), Failed checks: (\d+)", cli_output))


def run_case(case: str, repeats: int) -> Dict[str, Any]:
    folder = generate(case)
    samples: Dict[str, List[Sample]] = {tool: [] for tool in TOOLS}
    for repetition in range(repeats):
        order = list(TOOLS if repetition % 2 == 0 else reversed(TOOLS))
        for tool, sample in measure_together(case, folder, order).items():
            samples[tool].append(sample)
    row: Dict[str, Any] = {"case": case, "repeats": repeats, "size": _size(folder)}
    for tool in TOOLS:
        for index, measure in enumerate(("wall", "cpu", "rss")):
            row[f"{tool}_{measure}"] = statistics.median(s[index] for s in samples[tool])
        row[f"{tool}_results"] = samples[tool][-1][3]
    print(f"{case:<22} " + "   ".join(f"{tool} {row[tool + '_wall']:6.2f}s cpu {row[tool + '_cpu']:6.2f}s "
                                     f"{row[tool + '_rss']:5.0f}MB {row[tool + '_results']:>5} results" for tool in TOOLS)
          + f"   ratio wall {row['pitr_wall'] / row['checkov_wall']:.3f} rss {row['pitr_rss'] / row['checkov_rss']:.3f}",
          flush=True)
    if case != "examples":
        shutil.rmtree(folder)
    return row


def _size(folder: Path) -> str:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return f"{len(files):,} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB"


def _verdict(ratio: float, target: Optional[float]) -> str:
    if target is None:
        return f"{ratio:.3f}"
    return f"{ratio:.3f} {'met' if ratio <= target else '**missed**'} (<= {target:.2f})"


def markdown(rows: List[Dict[str, Any]], load: str) -> str:
    lines = ["Ratios checkov-pitr / `checkov --check CKV_AWS_28`, each pair started together on the same input "
             "(`-o cli --quiet --compact`); medians over the runs:", "",
             "| case | input | runs | wall ratio (target) | peak RSS ratio (target) | CPU ratio "
             "| CKV_AWS_28: wall, CPU, RSS | checkov-pitr: wall, CPU, RSS | results CKV_AWS_28 / checkov-pitr |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        _, wall_target, rss_target, _ = CASES[r["case"]]
        cells = [f"{r[t + '_wall']:.2f} s, {r[t + '_cpu']:.2f} s, {r[t + '_rss']:.0f} MB" for t in TOOLS]
        lines.append(f"| {r['case']} | {r['size']} | {r['repeats']} "
                     f"| {_verdict(r['pitr_wall'] / r['checkov_wall'], wall_target)} "
                     f"| {_verdict(r['pitr_rss'] / r['checkov_rss'], rss_target)} "
                     f"| {r['pitr_cpu'] / r['checkov_cpu']:.3f} | {cells[0]} | {cells[1]} "
                     f"| {r['checkov_results']:,} / {r['pitr_results']:,} |")
    lines += ["", "CKV_AWS_28 gives one result per table; checkov-pitr one per table and check (CKV_PITR_001, "
                  f"002, and 003 on plans). {load}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Where checkov-pitr's time goes (cProfile)
# ---------------------------------------------------------------------------------------------

PROFILE_SCRIPT = ("import cProfile, sys; from checkov_pitr import cli; "
                  "cProfile.run('cli.main(sys.argv[1:])', STATS)")
PROFILED = ("plan_mixed", "cloudformation_estate")


def profile_case(case: str, top: int = 12) -> str:
    """The top entries of one cProfile'd checkov-pitr scan: by cumulative time (our functions and
    checkov's report classes), and by own time."""
    import pstats

    folder = generate(case)
    stats_file = OUT / f"{case}.prof"
    subprocess.run([sys.executable, "-c", PROFILE_SCRIPT.replace("STATS", repr(str(stats_file))),
                    *command("pitr", case, folder)[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, cwd=str(OUT), env=_environment())
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    total = max(v[3] for v in stats.values())

    def name(key: Tuple[str, int, str]) -> str:
        path = key[0]
        for marker in ("checkov_pitr/", "site-packages/", "lib/python3"):
            if marker in path:
                path = path[path.index(marker) + (0 if marker == "checkov_pitr/" else len(marker)):]
                break
        return f"`{path}:{key[2]}`" if key[0] != "~" else f"`{key[2]}`"

    ours = sorted(((k, v) for k, v in stats.items() if "checkov_pitr/" in k[0] and k[2] not in ("main", "run_scan")),
                  key=lambda item: -item[1][3])[:top]
    own = sorted(stats.items(), key=lambda item: -item[1][2])[:top]
    imports = max((v[3] for k, v in stats.items() if k[2] == "_find_and_load"), default=0.0)
    lines = [f"cProfile of `checkov-pitr` on {case} ({_size(folder)}): {total:.2f} s with the profiler's overhead, "
             f"of which imports {imports:.2f} s.", "",
             "| our function (cumulative) | calls | seconds | share |", "|---|---:|---:|---:|"]
    lines += [f"| {name(k)} | {v[1]:,} | {v[3]:.2f} | {100 * v[3] / total:.0f}% |" for k, v in ours]
    lines += ["", "| any function (own time) | calls | seconds | share |", "|---|---:|---:|---:|"]
    lines += [f"| {name(k)} | {v[1]:,} | {v[2]:.2f} | {100 * v[2] / total:.0f}% |" for k, v in own]
    if case != "examples":
        shutil.rmtree(folder)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Without checkov: `fix` and SARIF fixes on one file of many tables ("Ready to adopt")
# ---------------------------------------------------------------------------------------------

FIX_TABLES = 1000
SARIF_TABLES = 2000


def _fix_state(i: int) -> str:
    """Every table fails: PITR missing, off, or on with a short period, in turn."""
    return ("missing", "off", "short")[i % 3]


def fix_template_yaml(n: int) -> str:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(n):
        lines += [f"  Table{i}:  # table {i}", "    Type: AWS::DynamoDB::Table", "    Properties:",
                  f"      TableName: table-{i}", "      BillingMode: PAY_PER_REQUEST",
                  "      KeySchema: [{AttributeName: id, KeyType: HASH}]"]
        state = _fix_state(i)
        if state != "missing":
            lines += ["      PointInTimeRecoverySpecification:",
                      f"        PointInTimeRecoveryEnabled: {'false' if state == 'off' else 'true'}"]
            if state == "short":
                lines.append("        RecoveryPeriodInDays: 7")
    return "\n".join(lines) + "\n"


def fix_template_json(n: int) -> str:
    resources = {}
    for i in range(n):
        state = _fix_state(i)
        properties: Dict[str, Any] = {"TableName": f"table-{i}", "BillingMode": "PAY_PER_REQUEST"}
        if state != "missing":
            properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": state != "off"}
            if state == "short":
                properties["PointInTimeRecoverySpecification"]["RecoveryPeriodInDays"] = 7
        resources[f"Table{i}"] = {"Type": "AWS::DynamoDB::Table", "Properties": properties}
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=2) + "\n"


def fix_hcl(n: int) -> str:
    blocks = []
    for i in range(n):
        state = _fix_state(i)
        pitr = "" if state == "missing" else (
            f"\n  point_in_time_recovery {{\n    enabled = {'false' if state == 'off' else 'true'}\n"
            + ("    recovery_period_in_days = 7\n" if state == "short" else "") + "  }\n")
        blocks.append(f'resource "aws_dynamodb_table" "t{i}" {{\n  name     = "t{i}"\n  hash_key = "id"\n'
                      f'  attribute {{\n    name = "id"\n    type = "S"\n  }}\n{pitr}}}\n')
    return "\n".join(blocks)


FIX_FILES = {"template.yaml": fix_template_yaml, "template.json": fix_template_json, "main.tf": fix_hcl}


def _time_in_process(args: List[str], repeats: int) -> Tuple[float, float]:
    """Median (wall, CPU) seconds of `checkov-pitr ARGS` run in this process (imports already paid)."""
    from checkov_pitr.cli import main as cli_main

    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        cli_main(args, io.StringIO(), io.StringIO())
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _time_command(args: List[str], repeats: int) -> Tuple[float, float]:
    """Median (wall, CPU) seconds of `checkov-pitr ARGS` as its own process, as a CI job runs it."""
    walls, cpus = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        child = subprocess.Popen([str(Path(sys.executable).parent / "checkov-pitr"), *args], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=_environment(), cwd=str(OUT))
        _, _, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - started)
        cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def fix_benchmark(repeats: int = 5) -> str:
    """`fix --diff` against a scan of the same file of FIX_TABLES tables, and `-o sarif` (which carries
    each result's fix, and prints the CLI report as checkov does) against `-o json` on SARIF_TABLES
    tables in one template, in this process, the two commands alternating (and, for SARIF, also as whole
    commands in their own processes, imports included, as a CI job runs them). Targets (the issue's
    "Ready to adopt"): fix at most 3x the scan, SARIF at most 1.5x JSON."""
    folder = OUT / "fix"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    lines = [f"Without checkov: `checkov-pitr fix --diff` against a scan (`--quiet --compact`) of one file of "
             f"{FIX_TABLES:,} failing tables; `-o sarif` against `-o json` (`--output-file-path DIR`) on one template "
             f"of {SARIF_TABLES:,} failing tables. Median of {repeats}, in one process (imports paid once, so the "
             "ratios are those of the work itself; CPU is this process's time), and for SARIF also as whole "
             "commands (their own processes, imports included; CPU is the child's):", "",
             "| case | baseline: wall, CPU | measured: wall, CPU | ratio wall / CPU (target) |", "|---|---:|---:|---:|"]
    _time_in_process(["--version"], 1)

    def row(label: str, baseline_args: List[str], measured_args: List[str], target: float,
            timer: Any = _time_in_process) -> None:
        timer(measured_args, 1)  # warm: every module imported, bytecode written
        base: List[Tuple[float, float]] = []
        measured: List[Tuple[float, float]] = []
        for _ in range(repeats):  # alternating, so a load spike hits both
            base.append(timer(baseline_args, 1))
            measured.append(timer(measured_args, 1))
        b = [statistics.median(x[i] for x in base) for i in (0, 1)]
        m = [statistics.median(x[i] for x in measured) for i in (0, 1)]
        ratio_wall, ratio_cpu = m[0] / b[0], m[1] / b[1]
        print(f"{label:<28} {ratio_wall:.2f}x wall, {ratio_cpu:.2f}x CPU", flush=True)
        lines.append(f"| {label} | {b[0]:.2f} s, {b[1]:.2f} s | {m[0]:.2f} s, {m[1]:.2f} s "
                     f"| {ratio_wall:.2f}x / {ratio_cpu:.2f}x ({'met' if max(ratio_wall, ratio_cpu) <= target else '**missed**'}"
                     f" <= {target}x) |")

    out = folder / "reports"
    path = folder / "sarif.yaml"
    path.write_text(fix_template_yaml(SARIF_TABLES))
    row("-o sarif / -o json, sarif.yaml", ["-f", str(path), "-o", "json", "--output-file-path", str(out)],
        ["-f", str(path), "-o", "sarif", "--output-file-path", str(out)], 1.5)
    # the same two as whole commands, imports included: what a CI job pays
    row("-o sarif / -o json, sarif.yaml, as commands", ["-f", str(path), "-o", "json", "--output-file-path", str(out)],
        ["-f", str(path), "-o", "sarif", "--output-file-path", str(out)], 1.5, _time_command)
    for name, write in FIX_FILES.items():
        path = folder / name
        path.write_text(write(FIX_TABLES))
        row(f"fix --diff / scan, {name}", ["-f", str(path), "--quiet", "--compact"], ["fix", "--diff", "-f", str(path)], 3.0)
    shutil.rmtree(folder)
    return "\n".join(lines) + "\n"


def _checkov_version() -> str:
    from checkov.version import version

    return version


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES),
                        help="run only this case against checkov (repeatable); prints, writes only with --output")
    parser.add_argument("--repeat", type=int, help="repetitions of each case (default: 2, examples 3)")
    parser.add_argument("--fix", action="store_true", help="only the ratios without checkov (-o sarif/-o json, fix/scan)")
    parser.add_argument("--no-profile", action="store_true", help="leave out the cProfile summaries")
    parser.add_argument("--profile-only", action="store_true", help="only the cProfile summaries")
    parser.add_argument("--output", type=Path, help="where to write the Markdown (default: benchmarks/results.md "
                                                     "for a full run, nowhere otherwise)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    started, load_before = time.perf_counter(), os.getloadavg()
    parts: List[str] = []
    if not args.fix and not args.profile_only:
        warm_up()
        rows = [run_case(case, args.repeat or CASES[case][3]) for case in (args.case or list(CASES))]
        load_after = os.getloadavg()
        parts.append(markdown(rows, f"Load average (1 min) {load_before[0]:.2f} before and {load_after[0]:.2f} after; "
                                    f"{os.cpu_count()} CPUs; checkov {_checkov_version()}."))
    if not args.case and not args.profile_only:
        parts.append(fix_benchmark(args.repeat or 5))
    if not args.case and not args.fix and not args.no_profile:
        parts += [profile_case(case) for case in PROFILED]
    text = "\n".join(parts) + f"\nWhole run {time.perf_counter() - started:.0f} s.\n"
    print("\n" + text)
    output = args.output or (HERE / "results.md" if not (args.case or args.fix or args.profile_only) else None)
    if output:
        output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
