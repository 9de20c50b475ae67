"""ConnectWise Automate REST API v1 simulator (token login, clients)."""

from .simulator import AutomateSimulator

__all__ = ["AutomateSimulator"]
