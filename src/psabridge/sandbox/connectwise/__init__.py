"""ConnectWise PSA (Manage) REST API v3.0 simulator."""

from .scenario import Source, sources_from_gravityzone
from .simulator import ConnectWiseSimulator

__all__ = ["ConnectWiseSimulator", "Source", "sources_from_gravityzone"]
