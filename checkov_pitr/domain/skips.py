"""The one place for skips: checkov's skip comment syntax, read from real comments only, and the
note a result carries when a skip text sits inside a value. No checkov here."""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable

# checkov's own pattern (checkov/common/comment/enum.py): the ids, then an optional `:reason`
SKIP_COMMENT = re.compile(r"(?:checkov:skip=|bridgecrew:skip=|cortex:skip=) *([A-Za-z_\d-]+(?:,[A-Za-z_\d-]+)*)?(:[^\n]*)?")
IGNORED_NOTE = " (a checkov:skip text inside a value was ignored: only a comment skips a check)"
NO_REASON = "No comment provided"


def skips_in_comments(comments: Iterable[str]) -> Dict[str, str]:
    """check id -> reason for every skip in these comment texts (the first skip of an id wins)."""
    found: Dict[str, str] = {}
    for comment in comments:
        for match in SKIP_COMMENT.finditer(comment):
            reason = match.group(2)[1:].strip() if match.group(2) else NO_REASON
            for check_id in (match.group(1) or "").split(","):
                if check_id.strip():
                    found.setdefault(check_id.strip(), reason)
    return found


def named_in_values(value: Any, check_id: str, depth: int = 0) -> bool:
    """True when a string anywhere in a resource's values holds a skip naming `check_id` (a tag, a
    description): such text skips nothing, and the result says so."""
    if depth > 64:
        return False
    if isinstance(value, str):
        return "skip=" in value and check_id in skips_in_comments([value])  # ids compare whole, never by prefix
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return any(named_in_values(v, check_id, depth + 1) for v in items)
