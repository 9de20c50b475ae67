"""What mappings does when core signals: re-read the PSA side once its connection is saved."""

from __future__ import annotations

from typing import Any

from psabridge.server.core import connections
from psabridge.server.mappings import services


def refresh_after_save(sender: Any, **kwargs: Any) -> None:
    """Re-read the connected PSA and re-check the mappings, once GravityZone is connected too."""
    psa = services.psa_system()
    if psa is not None and connections.gravityzone_connection() is not None:
        services.refresh(psa)
