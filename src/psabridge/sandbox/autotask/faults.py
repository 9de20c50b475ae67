"""Fault injection for the Autotask API, driven by the inspection API."""

from __future__ import annotations

from typing import Any

from ..common.faults import COMMON_MODES, FaultBook, PathFault, parse_path_fault

__all__ = ["METHODS", "MODES", "Fault", "FaultBook", "parse_fault"]

MODES = (*COMMON_MODES, "commit_then_reset", "commit_then_500", "commit_then_hang")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "*")

Fault = PathFault


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Return a Fault from an inspection API body, or raise ValueError."""
    return parse_path_fault(spec, MODES, METHODS, "/Tickets")
