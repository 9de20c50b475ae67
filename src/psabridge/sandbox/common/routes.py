"""Path templates of the simulators' route tables ("/Tickets/{id}") as case-insensitive regexes."""

from __future__ import annotations

import re


def template_pattern(template: str, number: str = r"\d+") -> re.Pattern[str]:
    """Return the regex of a path template: {id} and {parentId} capture `number`, a trailing
    slash is allowed, case is ignored (both PSAs route case-insensitively)."""
    regex = re.escape(template)
    for name in ("id", "parentId"):
        regex = regex.replace(rf"\{{{name}\}}", rf"(?P<{name}>{number})")
    return re.compile(f"^{regex}/?$", re.IGNORECASE)
