"""A skip counts only where it is a skip (SPEC "Exemptions").

checkov finds `checkov:skip=ID` with a regular expression over every line of a Terraform block, and
over every line of a CloudFormation resource, wherever the text is: a tag value or a description
that says `checkov:skip=CKV_PITR_001` skips the check as if it were a comment. Our checks accept a
skip that checkov hands them only when it is one:

* Terraform HCL (`.tf`, `.tofu`): a `#`, `//` or `/* */` comment, outside strings and heredocs,
  inside the resource block (checkov's rule: strictly between its first and last line), or inside
  the `module` block that calls the resource's module (checkov pushes those down).
* Terraform JSON: a `"//"` comment property (Terraform's JSON comment) on one of the block's lines.
* Terraform plans (skips come from the source via plan enrichment): a genuine comment in a
  `resource "type" "name"` block of a `.tf` file under the scan roots.
* CloudFormation / SAM / serverless: `Metadata: checkov: skip:` (or `bridgecrew:`) only, as the
  SPEC documents; checkov's line regex also fires on values.
"""
from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

IGNORED_NOTE = " (a checkov:skip text inside a value was ignored: only a comment skips a check)"

_SKIP = re.compile(r"(?:checkov|bridgecrew|cortex):skip= *([A-Za-z_\d-]+(?:,[A-Za-z_\d-]+)*)")
_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_MAX_FILES = 5000  # module/plan searches walk the scan roots; never without bound
_MAX_FILE_BYTES = 5 * 1024 * 1024


def names(text: str, check_id: str) -> bool:
    """True when `text` holds a skip naming `check_id` (IDs compare whole, never by prefix)."""
    return any(check_id in (part.strip() for part in m.group(1).split(",")) for m in _SKIP.finditer(text))


def genuine_skip(dialect: str, check_id: str, scanned_file: str, conf: Mapping[str, Any],
                 skip_info: Any) -> Tuple[Any, str]:
    """(the skip to honour or None, a note for the result's message). A skip that cannot be shown
    to be a comment is ignored: the table is judged (fail closed)."""
    if not skip_info:
        return skip_info, ""
    try:
        genuine = _is_genuine(dialect, check_id, scanned_file, conf)
    except Exception:  # reading the file again must never hide a table
        genuine = False
    return (skip_info, "") if genuine else (None, IGNORED_NOTE)


def _is_genuine(dialect: str, check_id: str, scanned_file: str, conf: Mapping[str, Any]) -> bool:
    if dialect == "cloudformation":
        return cloudformation_metadata_skips(conf, check_id)
    if "__change_actions__" in conf or (scanned_file.endswith(".json") and not scanned_file.endswith(".tf.json")):
        return _plan_skip(conf, check_id)
    from checkov_pitr.integration.sources import locate

    path = locate(scanned_file, conf)
    if path is None:
        return False
    lines = _lines(path)
    start, end = _int(conf.get("__start_line__")), _int(conf.get("__end_line__"))
    if not (start and end):
        return False
    block = lines[start - 1:end]
    if path.endswith(".json"):
        return any(_json_comment_skip(line, check_id) for line in block)
    if any(names(text, check_id) for text in hcl_comments(block)):
        return True
    if any(names(line, check_id) for line in block):
        return False  # the text is in the block, but not in a comment: a value
    return _module_call_skip(str(conf.get("__address__") or ""), check_id)


