"""Policy files: discovery, JSON Schema validation, and exemption matching. No checkov here."""
from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from checkov_pitr.domain.core import Policy
from checkov_pitr.domain.inventory import read_file_bytes
from checkov_pitr.domain.readers import yaml_loader
from checkov_pitr.domain.readers.yaml_loader import EXCERPT_CHARS, excerpt  # noqa: F401 (excerpt: for others)
from checkov_pitr.rule import CHECKS

POLICY_ENV = "CHECKOV_PITR_POLICY"
LOCAL_POLICY_FILE = ".checkov-pitr.yaml"
POLICY_PACKAGE = "checkov_pitr.policies"

DEFAULT_MAX_EXEMPTION_DAYS = 366
MAX_POLICY_BYTES = 1024 * 1024  # a policy is a page of settings; more is a mistake or an attack
MAX_YAML_NODES = yaml_loader.PLAIN.max_alias_nodes  # nodes reached through aliases: ample for a policy


def exemption_ids(address: str, entity_type: str = "", name: str = "") -> List[str]:
    """What exemption globs match for a Terraform resource: its address, and only in the root module also
    `type.name` (all instances) and `resource.name`, so `aws_dynamodb_table.c` never exempts `module.m.aws_dynamodb_table.c`."""
    ids = [address] if address else []
    in_root_module = not address or not address.startswith("module.")
    if in_root_module and entity_type and name:
        ids += [f"{entity_type}.{name}", f"resource.{name}"]
    return list(dict.fromkeys(ids))


def tag_text(value: Any) -> str:
    """Tag values compare as text; YAML's true and a template's "true" are the same tag."""
    return str(value).lower() if isinstance(value, bool) else str(value)


class PolicyError(Exception):
    """An unreadable or invalid policy file; str() is the one-line message for users."""


@dataclass(frozen=True)
class Exemption:
    index: int
    reason: str
    expires: dt.date
    resources: Tuple[str, ...] = ()
    tags: Tuple[Tuple[str, str], ...] = ()
    checks: Tuple[str, ...] = ()  # empty: all checks
    ticket: str = ""
    owner: str = ""

    @property
    def label(self) -> str:
        what = ", ".join([*self.resources, *(f"{k}={v}" for k, v in self.tags)])
        return f"exemptions[{self.index}] ({what})"

    @property
    def checks_text(self) -> str:
        """The checks it covers, in words, for the run's summary."""
        return ", ".join(self.checks) if self.checks else "all checks"

    def applies(self, check_id: str, resource_ids: Sequence[str], tags: Mapping[str, Any]) -> bool:
        """Whether it covers the check and matches the resource. In globs `*` and `?` are wildcards and brackets
        literal, as Terraform addresses use them (`t["blue"]`, `module.m[0].*`) where fnmatch reads a class."""
        if self.checks and check_id not in self.checks:
            return False
        globs = [re.sub(r"([\[\]])", r"[\1]", glob) for glob in self.resources]
        if globs and not any(fnmatch.fnmatchcase(rid, glob) for rid in resource_ids if rid for glob in globs):
            return False
        return all(key in tags and tag_text(tags[key]) == value for key, value in self.tags)

    @property
    def expired_note(self) -> str:  # what a result says of an exemption that no longer applies
        return f" (exemption {self.label} expired on {self.expires.isoformat()})"

    def comment(self) -> str:
        extra = "".join(f"; {name} {value}" for name, value in (("owner", self.owner), ("ticket", self.ticket)) if value)
        return f"checkov-pitr policy {self.label}: {self.reason} (expires {self.expires.isoformat()}{extra})"


@dataclass(frozen=True)
class LoadedPolicy:
    source: str  # file path, or "default"
    core: Policy
    severity: Dict[str, str] = field(default_factory=dict)
    exemptions: Tuple[Exemption, ...] = ()
    max_exemption_days: int = DEFAULT_MAX_EXEMPTION_DAYS
    deployed_with: str = "both"  # terraform | opentofu | both: which readings of a Terraform folder are judged

    @property
    def shown_source(self) -> str:
        """How a run names this policy: its path, or "built-in"."""
        return "built-in" if self.source == "default" else self.source

    def severity_for(self, check_id: str) -> str:
        return self.severity.get(check_id, CHECKS[check_id].severity)

    def exemption_for(self, check_id: str, resource_ids: Sequence[str], tags: Mapping[str, Any],
                      today: Optional[dt.date] = None) -> Tuple[Optional[Exemption], Optional[Exemption]]:
        """(the exemption that applies, an expired exemption that would have applied)."""
        today = today or dt.date.today()
        expired: Optional[Exemption] = None
        for exemption in self.exemptions:
            if exemption.applies(check_id, resource_ids, tags):
                if today <= exemption.expires:
                    return exemption, None
                expired = expired or exemption
        return None, expired


