"""The inventory: a reader turns one file (Terraform: one module folder) into a `FileReading`, the tables it found
(`FoundTable`) or why the file cannot be read; a cheap pre-filter skips what no decoding could show. No checkov here."""
from __future__ import annotations

import gc
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Mapping, Optional, Tuple

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
class PlanChange:  # what CKV_PITR_003 needs of a plan's `resource_changes` entry
    actions: Tuple[Any, ...]
    before: Any  # the `before` values (plain plan JSON), or None
    after: Any  # the `after` values, or None


# A reader's problem that means "the scan cannot know" rather than "off": it follows the policy's `unresolved`.
UNRESOLVED_PREFIX = "unresolved: "


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
    problem: Optional[str] = None  # set: CKV_PITR_001 FAILED with this reason, whatever the config says
    skips: Mapping[str, str] = field(default_factory=dict)  # check id -> reason, from real comments / Metadata
    tags: Mapping[str, Any] = field(default_factory=dict)
    resource_ids: Tuple[str, ...] = ()  # what policy exemption globs are matched against
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
class FileReading:  # what a reader made of one file
    path: str
    framework: str
    tables: List[FoundTable] = field(default_factory=list)
    not_judged: Optional[str] = None  # the file cannot be read: why, and what to do (one line)
    shadowed: bool = False  # not read as written by the tool that deploys it (override files): no result of its own
    warning: Optional[str] = None  # judged, but the user should know (e.g. a plan inside wrapper lines)


_NEEDLES = ("AWS::DynamoDB::", "AWS::Serverless::SimpleTable", "aws_dynamodb_table", "awscc_dynamodb_",
            "Fn::ForEach", "${file(", "AWS::Include")
