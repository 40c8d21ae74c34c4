"""Edits as ruff makes them: a range of a file's text and what replaces it; `Fixer`, which edits a resource
needs, whatever its syntax."""
from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from checkov_pitr.domain.readers.yaml_loader import line_starts
from checkov_pitr.rule import FIX_TEMPLATES as T


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (character offsets) with `replacement`; start == end inserts."""

    start: int
    end: int
    replacement: str
    description: str = ""  # what it does, in words ("turn on PITR for replica eu-west-1 of T")


@dataclass(frozen=True)
class Target:
    """One failing resource, named as the scan names it. enable: CKV_PITR_001 failed; period: CKV_PITR_002
    failed. A short period on a table the fix turns on is raised too (fixing 001 must not fail 002).
    resource_type: the scan's type (checkov names .tf.json resources "resource.NAME")."""

    resource: str
    enable: bool = True
    period: bool = True
    minimum: int = 35
    resource_type: str = ""


@dataclass
class FileFix:
    edits: List[Edit] = field(default_factory=list)
    unfixable: List[str] = field(default_factory=list)  # each failing setting left as it is, and what to change


class OverlappingEdits(ValueError):
    pass


UNREADABLE = "{path}: could not be read for fixing ({error})"


# what to change instead of a value that is not written literally, by where it comes from (templates and Terraform)
_WHAT_TO_CHANGE = {
    "parameter": "comes from parameter {name}: set Parameters.{name}.Default to {want} (and pass {want} wherever the "
                 "stack is deployed)",
    "if": "is an Fn::If on condition {name}: set {want} in every branch",
    "novalue": "is Ref AWS::NoValue (an Fn::If branch?): write {want} there",
    "serverless": "comes from the serverless variable {name}: make it resolve to {want}",
    "intrinsic": "comes from {name}: replace it with {want}",
    "var": 'is {shown}: set the default of variable "{name}" to {want}, or pass {name} = {want} (.tfvars or -var)',
    "input": 'is {shown}, an input of {caller}: set {name} = {want} in the module "{module}" block that calls it '
             "(not in the module, which every caller shares)",
    "local": "is {shown}: set local.{name} to {want}",
    "each": "is {shown}: set it to {want} in the for_each / count values",
    "module": "is {shown}, an output of module.{name}: make that output {want}",
}


def what_to_change(setting: str, source: Tuple[str, str], want: str, shown: str = "", **names: str) -> str:
    """source: (kind, name) of where the value comes from; shown: the value as written (default: the name)."""
    template = _WHAT_TO_CHANGE.get(source[0], "is {shown}: make it {want}")
    return f"{setting} " + template.format(name=source[1], want=want, shown=shown or source[1], **names)


class Fixer:
    """Which edits turn PITR on in one resource. An owner is a mapping, block or object, an entry a value or block
    in it; a syntax reads (get, objects, is_true, days, string, why_not: what to change instead of an entry that is
    not a literal) and writes (set, insert)."""

    qualified_flag = True  # messages name the flag `block.flag` (Terraform) or alone (CloudFormation)

    def fix(self, target: Target) -> FileFix:
        """The target's edits and what stays unfixable (each syntax's fix_target decides them)."""
        self.result, self.target = FileFix(), target
        try:
            self.fix_target(target)
        except ValueError as exc:  # an HCL body in the file that cannot be read
            return FileFix(unfixable=[UNREADABLE.format(path=self.path, error=exc)])
        return self.result

    def note(self, reason: str, label: str) -> None:
        self.result.unfixable.append(f"{label}: {reason}")

    def shape_problem(self, owner: Any, key: str) -> Optional[str]:
        return None

    def is_null(self, entry: Any) -> bool:  # (a YAML `key:` with no value is filled, as if absent)
        return False

    def string_at(self, owner: Any, key: str) -> Optional[str]:  # key's value in owner, a literal string
        found = self.get(owner, key)
        return self.string(found[-1]) if found else None

    def spec(self, owner: Any, key: str, enabled_key: str, period_key: str, label: str) -> None:
        """PITR's block or object turned on, and its period raised, where they are literal."""
        problem = self.shape_problem(owner, key)
        found = [entry for entry in self.get(owner, key) if not self.is_null(entry)]
        if not problem and not found:
            if self.target.enable:
                self.result.edits.append(self.insert(owner, key, {enabled_key: True},
                                                     T.enable_description.format(label=label)))
            return None
        specs = [spec for entry in found for spec in self.objects(entry)]
        problem = problem or (((self.why_not(found[-1], key, {enabled_key: True}) if not specs else None)
                               or f"{key} is not one object: keep one, with {enabled_key} = true") if len(specs) != 1
                              else self.shape_problem(specs[0], enabled_key))
        if problem:
            return self.note(problem, label)
        newly_on = self.turn_on(specs[0], enabled_key, f"{key}.{enabled_key}" if self.qualified_flag else enabled_key,
                                label)
        if newly_on or (newly_on is not None and self.target.period):
            self.period(specs[0], period_key, label)

    def turn_on(self, owner: Any, key: str, setting: str, label: str) -> Optional[bool]:
        """`key` made true in owner where it is literal: whether it was not (None: it stays as it is)."""
        found = [entry for entry in self.get(owner, key) if not self.is_null(entry)]
        if found and self.is_true(found[-1]):
            return False
        why = self.why_not(found[-1], setting, True) if found else None
        if not self.target.enable:  # the scan judged the flag on (a variable's value, say): the period may be fixed
            return False if why else None
        if why:
            return self.note(why, label)
        description = T.enable_description.format(label=label)
        self.result.edits.append(self.set(found[-1], True, description) if found
                                 else self.insert(owner, key, True, description))
        return True

    def period(self, owner: Any, key: str, label: str) -> None:
        """A recovery period shorter than the minimum (or longer than 35 days) set to the minimum."""
        minimum, found = self.target.minimum, self.get(owner, key)
        days = self.days(found[-1]) if found else None
        if not found or (days is not None and minimum <= days <= 35):
            return None
        why = self.why_not(found[-1], key, minimum)
        if why:
            return self.note(why, label)
        description = T.period_description.format(label=label, minimum=minimum)
        self.result.edits.append(self.set(found[-1], minimum, description))


