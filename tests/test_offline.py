"""checkov-pitr is offline: with a fresh HOME (no update-check cache), no DNS lookup and no connection.

Two independent witnesses on the same kind of run:
- strace: every connect()/sendto() system call of the process tree; only AF_UNIX (local name
  service, nscd) and loopback are allowed, and nothing to port 53;
- a sitecustomize on PYTHONPATH with an audit hook (sys.addaudithook) that records each
  socket.getaddrinfo / gethostbyname / connect / sendto Python makes, in any thread.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

from conftest import FIXTURES, REPO, run, tool

SITECUSTOMIZE = """\
import os, sys
_LOG = os.environ["CHECKOV_PITR_NET_LOG"]
_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.connect",
           "socket.sendto", "socket.sendmsg")
def _hook(event, args):
    if event in _EVENTS:
        with open(_LOG, "a") as handle:
            handle.write(f"{event} {args[1:]!r}\\n")
sys.addaudithook(_hook)
"""

SCANS = [
    ["-f", str(FIXTURES / "cloudformation" / "fail_table_off.json"), "-o", "json"],
    ["-d", str(FIXTURES / "terraform" / "local_module_twice"), "-o", "sarif", "--output-file-path", "{out}"],
]
ALLOWED_INET = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"')


def fresh_env(tmp_path: Path) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    # no checkov variable that would turn the update check off: checkov-pitr must do it itself
    return {"HOME": str(home), "CKV_SKIP_PACKAGE_UPDATE_CHECK": "", "BC_SKIP_MAPPING": ""}


def _strace() -> str:
    found = shutil.which("strace")
    if not found:
        subprocess.run(["apt-get", "install", "-y", "-qq", "strace"], capture_output=True, timeout=300)
        found = shutil.which("strace")
    if not found:
        pytest.skip("strace is not installed and `apt-get install strace` failed; the audit-hook test still runs")
    return found


def network_calls(trace: str) -> List[str]:
    """The connect/sendto lines of an strace log that leave the machine or ask DNS."""
    bad = []
    for line in trace.splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg)\(", line) or "AF_UNIX" in line or "AF_NETLINK" in line:
            continue
        if "htons(53)" in line or not ALLOWED_INET.search(line):
            bad.append(line)
    return bad


@pytest.mark.parametrize("scan", SCANS, ids=["cloudformation-json", "terraform-sarif"])
def test_no_connection_and_no_dns_under_strace(tmp_path: Path, scan: List[str]) -> None:
    strace = _strace()
    log = tmp_path / "strace.log"
    args = [a.replace("{out}", str(tmp_path / "out")) for a in scan]
    process = run([strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(log),
                   tool("checkov-pitr"), *args], cwd=tmp_path, env=fresh_env(tmp_path))
    assert process.returncode == 1, process.stderr[-2000:]
    trace = log.read_text(encoding="utf-8", errors="replace")
    assert network_calls(trace) == []


def test_no_dns_lookup_and_no_connect_seen_by_an_audit_hook(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    net_log = tmp_path / "net.log"
    env = dict(fresh_env(tmp_path), PYTHONPATH=str(site), CHECKOV_PITR_NET_LOG=str(net_log))
    process = run([tool("checkov-pitr"), "-f", str(FIXTURES / "cloudformation" / "fail_table_off.json"),
                   "-o", "json"], cwd=tmp_path, env=env)
    assert process.returncode == 1, process.stderr[-2000:]
    assert not net_log.exists() or net_log.read_text(encoding="utf-8") == ""
    # the hook works: plain Python asking DNS is recorded
    probe = run(["python3" if not Path(tool("python")).exists() else tool("python"), "-c",
                 "import socket\ntry:\n socket.getaddrinfo('example.invalid', 443)\nexcept OSError:\n pass"],
                cwd=tmp_path, env=env)
    assert probe.returncode == 0, probe.stderr
    assert "socket.getaddrinfo" in net_log.read_text(encoding="utf-8")


def test_network_calls_flags_dns_and_remote_connects_only() -> None:
    trace = "\n".join([
        '1 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
        '1 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '1 connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")}, 16) = 0',
        '1 connect(3, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("203.0.113.80")}, 16) = -1',
    ])
    assert [line.split("htons(")[1][:3] for line in network_calls(trace)] == ["53)", "443"]


def test_severity_filter_warning_is_not_shown(tmp_path: Path) -> None:
    # `--check HIGH` makes checkov warn that severities need an API key; users see no such noise
    process = run([tool("checkov-pitr"), "-f", str(FIXTURES / "cloudformation" / "fail_table_off.json"),
                   "--check", "HIGH", "-o", "json"], cwd=REPO, env=fresh_env(tmp_path))
    assert "only possible with an API key" not in process.stderr
