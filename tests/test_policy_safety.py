"""Policy files are read safely and bound what an exemption can do (SPEC: "Exemptions", "What a pull
request cannot change", "Policy file"): bounded aliases, duplicate keys, discovered symlinks, size,
short excerpts, max_exemption_days, no catch-all glob, whole-address matching."""
from __future__ import annotations

import datetime as dt
import os
import textwrap
import time
from pathlib import Path

import pytest

from checkov_pitr.domain.policy import (
    EXCERPT_CHARS,
    LOCAL_POLICY_FILE,
    POLICY_ENV,
    PolicyError,
    active_policy,
    exemption_ids,
    load_policy,
    load_policy_file,
)

from conftest import run_pitr

TODAY = dt.date(2027, 5, 10)


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(path: Path, **kwargs: object) -> str:
    """The one-line PolicyError message for loading `path`."""
    with pytest.raises(PolicyError) as caught:
        load_policy_file(str(path), **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


ALIAS_BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    + ["min_recovery_period_days: *a9", ""]
)


# --- YAML ---------------------------------------------------------------------------------------

def test_alias_bomb_is_refused_in_well_under_a_second(tmp_path: Path) -> None:
    started = time.monotonic()
    message = refused(write(tmp_path, ALIAS_BOMB))
    assert time.monotonic() - started < 1.0
    assert "YAML aliases expand to more than" in message


def test_alias_bomb_policy_stops_the_cli_with_exit_2(tmp_path: Path) -> None:
    write(tmp_path, ALIAS_BOMB, "bomb.yaml")
    proc = run_pitr("--policy", "bomb.yaml", "-d", ".", cwd=tmp_path)
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert line.startswith("checkov-pitr: policy bomb.yaml: is not valid: YAML aliases expand")


def test_an_alias_that_contains_itself_is_refused(tmp_path: Path) -> None:
    assert "refers to itself" in refused(write(tmp_path, "exemptions: &loop [*loop]\n"))


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    loaded = load_policy_file(str(write(tmp_path, """\
        exemptions:
          - {resources: [aws_dynamodb_table.a], reason: &why shared reason, expires: 2027-06-30}
          - {resources: [aws_dynamodb_table.b], reason: *why, expires: 2027-06-30}
        """)), today=TODAY)
    assert [e.reason for e in loaded.exemptions] == ["shared reason", "shared reason"]


@pytest.mark.parametrize("text, key, line", [
    ("unresolved: fail\nmin_recovery_period_days: 7\nunresolved: unknown\n", "unresolved", 3),
    ("exemptions:\n  - resources: [aws_dynamodb_table.a]\n    reason: r\n    expires: 2027-06-30\n"
     "    reason: other\n", "reason", 5),
], ids=["top_level", "inside_an_exemption"])
def test_duplicate_keys_name_the_key_and_line(tmp_path: Path, text: str, key: str, line: int) -> None:
    message = refused(write(tmp_path, text), today=TODAY)
    assert f"duplicate key {key} at line {line}" in message


def test_a_file_over_one_mib_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (1024 * 1024) + "\n", encoding="utf-8")
    assert "is larger than 1 MiB" in refused(path)