def _read_packaged(name: str) -> str:
    try:
        return resources.files(POLICY_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError:  # running from a source checkout: policies/ sits beside the package
        return (Path(__file__).resolve().parents[2] / "policies" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _schema_validator() -> Any:
    import jsonschema  # a fifth of a small scan's start-up: only for policy files

    schema = json.loads(_read_packaged("policy.schema.json"))
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


class PolicyYamlError(ValueError):
    """A policy or config file that is not valid YAML; str() follows its name ("is not valid YAML at line 3")."""


_YAML_ERRORS = {yaml_loader.AliasBomb: f"YAML aliases expand to more than {MAX_YAML_NODES} nodes",
                yaml_loader.AliasToItself: "a YAML alias refers to itself", yaml_loader.TooDeep: "YAML nesting too deep"}


def parse_policy_yaml(text: str) -> Any:
    """The policy's data by the one YAML loader's plain mode: SafeLoader rules, dates as text, no duplicate keys."""
    try:
        loaded = yaml_loader.load_yaml(text, yaml_loader.PLAIN, max_chars=MAX_POLICY_BYTES)
    except yaml_loader.LoadError as exc:  # DuplicateKey: "duplicate key 'x' at line 3 (first at line 2)"
        known = _YAML_ERRORS.get(type(exc), str(exc) if isinstance(exc, yaml_loader.DuplicateKey) else None)
        raise PolicyYamlError(f"is not valid: {known}" if known else
                              f"is not valid YAML{f' at line {exc.line}' if exc.line else ''}") from None
    except Exception as exc:  # still one line, never a traceback
        raise PolicyYamlError(f"is not valid YAML ({type(exc).__name__}: {excerpt(str(exc))})") from None
    if len(loaded.documents) > 1:
        raise PolicyYamlError("is not valid YAML")  # one document only
    return loaded.documents[0] if loaded.documents else None


def _path_text(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        part = part if isinstance(part, int) else excerpt(str(part))  # a key is file text too
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


# What the schema expected, by the keyword that failed; `{}` takes the keyword's value.
_EXPECTED = {"required": "required", "anyOf": "expected `resources` (address globs) or `tags` to say what it matches",
             **dict.fromkeys(("minLength", "minItems", "minProperties"), "expected a non-empty value"),
             "maxLength": "expected at most {} characters", "type": "expected {}", "enum": "expected one of {}"}


def _expected(error: Any) -> str:
    validator, value, schema = error.validator, error.validator_value, error.schema
    # Say what the key means, not only its JSON type: `expires: 20270101` expects a date.
    if validator == "format" or (validator == "type" and schema.get("format") == "date"):
        return "expected a date YYYY-MM-DD"
    if validator in ("minimum", "maximum") or (validator == "type" and "minimum" in schema and "maximum" in schema):
        return f"expected a whole number from {schema.get('minimum')} to {schema.get('maximum')}"
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {})) or sorted(error.schema.get("patternProperties", {}))
        return "unknown key; expected one of " + ", ".join(allowed)
    words = (" or " if validator == "type" else ", ").join(map(str, value)) if isinstance(value, list) else value
    return _EXPECTED[validator].format(words) if validator in _EXPECTED else error.message


def validate_policy_data(data: Any, source: str, today: Optional[dt.date] = None) -> LoadedPolicy:
    """The policy in `data` (parsed YAML), or PolicyError naming the key, its path and what was
    expected. Beyond the schema: no exemption for everything, none longer than max_exemption_days."""
    data = {} if data is None else data
    errors = [] if source == "default" else list(_schema_validator().iter_errors(data))  # tests validate the default
    if errors:  # the deepest names the key; of equals, the first path
        error = min(errors, key=lambda e: (-len(e.absolute_path), str(e.validator), list(e.absolute_path)))
        path = list(error.absolute_path)
        if error.validator == "required":
            path.append(error.message.split("'")[1] if "'" in error.message else "?")
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # the first unknown key itself (also a YAML key that is not text, such as 1 or true)
            known = error.schema.get("properties", {})
            path.append(str(next((k for k in error.instance if k not in known), "?")))
        shown = "" if error.validator in ("required", "additionalProperties", "anyOf") else f" (got {excerpt(repr(error.instance))})"
        raise PolicyError(f"policy {source}: {_path_text(path)}: {_expected(error)}{shown}")
    exemptions = tuple(
        Exemption(index=i, reason=e["reason"], expires=dt.date.fromisoformat(e["expires"]),
                  resources=tuple(e.get("resources", ())), tags=tuple((str(k), tag_text(v)) for k, v in e.get("tags", {}).items()),
                  checks=tuple(e.get("checks", ())), ticket=e.get("ticket", ""), owner=e.get("owner", ""))
        for i, e in enumerate(data.get("exemptions") or [])
    )
    max_days = data.get("max_exemption_days", DEFAULT_MAX_EXEMPTION_DAYS)
    latest = (today or dt.date.today()) + dt.timedelta(days=max_days)
    for exemption in exemptions:  # a reviewed, named, time-boxed exception: never all resources, never open-ended
        where = f"policy {source}: exemptions[{exemption.index}]"
        for number, pattern in enumerate(exemption.resources):
            # no letter or digit outside its wildcards (`*`, `**`, `*.*`, `?*`): it matches every resource
            if not re.search(r"[A-Za-z0-9]", pattern):
                raise PolicyError(f"{where}.resources[{number}]: {excerpt(pattern)} would exempt every resource; "
                                  "name the resources (an address or logical-id glob) or use `tags` alone")
        if exemption.expires > latest:
            raise PolicyError(f"{where}.expires: {exemption.expires.isoformat()} is more than max_exemption_days "
                              f"({max_days}) after today; the latest allowed is {latest.isoformat()}")
    core = Policy(min_recovery_period_days=data.get("min_recovery_period_days", Policy.min_recovery_period_days),
                  unresolved=data.get("unresolved", Policy.unresolved))
    return LoadedPolicy(source=source, core=core, severity=dict(data.get("severity") or {}), exemptions=exemptions,
                        max_exemption_days=max_days, deployed_with=data.get("deployed_with", "both"))


def load_policy_file(path: str, discovered: bool = False, today: Optional[dt.date] = None) -> LoadedPolicy:
    """A policy file of at most MAX_POLICY_BYTES. A discovered ./.checkov-pitr.yaml must be no symlink: a
    pull request could otherwise point it at any file on the runner; a named policy may be one."""
    if discovered and os.path.islink(path):
        raise PolicyError(f"policy {path}: is a symlink; a discovered {LOCAL_POLICY_FILE} must be a regular file "
                          "(name the policy with --policy to use a link)")
    if os.path.isdir(path):
        raise PolicyError(f"policy {path}: cannot be read (Is a directory)")
    raw, why_not = read_file_bytes(path, MAX_POLICY_BYTES)
    if raw is None:
        raise PolicyError(f"policy {path}: {why_not}")
    try:
        return validate_policy_data(parse_policy_yaml(raw.decode("utf-8")), path, today)
    except UnicodeDecodeError:
        raise PolicyError(f"policy {path}: is not UTF-8 text") from None
    except PolicyYamlError as exc:
        raise PolicyError(f"policy {path}: {exc}") from None


def load_policy(explicit: Optional[str] = None) -> LoadedPolicy:
    """--policy FILE, then $CHECKOV_PITR_POLICY, then ./.checkov-pitr.yaml, else the built-in default."""
    named = explicit or os.environ.get(POLICY_ENV)
    if named:
        return load_policy_file(named)
    if os.path.lexists(LOCAL_POLICY_FILE):  # as a link or FIFO too: load_policy_file refuses it, loudly
        return load_policy_file(os.path.abspath(LOCAL_POLICY_FILE), discovered=True)
    return validate_policy_data(parse_policy_yaml(_read_packaged("default.yaml")), "default")


@lru_cache(maxsize=8)
def _cached_policy(from_env: Optional[str], cwd: str) -> Tuple[Optional[LoadedPolicy], Optional[str]]:
    try:
        return load_policy(), None  # discovered as the CLI discovers it: a linked .checkov-pitr.yaml is refused
    except PolicyError as exc:
        return None, str(exc)


def active_policy() -> Tuple[Optional[LoadedPolicy], Optional[str]]:
    """(policy, None) or (None, error), read once per $CHECKOV_PITR_POLICY and working directory: checks ask often."""
    return _cached_policy(os.environ.get(POLICY_ENV), os.getcwd())
