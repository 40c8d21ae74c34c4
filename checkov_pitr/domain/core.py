"""Read a DynamoDB table's PITR settings in any shape (CloudFormation, Terraform in checkov's wrapped shape, plan
JSON) and judge them. No checkov here. Fail closed: a value not understood is "off" ("unresolved" for a reference)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, List, Mapping, Optional, Sequence, Tuple

AWS_DEFAULT_PERIOD_DAYS = 35
MIN_PERIOD_DAYS, MAX_PERIOD_DAYS = 1, 35

CFN_TABLE = "AWS::DynamoDB::Table"
CFN_GLOBAL_TABLE = "AWS::DynamoDB::GlobalTable"
SAM_SIMPLE_TABLE = "AWS::Serverless::SimpleTable"
TF_TABLE = "aws_dynamodb_table"
TF_TABLE_REPLICA = "aws_dynamodb_table_replica"
AWSCC_TABLE = "awscc_dynamodb_table"  # hashicorp/awscc (AWS Cloud Control provider)
AWSCC_GLOBAL_TABLE = "awscc_dynamodb_global_table"

CFN_TYPES = (CFN_TABLE, CFN_GLOBAL_TABLE, SAM_SIMPLE_TABLE)
TF_TYPES = (TF_TABLE, TF_TABLE_REPLICA, AWSCC_TABLE, AWSCC_GLOBAL_TABLE)


class Result(Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"  # only where the policy says `unresolved: unknown`
    NONE = "NONE"  # the check has nothing to judge here and reports no result


class State(Enum):
    ON = "on"  # enabled (for a period: a valid number of days)
    OFF = "off"  # not enabled (for a period: not a valid number of days)
    UNRESOLVED = "unresolved"  # depends on something the scan cannot resolve


@dataclass(frozen=True)
class Policy:  # the settings the core needs; policy.py loads and validates the file
    min_recovery_period_days: int = AWS_DEFAULT_PERIOD_DAYS
    unresolved: str = "fail"  # "fail" | "unknown"


@dataclass(frozen=True)
class Reading:
    state: State
    found: str  # what was found, in words, for the message
    days: Optional[int] = None  # for a period reading in state ON


@dataclass(frozen=True)
class Verdict:
    result: Result
    reason: str


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# Terraform references and expressions that checkov leaves unrendered.
_TF_REFERENCE = re.compile(r"\b(?:var|local|module|data|each|count|self|path|terraform)\.[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)?")
_TF_RESOURCE_REFERENCE = re.compile(r"\baws_[a-z0-9_]+\.[A-Za-z_][\w-]*\.[A-Za-z_]\w*")
_TF_FUNCTION_CALL = re.compile(r"^\s*\$?\{?\s*[a-z_][a-z0-9_]*\(")
# serverless.yml variables (`${opt:stage}`, `${self:custom.x}`, `${file(...)}`) checkov could not resolve
_SLS_VARIABLE_START = re.compile(r"\$\{\s*(?:self|opt|env|sls|param|ssm|s3|cf|file|aws|git|strToBool)\s*[:(]")


def clean(mapping: Mapping[str, Any]) -> dict:
    """The mapping without the keys checkov adds (__startline__, __file__, start_line, ...)."""
    return {k: v for k, v in mapping.items() if not (isinstance(k, str) and (
        (k.startswith("__") and k.endswith("__")) or k in ("start_line", "end_line")))}


def unwrap(value: Any) -> Any:
    """checkov wraps HCL values in one-element lists (`[true]`, `[[{...}]]`); take them out."""
    depth = 0
    while isinstance(value, list) and len(value) == 1 and depth < 8:
        value, depth = value[0], depth + 1
    return value


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_KINDS = ((type(None), "null"), (dict, "a mapping"), (list, "a list"), (str, "a string"), (bool, "a boolean"),
          ((int, float), "a number"))


def kind_name(value: Any) -> str:  # a parsed JSON or YAML value's kind, in words
    return next((name for kind, name in _KINDS if isinstance(value, kind)), type(value).__name__)


def terraform_reference(value: Any) -> Optional[str]:
    """The Terraform reference a string value depends on ("var.x", "module.y.z"), if any."""
    if not isinstance(value, str):
        return None
    match = _TF_REFERENCE.search(value) or _TF_RESOURCE_REFERENCE.search(value)
    if match:
        return match.group(0)
    return value.strip() if "${" in value or _TF_FUNCTION_CALL.match(value) else None


def serverless_variable(value: Any) -> Optional[str]:
    """The first serverless.yml variable in a string ("${opt:pitr}"), nested braces included."""
    match = _SLS_VARIABLE_START.search(value) if isinstance(value, str) else None
    if not match:
        return None
    depth, start = 0, match.start()
    for index in range(start + 1, len(value)):
        depth += {"{": 1, "}": -1}.get(value[index], 0)
        if depth == 0:
            return value[start:index + 1]
    return value[start:]


def cfn_dependency(value: Any) -> Optional[str]:
    """What an unresolved CloudFormation intrinsic or serverless.yml variable depends on, in words."""
    variable = serverless_variable(value)
    if variable:
        return f"serverless variable {variable}"
    body = clean(value) if isinstance(value, Mapping) else {}
    if len(body) != 1:
        return None
    (name, arg), = body.items()
    if name == "Ref" and arg != "AWS::NoValue":
        if not isinstance(arg, str):
            return "a Ref"
        return f"pseudo parameter {arg}" if arg.startswith("AWS::") else f"parameter {arg}, which has no Default"
    if isinstance(name, str) and (name.startswith("Fn::") or name == "Condition"):
        detail = arg if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg and isinstance(arg[0], str) else "")
        return (f"{name}, '{detail}'" if detail else name).replace(", ", " ")
    return None


def _no_value(value: Any) -> bool:
    return isinstance(value, Mapping) and clean(value) == {"Ref": "AWS::NoValue"}


def _unset(value: Any) -> bool:
    return value is MISSING or value is None or _no_value(value)


def _odd(value: Any, key: str, dialect: str, expected: str) -> Reading:
    """A value of the wrong kind: unresolved when it is a reference, else off."""
    dependency = cfn_dependency(value) if dialect == "cloudformation" else terraform_reference(value)
    if dependency:
        return Reading(State.UNRESOLVED, f"{key} depends on {dependency}")
    return Reading(State.OFF, f"{key} is {_short(value)}, {expected}")


def _attribute(value: Any, dialect: str) -> Any:
    # checkov wraps every Terraform value in one list (plans too); CloudFormation values never are.
    # Take off that one list and no more: `enabled = [true]` is a list (AWS refuses it), never true.
    if dialect != "cloudformation" and isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def read_bool(value: Any, key: str, unset_means: str, dialect: str) -> Reading:
    """Read an enabled flag. `unset_means` words what an absent value means, for the message."""
    value = _attribute(value, dialect)
    if _unset(value):
        return Reading(State.OFF, f"{key} {unset_means}")
    text = value.lower() if isinstance(value, str) else value
    if text is True or text == "true":
        return Reading(State.ON, f"{key} is {'true' if value is True else repr(value)}")
    if text is False or text == "false":
        return Reading(State.OFF, f"{key} is false")
    return _odd(value, key, dialect, "not true")


def read_period(value: Any, key: str, dialect: str) -> Reading:
    value = _attribute(value, dialect)
    if _unset(value):
        return Reading(State.ON, f"{key} not set ({AWS_DEFAULT_PERIOD_DAYS} days by default)", AWS_DEFAULT_PERIOD_DAYS)
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not (whole or (isinstance(value, str) and re.fullmatch(r"\s*\d{1,6}\s*", value))):
        return _odd(value, key, dialect, "not a number of days")
    days = int(value)
    if MIN_PERIOD_DAYS <= days <= MAX_PERIOD_DAYS:
        return Reading(State.ON, f"{key} is {days}", days)
    return Reading(State.OFF, f"{key} is {days}, outside 1-35 days")


_NO_PERIOD = read_period(MISSING, "recovery_period_in_days", "terraform")  # aws and awscc name it alike


@dataclass(frozen=True)
class Subject:  # one thing that must have PITR: a table, a replica, or one Fn::If branch of either
    label: str  # "MyTable", "replica eu-west-2 of MyGlobalTable"
    key: str  # stable identity within a resource, to compare plan before/after: "table", "replica:eu-west-2"
    enabled: Reading
    fix_enable: str
    period: Reading = _NO_PERIOD  # judged only where PITR is on; replicas have no period of their own


# --- Specifications: where each dialect writes a table's (or a replica's) PITR flag and period ---

CFN_SPEC = "PointInTimeRecoverySpecification"
CFN_ENABLED = "PointInTimeRecoveryEnabled"
CFN_PERIOD = "RecoveryPeriodInDays"
CFN_FIX_ENABLE = f"set {CFN_ENABLED}: true"
TF_BLOCK = "point_in_time_recovery"
TF_FIX_TABLE = "set point_in_time_recovery { enabled = true }"
TF_FIX_REPLICA = "set point_in_time_recovery = true in the replica"
_UNSET_FALSE = "not set (false by default)"
# awscc: the CloudFormation schema in Terraform syntax. HCL wraps the specification object once (its
# values plain) and `replicas` twice; .tf.json and plans wrap every value; plan before/after are plain.
AWSCC_SPEC = "point_in_time_recovery_specification"
AWSCC_ENABLED = "point_in_time_recovery_enabled"
AWSCC_FIX_TABLE = f"set {AWSCC_SPEC} = {{ {AWSCC_ENABLED} = true }}"
AWSCC_FIX_REPLICA = f"{AWSCC_FIX_TABLE} inside the replica element"
_SPECS = {  # (the specification's key, its flag's, its period's, an absent specification, an unset flag, its kind)
    "cloudformation": (CFN_SPEC, CFN_ENABLED, CFN_PERIOD, "{} missing", "missing (PITR is off by default)",
                       "a mapping"),
    "awscc": (AWSCC_SPEC, AWSCC_ENABLED, "recovery_period_in_days", "{} missing", _UNSET_FALSE, "an object"),
    "terraform": (TF_BLOCK, "enabled", "recovery_period_in_days", "no {} block", _UNSET_FALSE, "a block"),
}


def expand_if(value: Any, context: str = "", depth: int = 0) -> List[Tuple[str, Any]]:
    """Every branch of an `Fn::If` that agrees with the branch `context` it sits in, as (conditions, value)."""
    body = clean(value) if depth < 6 and isinstance(value, Mapping) else {}
    args = body.get("Fn::If") if list(body) == ["Fn::If"] else None
    if not (isinstance(args, list) and len(args) == 3):
        return [(context, value)]
    condition = args[0] if isinstance(args[0], str) else "condition"
    branches: List[Tuple[str, Any]] = []
    for label, branch in ((f"if {condition}", args[1]), (f"unless {condition}", args[2])):
        combined = branch_conditions(context, label)
        if combined is not None:
            branches += expand_if(branch, combined, depth + 1)
    return branches


def branch_conditions(*parts: str) -> Optional[str]:
    """Join branch labels ("if A", "unless B, if C") without repeats; None when they contradict:
    two `Fn::If`s on one condition go the same way, so "if A" with "unless A" never exists."""
    seen = list(dict.fromkeys(item for part in parts if part for item in part.split(", ")))
    if any(item.startswith("if ") and f"unless {item[3:]}" in seen for item in seen):
        return None
    return ", ".join(seen)


def _branches(value: Any, context: str, dialect: str) -> List[Tuple[str, Any]]:
    return expand_if(value, context) if dialect == "cloudformation" else [(context, value)]  # Terraform has no Fn::If


def _labelled(base: str, condition: str) -> str:
    return f"{base} ({condition})" if condition else base


def _replica(owner: str, region: Any, index: int) -> Tuple[str, str]:
    """A replica's label and key: by its region where that is a literal, else by its place."""
    region = unwrap(region)
    name = region if isinstance(region, str) and not terraform_reference(region) else f"#{index}"
    return f"replica {name} of {owner}", f"replica:{name}"


