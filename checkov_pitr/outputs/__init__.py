"""checkov-pitr's outputs. `safe_text` is here, free of checkov imports, for every line any command writes."""
from __future__ import annotations

import re
from typing import Any

# Characters that must not reach an output as themselves: line breaks (a file name with a newline
# could start a line with `::warning`, a GitHub workflow command) and other control characters.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def safe_text(text: Any) -> str:
    """A file name or resource as data: control characters escaped, undecodable bytes as \\xNN, and
    a leading `::` (a workflow command) escaped."""
    value = str(text)
    try:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate no file name holds (from a JSON \ud800 escape)
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    value = _UNSAFE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), value)
    return "\\:" + value[1:] if value.startswith("::") else value
