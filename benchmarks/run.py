#!/usr/bin/env python3
"""Benchmark: checkov-pitr's checks against checkov's built-in CKV_AWS_28, on the same inputs.

    .venv/bin/python benchmarks/run.py                 # N = 1,000, 5,000 and 10,000 tables
    .venv/bin/python benchmarks/run.py --sizes 1000    # a quick look
    .venv/bin/python benchmarks/run.py --profile       # also: where a plan scan spends its time

For each N it generates, under benchmarks/out/ (git-ignored), N DynamoDB tables three ways:

- CloudFormation: templates of 100 resources; every 10th resource is an AWS::DynamoDB::GlobalTable
  with two replicas, every 7th table has an `Fn::If` on its PITR flag;
- Terraform HCL: half the tables in root files, half in a local module called N/2/50 times
  (`module "set_K" { source = "./modules/tables" }`); every 5th table has two `replica` blocks;
- a Terraform plan (`terraform show -json` shape): half the tables in the root module, half in
  nested child modules (`module.a_K.module.b`), every 5th with two replicas; 90% of the changes are
  create/no-op, 10% update a table that has PITR today (so CKV_PITR_003 reads `resource_changes`).

It then runs, as separate processes, in alternation:

    checkov --skip-download --framework F --check CKV_AWS_28 -d DIR
    checkov --skip-download --framework F --external-checks-dir <our checks> \\
            --check CKV_PITR_001,CKV_PITR_002,CKV_PITR_003 -d DIR

and measures wall time and peak RSS of each child (os.wait4), takes the median over the
repetitions, and writes benchmarks/results.md: ratios ours/CKV_AWS_28, cost per table, and growth
(the N=10,000 run against the N=1,000 run). Repetitions: 3 at N=1,000, 2 at N=5,000, 1 at N=10,000
(the whole run stays under 5 minutes on 2 cores); `--repeat` overrides them.

Targets (issue 6): ours at most 1.05x CKV_AWS_28 in wall time and peak memory on every input, and
the N=10,000 run at most 11x the N=1,000 run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_REPEATS = {1000: 3, 5000: 2, 10000: 1}
OUR_CHECKS = "CKV_PITR_001,CKV_PITR_002,CKV_PITR_003"
FRAMEWORKS = {"cloudformation": "cloudformation", "hcl": "terraform", "plan": "terraform_plan"}
TABLES_PER_FILE = 100
TABLES_PER_MODULE = 50


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

def _cfn_resource(i: int) -> Tuple[str, dict]:
    pitr = {"PointInTimeRecoveryEnabled": i % 3 != 0}
    if i % 7 == 0:
        pitr = {"PointInTimeRecoveryEnabled": {"Fn::If": ["IsProd", True, False]}}
    if i % 10 == 0:
        return f"Global{i}", {"Type": "AWS::DynamoDB::GlobalTable", "Properties": {
            "TableName": f"global-{i}", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            "Replicas": [{"Region": region, "PointInTimeRecoverySpecification": pitr}
                         for region in ("eu-west-1", "us-east-1")]}}
    return f"Table{i}", {"Type": "AWS::DynamoDB::Table", "Properties": {
        "TableName": f"table-{i}", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "PointInTimeRecoverySpecification": pitr,
        "Tags": [{"Key": "team", "Value": "data"}]}}


def write_cloudformation(n: int, folder: Path) -> None:
    for start in range(0, n, TABLES_PER_FILE):
        resources = dict(_cfn_resource(i) for i in range(start, min(n, start + TABLES_PER_FILE)))
        template = {"AWSTemplateFormatVersion": "2010-09-09",
                    "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
                    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
                    "Resources": resources}
        (folder / f"tables_{start // TABLES_PER_FILE:04d}.json").write_text(json.dumps(template, indent=1))


def _hcl_table(i: int, name: str) -> str:
    replicas = ""
    if i % 5 == 0:
        replicas = "".join(f'''
  replica {{
    region_name            = "{region}"
    point_in_time_recovery = {str(i % 3 != 0).lower()}
  }}''' for region in ("eu-west-1", "us-east-1"))
    return f'''resource "aws_dynamodb_table" "{name}" {{
  name         = "{name}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
  point_in_time_recovery {{
    enabled = {str(i % 3 != 0).lower()}
  }}{replicas}
  tags = {{ team = "data" }}
}}
'''


def write_hcl(n: int, folder: Path) -> None:
    in_modules = (n // 2) // TABLES_PER_MODULE * TABLES_PER_MODULE
    in_root = n - in_modules
    for start in range(0, in_root, TABLES_PER_FILE):
        text = "".join(_hcl_table(i, f"t{i}") for i in range(start, min(in_root, start + TABLES_PER_FILE)))
        (folder / f"tables_{start // TABLES_PER_FILE:04d}.tf").write_text(text)
    module = folder / "modules" / "tables"
    module.mkdir(parents=True)
    (module / "main.tf").write_text('variable "prefix" {\n  type = string\n}\n' + "".join(
        _hcl_table(i, f"m{i}").replace(f'"m{i}"\n  billing', f'"${{var.prefix}}-m{i}"\n  billing')
        for i in range(TABLES_PER_MODULE)))
    (folder / "modules.tf").write_text("".join(
        f'module "set_{k}" {{\n  source = "./modules/tables"\n  prefix = "set{k}"\n}}\n'
        for k in range(in_modules // TABLES_PER_MODULE)))


def _plan_values(i: int, name: str) -> dict:
    values = {"name": name, "billing_mode": "PAY_PER_REQUEST", "hash_key": "id", "range_key": None,
              "attribute": [{"name": "id", "type": "S"}], "ttl": [], "tags": {"team": "data"},
              "point_in_time_recovery": [{"enabled": i % 3 != 0, "recovery_period_in_days": 35}],
              "replica": [], "server_side_encryption": [], "stream_enabled": False}
    if i % 5 == 0:
        values["replica"] = [{"region_name": region, "point_in_time_recovery": i % 3 != 0, "kms_key_arn": "",
                              "propagate_tags": False} for region in ("eu-west-1", "us-east-1")]
    return values


def write_plan(n: int, folder: Path) -> None:
    root: List[dict] = []
    children: Dict[str, List[dict]] = {}
    changes: List[dict] = []
    for i in range(n):
        name = f"t{i}"
        if i % 2 == 0:
            module, address = "", f"aws_dynamodb_table.{name}"
        else:
            module = f"module.a_{i % 40}.module.b"
            address = f"{module}.aws_dynamodb_table.{name}"
        after = _plan_values(i, name)
        resource = {"address": address, "mode": "managed", "type": "aws_dynamodb_table", "name": name,
                    "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
                    "values": after, "sensitive_values": {}}
        (children.setdefault(module, []) if module else root).append(resource)
        if i % 10 == 0:  # an update to a table that has PITR today
            actions, before = ["update"], dict(after, point_in_time_recovery=[{"enabled": True, "recovery_period_in_days": 35}])
        else:
            actions, before = (["no-op"], after) if i % 2 else (["create"], None)
        change = {"address": address, "mode": "managed", "type": "aws_dynamodb_table", "name": name,
                  "provider_name": "registry.terraform.io/hashicorp/aws",
                  "change": {"actions": actions, "before": before, "after": after, "after_unknown": {},
                             "before_sensitive": {} if before else False, "after_sensitive": {}}}
        if module:
            change["module_address"] = module
        changes.append(change)
    child_modules = []
    for k in range(40):
        outer = f"module.a_{k}"
        inner = f"{outer}.module.b"
        if inner in children:
            child_modules.append({"address": outer, "child_modules": [{"address": inner, "resources": children[inner]}]})
    plan = {"format_version": "1.2", "terraform_version": "1.6.6",
            "planned_values": {"root_module": {"resources": root, "child_modules": child_modules}},
            "resource_changes": changes, "configuration": {"root_module": {}}}
    (folder / "tfplan.json").write_text(json.dumps(plan, indent=2))


WRITERS = {"cloudformation": write_cloudformation, "hcl": write_hcl, "plan": write_plan}


def generate(n: int, kind: str) -> Path:
    folder = OUT / f"{kind}_{n}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    WRITERS[kind](n, folder)
    return folder


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

def checkov_command(kind: str, folder: Path, ours: bool) -> List[str]:
    checkov = str(Path(sys.executable).with_name("checkov"))
    command = [checkov, "--skip-download", "--framework", FRAMEWORKS[kind], "-d", str(folder), "-o", "json"]
    if ours:
        from checkov_pitr.cli import checks_dir

        return command + ["--external-checks-dir", checks_dir(), "--check", OUR_CHECKS]
    return command + ["--check", "CKV_AWS_28"]


def measure(command: List[str]) -> Tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, number of results) of one fresh checkov process."""
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_SKIP_VERSION_CHECK="TRUE")
    env.pop("CHECKOV_PITR_POLICY", None)
    start = time.perf_counter()
    with open(os.devnull, "w") as devnull, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=devnull,
                                                            env=env, cwd=str(OUT)) as child:
        stdout = child.stdout.read() if child.stdout else b""
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    results = 0
    for report in _reports(stdout):
        summary = report.get("summary", {})
        results += int(summary.get("passed", 0)) + int(summary.get("failed", 0))
    return wall, usage.ru_maxrss / 1024.0, results


