"""A virtualenv with checkov only (no checkov-pitr), as in checkov's Docker image, checkov-action and
checkov's pre-commit hook; built once and cached across sessions.

The cache folder is $CHECKOV_PITR_PLAIN_VENVS, else /tmp/checkov-pitr-test-venvs; each venv is named
after the checkov and Python versions, and is used only once its `.complete` marker is written (a
venv cannot be renamed: its scripts name its path), so an interrupted build is rebuilt.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from checkov.version import version as CHECKOV_VERSION

CACHE = Path(os.environ.get("CHECKOV_PITR_PLAIN_VENVS") or "/tmp/checkov-pitr-test-venvs")


def plain_checkov_venv() -> Path:
    """The venv's folder, with checkov==the version under test; built if not cached."""
    name = f"checkov-{CHECKOV_VERSION}-py{sys.version_info.major}.{sys.version_info.minor}"
    venv = CACHE / name
    marker = venv / ".complete"
    if marker.exists():
        return venv
    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(venv, ignore_errors=True)
    # the base interpreter, not this venv's: the new venv must not see checkov-pitr
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    f"checkov=={CHECKOV_VERSION}"], check=True, timeout=900)
    marker.write_text(CHECKOV_VERSION, encoding="utf-8")
    return venv
