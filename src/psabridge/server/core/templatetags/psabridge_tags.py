"""Small template filters used by psabridge pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """Return mapping[key], or an empty string when absent."""
    return (mapping or {}).get(key, "")