def _spec_subjects(label: str, key: str, spec: Any, fix: str, dialect: str, context: str = "",
                   dynamic: Tuple[List[Mapping[str, Any]], List[str]] = ([], [])) -> List[Subject]:
    """A subject per Fn::If branch (within `context`) of a PITR specification (`dynamic`: Terraform's)."""
    spec_key, enabled_key, period_key, absent, unset_means, shape = _SPECS[dialect]
    cfn = dialect == "cloudformation"
    specs = [] if cfn else blocks(spec)  # HCL and plans wrap a block or object in lists
    made, unresolved = dynamic
    if specs is not None:
        specs += [block for block in made if block not in specs]
    if not cfn:
        spec = unwrap(spec) if specs is None else specs[0] if specs else MISSING
    body = clean(spec) if isinstance(spec, Mapping) else {}
    if specs == [] and unresolved:
        enabled = Reading(State.UNRESOLVED, "; ".join(unresolved))
    # Terraform allows one block (identical copies come from checkov's dynamic-block handling)
    elif specs and any(clean(other) != body for other in specs[1:]):
        enabled = Reading(State.OFF, f"{len(specs)} different {spec_key} {shape.split()[-1]}s (Terraform allows one)")
    elif spec is MISSING or (cfn and _unset(spec)):
        enabled = Reading(State.OFF, f"{absent.format(spec_key)} (PITR is off by default)")
    elif not isinstance(spec, Mapping) or (cfn and cfn_dependency(spec)):
        enabled = _odd(spec, spec_key, dialect, f"not {shape}")
    elif not body:
        enabled = Reading(State.OFF, f"{spec_key} is empty (PITR is off by default)")
    else:
        flag = enabled_key if cfn else f"{spec_key}.{enabled_key}"
        # a branch of the period that contradicts the flag's (its "unless A" with the flag's "if A") is left out
        return [Subject(_labelled(label, condition), key, read_bool(value, flag, unset_means, dialect), fix,
                        read_period(period, period_key, dialect))
                for flag_condition, value in _branches(body.get(enabled_key, MISSING), context, dialect)
                for condition, period in _branches(body.get(period_key, MISSING), flag_condition, dialect)]
    return [Subject(_labelled(label, context), key, enabled, fix)]


