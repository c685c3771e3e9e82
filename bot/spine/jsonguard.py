"""JSON from outside, read with bounds: a size, and a nesting depth no real sender needs
(Python's parser recurses, so a body of ten thousand brackets would otherwise end in a
RecursionError, and a deep but parseable one in every recursive reader after it)."""

import json
import re
from typing import Any

MAX_DEPTH = 32
"""Telegram's, Zalo's and the one-stop system's payloads nest about six levels."""
MAX_BYTES = 6 << 20
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class JsonRefused(ValueError):
    """Not JSON, too large, or nested too deeply."""


def loads_bounded(raw: bytes | str, max_bytes: int = MAX_BYTES,
                  max_depth: int = MAX_DEPTH) -> Any:
    if len(raw) > max_bytes:
        raise JsonRefused("too large")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise JsonRefused("not UTF-8") from None
    # No deeper than its opening brackets, strings' included: most bodies need no scan.
    if text.count("{") + text.count("[") > max_depth:
        depth = deepest = 0
        for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
            depth += 1 if bracket in "[{" else -1
            deepest = max(deepest, depth)
            if deepest > max_depth:
                raise JsonRefused("nested too deeply")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise JsonRefused("not JSON") from None
