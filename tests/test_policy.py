"""Policy files without checkov: validation messages, the shipped policies, discovery, exemption matching."""
from __future__ import annotations

import datetime as dt
import os
import re
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

from checkov_pitr.domain.core import Policy
from checkov_pitr.domain.policy import (
    LOCAL_POLICY_FILE,
    POLICY_ENV,
    Exemption,
    LoadedPolicy,
    PolicyError,
    active_policy,
    load_policy,
    load_policy_file,
    parse_policy_yaml,
    validate_policy_data,
)

from conftest import REPO

SHIPPED = REPO / "policies"
TODAY = dt.date(2027, 5, 10)


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def exemption_yaml(**fields: str) -> str:
    """One exemption entry: a valid one by default, with fields replaced (value None drops it)."""
    entry = {"resources": '["aws_dynamodb_table.sessions"]', "reason": "rebuilt on deploy", "expires": "2027-06-30"}
    entry.update(fields)
    lines = [f"{k}: {v}" for k, v in entry.items() if v is not None]
    return "exemptions:\n  - " + "\n    ".join(lines) + "\n"


# (name, policy text, key path in the message, what the message says was expected)
INVALID = [
    ("wrong_type_number", "min_recovery_period_days: seven\n", "min_recovery_period_days",
     "expected a whole number from 1 to 35 (got 'seven')"),
    ("wrong_type_boolean_is_no_number", "min_recovery_period_days: true\n", "min_recovery_period_days",
     "expected a whole number from 1 to 35 (got True)"),
    ("wrong_type_exemptions_mapping", "exemptions: {sessions: exempt}\n", "exemptions", "expected array"),
    ("wrong_type_resources_text", exemption_yaml(resources="module.cache.*"), "exemptions[0].resources",
     "expected array (got 'module.cache.*')"),
    ("wrong_type_reason_number", exemption_yaml(reason="42"), "exemptions[0].reason", "expected string (got 42)"),
    ("wrong_type_tag_value_mapping", exemption_yaml(resources=None, tags="{backup: {x: y}}"),
     "exemptions[0].tags.backup", "expected string or number or boolean"),
    ("wrong_type_top_level_list", "- min_recovery_period_days\n", "(top level)", "expected object"),
    ("unknown_key_top_level", "min_days: 7\n", "min_days",
     "unknown key; expected one of deployed_with, exemptions, max_exemption_days, min_recovery_period_days, severity, unresolved"),
    ("unknown_key_in_exemption", exemption_yaml(owners="platform"), "exemptions[0].owners",
     "unknown key; expected one of checks, expires, owner, reason, resources, tags, ticket"),
    ("unknown_key_not_text", "1: x\n", "1", "unknown key"),
    ("out_of_range_zero", "min_recovery_period_days: 0\n", "min_recovery_period_days",
     "expected a whole number from 1 to 35 (got 0)"),
    ("out_of_range_36", "min_recovery_period_days: 36\n", "min_recovery_period_days",
     "expected a whole number from 1 to 35 (got 36)"),
    ("bad_date_month_13", exemption_yaml(expires="2027-13-45"), "exemptions[0].expires",
     "expected a date YYYY-MM-DD (got '2027-13-45')"),
    ("bad_date_february_30", exemption_yaml(expires="2027-02-30"), "exemptions[0].expires",
     "expected a date YYYY-MM-DD (got '2027-02-30')"),
    ("bad_date_word", exemption_yaml(expires="tomorrow"), "exemptions[0].expires",
     "expected a date YYYY-MM-DD (got 'tomorrow')"),
    ("bad_date_number", exemption_yaml(expires="20270630"), "exemptions[0].expires",
     "expected a date YYYY-MM-DD (got 20270630)"),
    ("bad_date_with_time", exemption_yaml(expires="2027-06-30 12:00:00"), "exemptions[0].expires",
     "expected a date YYYY-MM-DD"),
    ("missing_reason", exemption_yaml(reason=None), "exemptions[0].reason", "required"),
    ("empty_reason", exemption_yaml(reason="''"), "exemptions[0].reason", "expected a non-empty value"),
    ("missing_expires", exemption_yaml(expires=None), "exemptions[0].expires", "required"),
    ("neither_resources_nor_tags", exemption_yaml(resources=None), "exemptions[0]",
     "expected `resources` (address globs) or `tags`"),
    ("empty_resources", exemption_yaml(resources="[]"), "exemptions[0].resources", "expected a non-empty value"),
    ("bad_check_id", exemption_yaml(checks="[CKV_AWS_28]"), "exemptions[0].checks[0]",
     "expected one of CKV_PITR_001, CKV_PITR_002, CKV_PITR_003 (got 'CKV_AWS_28')"),
    ("bad_severity", "severity:\n  CKV_PITR_001: URGENT\n", "severity.CKV_PITR_001",
     "expected one of CRITICAL, HIGH, MEDIUM, LOW, INFO (got 'URGENT')"),
    ("bad_severity_check_id", "severity:\n  CKV_PITR_009: HIGH\n", "severity.CKV_PITR_009",
     "unknown key; expected one of CKV_PITR_001, CKV_PITR_002, CKV_PITR_003"),
    ("bad_unresolved", "unresolved: maybe\n", "unresolved", "expected one of fail, unknown (got 'maybe')"),
    ("second_exemption_counts_from_zero", exemption_yaml() + "  - tags: {backup: exempt}\n    reason: r\n",
     "exemptions[1].expires", "required"),
]


