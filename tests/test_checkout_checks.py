"""The checks folder of a checkout, loaded into plain checkov (checkov installed, checkov-pitr not).

`checkov --external-checks-dir <checkout>/checkov_pitr/checks` and `--external-checks-git
<repo>//checkov_pitr/checks` must judge every table as `checkov-pitr` does, and checkov's own SARIF
must stay SARIF 2.1.0-valid with our checks loaded (plain_checkov.py).

The checkov-only venv is built once (tests/plain_env.py caches it); the tests are marked
`plain_checkov` so CI can run them once, not on every Python/checkov combination.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import jsonschema
import pytest

from checkov_pitr.rule import CHECKS
from conftest import FIXTURES, REPO, index_report, run, run_pitr
from plain_env import plain_checkov_venv

pytestmark = pytest.mark.plain_checkov

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
OUR_CHECKS = ",".join(CHECKS)
FRAMEWORKS = ["--framework", "cloudformation", "serverless", "terraform", "terraform_json", "terraform_plan"]
# plain checkov asks PyPI for a newer version unless told not to; the tests stay offline
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE", "BC_SKIP_MAPPING": "TRUE"}
FOLDERS = ["cloudformation", "terraform/local_module_twice", "terraform/table_pitr_values"]

JUNK = {".ci", ".venv", "venv", ".hypothesis", ".pytest_cache", "__pycache__", "build", "dist", "node_modules"}

Verdicts = Dict[Tuple[str, str, str], List[Tuple[str, Tuple[str, ...]]]]


@pytest.fixture(scope="session")
def plain_venv() -> Path:
    return plain_checkov_venv()


def test_the_plain_venv_has_checkov_and_the_policy_dependencies_but_not_checkov_pitr(plain_venv: Path) -> None:
    # checkov itself depends on pyyaml and jsonschema, which our policy loading needs
    probe = "import yaml, jsonschema, checkov.version as v; print(v.version)\n" \
            "try:\n import checkov_pitr\nexcept ImportError:\n print('no checkov_pitr')"
    process = run([str(plain_venv / "bin" / "python"), "-c", probe], cwd=plain_venv)
    assert process.returncode == 0, process.stderr
    from checkov.version import version

    assert process.stdout.split() == [version, "no", "checkov_pitr"]


def verdicts(stdout: str) -> Verdicts:
    """(file, resource, check) -> [(verdict, details)] for our checks only."""
    found: Verdicts = {}
    for key, records in index_report(stdout).items():
        if key[2] in CHECKS:
            found[key] = sorted((r["_verdict"], tuple(r.get("details") or ())) for r in records)
    return found


def plain_scan(plain_venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run([str(plain_venv / "bin" / "checkov"), *args, "--check", OUR_CHECKS, *FRAMEWORKS,
                "--skip-download", "-o", "json"], cwd=cwd, env=OFFLINE)


@pytest.fixture(scope="session")
def bare_repo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A file:// URL of a bare clone of a commit of this working tree (tracked and new files)."""
    work = tmp_path_factory.mktemp("checkout")
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        parts = Path(name).parts
        # the project's files only: not a venv, cache or build left in the tree (checkov would run
        # every .py file of the clone, see plain_checkov.py)
        if set(parts) & JUNK or any(part.endswith(".egg-info") for part in parts):
            continue
        source = REPO / name
        if source.is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "checkout"]):
        subprocess.run([*git, *command], cwd=work, check=True, capture_output=True)
    bare = tmp_path_factory.mktemp("remote") / "checkov-pitr.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, capture_output=True)
    return bare.as_uri()