def _global_table(owner: str, raw: Any, dialect: str) -> List[Subject]:
    """Each replica of a CloudFormation or awscc GlobalTable has its own specification; with none, the table's."""
    cfn = dialect == "cloudformation"
    name, region_key, fix = ("Replicas", "Region", CFN_FIX_ENABLE) if cfn else ("replicas", "region", AWSCC_FIX_REPLICA)
    subjects: List[Subject] = []
    for condition, replicas in _branches(raw if cfn else blocks(raw), "", dialect):
        judged_before = len(subjects)
        for index, replica in enumerate(replicas if isinstance(replicas, list) else [], start=1):
            # a branch without the replica (AWS::NoValue) or that contradicts the branch of Replicas is left out
            for context, body in _branches(replica, condition, dialect):
                label, key = _replica(owner, body.get(region_key) if isinstance(body, Mapping) else None, index)
                if not isinstance(body, Mapping):
                    subjects.append(Subject(_labelled(label, context), key, Reading(
                        State.OFF, f"replica is {_short(body)}, not a mapping"), fix))
                elif not _no_value(body):
                    for spec_context, spec in _branches(body.get(_SPECS[dialect][0], MISSING), context, dialect):
                        subjects += _spec_subjects(label, key, spec, fix, dialect, spec_context)
        if len(subjects) == judged_before:  # no replica to read (or every entry is AWS::NoValue): the table is judged
            absent = " (every entry is AWS::NoValue)" if isinstance(replicas, list) and replicas else ""
            listed = isinstance(replicas, list) or (cfn and _unset(replicas))
            found = (Reading(State.OFF, f"no {name} to read{absent}") if listed
                     else _odd(replicas if cfn else unwrap(raw), name, dialect, "not a list of objects"))
            subjects.append(Subject(_labelled(owner, condition), "table", found, fix))
    return subjects


