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
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import yaml

from checkov_pitr.domain.core import Policy
from checkov_pitr.rule import CHECKS

POLICY_ENV = "CHECKOV_PITR_POLICY"
LOCAL_POLICY_FILE = ".checkov-pitr.yaml"
POLICY_PACKAGE = "checkov_pitr.policies"


def tag_text(value: Any) -> str:
    """Tag values compare as text; YAML's true and a template's "true" are the same tag."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def address_glob_matches(address: str, pattern: str) -> bool:
    """`*` and `?` are wildcards; brackets are literal, because Terraform addresses use them
    (`aws_dynamodb_table.t["blue"]`, `module.m[0].*`), where fnmatch would read a character class."""
    literal_brackets = re.sub(r"([\[\]])", r"[\1]", pattern)
    return fnmatch.fnmatchcase(address, literal_brackets)


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

    def covers(self, check_id: str) -> bool:
        return not self.checks or check_id in self.checks

    def matches(self, resource_ids: Sequence[str], tags: Mapping[str, Any]) -> bool:
        if self.resources and not any(
            address_glob_matches(rid, pattern) for rid in resource_ids if rid for pattern in self.resources
        ):
            return False
        return all(key in tags and tag_text(tags[key]) == value for key, value in self.tags)

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def comment(self) -> str:
        extra = "; ".join(p for p in (f"owner {self.owner}" if self.owner else "",
                                      f"ticket {self.ticket}" if self.ticket else "") if p)
        return f"checkov-pitr policy {self.label}: {self.reason} (expires {self.expires.isoformat()}{'; ' + extra if extra else ''})"


@dataclass(frozen=True)
class LoadedPolicy:
    source: str  # file path, or "default"
    core: Policy
    severity: Dict[str, str] = field(default_factory=dict)
    exemptions: Tuple[Exemption, ...] = ()

    def severity_for(self, check_id: str) -> str:
        return self.severity.get(check_id, CHECKS[check_id].severity)

    def exemption_for(
        self, check_id: str, resource_ids: Sequence[str], tags: Mapping[str, Any], today: Optional[dt.date] = None
    ) -> Tuple[Optional[Exemption], Optional[Exemption]]:
        """(the exemption that applies, an expired exemption that would have applied)."""
        today = today or dt.date.today()
        expired: Optional[Exemption] = None
        for exemption in self.exemptions:
            if exemption.covers(check_id) and exemption.matches(resource_ids, tags):
                if not exemption.expired(today):
                    return exemption, None
                expired = expired or exemption
        return None, expired


def _read_packaged(name: str) -> str:
    try:
        return resources.files(POLICY_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError:  # running from a source checkout: policies/ sits beside the package
        return (Path(__file__).resolve().parents[2] / "policies" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def policy_schema() -> Dict[str, Any]:
    return json.loads(_read_packaged("policy.schema.json"))


class _PolicyYamlLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text: the schema then judges `expires: 2027-13-45` and names
    the key, where PyYAML itself would stop with a bare ValueError."""


_PolicyYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_policy_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_PolicyYamlLoader)  # noqa: S506 - a SafeLoader subclass


def _dates_to_text(value: Any) -> Any:
    # YAML reads an unquoted 2027-01-31 as a date; the schema checks the text form.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    return value


def _path_text(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _expected(error: Any) -> str:
    validator, value, schema = error.validator, error.validator_value, error.schema
    # Say what the key means, not only its JSON type: `expires: 20270101` expects a date.
    if validator == "format" or (validator == "type" and schema.get("format") == "date"):
        return "expected a date YYYY-MM-DD"
    if validator in ("minimum", "maximum") or (validator == "type" and "minimum" in schema and "maximum" in schema):
        return f"expected a whole number from {schema.get('minimum')} to {schema.get('maximum')}"
    if validator == "type":
        return f"expected {' or '.join(value) if isinstance(value, list) else value}"
    if validator == "enum":
        return "expected one of " + ", ".join(str(v) for v in value)
    if validator == "required":
        return "required"
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {})) or sorted(error.schema.get("patternProperties", {}))
        return "unknown key; expected one of " + ", ".join(allowed)
    if validator == "anyOf":
        return "expected `resources` (address globs) or `tags` to say what it matches"
    if validator in ("minLength", "minItems", "minProperties"):
        return "expected a non-empty value"
    return error.message