def distinct(edits: Iterable[Edit]) -> List[Edit]:
    """One edit per change of the text (instances of one block, count/for_each, share their edit)."""
    kept: Dict[Tuple[int, int, str], Edit] = {}
    for edit in edits:
        kept.setdefault((edit.start, edit.end, edit.replacement), edit)
    return list(kept.values())


def _ordered(edits: Iterable[Edit]) -> List[Edit]:
    # stable: insertions at one offset keep the order they were made in
    return sorted(distinct(edits), key=lambda e: (e.start, e.end))


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """The text with every edit applied (identical edits once). Overlapping edits are an error."""
    out: List[str] = []
    position = 0
    for edit in _ordered(edits):
        if edit.start < position or edit.end < edit.start or edit.end > len(text):
            raise OverlappingEdits(f"edit {edit.start}-{edit.end} overlaps another or lies outside the text")
        out += [text[position:edit.start], edit.replacement]
        position = edit.end
    out.append(text[position:])
    return "".join(out)


def line_column(starts: Sequence[int], offset: int) -> Tuple[int, int]:  # 1-based, of a character offset
    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


def _lines(text: str) -> List[str]:
    """The text's lines, each with its line break; lines end at \n only (as git and line_starts)."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _range(start: int, stop: int) -> str:  # a unified diff range, as difflib writes it
    length = stop - start
    return str(start + 1) if length == 1 else f"{start if not length else start + 1},{length}"


def _format(name: str, a: Sequence[str], b: Sequence[str], groups: Iterable[List[Tuple[str, int, int, int, int]]]) -> str:
    out = [f"--- a/{name}\n", f"+++ b/{name}\n"]  # (called with at least one change)
    for group in groups:
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:  # (a delete has no b lines, an insert no a lines)
            out += [" " + line for line in a[i1:i2]] if tag == "equal" else \
                ["-" + line for line in a[i1:i2]] + ["+" + line for line in b[j1:j2]]
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


def edits_diff(path: str, before: str, edits: Iterable[Edit], label: Optional[str] = None) -> str:
    """A unified diff (git style a/ b/ names; empty when nothing changes) of the edits, in time linear in
    the text: only the lines the edits touch are compared, the rest is known to be equal."""
    starts, a = line_starts(before), _lines(before)
    count = len(a)
    regions: List[List[Any]] = []  # [first line, end line (exclusive), edits]
    for edit in _ordered(edits):
        first, last = (min(bisect.bisect_right(starts, offset) - 1, count) for offset in (edit.start, edit.end))
        end = min(last + 1, count)
        if regions and first <= regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], end)
            regions[-1][2].append(edit)
        else:
            regions.append([first, max(first, end), [edit]])
    opcodes: List[Tuple[str, int, int, int, int]] = []
    b: List[str] = []
    done = 0  # lines of `a` accounted for
    for first, end, inside in regions:
        opcodes.append(("equal", done, first, len(b), len(b) + first - done))
        b += a[done:first]
        offset, stop = (starts[line] if line < len(starts) else len(before) for line in (first, end))
        new = _lines(apply_edits(before[offset:stop], [Edit(e.start - offset, e.end - offset, e.replacement)
                                                       for e in inside]))
        opcodes += [(tag, first + i1, first + i2, len(b) + j1, len(b) + j2)
                    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a[first:end], new).get_opcodes()]
        b += new
        done = end
    opcodes.append(("equal", done, count, len(b), len(b) + count - done))
    merged: List[Tuple[str, int, int, int, int]] = []
    for code in opcodes:  # as difflib's: one opcode per run of equal lines, none empty
        if merged and code[0] == merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], code[2], merged[-1][3], code[4])
        elif code[1] < code[2] or code[3] < code[4]:
            merged.append(code)
    if all(code[0] == "equal" for code in merged):
        return ""
    # difflib's hunk grouping (3 lines of context), over the opcodes computed here
    groups = difflib.SequenceMatcher.get_grouped_opcodes(SimpleNamespace(get_opcodes=lambda: merged), 3)
    return _format((label or path).replace("\\", "/"), a, b, groups)  # type: ignore[arg-type]