_ENCODED_NEEDLES = tuple(
    needle.encode(encoding) for needle in _NEEDLES for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
# Bytes that mark a file no text pre-filter can see into: gzip, zip (a binary `terraform plan -out` file).
GZIP_MAGIC, ZIP_MAGIC = b"\x1f\x8b", b"PK\x03\x04"


def mentions_dynamodb(raw: bytes) -> bool:
    """Whether a file's bytes mention a DynamoDB type or a construct that can hide one, in any UTF encoding."""
    return any(needle in raw for needle in _ENCODED_NEEDLES)


def file_kind(mode: int) -> str:
    kinds = {stat.S_IFCHR: "character device", stat.S_IFBLK: "block device", stat.S_IFIFO: "FIFO",
             stat.S_IFSOCK: "socket"}
    return kinds.get(stat.S_IFMT(mode), "not a file")


def read_file_bytes(path: str, limit: int) -> Tuple[Optional[bytes], Optional[str]]:
    """(bytes, None), or (None, why not): only a regular file (a symlink is followed) of at most
    `limit` bytes is read, so a device or FIFO named main.tf cannot make the scan hang."""
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            return None, f"is not a regular file ({file_kind(before.st_mode)}); not read"
        if before.st_size > limit:
            return None, f"is larger than {limit // (1024 * 1024)} MiB, not read"
        # O_NONBLOCK: were it swapped for a FIFO after the stat, opening it does not wait for a writer
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as opened:
            mode = os.fstat(opened.fileno()).st_mode
            if not stat.S_ISREG(mode):
                return None, f"is not a regular file ({file_kind(mode)}); not read"
            raw = opened.read(limit + 1)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if len(raw) > limit:
        return None, f"is larger than {limit // (1024 * 1024)} MiB, not read"
    return raw, None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader makes millions of dicts and lists: they hold no cycles,
    and over a large heap the collections that find nothing would take most of the read's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def reading_of(path: str, framework: str, read: Callable[[str, bytes], FileReading], raw: bytes) -> FileReading:
    """Run one reader on one file; a reader that raises costs only that file, which is then not judged."""
    try:
        return read(path, raw)
    except RecursionError:
        return FileReading(path, framework, not_judged="nested too deeply to read")
    except MemoryError:
        return FileReading(path, framework, not_judged="too large to read in memory")
    except Exception as exc:  # fail closed: a reader's bug makes the file "not judged", never "passed"
        return FileReading(path, framework, not_judged=f"checkov-pitr could not read it ({type(exc).__name__}: {exc})")


MAX_FILE_BYTES = 64 * 1024 * 1024  # past checkov's own 50 MB limit: such a file is not judged, never skipped
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template", ".json")
_TERRAFORM_SUFFIXES = (".tf", ".tofu", ".tf.json", ".tofu.json")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
# The Serverless Framework also takes a configuration in JavaScript or TypeScript; the scan cannot run it.
_SERVERLESS_CODE_NAMES = ("serverless.js", "serverless.ts", "serverless.mjs", "serverless.cjs")


def is_terraform_file(path: str) -> bool:
    return path.endswith(_TERRAFORM_SUFFIXES)


def may_hold_tables(path: str, raw: bytes) -> bool:
    """The text pre-filter for a template, serverless file or plan: False only where no decoding
    (escapes, continuations, tags, includes, encodings) can make the bytes hold a table."""
    from checkov_pitr.domain.readers.cloudformation import may_hold_tables as template_may_hold_tables
    from checkov_pitr.domain.readers.plan import looks_like_plan

    return looks_like_plan(raw) or raw.startswith((GZIP_MAGIC, ZIP_MAGIC)) or template_may_hold_tables(raw, path)


def read_file(path: str, named: bool = False) -> Optional[FileReading]:
    """The reading of one non-Terraform file, or None when it cannot hold a table (the pre-filter).
    `named`: given with -f, so a file of any name is read, and one nothing can be made of is said so."""
    from checkov_pitr.domain.readers.cloudformation import may_hold_tables as template_may_hold_tables, read_template
    from checkov_pitr.domain.readers.plan import looks_like_plan, read_plan
    from checkov_pitr.domain.readers.serverless import read_serverless

    base = os.path.basename(path)
    # CloudFormation and SAM take a template of any name (`--template-file t.YAML`): the case of the
    # suffix does not matter
    if not named and not (base.lower().endswith(_TEMPLATE_SUFFIXES) or base in SERVERLESS_NAMES + _SERVERLESS_CODE_NAMES):
        return None
    raw, why_not = read_file_bytes(path, MAX_FILE_BYTES)
    if raw is None:
        return FileReading(path, CLOUDFORMATION, not_judged=why_not)
    if base in _SERVERLESS_CODE_NAMES:
        return FileReading(path, SERVERLESS, not_judged=(
            "a Serverless Framework configuration in JavaScript or TypeScript, which the scan cannot run; run "
            "`serverless print > serverless-printed.yml` and scan that file (see the Serverless recipe)")
        ) if mentions_dynamodb(raw) else None
    if base in SERVERLESS_NAMES:
        return reading_of(path, SERVERLESS, read_serverless, raw) if template_may_hold_tables(raw, path) else None
    if looks_like_plan(raw) or (raw.startswith((GZIP_MAGIC, ZIP_MAGIC)) and (named or path.endswith(".json"))):
        return reading_of(path, TERRAFORM_PLAN, read_plan, raw)
    if not template_may_hold_tables(raw, path):
        return None
    reading = reading_of(path, CLOUDFORMATION, read_template, raw)
    # a file the cheap filter kept only for what could hide a table (an alias, an escape, a tag)
    # and that turns out to hold none is simply not ours
    return reading if reading.tables or reading.not_judged or reading.warning else None


# Reading files in two worker processes pays once the files are big: it halves the wall time on two
# cores, and the memory a parse needs for a moment is given back when the worker ends.
PARALLEL_BYTES = 4 * 1024 * 1024
WORKERS = 2


def read_files(items: List[Tuple[str, bool]]) -> List[Optional[FileReading]]:
    """read_file() for each (path, named), in worker processes when they are big enough to pay."""
    total = 0
    for path, _ in items:
        try:
            info = os.stat(path)
            total += info.st_size if stat.S_ISREG(info.st_mode) else 0
        except OSError:
            pass
    if len(items) > 1 and total >= PARALLEL_BYTES:
        try:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            with context.Pool(WORKERS) as pool:
                return pool.starmap(read_file, items, chunksize=max(1, len(items) // (WORKERS * 4)))
        except (ValueError, OSError, ImportError, RuntimeError):  # no fork here: read them in this process
            pass
    return [read_file(path, named) for path, named in items]

