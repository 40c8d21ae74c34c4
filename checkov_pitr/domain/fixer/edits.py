"""Edits as ruff makes them: a range of a file's text and what replaces it. Pure functions only."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (character offsets) of `path` with `replacement`; start == end inserts."""

    path: str
    start: int
    end: int
    replacement: str
    description: str = ""  # what it does, in words ("turn on PITR for replica eu-west-1 of T")


@dataclass(frozen=True)
class Target:
    """One failing resource to fix, as the scan names it.

    resource: "AWS::DynamoDB::Table.MyTable" (CloudFormation), "aws_dynamodb_table.t" or
    "module.m.aws_dynamodb_table.t[0]" (Terraform). enable: CKV_PITR_001 failed (turn PITR on
    where it is off). period: CKV_PITR_002 failed (raise every recovery period below `minimum`).
    A period below `minimum` on a table or replica that the fix turns on is raised too, so that
    fixing CKV_PITR_001 never makes CKV_PITR_002 fail."""

    resource: str
    enable: bool = True
    period: bool = True
    minimum: int = 35


@dataclass(frozen=True)
class Unfixable:
    """A failing setting the fixer will not write, and what the user should change instead."""

    resource: str
    reason: str


@dataclass
class FileFix:
    path: str
    edits: List[Edit] = field(default_factory=list)
    unfixable: List[Unfixable] = field(default_factory=list)

    def extend(self, other: "FileFix") -> None:
        for edit in other.edits:
            if edit not in self.edits:
                self.edits.append(edit)
        for note in other.unfixable:
            if note not in self.unfixable:
                self.unfixable.append(note)


class OverlappingEdits(ValueError):
    pass


def _ordered(edits: Iterable[Edit]) -> List[Edit]:
    unique: List[Edit] = []
    seen = set()
    for edit in edits:
        key = (edit.start, edit.end, edit.replacement)
        if key not in seen:
            seen.add(key)
            unique.append(edit)
    # stable: insertions at one offset keep the order they were made in
    return sorted(unique, key=lambda e: (e.start, e.end))


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """The text with every edit applied (identical edits once). Overlapping edits are an error."""
    out: List[str] = []
    position = 0
    for edit in _ordered(edits):
        if edit.start < position or edit.end < edit.start or edit.end > len(text):
            raise OverlappingEdits(f"edit {edit.start}-{edit.end} overlaps another or lies outside the text")
        out.append(text[position:edit.start])
        out.append(edit.replacement)
        position = edit.end
    out.append(text[position:])
    return "".join(out)


def line_starts(text: str) -> List[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


def line_column(starts: Sequence[int], offset: int) -> Tuple[int, int]:
    """1-based (line, column) of a character offset."""
    import bisect

    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


def unified_diff(path: str, before: str, after: str, label: Optional[str] = None) -> str:
    """A unified diff (git style a/ b/ names) of one file; empty when nothing changed."""
    if before == after:
        return ""
    name = (label or path).replace("\\", "/")
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{name}", tofile=f"b/{name}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