def validate_policy_data(data: Any, source: str) -> LoadedPolicy:
    import jsonschema

    if data is None:
        data = {}
    data = _dates_to_text(data)
    validator_class = jsonschema.validators.validator_for(policy_schema())
    validator = validator_class(policy_schema(), format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator))
    if errors:
        error = min(errors, key=lambda e: (-len(e.absolute_path), str(e.validator)))
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else "?"
            path = path + [missing]
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # the first unknown key itself (also a YAML key that is not text, such as 1 or true)
            known = error.schema.get("properties", {})
            path = path + [str(next((k for k in error.instance if k not in known), "?"))]
        shown = "" if error.validator in ("required", "additionalProperties", "anyOf") else f" (got {error.instance!r})"
        raise PolicyError(f"policy {source}: {_path_text(path)}: {_expected(error)}{shown}")
    exemptions = tuple(
        Exemption(
            index=i,
            reason=e["reason"],
            expires=dt.date.fromisoformat(e["expires"]),
            resources=tuple(e.get("resources", ())),
            tags=tuple((str(k), tag_text(v)) for k, v in e.get("tags", {}).items()),
            checks=tuple(e.get("checks", ())),
            ticket=e.get("ticket", ""),
            owner=e.get("owner", ""),
        )
        for i, e in enumerate(data.get("exemptions") or [])
    )
    return LoadedPolicy(
        source=source,
        core=Policy(
            min_recovery_period_days=data.get("min_recovery_period_days", Policy.min_recovery_period_days),
            unresolved=data.get("unresolved", Policy.unresolved),
        ),
        severity=dict(data.get("severity") or {}),
        exemptions=exemptions,
    )


def load_policy_file(path: str) -> LoadedPolicy:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise PolicyError(f"policy {path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise PolicyError(f"policy {path}: is not UTF-8 text") from None
    try:
        data = parse_policy_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise PolicyError(f"policy {path}: is not valid YAML{where}") from None
    except Exception as exc:  # e.g. an explicit `!!int abc`: still one line, never a traceback
        raise PolicyError(f"policy {path}: is not valid YAML ({type(exc).__name__}: {exc})") from None
    return validate_policy_data(data, path)


def discover_policy_path(explicit: Optional[str] = None) -> Optional[str]:
    """--policy FILE, then $CHECKOV_PITR_POLICY, then ./.checkov-pitr.yaml; None means the default."""
    if explicit:
        return explicit
    from_env = os.environ.get(POLICY_ENV)
    if from_env:
        return from_env
    if os.path.isfile(LOCAL_POLICY_FILE):
        return os.path.abspath(LOCAL_POLICY_FILE)
    return None


def load_policy(explicit: Optional[str] = None) -> LoadedPolicy:
    path = discover_policy_path(explicit)
    if path is None:
        return validate_policy_data(parse_policy_yaml(_read_packaged("default.yaml")), "default")
    return load_policy_file(path)


@lru_cache(maxsize=8)
def _cached_policy(from_env: Optional[str], cwd: str) -> Tuple[Optional[LoadedPolicy], Optional[str]]:
    try:
        return load_policy(discover_policy_path()), None
    except PolicyError as exc:
        return None, str(exc)


def active_policy() -> Tuple[Optional[LoadedPolicy], Optional[str]]:
    """The policy in force for this process, found and read once per environment setting and
    working directory (checks ask for it several times per resource): (policy, None) or (None, error)."""
    return _cached_policy(os.environ.get(POLICY_ENV), os.getcwd())
