"""Autotask PSA REST API v1.0 simulator."""

from ..connectwise.scenario import Source, sources_from_gravityzone
from .simulator import AutotaskSimulator

__all__ = ["AutotaskSimulator", "Source", "sources_from_gravityzone"]
