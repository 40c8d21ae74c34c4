"""`checkov-pitr fix`'s edits, as ruff's fixes: `Edit`s (offsets and replacement) for templates, serverless.yml
and Terraform; a second fix of the fixed text gives none. No checkov here."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from checkov_pitr.domain.fixer.edits import (UNREADABLE, Edit, FileFix, Fixer, OverlappingEdits, Target,  # noqa: F401
                                             apply_edits, distinct, edits_diff, line_column, line_starts)
from checkov_pitr.domain.fixer.cloudformation import _TemplateFixer
from checkov_pitr.domain.fixer.hcl import _HclFixer, _TfJsonFixer


def read_for_fixing(path: str, text: str) -> Fixer:
    """The text parsed once for fixing, by the fixer of its format (named by `path`). ValueError: not readable."""
    name = path.lower()
    return (_TfJsonFixer if name.endswith((".tf.json", ".tofu.json")) else _HclFixer if name.endswith((".tf", ".tofu"))
            else _TemplateFixer)(path, text)  # (templates: YAML or JSON, serverless.yml)


def file_fixer(path: str, text: str) -> Callable[[Target], FileFix]:
    """A function giving each target's `FileFix`. A file that cannot be read makes every target unfixable, with why."""
    try:
        return read_for_fixing(path, text).fix
    except ValueError as exc:  # unreadable YAML / JSON, HclError
        why = UNREADABLE.format(path=path, error=exc)
    return lambda target: FileFix(unfixable=[why])


def fix_text(path: str, text: str, targets: Sequence[Target]) -> FileFix:
    """The edits that fix `targets` in `text` (the content of `path`, which names its format)."""
    fixes = list(map(file_fixer(path, text), targets))
    return FileFix([e for f in fixes for e in f.edits], [u for f in fixes for u in f.unfixable])


def read_text(path: str) -> str:
    """A file's text as written: line breaks kept (\\r\\n stays), UTF-8."""
    with open(path, "r", encoding="utf-8", newline="") as handle:
        return handle.read()


class FixCache(Dict[str, Optional[Tuple[List[int], Callable[[Target], FileFix]]]]):
    """path -> its line starts and fixer (None when unreadable): each file parsed once for SARIF `fixes`."""

    def __missing__(self, path: str) -> Optional[Tuple[List[int], Callable[[Target], FileFix]]]:
        try:
            text = read_text(path)
            self[path] = (line_starts(text), file_fixer(path, text))
        except (OSError, UnicodeDecodeError):
            self[path] = None
        return self[path]


def sarif_fix(cache: FixCache, path: str, resource: str, check_id: str, minimum: int,
              uri: str) -> List[Dict[str, Any]]:
    """The SARIF 2.1.0 `fixes` of one result: [] when the fixer has no edit for it."""
    found = cache[os.path.abspath(path)]
    edits = found[1](Target(resource, enable=check_id == "CKV_PITR_001", period=check_id == "CKV_PITR_002",
                            minimum=minimum)).edits if found else []
    replacements = [{"deletedRegion": dict(zip(("startLine", "startColumn", "endLine", "endColumn"),
                                               line_column(found[0], edit.start) + line_column(found[0], edit.end))),
                     "insertedContent": {"text": edit.replacement}}
                    for edit in sorted(edits, key=lambda e: (e.start, e.end))]
    return [{"description": {"text": "; ".join(dict.fromkeys(edit.description for edit in edits))},
             "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}]}] if edits else []
