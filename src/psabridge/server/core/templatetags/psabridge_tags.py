"""Small template filters used by psabridge pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """Return mapping[key], or an empty string when absent."""
    return (mapping or {}).get(key, "")


@register.filter
def system_name(kind: str) -> str:
    """Return an outside system's name as its vendor spells it ("halopsa" -> "HaloPSA")."""
    from psabridge.server.core import systems

    return systems.label(kind) if kind else ""


@register.filter
def module_name(module: str) -> str:
    """Return a GravityZone event module in words: the alert kind it is, else the module."""
    from psabridge.domain.alerts import MODULE_KINDS

    kind = MODULE_KINDS.get(module or "")
    return kind.label if kind is not None else (module or "—")


@register.filter
def words(key: str) -> str:
    """Return an API key in words: "mspSecurePlus" -> "MSP Secure Plus" (never a raw key)."""
    import re

    parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", key or "")
    return " ".join("MSP" if p.lower() == "msp" else p.capitalize() for p in parts) or key