def _reports(stdout: bytes) -> List[dict]:
    try:
        data = json.loads(stdout or b"{}")
    except ValueError:
        return []
    return [r for r in (data if isinstance(data, list) else [data]) if isinstance(r, dict)]


def run_benchmark(sizes: List[int], repeats: Dict[int, int]) -> List[dict]:
    rows = []
    for n in sizes:
        for kind in ("cloudformation", "hcl", "plan"):
            folder = generate(n, kind)
            samples: Dict[bool, List[Tuple[float, float, int]]] = {False: [], True: []}
            for _ in range(repeats.get(n, 1)):
                for ours in (False, True):  # alternate, so a load spike hits both
                    samples[ours].append(measure(checkov_command(kind, folder, ours)))
            row = {"n": n, "kind": kind, "repeats": repeats.get(n, 1)}
            for ours, label in ((False, "builtin"), (True, "ours")):
                row[f"{label}_wall"] = statistics.median(s[0] for s in samples[ours])
                row[f"{label}_rss"] = statistics.median(s[1] for s in samples[ours])
                row[f"{label}_results"] = samples[ours][-1][2]
            rows.append(row)
            print(f"N={n:>6} {kind:<14} CKV_AWS_28 {row['builtin_wall']:6.2f}s {row['builtin_rss']:6.0f}MB"
                  f"   ours {row['ours_wall']:6.2f}s {row['ours_rss']:6.0f}MB"
                  f"   x{row['ours_wall'] / row['builtin_wall']:.3f} time x{row['ours_rss'] / row['builtin_rss']:.3f} memory",
                  flush=True)
            shutil.rmtree(folder)
    return rows