@pytest.mark.parametrize("text,path,expected", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_policy_names_file_key_and_expectation(tmp_path: Path, text: str, path: str, expected: str) -> None:
    policy_file = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy_file(str(policy_file))
    message = str(caught.value)
    assert message.startswith(f"policy {policy_file}: {path}: "), message
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize("text,fragment", [
    ("exemptions: [unclosed\n  reason: : :\n", "is not valid YAML at line"),
    ("min_recovery_period_days: 7\n---\nunresolved: fail\n", "is not valid YAML"),
    ("exemptions:\n  - resources: [a]\n    reason: r\n    expires: !!timestamp 2027-13-45\n", "is not valid YAML"),
], ids=["broken_syntax", "two_documents", "explicit_bad_timestamp"])
def test_non_yaml_text_is_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    policy_file = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy_file(str(policy_file))
    assert str(caught.value).startswith(f"policy {policy_file}: {fragment}")
    assert "\n" not in str(caught.value)


def test_unreadable_files_are_one_line(tmp_path: Path) -> None:
    for path, why in ((tmp_path / "absent.yaml", "No such file"), (tmp_path, "Is a directory")):
        with pytest.raises(PolicyError, match=f"^policy {path}: cannot be read \\({why}"):
            load_policy_file(str(path))
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00min")
    with pytest.raises(PolicyError, match="is not UTF-8 text"):
        load_policy_file(str(binary))


def test_empty_file_is_the_default_policy(tmp_path: Path) -> None:
    loaded = load_policy_file(str(write(tmp_path, "# nothing set\n")))
    assert loaded.core == Policy(min_recovery_period_days=35, unresolved="fail")
    assert loaded.exemptions == () and loaded.severity == {}


def test_every_setting_is_read(tmp_path: Path) -> None:
    loaded = load_policy_file(str(write(tmp_path, """\
        min_recovery_period_days: 7
        unresolved: unknown
        severity: {CKV_PITR_002: HIGH, CKV_PITR_003: LOW}
        exemptions:
          - resources: ["module.cache.*"]
            tags: {backup: exempt, ephemeral: true}
            checks: [CKV_PITR_002]
            reason: rebuilt on deploy
            expires: 2027-06-30
            ticket: PLAT-1
            owner: platform-team
        """)))
    assert loaded.core == Policy(min_recovery_period_days=7, unresolved="unknown")
    assert [loaded.severity_for(c) for c in ("CKV_PITR_001", "CKV_PITR_002", "CKV_PITR_003")] == ["HIGH", "HIGH", "LOW"]
    assert loaded.exemptions == (Exemption(
        index=0, reason="rebuilt on deploy", expires=dt.date(2027, 6, 30), resources=("module.cache.*",),
        tags=(("backup", "exempt"), ("ephemeral", "true")), checks=("CKV_PITR_002",), ticket="PLAT-1",
        owner="platform-team"),)
    comment = loaded.exemptions[0].comment()
    for part in ("exemptions[0] (module.cache.*, backup=exempt, ephemeral=true)", "rebuilt on deploy",
                 "expires 2027-06-30", "owner platform-team", "ticket PLAT-1"):
        assert part in comment


# --- the shipped policies --------------------------------------------------------------------------

def test_default_policy_is_35_days_fail_closed() -> None:
    loaded = validate_shipped("default.yaml")
    assert loaded.core == Policy(min_recovery_period_days=35, unresolved="fail")
    assert loaded.exemptions == ()


def test_strict_policy_is_35_days_fail_closed_without_exemptions() -> None:
    loaded = validate_shipped("strict.yaml")
    assert loaded.core == Policy(min_recovery_period_days=35, unresolved="fail")
    assert loaded.exemptions == ()
    assert loaded.severity_for("CKV_PITR_002") == "HIGH"


def test_example_exemptions_policy_shows_each_kind_of_match() -> None:
    loaded = validate_shipped("example-exemptions.yaml")
    kinds = {("resources" if e.resources else "tags") for e in loaded.exemptions}
    assert kinds == {"resources", "tags"}
    assert all(e.reason and e.expires for e in loaded.exemptions)
    assert any(e.checks for e in loaded.exemptions) and any(e.owner for e in loaded.exemptions)


def test_readme_shows_the_shipped_example_exemptions_verbatim() -> None:
    example = (SHIPPED / "example-exemptions.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example}```" in (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_policy_examples_are_valid_policies() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Policy files and exemptions", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        validate_policy_data(parse_policy_yaml(block), "README.md")


def validate_shipped(name: str) -> LoadedPolicy:
    return load_policy_file(str(SHIPPED / name))


# --- discovery: --policy > $CHECKOV_PITR_POLICY > ./.checkov-pitr.yaml > default -------------------

@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dict[str, Path]:
    """A policy in each place, each with its own minimum so the one in force is visible."""
    monkeypatch.delenv(POLICY_ENV, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    found = {
        "explicit": write(tmp_path, "min_recovery_period_days: 1\n", "explicit.yaml"),
        "env": write(tmp_path, "min_recovery_period_days: 2\n", "env.yaml"),
        "local": write(work, "min_recovery_period_days: 3\n", LOCAL_POLICY_FILE),
    }
    monkeypatch.setenv(POLICY_ENV, str(found["env"]))
    return found


def test_discovery_order(places: Dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_policy(str(places["explicit"])).core.min_recovery_period_days == 1
    assert load_policy().core.min_recovery_period_days == 2
    monkeypatch.delenv(POLICY_ENV)
    assert load_policy().source == os.path.abspath(LOCAL_POLICY_FILE)
    assert load_policy().core.min_recovery_period_days == 3
    places["local"].unlink()
    assert load_policy().source == "default"
    assert load_policy().core.min_recovery_period_days == 35


def test_local_file_is_read_from_the_current_directory_only(places: Dict[str, Path],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POLICY_ENV)
    monkeypatch.chdir(places["local"].parent.parent)  # the parent folder has no .checkov-pitr.yaml
    assert load_policy().source == "default"


def test_a_named_policy_that_is_missing_is_an_error_not_the_default(places: Dict[str, Path],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(POLICY_ENV, str(places["env"].with_name("gone.yaml")))
    with pytest.raises(PolicyError, match="gone.yaml: cannot be read"):
        load_policy()
    policy, error = active_policy()  # what the checks see under plain checkov: fail closed, with the reason
    assert policy is None and "gone.yaml: cannot be read" in (error or "")


# --- exemption matching ----------------------------------------------------------------------------

def exemptions(tmp_path: Path, entries: str) -> LoadedPolicy:
    # matched against TODAY, so loaded as of TODAY too: max_exemption_days counts from the load date
    return load_policy_file(str(write(tmp_path, "exemptions:\n" + textwrap.dedent(entries))), today=TODAY)


def first_match(policy: LoadedPolicy, ids: List[str], tags: Dict[str, object] = {},  # noqa: B006 - read only
                check: str = "CKV_PITR_001", today: dt.date = TODAY) -> object:
    exemption, expired = policy.exemption_for(check, ids, tags, today=today)
    return ("applies", exemption.index) if exemption else ("expired", expired.index) if expired else None


@pytest.mark.parametrize("ids,expected", [
    (["module.cache.aws_dynamodb_table.this"], ("applies", 0)),
    (['module.cache.aws_dynamodb_table.this["a"]'], ("applies", 0)),
    (["module.cache.module.inner.aws_dynamodb_table.t"], ("applies", 0)),
    (["module.cachex.aws_dynamodb_table.this"], None),
    (["aws_dynamodb_table.sessions", "resource.sessions"], ("applies", 1)),
    (["aws_dynamodb_table.sessions_v2"], None),
    (["AWS::DynamoDB::Table.ScratchLoad", "ScratchLoad"], ("applies", 2)),
    (["AWS::DynamoDB::Table.scratchLoad", "scratchLoad"], None),  # globs are case-sensitive, like addresses
    (["AWS::DynamoDB::GlobalTable.ScratchLoad", "ScratchLoad"], None),
    (['aws_dynamodb_table.keyed["blue"]'], ("applies", 3)),  # brackets are literal, not a glob class
    (['aws_dynamodb_table.keyed["green"]'], None),
    (["aws_dynamodb_table.keyedb"], None),
    (["module.shard[0].aws_dynamodb_table.t"], ("applies", 4)),
    (["module.shard[1].aws_dynamodb_table.t"], None),
    (['aws_dynamodb_table.audit["eu"]'], ("applies", 5)),
])
def test_address_and_logical_id_globs(tmp_path: Path, ids: List[str], expected: object) -> None:
    policy = exemptions(tmp_path, """\
        - {resources: ["module.cache.*"], reason: cache, expires: 2027-06-30}
        - {resources: [aws_dynamodb_table.sessions], reason: sessions, expires: 2027-06-30}
        - {resources: ["AWS::DynamoDB::Table.Scratch*"], reason: scratch, expires: 2027-06-30}
        - {resources: ['aws_dynamodb_table.keyed["blue"]'], reason: blue, expires: 2027-06-30}
        - {resources: ["module.shard[0].*"], reason: shard zero, expires: 2027-06-30}
        - {resources: ["aws_dynamodb_table.audit[*]"], reason: audit, expires: 2027-06-30}
        """)
    assert first_match(policy, ids) == expected


@pytest.mark.parametrize("tags,expected", [
    ({"backup": "exempt"}, ("applies", 0)),
    ({"backup": "exempt", "team": "web"}, ("applies", 0)),
    ({"backup": "Exempt"}, None),
    ({"Backup": "exempt"}, None),
    ({}, None),
    ({"ephemeral": "true", "stage": "dev"}, ("applies", 1)),  # template text "true" = policy's YAML true
    ({"ephemeral": True, "stage": "dev"}, ("applies", 1)),
    ({"ephemeral": "TRUE", "stage": "dev"}, None),
    ({"ephemeral": "true"}, None),  # every tag of the exemption must match
    ({"stage": "dev"}, None),
    ({"replicas": "3"}, ("applies", 2)),  # a number in the policy matches its text in the template
])
def test_tag_match(tmp_path: Path, tags: Dict[str, object], expected: object) -> None:
    policy = exemptions(tmp_path, """\
        - {tags: {backup: exempt}, reason: exempt, expires: 2027-06-30}
        - {tags: {ephemeral: true, stage: dev}, reason: ephemeral, expires: 2027-06-30}
        - {tags: {replicas: 3}, reason: replicated, expires: 2027-06-30}
        """)
    assert first_match(policy, ["AWS::DynamoDB::Table.T", "T"], tags) == expected


def test_resources_and_tags_together_must_both_match(tmp_path: Path) -> None:
    policy = exemptions(tmp_path, """\
        - {resources: ["module.cache.*"], tags: {backup: exempt}, reason: r, expires: 2027-06-30}
        """)
    assert first_match(policy, ["module.cache.aws_dynamodb_table.t"], {"backup": "exempt"}) == ("applies", 0)
    assert first_match(policy, ["module.cache.aws_dynamodb_table.t"], {}) is None
    assert first_match(policy, ["aws_dynamodb_table.t"], {"backup": "exempt"}) is None


def test_checks_subset(tmp_path: Path) -> None:
    policy = exemptions(tmp_path, """\
        - {resources: [aws_dynamodb_table.t], checks: [CKV_PITR_002, CKV_PITR_003], reason: r, expires: 2027-06-30}
        - {resources: [aws_dynamodb_table.all], reason: r, expires: 2027-06-30}
        """)
    covered = {c: first_match(policy, ["aws_dynamodb_table.t"], check=c) for c in ("CKV_PITR_001", "CKV_PITR_002", "CKV_PITR_003")}
    assert covered == {"CKV_PITR_001": None, "CKV_PITR_002": ("applies", 0), "CKV_PITR_003": ("applies", 0)}
    assert all(first_match(policy, ["aws_dynamodb_table.all"], check=c) == ("applies", 1)
               for c in ("CKV_PITR_001", "CKV_PITR_002", "CKV_PITR_003"))


def test_expiry_day_itself_still_applies_the_next_day_not(tmp_path: Path) -> None:
    policy = exemptions(tmp_path, "- {resources: [aws_dynamodb_table.t], reason: r, expires: 2027-06-30}\n")
    ids = ["aws_dynamodb_table.t"]
    assert first_match(policy, ids, today=dt.date(2027, 6, 29)) == ("applies", 0)
    assert first_match(policy, ids, today=dt.date(2027, 6, 30)) == ("applies", 0)
    assert first_match(policy, ids, today=dt.date(2027, 7, 1)) == ("expired", 0)


def test_a_live_exemption_wins_over_an_expired_one(tmp_path: Path) -> None:
    policy = exemptions(tmp_path, """\
        - {resources: ["aws_dynamodb_table.*"], reason: old, expires: 2027-01-31}
        - {resources: [aws_dynamodb_table.t], reason: renewed, expires: 2027-12-31}
        """)
    assert first_match(policy, ["aws_dynamodb_table.t"]) == ("applies", 1)
    assert first_match(policy, ["aws_dynamodb_table.u"]) == ("expired", 0)
