"""Our string ids as ConnectWise's integer record ids, checked before anything is sent."""

from __future__ import annotations

from psabridge.connectors.errors import ConfigError


def record_id(name: str, value: object) -> int:
    """Return a record id as an int ("12", 12 and 12.0 alike), or raise ConfigError."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"The ConnectWise PSA {name} must be a number") from None
    if not number.is_integer() or number < 1:
        raise ConfigError(f"The ConnectWise PSA {name} must be a positive whole number")
    return int(number)