def read_cloudformation(logical_id: str, resource_type: str, properties: Any, globals_spec: Any = MISSING) -> List[Subject]:
    """Subjects of one CloudFormation/SAM resource; `globals_spec`: SAM's Globals.SimpleTable specification."""
    properties = {} if _unset(properties) else properties
    if not isinstance(properties, Mapping):
        return [Subject(logical_id, "table", Reading(State.OFF, f"Properties is {_short(properties)}, not a mapping"),
                        CFN_FIX_ENABLE)]
    if resource_type == CFN_GLOBAL_TABLE:
        return _global_table(logical_id, properties.get("Replicas", MISSING), "cloudformation")
    subjects: List[Subject] = []
    for condition, spec in expand_if(properties.get(CFN_SPEC, MISSING)):
        if (spec is MISSING or spec is None) and resource_type == SAM_SIMPLE_TABLE and globals_spec is not MISSING:
            spec, condition = globals_spec, ", ".join(filter(None, (condition, "from Globals.SimpleTable")))
        subjects += _spec_subjects(logical_id, "table", spec, CFN_FIX_ENABLE, "cloudformation", condition)
    return subjects


# --- Terraform (HCL as checkov hands it over, .tf.json, and plan JSON values) ---

def blocks(value: Any) -> Optional[List[Mapping[str, Any]]]:
    """A nested block in any of checkov's shapes as a list of mappings; None if it is not a block."""
    value = unwrap(value)
    if value is MISSING or value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    inner = [blocks(item) for item in value] if isinstance(value, list) else [None]
    return None if None in inner else [block for found in inner if found for block in found]


