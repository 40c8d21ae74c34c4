"""The inventory: every DynamoDB resource the scanned files may hold, found by this package's own
readers, independent of checkov. No checkov here.

A reader turns one file (or, for Terraform, one module folder) into a `FileReading`: the tables it
found (`FoundTable`), or the reason the file cannot be read at all. `build_inventory` runs a cheap
text pre-filter first, so only files that mention a DynamoDB type (or a construct that can hide
one: `Fn::ForEach`, `${file(`) are parsed.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from checkov_pitr.domain.core import MISSING

# checkov's check types, which are also the frameworks results are reported under.
CLOUDFORMATION = "cloudformation"
SERVERLESS = "serverless"
TERRAFORM = "terraform"
TERRAFORM_JSON = "terraform_json"
TERRAFORM_PLAN = "terraform_plan"

# The resource name a file-level "not judged" result is reported under.
NOT_JUDGED_RESOURCE = "file"


@dataclass(frozen=True)
class PlanChange:
    """What CKV_PITR_003 needs of a plan's `resource_changes` entry."""

    actions: Tuple[Any, ...]
    before: Any  # the `before` values (plain plan JSON), or None
    after: Any  # the `after` values, or None


@dataclass(frozen=True)
class FoundTable:
    """One DynamoDB resource a reader found, with all that judging and reporting it needs."""

    path: str  # absolute path of the file the resource is written in (the plan, for plan resources)
    framework: str  # checkov's check type: cloudformation | serverless | terraform | terraform_json | terraform_plan
    resource_type: str  # AWS::DynamoDB::Table, aws_dynamodb_table, awscc_dynamodb_table, ...
    resource: str  # the name checkov gives the resource in its reports ("AWS::DynamoDB::Table.Users", an address)
    label: str  # the name used in messages ("Users", "Users (Condition IsProd is false ...)", an address)
    lines: Tuple[int, int]  # 1-based first and last line in `path`
    # CloudFormation/serverless: the resource's Properties; Terraform: the resource body (block values
    # as lists of mappings, as checkov hands them to checks); plans: the after-apply `values`.
    config: Any
    aliases: Tuple[str, ...] = ()  # other names checkov may report the same resource under
    problem: Optional[str] = None  # set: CKV_PITR_001 FAILED with this reason, whatever the config says
    skips: Mapping[str, str] = field(default_factory=dict)  # check id -> reason, from real comments / Metadata
    tags: Mapping[str, Any] = field(default_factory=dict)
    resource_ids: Tuple[str, ...] = ()  # what policy exemption globs are matched against
    authoritative: bool = False  # our reading replaces checkov's (override files merged, .tofu precedence)
    globals_spec: Any = MISSING  # SAM: Globals.SimpleTable.PointInTimeRecoverySpecification
    change: Optional[PlanChange] = None  # plans: for CKV_PITR_003
    calling_file: Optional[str] = None  # Terraform modules: the file with the module call
    # Terraform: which reading this is, named in its messages ("under OpenTofu (main.tofu)",
    # "called from examples/basic"); empty where there is one reading
    context: str = ""
    # Terraform: the readings of one resource that differ (per tool, per caller), each a table with
    # its context; the table passes only if it passes under each (verdicts.judge)
    variants: Tuple["FoundTable", ...] = ()


@dataclass
class FileReading:
    """What a reader made of one file."""

    path: str
    framework: str
    tables: List[FoundTable] = field(default_factory=list)
    not_judged: Optional[str] = None  # the file cannot be read: why, and what to do (one line)
    keep_from_checkov: bool = False  # checkov must not parse it (it would take unbounded time or memory)
    shadowed: bool = False  # not read by the tool that deploys it (x.tf beside x.tofu): drop checkov's results
    warning: Optional[str] = None  # judged, but the user should know (e.g. a plan inside wrapper lines)


@dataclass(frozen=True)
class DeclaredTable:
    """A Terraform resource block of an in-scope type, as the text shows it (no HCL parse)."""

    resource_type: str
    name: str
    line: int


