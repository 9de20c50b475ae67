"""Mask secret-like fields of pushed events before they are shown or exported."""

from __future__ import annotations

import re
from typing import Any

SECRET_FIELD = re.compile(
    r"(?i)(pass(word)?|secret|token|authori[sz]ation|api[_-]?key|license[_-]?key|credential)"
)
MASK = "[redacted]"


def redact_payload(value: Any) -> Any:
    """Return a copy of a JSON value with every secret-like field masked."""
    if isinstance(value, dict):
        return {
            key: MASK
            if SECRET_FIELD.search(str(key)) and value[key] not in (None, "")
            else redact_payload(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_payload(item) for item in value]
    return value
