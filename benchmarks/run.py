#!/usr/bin/env python3
"""Benchmark: our checks against checkov's built-in CKV_AWS_28, on the same inputs.

    .venv/bin/python benchmarks/run.py                 # N = 1,000, 5,000 and 10,000 tables (about 4.5 min)
    .venv/bin/python benchmarks/run.py --sizes 1000    # a quick look
    .venv/bin/python benchmarks/run.py --profile       # also: where a plan scan spends its time
    .venv/bin/python benchmarks/run.py --fix           # only: `fix --diff` vs a scan, -o sarif vs -o json,
                                                       # on one file of many tables (issue 20, about 1 min)

For each N it generates, under benchmarks/out/ (git-ignored), N DynamoDB tables three ways:

- CloudFormation: JSON templates of 100 resources; every 10th resource is an
  AWS::DynamoDB::GlobalTable with two replicas, every 7th has an `Fn::If` on its PITR flag;
- Terraform HCL: half the tables in root files, half in a local module of 50 tables called N/100
  times (`module "set_K" { source = "./modules/tables" }`); every 5th table has two `replica` blocks;
- a Terraform plan (`terraform show -json`, one line): half the tables in the root module, half in
  nested child modules (`module.a_K.module.b`), every 5th with two replicas; 10% of the changes
  update a table that has PITR today (so CKV_PITR_003 reads `resource_changes`), the rest create
  or keep tables.

One third of the tables have PITR off. On each input it starts three commands at once:

    checkov --skip-download --framework F -d DIR --check CKV_AWS_28                      (built-in)
    checkov --skip-download --framework F -d DIR --external-checks-dir <our checks> \
            --check CKV_PITR_001,CKV_PITR_002,CKV_PITR_003                               (our checks)
    checkov-pitr --framework F -d DIR                                                    (our command)

all with `-o cli --quiet --compact` (what a CI gate prints), and measures each child's wall time,
CPU time and peak RSS (os.wait4). The three share the 2 cores alike (the start order rotates), so
a load spike hits all three; CPU time is the figure concurrency changes least. It takes the median
over the repetitions, 2 at N=1,000 and 1 at N=5,000 and N=10,000 (so that the whole run stays
under 5 minutes on 2 cores; `--repeat` overrides), and writes benchmarks/results.md: ratios against
CKV_AWS_28, results per tool, our cost per table, and growth (N=10,000 against N=1,000).

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
from typing import Any, Dict, List, Tuple

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_REPEATS = {1000: 2, 5000: 1, 10000: 1}
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
    (folder / "tfplan.json").write_text(json.dumps(plan, separators=(",", ":")))  # one line, as terraform writes it


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

OUTPUT_ARGS = ["-o", "cli", "--quiet", "--compact"]  # how a CI gate runs checkov: failures only, no code
TOOLS = ("builtin", "ours", "pitr")
TOOL_NAMES = {"builtin": "checkov, CKV_AWS_28 only", "ours": "checkov, our checks only",
              "pitr": "checkov-pitr"}


def command(tool: str, kind: str, folder: Path) -> List[str]:
    bin_dir = Path(sys.executable).parent
    if tool == "pitr":  # our command: our checks only, offline, by default
        return [str(bin_dir / "checkov-pitr"), "--framework", FRAMEWORKS[kind], "-d", str(folder), *OUTPUT_ARGS]
    base = [str(bin_dir / "checkov"), "--skip-download", "--framework", FRAMEWORKS[kind], "-d", str(folder), *OUTPUT_ARGS]
    if tool == "ours":
        from checkov_pitr.cli import checks_dir

        return base + ["--external-checks-dir", checks_dir(), "--check", OUR_CHECKS]
    return base + ["--check", "CKV_AWS_28"]


Sample = Tuple[float, float, float, int]  # wall s, CPU s, peak RSS MB, results


def measure_together(kind: str, folder: Path, order: List[str]) -> Dict[str, Sample]:
    """Start the three commands at once on the same input and wait for all of them.

    They share the machine alike, so a load spike hits all three; the order of starting rotates
    between repetitions. Wall time and peak RSS are each child's own (os.wait4); CPU time is the
    child's user + system time, which concurrency hardly changes."""
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_SKIP_VERSION_CHECK="TRUE")
    env.pop("CHECKOV_PITR_POLICY", None)  # the default policy, and no ./.checkov-pitr.yaml (cwd is OUT)
    children, outputs, started = {}, {}, {}
    for tool in order:
        outputs[tool] = OUT / f"stdout_{tool}.txt"
        with open(outputs[tool], "wb") as stdout:
            started[tool] = time.perf_counter()
            child = subprocess.Popen(command(tool, kind, folder), stdout=stdout, stderr=subprocess.DEVNULL, env=env,
                                     cwd=str(OUT))
        children[child.pid] = tool
    samples: Dict[str, Sample] = {}
    while children:
        pid, _, usage = os.wait4(-1, 0)
        tool = children.pop(pid, None)
        if tool is None:
            continue
        wall = time.perf_counter() - started[tool]
        samples[tool] = (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0,
                         _count_results(outputs[tool].read_text(errors="replace")))
    return samples


