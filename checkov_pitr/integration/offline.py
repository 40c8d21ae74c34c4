"""Keep a checkov-pitr run offline: no DNS lookup and no connection, and none of checkov's offline noise.

What checkov 3.x does on the network without an API key, and how each is turned off here:

- its banner module asks PyPI for a newer checkov (`checkov.common.util.banner` calls
  `version_manager.check_for_update` at import time, one DNS lookup and one HTTPS connection per
  run, unless `CKV_SKIP_PACKAGE_UPDATE_CHECK` is true when `env_vars_config` is first imported).
  `install()` sets the variable, sets the already-built config object when checkov was imported
  before us, and replaces `check_for_update` with a function that never asks (guarded: only when
  its signature is the one we know);
- Terraform module downloads and the vendor's policy metadata: `--skip-download` (cli.py adds it)
  and `BC_SKIP_MAPPING`.

`OfflineNoiseFilter` drops checkov's warnings that only say it is offline or has no API key; they
are not about the user's files and read like failures.
"""
from __future__ import annotations

import inspect
import logging
import os
import sys
from typing import Iterable, Optional

# Environment checkov reads; "TRUE" is what its convert_str_to_bool accepts.
OFFLINE_ENVIRONMENT = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",  # env_vars_config.SKIP_PACKAGE_UPDATE_CHECK: the PyPI version check
    "BC_SKIP_MAPPING": "TRUE",  # no download of the vendor's check metadata
}

# Substrings of checkov log messages that only say "offline" or "no API key".
OFFLINE_NOISE = (
    "Failed to download module",
    "Failed to create a new template with enriched resources",
    "Filtering checks by severity is only possible with an API key",
    # registry modules are never downloaded: the inventory says which calls are not on disk
    "Unable to load module (",
    # a `-f` file of no framework's type (a plan without .json): the inventory reports it instead
    "There are no runners to run",
)

_MARK = "_checkov_pitr_offline"


def set_offline_environment(environ: Optional[dict] = None) -> None:
    """Force the variables in OFFLINE_ENVIRONMENT: the offline guarantee does not yield to the user's
    environment (a CKV_SKIP_PACKAGE_UPDATE_CHECK=false from a CI template would break it)."""
    target = os.environ if environ is None else environ
    target.update(OFFLINE_ENVIRONMENT)


def _never_check_for_update(package: str, version: str, skip_check: bool) -> None:
    """checkov's check_for_update, offline: there is never a newer version to report."""
    return None


_never_check_for_update.__dict__[_MARK] = True  # type: ignore[index]


def _patch_update_check() -> bool:
    """Replace `checkov.common.version_manager.check_for_update`; False when its shape is unknown.

    The banner module does `from checkov.common.version_manager import check_for_update` and calls it
    while it is imported: patching the module before that import is enough, and when the banner was
    already imported the check has already run (the environment variable covers that case)."""
    try:
        from checkov.common import version_manager
    except Exception:  # another checkov layout: the environment variable is all we can do
        return False
    current = getattr(version_manager, "check_for_update", None)
    if current is None:
        return False
    if getattr(current, _MARK, False):
        return True
    try:
        parameters = list(inspect.signature(current).parameters)
    except (TypeError, ValueError):
        return False
    if parameters != ["package", "version", "skip_check"]:
        return False
    version_manager.check_for_update = _never_check_for_update  # type: ignore[assignment]
    return True


def _skip_in_loaded_config() -> None:
    """checkov reads its environment once, into `env_vars_config`; set the flag there too when that
    object was built before we set the variables."""
    module = sys.modules.get("checkov.common.util.env_vars_config")
    config = getattr(module, "env_vars_config", None)
    if config is not None and hasattr(config, "SKIP_PACKAGE_UPDATE_CHECK"):
        config.SKIP_PACKAGE_UPDATE_CHECK = True


def install() -> bool:
    """Make this process's checkov run offline; call before `checkov.main` is imported.

    Returns True when the update check is patched out as well (False: only the environment variable
    guards it, on a checkov whose version check has another shape)."""
    set_offline_environment()
    _skip_in_loaded_config()
    return _patch_update_check()


class OfflineNoiseFilter(logging.Filter):
    """Drops checkov's "offline / no API key" warnings (OFFLINE_NOISE); everything else passes."""

    def __init__(self, noise: Iterable[str] = OFFLINE_NOISE) -> None:
        super().__init__()
        self.noise = tuple(noise)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is not ours to judge
            return True
        return not any(text in message for text in self.noise)


_FILTER = OfflineNoiseFilter()


def install_noise_filter(logger: Optional[logging.Logger] = None) -> OfflineNoiseFilter:
    """Attach the filter to the root logger and to each of its handlers (checkov logs through
    `logging.warning`, i.e. the root logger, and adds handlers of its own; a logger filter does not
    see records propagated from child loggers, a handler filter does). Idempotent."""
    target = logger or logging.getLogger()
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)
    for handler in target.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    return _FILTER

