"""Release files: the licence setup.cfg declares ships with the package, the changelog names the
version, the project URLs agree, and `python -m checkov_pitr` is the command (nothing is built)."""
from __future__ import annotations

import configparser
import re
import subprocess
import sys

from conftest import REPO

import checkov_pitr
from checkov_pitr.rule import PROJECT_URL, TOOL_NAME


def setup_cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg")
    return parser


def test_licence_is_the_apache_2_text_setup_cfg_declares_and_ships() -> None:
    metadata = setup_cfg()["metadata"]
    assert metadata["license"] == "Apache-2.0"
    assert metadata["license_files"].split() == ["LICENSE"]  # wheel dist-info/licenses and sdist
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License\n                           Version 2.0, January 2004")
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_project_urls_name_the_project_home() -> None:
    metadata = setup_cfg()["metadata"]
    assert TOOL_NAME == metadata["name"]
    assert metadata["url"] == PROJECT_URL
    urls = dict(line.split(" = ", 1) for line in metadata["project_urls"].strip().splitlines())
    assert set(urls) == {"Source", "Issues", "Changelog", "Documentation"}
    assert all(url.startswith(PROJECT_URL) for url in urls.values())


def test_changelog_has_unreleased_and_the_current_version() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert headings[:2] == ["Unreleased", checkov_pitr.__version__]
    assert re.search(rf"^## \[{re.escape(checkov_pitr.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, flags=re.M)
    for heading in headings:  # Keep a Changelog: every version heading is a link
        assert re.search(rf"^\[{re.escape(heading)}\]: {re.escape(PROJECT_URL)}/", text, flags=re.M), heading


def test_python_dash_m_checkov_pitr_runs_the_command() -> None:
    process = subprocess.run([sys.executable, "-m", "checkov_pitr", "--version"], capture_output=True, text=True,
                             cwd=str(REPO), timeout=120)
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith(f"checkov-pitr {checkov_pitr.__version__}")


def test_every_package_folder_is_installed() -> None:
    """setup.cfg lists its packages by hand: a new folder missing there is missing from every install."""
    import configparser

    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    listed = {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}
    folders = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "checkov_pitr").rglob("__init__.py")}
    assert folders <= listed, sorted(folders - listed)