@pytest.mark.parametrize("folder", FOLDERS)
def test_external_checks_dir_of_a_checkout_gives_checkov_pitrs_verdicts(plain_venv: Path, tmp_path: Path,
                                                                         folder: str) -> None:
    target = str(FIXTURES / folder)
    ours = run_pitr("-d", target, "-o", "json", cwd=tmp_path)
    assert ours.returncode in (0, 1), ours.stderr[-2000:]
    plain = plain_scan(plain_venv, tmp_path, "-d", target, "--external-checks-dir", str(REPO / "checkov_pitr" / "checks"))
    assert plain.returncode == ours.returncode, plain.stderr[-3000:]
    expected = verdicts(ours.stdout)
    assert expected and any(v == "FAILED" for found in expected.values() for v, _ in found)
    assert verdicts(plain.stdout) == expected
    assert "Cannot load external check" not in plain.stderr, plain.stderr[-3000:]


@pytest.mark.parametrize("folder", ["cloudformation", "terraform/local_module_twice"])
def test_external_checks_git_gives_checkov_pitrs_verdicts(plain_venv: Path, tmp_path: Path, bare_repo: str,
                                                          folder: str) -> None:
    # checkov clones into <cwd>/<random>_checks and removes it at exit: run from an empty folder, so
    # the clone (with its own fixtures) is not inside the scanned folder
    target = str(FIXTURES / folder)
    ours = run_pitr("-d", target, "-o", "json", cwd=tmp_path)
    plain = plain_scan(plain_venv, tmp_path, "-d", target, "--external-checks-git", f"{bare_repo}//checkov_pitr/checks")
    assert plain.returncode == ours.returncode, plain.stderr[-3000:]
    expected = verdicts(ours.stdout)
    assert expected and verdicts(plain.stdout) == expected
    assert "Cannot load external check" not in plain.stderr, plain.stderr[-3000:]
    assert list(tmp_path.iterdir()) == []  # checkov removed its clone


def test_plain_checkovs_sarif_with_our_checks_is_schema_valid(plain_venv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = run([str(plain_venv / "bin" / "checkov"), "--external-checks-dir", str(REPO / "checkov_pitr" / "checks"),
                   "-d", str(FIXTURES / "cloudformation"), "--skip-download", "-o", "sarif",
                   "--output-file-path", str(out)], cwd=tmp_path, env=OFFLINE)
    assert process.returncode == 1, process.stderr[-3000:]
    sarif = json.loads((out / "results_sarif.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, SCHEMA)
    ours = [r for r in sarif["runs"][0]["results"] if r["ruleId"] in CHECKS]
    assert ours, "our checks were not loaded"
    failed = [r for r in ours if not r.get("suppressions")]  # skipped records carry no details
    assert failed
    for result in failed:  # the one-line reason is kept, pointing at the result's file
        (attachment,) = result["attachments"]
        assert attachment["artifactLocation"] == result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert attachment["description"]["text"] and "\n" not in attachment["description"]["text"]


def test_the_attachment_patch_turns_checkovs_invalid_result_into_a_valid_one() -> None:
    from checkov_pitr.integration.patches import _fix_attachments, patch_sarif_attachments

    def log(results: list) -> dict:
        return {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "checkov"}}, "results": results}]}

    location = {"physicalLocation": {"artifactLocation": {"uri": "a.yaml"}, "region": {"startLine": 3}}}
    checkov_shaped = {"ruleId": "CKV_PITR_001", "message": {"text": "m"}, "locations": [location],
                      "attachments": [{"description": "Carts: PointInTimeRecoveryEnabled is false"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log([json.loads(json.dumps(checkov_shaped))]), SCHEMA)
    fixed = _fix_attachments([checkov_shaped])
    jsonschema.validate(log(fixed), SCHEMA)
    assert fixed[0]["attachments"] == [{"artifactLocation": {"uri": "a.yaml"},
                                        "description": {"text": "Carts: PointInTimeRecoveryEnabled is false"}}]
    no_location = _fix_attachments([{"ruleId": "X", "message": {"text": "m"}, "attachments": [{"description": "d"}]}])
    assert "attachments" not in no_location[0]
    assert patch_sarif_attachments() is True  # checkov under test has the shape the patch knows
