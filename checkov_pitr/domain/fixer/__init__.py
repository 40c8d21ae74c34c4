"""`checkov-pitr fix`'s edits in the style of ruff's fixes: `fix_text` gives `Edit`s (offsets into the
text, and the replacement) for CloudFormation / SAM / serverless.yml (YAML or JSON) and Terraform (HCL,
.tf.json); `apply_edits` applies them; a second fix of the fixed text gives none. No checkov here."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from checkov_pitr.domain.fixer.edits import (Edit, FileFix, OverlappingEdits, Target, Unfixable,  # noqa: F401
                                             apply_edits, edits_diff, line_column, line_starts, unified_diff)


def file_kind(path: str) -> str:
    """"hcl", "tf_json" or "cloudformation" (YAML or JSON templates, serverless.yml)."""
    name = path.lower()
    if name.endswith((".tf.json", ".tofu.json")):
        return "tf_json"
    if name.endswith((".tf", ".tofu")):
        return "hcl"
    return "cloudformation"


class _Failed:
    """A file the fixer cannot read: every target is unfixable, with why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason

    def fix(self, target: Target) -> FileFix:
        return FileFix(self.path, unfixable=[Unfixable(target.resource, f"{self.path}: {self.reason}")])


def file_fixer(path: str, text: str) -> Any:
    """The text parsed once for fixing: an object whose `fix(target)` gives that target's `FileFix`."""
    kind = file_kind(path)
    try:
        if kind == "hcl":
            from checkov_pitr.domain.fixer.hcl import HclError, _HclFixer

            try:
                return _HclFixer(path, text)
            except HclError as exc:
                return _Failed(path, f"the HCL could not be read for fixing ({exc})")
        if kind == "tf_json":
            from checkov_pitr.domain.fixer.tfjson import _TfJsonFixer

            return _TfJsonFixer(path, text)
        from checkov_pitr.domain.fixer.cloudformation import _TemplateFixer

        return _TemplateFixer(path, text)
    except ValueError as exc:  # TreeError, HclError
        return _Failed(path, f"{exc}: fix the file first")


def fix_text(path: str, text: str, targets: Sequence[Target]) -> FileFix:
    """The edits that fix `targets` in `text` (the content of `path`, which names its format)."""
    fixer = file_fixer(path, text)
    result = FileFix(path)
    for target in targets:
        try:
            result.extend(fixer.fix(target))
        except ValueError as exc:  # an HCL body the scanner cannot read
            result.unfixable.append(Unfixable(target.resource, f"{path}: could not be read for fixing ({exc})"))
    return result


def read_text(path: str) -> str:
    """A file's text as written: line breaks kept (\\r\\n stays), UTF-8."""
    with open(path, "r", encoding="utf-8", newline="") as handle:
        return handle.read()


class FixCache:
    """Each file read and parsed for fixing once, for SARIF `fixes` on many results."""

    def __init__(self) -> None:
        self._texts: Dict[str, Optional[str]] = {}
        self._fixes: Dict[Tuple[str, str, str, int], FileFix] = {}
        self._fixers: Dict[str, Any] = {}
        self._line_starts: Dict[str, List[int]] = {}

    def line_starts(self, path: str) -> Optional[List[int]]:
        """The line starts of the file's text, computed once per file (not once per result)."""
        if path not in self._line_starts:
            text = self.text(path)
            if text is None:
                return None
            self._line_starts[path] = line_starts(text)
        return self._line_starts[path]

    def text(self, path: str) -> Optional[str]:
        if path not in self._texts:
            try:
                self._texts[path] = read_text(path)
            except (OSError, UnicodeDecodeError):
                self._texts[path] = None
        return self._texts[path]

    def fix(self, path: str, resource: str, check_id: str, minimum: int) -> Optional[FileFix]:
        key = (os.path.abspath(path), resource, check_id, minimum)
        if key not in self._fixes:
            text = self.text(key[0])
            if text is None:
                return None
            target = Target(resource, enable=check_id == "CKV_PITR_001", period=check_id == "CKV_PITR_002",
                            minimum=minimum)
            try:
                if key[0] not in self._fixers:
                    self._fixers[key[0]] = file_fixer(key[0], text)
                self._fixes[key] = self._fixers[key[0]].fix(target)
            except Exception:  # a fix is a nicety in SARIF; the finding stands without it
                self._fixes[key] = FileFix(key[0])
        return self._fixes[key]


def sarif_fix(cache: FixCache, path: str, resource: str, check_id: str, minimum: int,
              uri: str) -> List[Dict[str, Any]]:
    """The SARIF 2.1.0 `fixes` of one result: [] when the fixer has no edit for it."""
    fix = cache.fix(path, resource, check_id, minimum)
    starts = cache.line_starts(os.path.abspath(path))
    if not fix or not fix.edits or starts is None:
        return []
    replacements = []
    for edit in sorted(fix.edits, key=lambda e: (e.start, e.end)):
        start_line, start_column = line_column(starts, edit.start)
        end_line, end_column = line_column(starts, edit.end)
        replacements.append({
            "deletedRegion": {"startLine": start_line, "startColumn": start_column,
                              "endLine": end_line, "endColumn": end_column},
            "insertedContent": {"text": edit.replacement},
        })
    descriptions = dict.fromkeys(edit.description for edit in fix.edits if edit.description)
    return [{
        "description": {"text": "; ".join(descriptions) or "Turn on point-in-time recovery"},
        "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}],
    }]
