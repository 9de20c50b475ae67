"""GravityZone simulator: JSON-RPC Public API and Event Push Service (reference/gravityzone.md)."""

from .simulator import GravityZoneSimulator

__all__ = ["GravityZoneSimulator"]