def markdown(rows: List[dict], load: str) -> str:
    lines = [
        "| input | N tables | runs | CKV_AWS_28 wall | ours wall | wall ratio | CKV_AWS_28 peak RSS | ours peak RSS | memory ratio | ours ms/table |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['n']:,} | {r['repeats']} | {r['builtin_wall']:.2f} s | {r['ours_wall']:.2f} s | "
            f"{r['ours_wall'] / r['builtin_wall']:.3f} | {r['builtin_rss']:.0f} MB | {r['ours_rss']:.0f} MB | "
            f"{r['ours_rss'] / r['builtin_rss']:.3f} | {1000 * r['ours_wall'] / r['n']:.2f} |")
    by_key = {(r["kind"], r["n"]): r for r in rows}
    growth = []
    for kind in ("cloudformation", "hcl", "plan"):
        small, large = by_key.get((kind, 1000)), by_key.get((kind, 10000))
        if small and large:
            growth.append(f"| {kind} | {large['builtin_wall'] / small['builtin_wall']:.1f}x | "
                          f"{large['ours_wall'] / small['ours_wall']:.1f}x |")
    if growth:
        lines += ["", "Growth, N=10,000 wall time against N=1,000 (target: at most 11x):", "",
                  "| input | CKV_AWS_28 | ours |", "|---|---:|---:|"] + growth
    lines += ["", f"Median of the runs shown; wall time and peak RSS of each checkov process. {load}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Profile: checkov's parsing versus our checks, in one plan scan
# ---------------------------------------------------------------------------------------------

def profile_plan(n: int) -> str:
    import cProfile
    import pstats

    folder = generate(n, "plan")
    stats_file = OUT / "plan.prof"
    command = checkov_command("plan", folder, ours=True)
    script = ("import cProfile, sys; from checkov.main import Checkov; sys.argv = ['checkov'] + sys.argv[1:]; "
              f"cProfile.run('Checkov(argv=sys.argv[1:]).run()', {str(stats_file)!r})")
    subprocess.run([sys.executable, "-c", script, *command[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    stats = pstats.Stats(str(stats_file))
    total = stats.total_tt

    def cumulative(predicate) -> float:
        return max((v[3] for k, v in stats.stats.items() if predicate(k)), default=0.0)  # type: ignore[attr-defined]

    parts = {
        "checkov: parse the plan (create_definitions)": cumulative(lambda k: k[2] == "create_definitions"),
        "checkov: line context (build_definitions_context)": cumulative(lambda k: k[2] == "build_definitions_context"),
        "checkov: graph (build_graph_from_definitions)": cumulative(lambda k: k[2] == "build_graph_from_definitions"),
        "checkov: run the resource checks (check_tf_definition)": cumulative(lambda k: k[2] == "check_tf_definition"),
        "  of which our checks (PitrCheck.run)": sum(v[3] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                                                       if k[0].endswith("checkov_pitr/adapter.py") and k[2] == "run"),
        "  of which reading resource_changes (sources._resource_changes)": cumulative(
            lambda k: k[0].endswith("checkov_pitr/sources.py") and k[2] == "_resource_changes"),
    }
    calls = sum(v[1] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                if k[0].endswith("checkov_pitr/sources.py") and k[2] == "_resource_changes")
    shutil.rmtree(folder)
    lines = [f"cProfile of one plan scan with our checks, N={n:,} tables (profiler overhead included; "
             f"total {total:.1f} s):", "", "| part | seconds | share |", "|---|---:|---:|"]
    for label, seconds in parts.items():
        lines.append(f"| {label} | {seconds:.2f} | {100 * seconds / total:.0f}% |")
    lines += ["", f"`sources._resource_changes` (the plan file read for CKV_PITR_003) ran {calls} time(s)."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--repeat", type=int, help="repetitions for every size (default: 3, 2, 1)")
    parser.add_argument("--profile", action="store_true", help="also profile a plan scan (N=5,000)")
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    repeats = {n: args.repeat for n in args.sizes} if args.repeat else DEFAULT_REPEATS
    OUT.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows = run_benchmark(args.sizes, repeats)
    load_after = os.getloadavg()
    load = (f"Load average (1 min) {load_before[0]:.2f} before and {load_after[0]:.2f} after; "
            f"{os.cpu_count()} CPUs; checkov {_checkov_version()}; whole run {time.perf_counter() - started:.0f} s.")
    text = markdown(rows, load)
    if args.profile:
        text += "\n" + profile_plan(5000)
    args.output.write_text(text)
    print(text)
    return 0


def _checkov_version() -> str:
    from checkov.version import version

    return version


if __name__ == "__main__":
    sys.exit(main())