def _mentions_iterator(value: Any, iterator: str) -> bool:
    """Whether a dynamic block's content still refers to its iterator (`replica.value`): unrendered."""
    return bool(re.search(rf"\b{re.escape(iterator)}\.(?:value|key)\b", json.dumps(value, default=str)))


def _unrendered(name: str, iterator: str) -> str:
    return f'dynamic "{name}" content depends on {iterator}.value, which the scan could not render'


def _dynamic_blocks(conf: Mapping[str, Any], name: str,
                    existence_matters: bool = False) -> Tuple[List[Mapping[str, Any]], List[str]]:
    """Blocks `name` that `dynamic "name"` blocks make (rendered, or content with its for_each), and what the
    scan could not resolve about them: content naming the iterator, or (`existence_matters`) the for_each."""
    found: List[Mapping[str, Any]] = []
    unresolved: List[str] = []
    dynamic = unwrap(conf.get("dynamic", MISSING))
    # element by element: blocks() gives up on a whole list when one element is not a mapping
    for element in dynamic if isinstance(dynamic, list) else [dynamic]:
        element = unwrap(element)
        if isinstance(element, str):
            try:
                element = json.loads(element)
            except ValueError:
                continue
        if not isinstance(element, Mapping) or name not in element:
            continue
        value = element[name]  # a rendered block, or content with its for_each
        spec = value if isinstance(value, Mapping) and "content" in value else {"content": value}
        content = blocks(spec["content"]) or []
        if "for_each" not in spec:
            found.extend(content)  # as rendered
            continue
        items = spec["for_each"]  # wrapped in one list: [[]] is an empty for_each, ["var.x"] an unresolved one
        items = items[0] if isinstance(items, list) and len(items) == 1 and isinstance(items[0], (list, dict, str)) else items
        if isinstance(items, str):  # decided where the one Terraform evaluator can: `"" == "" ? [] : [1]`
            from checkov_pitr.domain.readers.terraform_eval import Scope, contains_unknown

            decided = Scope().value(items.strip() if "${" in items else "${" + items.strip() + "}")
            items = decided if isinstance(decided, (list, Mapping)) and not contains_unknown(decided) else items
        iterator = unwrap(spec.get("iterator", name))
        iterator = iterator if isinstance(iterator, str) else name
        if items is None or (isinstance(items, (list, dict, str)) and not items):
            continue  # for_each is empty: no such block exists
        mentions = _mentions_iterator(content, iterator)
        if isinstance(items, str) and (existence_matters or mentions):
            unresolved.append(f'dynamic "{name}" for_each depends on {terraform_reference(items) or items}')
        elif mentions:
            unresolved.append(_unrendered(name, iterator))
        else:
            # every block it makes looks like the content, whatever for_each turns out to be
            found.extend(content * (len(items) if isinstance(items, (list, dict)) else 1))
    return found, unresolved