def _count_results(cli_output: str) -> int:
    """Passed + failed checks, from checkov's `Passed checks: P, Failed checks: F` summary lines."""
    import re

    return sum(int(p) + int(f) for p, f in re.findall(r"Passed checks: (\d+), Failed checks: (\d+)", cli_output))


def run_benchmark(sizes: List[int], repeats: Dict[int, int]) -> List[dict]:
    rows = []
    for n in sizes:
        for kind in ("cloudformation", "hcl", "plan"):
            folder = generate(n, kind)
            samples: Dict[str, List[Sample]] = {tool: [] for tool in TOOLS}
            for repetition in range(repeats.get(n, 1)):
                order = list(TOOLS[repetition % 3:] + TOOLS[:repetition % 3])
                for tool, sample in measure_together(kind, folder, order).items():
                    samples[tool].append(sample)
            row: Dict[str, Any] = {"n": n, "kind": kind, "repeats": repeats.get(n, 1)}
            for tool in TOOLS:
                row[f"{tool}_wall"] = statistics.median(s[0] for s in samples[tool])
                row[f"{tool}_cpu"] = statistics.median(s[1] for s in samples[tool])
                row[f"{tool}_rss"] = statistics.median(s[2] for s in samples[tool])
                row[f"{tool}_results"] = samples[tool][-1][3]
            rows.append(row)
            print(f"N={n:>6} {kind:<14} " + "   ".join(
                f"{tool} {row[tool + '_wall']:6.2f}s cpu {row[tool + '_cpu']:6.2f}s {row[tool + '_rss']:6.0f}MB "
                f"{row[tool + '_results']:>6}" for tool in TOOLS), flush=True)
            shutil.rmtree(folder)
    return rows


def _ratio(row: Dict[str, Any], tool: str, measure: str) -> float:
    return row[f"{tool}_{measure}"] / row[f"builtin_{measure}"]