@pytest.mark.parametrize("text", [
    f"min_recovery_period_days: {'9' * 5000}\n",
    f"{'k' * 5000}: 1\n",
    f"exemptions:\n  - resources: [aws_dynamodb_table.a]\n    reason: {'r' * 5000}\n    expires: 2027-06-30\n",
    f"exemptions:\n  - resources: ['{'*' * 5000}']\n    reason: r\n    expires: 2027-06-30\n",
    f"min_recovery_period_days: !!int {'z' * 5000}\n",
], ids=["long_value", "long_key", "long_reason", "long_catch_all_glob", "bad_explicit_tag"])
def test_messages_quote_only_a_short_excerpt(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    message = refused(path, today=TODAY)
    assert len(message) < len(f"policy {path}: ") + 2 * EXCERPT_CHARS + 120, message


# --- where the policy comes from --------------------------------------------------------------------

@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(POLICY_ENV, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    write(tmp_path, "min_recovery_period_days: 7\n", "elsewhere.yaml")
    return work


def test_a_discovered_policy_that_is_a_symlink_is_refused(workdir: Path) -> None:
    (workdir / LOCAL_POLICY_FILE).symlink_to(workdir.parent / "elsewhere.yaml")
    with pytest.raises(PolicyError, match="is a symlink"):
        load_policy()


def test_plain_checkov_checks_refuse_a_discovered_symlink_too(workdir: Path) -> None:
    (workdir / LOCAL_POLICY_FILE).symlink_to(workdir.parent / "elsewhere.yaml")
    policy, error = active_policy()  # what checkov's check classes ask
    assert policy is None and error is not None and "is a symlink" in error


def test_a_policy_named_with_policy_may_be_a_symlink(workdir: Path) -> None:
    link = workdir / "team-policy.yaml"
    link.symlink_to(workdir.parent / "elsewhere.yaml")
    assert load_policy(str(link)).core.min_recovery_period_days == 7


def test_a_discovered_fifo_is_refused_not_waited_on(workdir: Path) -> None:
    os.mkfifo(workdir / LOCAL_POLICY_FILE)
    with pytest.raises(PolicyError, match="is not a regular file"):
        load_policy()


# --- exemption bounds -------------------------------------------------------------------------------

def one_exemption(tmp_path: Path, resources: str = "[aws_dynamodb_table.a]", expires: str = "2027-06-30",
                  extra: str = "") -> Path:
    return write(tmp_path, f"{extra}exemptions:\n  - resources: {resources}\n    reason: r\n    expires: {expires}\n")


def test_expiry_beyond_the_default_366_days_is_refused(tmp_path: Path) -> None:
    too_late = TODAY + dt.timedelta(days=367)
    message = refused(one_exemption(tmp_path, expires=too_late.isoformat()), today=TODAY)
    assert message.endswith(f"exemptions[0].expires: {too_late} is more than max_exemption_days (366) after today; "
                            f"the latest allowed is {TODAY + dt.timedelta(days=366)}")


def test_expiry_on_the_last_allowed_day_is_accepted(tmp_path: Path) -> None:
    last = TODAY + dt.timedelta(days=366)
    assert load_policy_file(str(one_exemption(tmp_path, expires=last.isoformat())), today=TODAY).exemptions


def test_max_exemption_days_is_a_policy_key(tmp_path: Path) -> None:
    path = one_exemption(tmp_path, expires=(TODAY + dt.timedelta(days=31)).isoformat(), extra="max_exemption_days: 30\n")
    assert "max_exemption_days (30)" in refused(path, today=TODAY)
    loaded = load_policy_file(str(one_exemption(tmp_path, extra="max_exemption_days: 3660\n")), today=TODAY)
    assert loaded.max_exemption_days == 3660


@pytest.mark.parametrize("value", ["0", "3661", "true", "'30'"])
def test_max_exemption_days_is_bounded(tmp_path: Path, value: str) -> None:
    message = refused(write(tmp_path, f"max_exemption_days: {value}\n"))
    assert "max_exemption_days: expected a whole number from 1 to 3660" in message


@pytest.mark.parametrize("resources", ['["*"]', '["**"]', '[aws_dynamodb_table.a, "*"]', '["*.*"]', '["?*"]'])
def test_an_exemption_for_everything_is_refused(tmp_path: Path, resources: str) -> None:
    message = refused(one_exemption(tmp_path, resources=resources), today=TODAY)
    assert "would exempt every resource" in message and "exemptions[0].resources[" in message


def test_a_type_wide_glob_is_still_allowed(tmp_path: Path) -> None:
    loaded = load_policy_file(str(one_exemption(tmp_path, resources='["aws_dynamodb_table.*"]')), today=TODAY)
    assert loaded.exemptions[0].resources == ("aws_dynamodb_table.*",)


# --- whole addresses --------------------------------------------------------------------------------

def test_type_and_name_are_offered_for_root_module_tables_only() -> None:
    assert exemption_ids('aws_dynamodb_table.cache["a"]', "aws_dynamodb_table", "cache") == [
        'aws_dynamodb_table.cache["a"]', "aws_dynamodb_table.cache", "resource.cache"]
    assert exemption_ids("module.payments.aws_dynamodb_table.cache", "aws_dynamodb_table", "cache") == [
        "module.payments.aws_dynamodb_table.cache"]


def test_a_root_address_glob_never_exempts_a_module_table(tmp_path: Path) -> None:
    policy = load_policy_file(str(one_exemption(tmp_path, resources="[aws_dynamodb_table.cache]")), today=TODAY)
    module_ids = exemption_ids("module.payments.aws_dynamodb_table.cache", "aws_dynamodb_table", "cache")
    root_ids = exemption_ids("aws_dynamodb_table.cache", "aws_dynamodb_table", "cache")
    assert policy.exemption_for("CKV_PITR_001", module_ids, {}, today=TODAY) == (None, None)
    assert policy.exemption_for("CKV_PITR_001", root_ids, {}, today=TODAY)[0] is policy.exemptions[0]