def _tf_table_subjects(address: str, conf: Mapping[str, Any]) -> List[Subject]:
    subjects = _spec_subjects(address, "table", conf.get(TF_BLOCK, MISSING), TF_FIX_TABLE, "terraform",
                              dynamic=_dynamic_blocks(conf, TF_BLOCK, existence_matters=True))
    replicas: List[Tuple[str, str, Reading]] = []  # (label, key, enabled)
    replica_blocks = blocks(conf.get("replica", MISSING))
    if replica_blocks is None:
        odd = _odd(unwrap(conf.get("replica")), "replica", "terraform", "not a block")
        replicas.append((f"replicas of {address}", "replica:?", odd))
    dynamic_replicas, replicas_unresolved = _dynamic_blocks(conf, "replica")
    replicas += [(f"replicas of {address}", f"replica:dynamic#{index}", Reading(State.UNRESOLVED, reason))
                 for index, reason in enumerate(replicas_unresolved, start=1)]
    # checkov's handle_dynamic_values may copy dynamic content into `replica` and keep `dynamic` too
    all_replicas = [r for r in replica_blocks or [] if r not in dynamic_replicas] + dynamic_replicas
    # A lone replica block whose content still refers to replica.value is a `dynamic "replica"` that
    # checkov handed over unrendered because its for_each is empty by default: no such replica exists.
    # Several such blocks mean for_each had elements checkov could not substitute: unresolved.
    unrendered = [_mentions_iterator(r, "replica") for r in all_replicas]
    several = sum(unrendered)
    replicas += [(*_replica(address, None, index), Reading(State.UNRESOLVED, _unrendered("replica", "replica")))
                 for index in range(1, several + 1) if several > 1]
    rendered = (clean(r) for r, unrendered_one in zip(all_replicas, unrendered) if not unrendered_one)
    for index, block in enumerate(rendered, start=1):
        replicas.append((*_replica(address, block.get("region_name"), index),
                         read_bool(block.get(TF_BLOCK, MISSING), TF_BLOCK, _UNSET_FALSE, "terraform")))
    return subjects + [Subject(label, key, found, TF_FIX_REPLICA) for label, key, found in replicas]


def read_terraform(address: str, resource_type: str, conf: Any) -> List[Subject]:
    """Subjects of one Terraform resource; `conf` in checkov's HCL shape, .tf.json, or plan JSON."""
    if not isinstance(conf, Mapping):
        return [Subject(address, "table", Reading(State.OFF, f"configuration is {_short(conf)}, not a mapping"),
                        TF_FIX_TABLE)]
    if resource_type == TF_TABLE:
        return _tf_table_subjects(address, conf)
    if resource_type == TF_TABLE_REPLICA:
        enabled = read_bool(conf.get(TF_BLOCK, MISSING), TF_BLOCK, _UNSET_FALSE, "terraform")
        return [Subject(address, "table", enabled, "set point_in_time_recovery = true")]
    if resource_type == AWSCC_TABLE:
        return _spec_subjects(address, "table", conf.get(AWSCC_SPEC, MISSING), AWSCC_FIX_TABLE, "awscc")
    if resource_type == AWSCC_GLOBAL_TABLE:
        return _global_table(address, conf.get("replicas", MISSING), "awscc")
    return []  # aws_dynamodb_global_table (2017) has no PITR setting: no result


# --- Judging ---

def _message(*parts: Sequence[str]) -> str:
    return "; ".join(dict.fromkeys(item for group in parts for item in group if item))


_UNRESOLVED_HINTS = {
    "cloudformation": "give the parameter a Default or set the value in the template",
    "terraform": "scanning the plan (terraform show -json) resolves it",
    # in a plan, a reference left in place of a value is one Terraform knows only after apply
    "terraform_plan": "the plan knows this value only after apply; set it from a value known at plan time",
}