@dataclass
class TerraformFile:
    """A Terraform file, read as text before checkov runs. Parsing HCL costs as much as checkov's own
    scan, so the full reading (readers/terraform.py) runs only where checkov's results do not cover
    every declared table, or where Terraform reads the folder differently from checkov."""

    path: str
    root: str  # the scan root it was found under
    declared: List[DeclaredTable]
    differs_from_checkov: bool  # its folder has override files, .tofu files or modules from `terraform init`
    warnings: List[str] = field(default_factory=list)


@dataclass
class Inventory:
    readings: List[FileReading] = field(default_factory=list)
    terraform: List[TerraformFile] = field(default_factory=list)

    @property
    def tables(self) -> List[FoundTable]:
        return [t for r in self.readings for t in r.tables]

    def excluded_from_checkov(self) -> List[str]:
        return [r.path for r in self.readings if r.keep_from_checkov or r.shadowed]


# ---------------------------------------------------------------------------------------------
# The text pre-filter
# ---------------------------------------------------------------------------------------------

_NEEDLES = ("AWS::DynamoDB::", "AWS::Serverless::SimpleTable", "aws_dynamodb_table", "awscc_dynamodb_",
            "Fn::ForEach", "${file(", "AWS::Include")
_ENCODED_NEEDLES = tuple(
    needle.encode(encoding) for needle in _NEEDLES for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
# Bytes that mark a file no text pre-filter can see into: gzip, zip (a binary `terraform plan -out` file).
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"PK\x03\x04")


def mentions_dynamodb(raw: bytes) -> bool:
    """Whether a file's bytes mention a DynamoDB type or a construct that can hide one, in any UTF encoding."""
    return any(needle in raw for needle in _ENCODED_NEEDLES)


def is_compressed(raw: bytes) -> bool:
    return raw.startswith(_COMPRESSED_MAGIC)


Reader = Callable[[str, bytes], FileReading]