def markdown(rows: List[dict], load: str) -> str:
    lines = [
        "Ratios against `checkov --check CKV_AWS_28` on the same input (target: at most 1.05):",
        "",
        "| input | N tables | runs | CKV_AWS_28: wall, CPU, peak RSS | our checks in checkov: wall, CPU, RSS "
        "| ratio wall / CPU / RSS | checkov-pitr: wall, CPU, RSS | ratio wall / CPU / RSS "
        "| results CKV_AWS_28 / ours | ours ms per table |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = []
        for tool in TOOLS:
            cells.append(f"{r[tool + '_wall']:.1f} s, {r[tool + '_cpu']:.1f} s, {r[tool + '_rss']:.0f} MB")
            if tool != "builtin":
                cells.append(" / ".join(f"{_ratio(r, tool, m):.3f}" for m in ("wall", "cpu", "rss")))
        lines.append(f"| {r['kind']} | {r['n']:,} | {r['repeats']} | " + " | ".join(cells) +
                     f" | {r['builtin_results']:,} / {r['ours_results']:,} | {1000 * r['ours_wall'] / r['n']:.2f} |")
    sizes = sorted({r["n"] for r in rows})
    by_key = {(r["kind"], r["n"]): r for r in rows}
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        lines += ["", f"Growth, wall time at N={large:,} against N={small:,} (target: at most 11x for 10,000 against 1,000):",
                  "", "| input | CKV_AWS_28 | our checks in checkov | checkov-pitr |", "|---|---:|---:|---:|"]
        for kind in ("cloudformation", "hcl", "plan"):
            a, b = by_key.get((kind, small)), by_key.get((kind, large))
            if a and b:
                lines.append(f"| {kind} | " + " | ".join(f"{b[t + '_wall'] / a[t + '_wall']:.1f}x" for t in TOOLS) + " |")
    lines += ["", "Each cell is the median over the runs of one checkov process's wall time, CPU time (user + system) "
                  "and peak RSS; the three commands of a run start together on the same input. "
                  f"Output: `{' '.join(OUTPUT_ARGS)}`. {load}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Profile: checkov's parsing versus our checks, in one plan scan
# ---------------------------------------------------------------------------------------------

PROFILE_SCRIPTS = {
    "ours": ("import cProfile, sys; from checkov.main import Checkov; sys.argv = ['checkov'] + sys.argv[2:]; "
             "cProfile.run('Checkov(argv=sys.argv[1:]).run()', STATS)"),
    "pitr": ("import cProfile, sys; from checkov_pitr import cli; sys.argv = ['checkov-pitr'] + sys.argv[2:]; "
             "cProfile.run('cli.main(sys.argv[1:])', STATS)"),
}


def profile_plan(n: int) -> str:
    """cProfile one plan scan with our checks, in plain checkov and in checkov-pitr."""
    import pstats

    folder = generate(n, "plan")
    lines = [f"cProfile of one scan of a plan with N={n:,} tables (times include the profiler's overhead):", "",
             "| part | our checks in checkov | checkov-pitr |", "|---|---:|---:|"]
    columns: Dict[str, Dict[str, float]] = {}
    counts: Dict[str, Dict[str, int]] = {}
    for tool in ("ours", "pitr"):
        stats_file = OUT / f"plan_{tool}.prof"
        script = PROFILE_SCRIPTS[tool].replace("STATS", repr(str(stats_file)))
        subprocess.run([sys.executable, "-c", script, "--", *command(tool, "plan", folder)[1:]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=str(OUT))
        table = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]

        def cumulative(function: str, file_end: str = "") -> float:
            return max((v[3] for k, v in table.items() if k[2] == function and k[0].endswith(file_end)), default=0.0)

        def calls(function: str, file_end: str) -> int:
            return sum(v[1] for k, v in table.items() if k[2] == function and k[0].endswith(file_end))

        total = max(v[3] for v in table.values())
        columns[tool] = {
            "whole run": total,
            "checkov: read and parse the plan (create_definitions)": cumulative("create_definitions", "plan_utils.py"),
            "checkov: locate each resource (build_definitions_context)": cumulative("build_definitions_context"),
            "checkov: build the graph (build_graph_from_definitions)": cumulative("build_graph_from_definitions"),
            "checkov: run the resource checks and make records (check_tf_definition)": cumulative("check_tf_definition"),
            "of which our checks (PitrCheck.run)": cumulative("run", "checkov_pitr/integration/adapter.py"),
            "of which reading resource_changes for CKV_PITR_003 (sources._resource_changes)":
                cumulative("_resource_changes", "checkov_pitr/integration/sources.py"),
            "checkov-pitr before the scan: the inventory (build_inventory)":
                cumulative("build_inventory", "checkov_pitr/domain/inventory.py"),
            "checkov-pitr after the scan: reconciliation (Reconciler.apply)":
                cumulative("apply", "checkov_pitr/integration/reconcile.py"),
            "checkov-pitr after the scan: messages (_report_after_run)":
                cumulative("_report_after_run", "checkov_pitr/cli.py"),
        }
        counts[tool] = {"_resource_changes": calls("_resource_changes", "checkov_pitr/integration/sources.py"),
                        "load_plan": calls("load_plan", "checkov_pitr/domain/plan.py"),
                        "our check runs": calls("run", "checkov_pitr/integration/adapter.py")}
    for part in columns["ours"]:
        cells = []
        for tool in ("ours", "pitr"):
            seconds, total = columns[tool][part], columns[tool]["whole run"]
            cells.append(f"{seconds:.2f} s ({100 * seconds / total:.0f}%)")
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    lines += ["", "Our plan reads: " + "; ".join(
        f"{TOOL_NAMES[tool]}: `sources._resource_changes` {c['_resource_changes']} time(s), `plan.load_plan` "
        f"{c['load_plan']} time(s), for {c['our check runs']:,} check runs" for tool, c in counts.items()) + "."]
    shutil.rmtree(folder)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# `fix` and SARIF fixes: one file of many tables (issue 20)
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


def _time_in_process(args: List[str], repeats: int) -> float:
    """Median wall time of `checkov-pitr ARGS` run in this process (imports already paid)."""
    import io

    from checkov_pitr.cli import main as cli_main

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        cli_main(args, io.StringIO(), io.StringIO())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fix_benchmark(repeats: int = 3) -> str:
    """`fix --diff` against a scan of the same file of FIX_TABLES tables, and `-o sarif` (which carries
    each result's fix) against `-o json` on SARIF_TABLES tables in one template, in this process.
    Targets (issue 20): fix at most 3x the scan, SARIF at most 1.5x JSON."""
    folder = OUT / "fix"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    lines = [f"`checkov-pitr fix --diff` against a scan (`--quiet --compact`), one file of {FIX_TABLES:,} failing "
             f"tables; `-o sarif` against `-o json`, one template of {SARIF_TABLES:,} failing tables; median of "
             f"{repeats}, in one process (imports paid once):", "",
             "| case | scan / json | fix --diff / sarif | ratio | target |", "|---|---:|---:|---:|---:|"]
    _time_in_process(["--version"], 1)
    for name, write in FIX_FILES.items():
        path = folder / name
        path.write_text(write(FIX_TABLES))
        _time_in_process(["-f", str(path), "--quiet", "--compact"], 1)  # warm: every module imported
        scan = _time_in_process(["-f", str(path), "--quiet", "--compact"], repeats)
        fix = _time_in_process(["fix", "--diff", "-f", str(path)], repeats)
        lines.append(f"| fix {name} | {scan:.2f} s | {fix:.2f} s | {fix / scan:.2f}x | 3x |")
    path = folder / "sarif.yaml"
    path.write_text(fix_template_yaml(SARIF_TABLES))
    out = folder / "reports"
    as_json = _time_in_process(["-f", str(path), "-o", "json", "--output-file-path", str(out)], repeats)
    as_sarif = _time_in_process(["-f", str(path), "-o", "sarif", "--output-file-path", str(out)], repeats)
    lines.append(f"| -o sarif, sarif.yaml | {as_json:.2f} s | {as_sarif:.2f} s | {as_sarif / as_json:.2f}x | 1.5x |")
    shutil.rmtree(folder)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--repeat", type=int, help="repetitions for every size (default: 3, 2, 1)")
    parser.add_argument("--profile", action="store_true", help="also profile a plan scan (N=2,000)")
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--fix", action="store_true",
                        help="only time `fix --diff` against a scan, and -o sarif against -o json, on one file "
                             "of many tables (about 1 min); prints the table, writes nothing else")
    args = parser.parse_args()
    if args.fix:
        OUT.mkdir(exist_ok=True)
        print(fix_benchmark(args.repeat or 3))
        return 0
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
        text += "\n" + profile_plan(2000)
    args.output.write_text(text)
    print(text)
    return 0


def _checkov_version() -> str:
    from checkov.version import version

    return version


if __name__ == "__main__":
    sys.exit(main())