def _verdict(items: Sequence[Tuple[State, str, str]], policy: Policy, dialect: str,
             notes: Sequence[str] = ()) -> Verdict:
    """Of (state, found, fix) items: FAILED on OFF (or UNRESOLVED if the policy says fail), else UNKNOWN or PASSED."""
    failing, unresolved = ([item for item in items if item[0] is state] for state in (State.OFF, State.UNRESOLVED))
    hint = [_UNRESOLVED_HINTS[dialect]]
    if unresolved and policy.unresolved == "fail":
        result, shown, extra = Result.FAILED, failing + unresolved, hint
    elif failing or unresolved:
        result, shown, extra = (Result.FAILED, failing, []) if failing else (Result.UNKNOWN, unresolved, hint)
    else:
        result, shown, extra = Result.PASSED, list(items), notes
    fixes = [fix for _, _, fix in shown] if result is Result.FAILED else []
    return Verdict(result, _message([found for _, found, _ in shown], fixes, extra))


def judge_enabled(subjects: Sequence[Subject], policy: Policy, dialect: str = "cloudformation") -> Verdict:
    """CKV_PITR_001: every table and replica (and every Fn::If branch) has PITR enabled."""
    if not subjects:
        return Verdict(Result.NONE, "no DynamoDB table here")
    return _verdict([(s.enabled.state, f"{s.label}: {s.enabled.found}", s.fix_enable) for s in subjects], policy,
                    dialect)


def judge_period(subjects: Sequence[Subject], policy: Policy, dialect: str = "cloudformation") -> Verdict:
    """CKV_PITR_002: where PITR is enabled, its recovery period is at least the policy minimum."""
    enabled = [s for s in subjects if s.enabled.state is State.ON]
    if not enabled:
        return Verdict(Result.NONE, "PITR is enabled nowhere: no recovery period to judge (CKV_PITR_001 fails)")
    minimum = policy.min_recovery_period_days
    fix = f"set the recovery period to at least {minimum} days, or remove it ({AWS_DEFAULT_PERIOD_DAYS} by default)"
    short = [(State.OFF, f"{s.label}: {s.period.found}, shorter than the policy minimum of {minimum} days", fix)
             for s in enabled if s.period.state is State.ON and (s.period.days or 0) < minimum]
    items = short + [(s.period.state, f"{s.label}: {s.period.found}", fix) for s in enabled]  # short ones named first
    return _verdict(items, policy, dialect, [f"minimum {minimum} days"])


def judge_change(actions: Sequence[str], before: Sequence[Subject], after: Sequence[Subject], address: str) -> Verdict:
    """CKV_PITR_003: an update or replace must not turn PITR off, or shorten its period, where it is on today."""
    if not all(isinstance(a, str) for a in actions):
        return Verdict(Result.FAILED, f"{address}: the plan's change actions {list(actions)!r} cannot be read, so a PITR "
                                      "loss cannot be ruled out; scan the complete `terraform show -json` output")
    if not set(actions) & {"update", "delete"}:
        return Verdict(Result.PASSED, f"{address}: {'/'.join(actions) or 'no change'}: no existing PITR setting changes")
    if set(actions) == {"delete"}:
        return Verdict(Result.NONE, f"{address}: deleted")
    after_by_key = {s.key: s for s in reversed(after)}  # the first subject of a key
    losses: List[str] = []
    for old in {s.key: s for s in before if s.enabled.state is State.ON}.values():
        new = after_by_key.get(old.key)
        if new is None:
            continue  # the replica itself is removed: a delete, not a PITR change
        if new.enabled.state is not State.ON:
            losses.append(f"{old.label}: apply turns PITR off ({new.enabled.found}) and deletes its continuous backups and "
                          f"its {old.period.days or AWS_DEFAULT_PERIOD_DAYS}-day restore window")
        elif (old.period.days or 0) > (new.period.days or AWS_DEFAULT_PERIOD_DAYS) and new.period.state is State.ON:
            losses.append(f"{old.label}: apply shortens the PITR restore window from {old.period.days} to {new.period.days} days")
    if losses:
        return Verdict(Result.FAILED, _message(losses, ["keep PITR enabled with the same recovery period and plan again"]))
    return Verdict(Result.PASSED, f"{address}: {'/'.join(actions)} keeps PITR where it is enabled today")