def read_file_bytes(path: str, limit: int) -> Tuple[Optional[bytes], Optional[str]]:
    """(bytes, None), or (None, why not) for a file that cannot be read or is larger than `limit`."""
    try:
        size = os.path.getsize(path)
        if size > limit:
            return None, f"larger than {limit // (1024 * 1024)} MiB, not read"
        with open(path, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"


def reading_of(path: str, framework: str, read: Reader, raw: bytes) -> FileReading:
    """Run one reader on one file; a reader that raises costs only that file, which is then not judged."""
    try:
        return read(path, raw)
    except RecursionError:
        return FileReading(path, framework, not_judged="nested too deeply to read")
    except MemoryError:
        return FileReading(path, framework, not_judged="too large to read in memory", keep_from_checkov=True)
    except Exception as exc:  # fail closed: a reader's bug makes the file "not judged", never "passed"
        return FileReading(path, framework, not_judged=f"checkov-pitr could not read it ({type(exc).__name__}: {exc})")


# ---------------------------------------------------------------------------------------------
# Dispatch: which reader reads which file
# ---------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 64 * 1024 * 1024  # past checkov's own 50 MB limit: such a file is not judged, never skipped
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template", ".json")
_TERRAFORM_SUFFIXES = (".tf", ".tofu", ".tf.json", ".tofu.json")
_SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")


def is_terraform_file(path: str) -> bool:
    return path.endswith(_TERRAFORM_SUFFIXES)


def _template_or_plan(path: str, raw: bytes, named: bool) -> Optional[FileReading]:
    from checkov_pitr.domain.readers.cloudformation import read_template
    from checkov_pitr.domain.readers.plan import looks_like_plan, read_plan

    if looks_like_plan(raw) or (is_compressed(raw) and (named or path.endswith(".json"))):
        return reading_of(path, TERRAFORM_PLAN, read_plan, raw)
    if mentions_dynamodb(raw):
        return reading_of(path, CLOUDFORMATION, read_template, raw)
    return None


def read_file(path: str, named: bool = False) -> Optional[FileReading]:
    """The reading of one non-Terraform file, or None when it cannot hold a table (the pre-filter).
    `named`: given with -f, so a file of any name is read, and one nothing can be made of is said so."""
    from checkov_pitr.domain.readers.serverless import read_serverless

    base = os.path.basename(path)
    if not named and not (base.endswith(_TEMPLATE_SUFFIXES) or base in _SERVERLESS_NAMES):
        return None
    raw, why_not = read_file_bytes(path, MAX_FILE_BYTES)
    if raw is None:
        return FileReading(path, CLOUDFORMATION, not_judged=why_not, keep_from_checkov=True)
    if base in _SERVERLESS_NAMES:
        if mentions_dynamodb(raw):
            return reading_of(path, SERVERLESS, read_serverless, raw)
        return _alias_bomb(path, raw)
    return _template_or_plan(path, raw, named) or _alias_bomb(path, raw)


def _alias_bomb(path: str, raw: bytes) -> Optional[FileReading]:
    """A YAML file that holds no table can still make checkov run for minutes (aliases that expand
    exponentially): such a file is kept from checkov, with a warning, though it is not ours to judge."""
    from checkov_pitr.domain.readers.cloudformation import read_template

    if not path.endswith((".yaml", ".yml", ".template")) or b"&" not in raw or b"*" not in raw:
        return None
    reading = reading_of(path, CLOUDFORMATION, read_template, raw)
    if not reading.keep_from_checkov:
        return None
    return FileReading(path, CLOUDFORMATION, keep_from_checkov=True,
                       warning="YAML that would take unbounded time or memory to read (aliases or nesting past "
                               "the bounds); kept from checkov, it names no DynamoDB table")


_TF_DECLARED = re.compile(
    r'^[ \t]*resource[ \t]+"?(aws_dynamodb_table|aws_dynamodb_table_replica|awscc_dynamodb_table|'
    r'awscc_dynamodb_global_table)"?[ \t]+"?([A-Za-z0-9_-]+)"?', re.MULTILINE)
_TF_JSON_DECLARED = re.compile(rb'"(aws_dynamodb_table|aws_dynamodb_table_replica|awscc_dynamodb_table|awscc_dynamodb_global_table)"\s*:')
_OVERRIDE = re.compile(r"(^|_)override\.(tf|tofu)(\.json)?$")


def is_override_file(name: str) -> bool:
    return bool(_OVERRIDE.search(os.path.basename(name)))


def declared_tables(raw: bytes, path: str) -> List[DeclaredTable]:
    """The in-scope resource blocks a Terraform file's text declares (a .tf.json or an undecodable file:
    one entry without a name when it mentions an in-scope type, so it is always read in full)."""
    if path.endswith(".json"):
        return [DeclaredTable("", "", 1)] if _TF_JSON_DECLARED.search(raw) else []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [DeclaredTable("", "", 1)] if mentions_dynamodb(raw) else []
    return [DeclaredTable(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in _TF_DECLARED.finditer(text)]


_MODULE_SOURCE = re.compile(r'^[ \t]*module[ \t]+"([^"]+)"[ \t]*\{[^}]*?\bsource[ \t]*=[ \t]*"([^"]+)"',
                            re.MULTILINE | re.DOTALL)


def remote_modules_not_on_disk(text: str, folder: str) -> List[str]:
    """Warnings for module calls whose source is a registry or git address while `terraform init` has
    not put it on disk: the tables such a module creates are seen only in a plan."""
    if os.path.isfile(os.path.join(folder, ".terraform", "modules", "modules.json")):
        return []
    return [f'module "{name}" (source {source}) is not on disk: run terraform init before scanning, or scan the plan'
            for name, source in _MODULE_SOURCE.findall(text) if not source.startswith(("./", "../"))]


def _folder_differs(folder: str, cache: Dict[str, bool]) -> bool:
    if folder not in cache:
        try:
            names = os.listdir(folder)
        except OSError:
            names = []
        tofu = {n[: -len(".tofu")] for n in names if n.endswith(".tofu")} | {
            n[: -len(".tofu.json")] for n in names if n.endswith(".tofu.json")}
        after_init = os.path.isfile(os.path.join(folder, ".terraform", "modules", "modules.json"))
        # checkov reads neither .tofu files, nor override files, nor modules that `terraform init` put on disk
        cache[folder] = bool(tofu) or after_init or any(is_override_file(n) for n in names)
    return cache[folder]


def terraform_file(path: str, root: str, cache: Dict[str, bool]) -> Optional[TerraformFile]:
    raw, why_not = read_file_bytes(path, MAX_FILE_BYTES)
    if raw is None:
        return TerraformFile(path, root, [DeclaredTable("", "", 1)], True)
    declared = declared_tables(raw, path)
    folder = os.path.dirname(os.path.abspath(path))
    differs = _folder_differs(folder, cache)
    warnings = remote_modules_not_on_disk(raw.decode("utf-8", "replace"), folder) if b"module" in raw else []
    if not declared and not differs and not warnings:
        return None
    return TerraformFile(path, root, declared, differs, warnings)


def read_terraform_roots(folders: Iterable[Tuple[str, str]]) -> List[FileReading]:
    """The full reading of Terraform root folders (folder, scan root); one folder's failure costs only it."""
    from checkov_pitr.domain.readers.terraform import read_terraform_root

    readings: List[FileReading] = []
    for folder, root in folders:
        try:
            readings.extend(read_terraform_root(folder, root))
        except RecursionError:
            readings.append(FileReading(folder, TERRAFORM, not_judged="nested too deeply to read"))
        except Exception as exc:  # fail closed: the folder's files are "not judged"
            readings.append(FileReading(folder, TERRAFORM,
                                        not_judged=f"checkov-pitr could not read this module ({type(exc).__name__}: {exc})"))
    return readings


# Reading files in two worker processes pays once the files are big: it halves the wall time on two
# cores, and the memory a parse needs for a moment is given back when the worker ends (a plan of
# 10,000 tables costs about 100 MB to parse; checkov then starts from a smaller heap).
PARALLEL_BYTES = 4 * 1024 * 1024
WORKERS = 2


def _read_one(item: Tuple[str, bool]) -> Optional[FileReading]:
    return read_file(*item)


def read_files(items: List[Tuple[str, bool]]) -> List[Optional[FileReading]]:
    """read_file() for each (path, named), in worker processes when they are big enough to pay."""
    total = 0
    for path, _ in items:
        try:
            total += os.path.getsize(path)
        except OSError:
            pass
    if items and total >= PARALLEL_BYTES:
        try:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            with context.Pool(WORKERS) as pool:
                return pool.map(_read_one, items, chunksize=max(1, len(items) // (WORKERS * 4)))
        except (ValueError, OSError, ImportError, RuntimeError):  # no fork here: read them in this process
            pass
    return [read_file(path, named) for path, named in items]


def build_inventory(files: Sequence[Tuple[str, str, bool]]) -> Inventory:
    """The inventory of (path, scan root, named with -f) files. Terraform files are only scanned as
    text here (see TerraformFile); everything else is read in full."""
    inventory = Inventory()
    folder_cache: Dict[str, bool] = {}
    others: List[Tuple[str, bool]] = []
    for path, root, named in files:
        if is_terraform_file(path):
            found = terraform_file(path, root, folder_cache)
            if found is not None:
                inventory.terraform.append(found)
        else:
            others.append((path, named))
    inventory.readings.extend(reading for reading in _read_files(others) if reading is not None)
    return inventory


__all__ = [
    "CLOUDFORMATION", "SERVERLESS", "TERRAFORM", "TERRAFORM_JSON", "TERRAFORM_PLAN", "NOT_JUDGED_RESOURCE",
    "FileReading", "FoundTable", "Inventory", "PlanChange", "build_inventory", "is_compressed", "mentions_dynamodb",
    "read_file", "read_files", "reading_of",
]