def cloudformation_metadata_skips(conf: Mapping[str, Any], check_id: str) -> bool:
    metadata = conf.get("Metadata")
    if not isinstance(metadata, Mapping):
        return False
    for vendor in ("checkov", "bridgecrew"):
        section = metadata.get(vendor)
        entries = section.get("skip") if isinstance(section, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and str(entry.get("id", "")).strip() == check_id:
                return True
    return False


# --- HCL comments ----------------------------------------------------------------------------------

def hcl_comments(lines: Iterable[str]) -> List[str]:
    """The comment text of each line, outside strings, template interpolations and heredocs."""
    found: List[str] = []
    heredoc: Optional[str] = None
    in_block_comment = False
    for line in lines:
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        comment, in_block_comment, opened = _line_comment(line, in_block_comment)
        if comment:
            found.append(comment)
        heredoc = opened
    return found


def _line_comment(line: str, in_block_comment: bool) -> Tuple[str, bool, Optional[str]]:
    """(comment text on this line, still inside /* */ at its end, heredoc opened on this line)."""
    comment: List[str] = []
    stack: List[List[Any]] = []  # ["string"] or ["interp", brace depth]
    i = 0
    while i < len(line):
        if in_block_comment:
            close = line.find("*/", i)
            comment.append(line[i:] if close < 0 else line[i:close])
            if close < 0:
                return " ".join(comment), True, None
            in_block_comment, i = False, close + 2
            continue
        char, pair = line[i], line[i:i + 2]
        top = stack[-1] if stack else None
        if top is not None and top[0] == "string":
            if char == "\\":
                i += 2
                continue
            if pair in ("$$", "%%"):  # escaped template marker
                i += 2
                continue
            if pair in ("${", "%{"):
                stack.append(["interp", 0])
                i += 2
                continue
            if char == '"':
                stack.pop()
            i += 1
            continue
        # code, or inside an interpolation
        if char == '"':
            stack.append(["string"])
        elif top is not None and char == "{":
            top[1] += 1
        elif top is not None and char == "}":
            if top[1] == 0:
                stack.pop()
            else:
                top[1] -= 1
        elif char == "#" or pair == "//":
            comment.append(line[i + (1 if char == "#" else 2):])
            break
        elif pair == "/*":
            in_block_comment = True
            i += 2
            continue
        i += 1
    opened = None
    if not stack and not in_block_comment:
        match = _HEREDOC.search(line)
        opened = match.group(1) if match else None
    return " ".join(comment), in_block_comment, opened


def _json_comment_skip(line: str, check_id: str) -> bool:
    match = re.match(r'\s*"//"\s*:\s*"(.*)"\s*,?\s*$', line)
    return bool(match) and names(match.group(1), check_id)


# --- skips pushed down from a module call, and plan enrichment ---------------------------------------

def _module_call_skip(address: str, check_id: str) -> bool:
    """A genuine skip comment in a `module "<name>"` block for one of the modules in `address`."""
    modules = re.findall(r"module\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.", address)
    return any(_block_has_skip(rf'^\s*module\s+"{re.escape(name)}"\s*\{{', check_id) for name in modules)


def _plan_skip(conf: Mapping[str, Any], check_id: str) -> bool:
    address = str(conf.get("__address__") or "")
    match = re.search(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?$", address)
    if not match:
        return False
    kind, name = match.groups()
    if _block_has_skip(rf'^\s*resource\s+"{re.escape(kind)}"\s+"{re.escape(name)}"\s*\{{', check_id):
        return True
    return _module_call_skip(address, check_id)


def _block_has_skip(header: str, check_id: str) -> bool:
    pattern = re.compile(header)
    for path in _terraform_files(tuple(_search_roots())):
        lines = _lines(path)
        for number, line in enumerate(lines):
            if pattern.match(line):
                block = lines[number:_block_end(lines, number) + 1]
                if any(names(text, check_id) for text in hcl_comments(block)):
                    return True
    return False


def _block_end(lines: Sequence[str], start: int) -> int:
    """The index of the line that closes the block opened on `start` (braces outside strings)."""
    depth = 0
    for index in range(start, len(lines)):
        code = _code_only(lines[index])
        depth += code.count("{") - code.count("}")
        if depth <= 0 and index > start:
            return index
    return len(lines) - 1


def _code_only(line: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', line.split("#", 1)[0].split("//", 1)[0])


def _search_roots() -> List[str]:
    from checkov_pitr.integration.sources import scan_roots

    argv = sys.argv[1:]
    directories, files = scan_roots(argv)
    enrich = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--repo-root-for-plan-enrichment"]
    roots = directories + enrich + [os.path.dirname(os.path.abspath(f)) for f in files]
    return [os.path.abspath(r) for r in roots] or [os.getcwd()]


@lru_cache(maxsize=8)
def _terraform_files(roots: Tuple[str, ...]) -> Tuple[str, ...]:
    found: List[str] = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") or d == ".terraform"]
            found += [os.path.join(folder, f) for f in files if f.endswith((".tf", ".tofu"))]
            if len(found) > _MAX_FILES:
                return tuple(found[:_MAX_FILES])
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=256)
def _lines(path: str) -> List[str]:
    with open(path, "rb") as handle:
        return handle.read(_MAX_FILE_BYTES).decode("utf-8", errors="replace").splitlines()


def _int(value: Any) -> int:
    try:
        return int(value[0] if isinstance(value, list) else value)
    except (TypeError, ValueError, IndexError):
        return 0
