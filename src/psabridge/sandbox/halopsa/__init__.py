"""HaloPSA simulator: OAuth2 tokens, configuration, tickets, actions, billing (ref halopsa.md)."""

from .scenario import SourceCompany, SourceDevice, sources_from_gravityzone
from .simulator import HaloSimulator

__all__ = ["HaloSimulator", "SourceCompany", "SourceDevice", "sources_from_gravityzone"]
