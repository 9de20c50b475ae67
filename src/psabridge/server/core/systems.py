"""The outside systems the server knows, read from the connector registry (never named here)."""

from __future__ import annotations

from psabridge.connectors.profile import PsaProfile, SystemProfile
from psabridge.connectors.registry import SYSTEMS, psa_profiles

GRAVITYZONE = "gravityzone"  # the security platform every site has


def all_profiles() -> list[SystemProfile]:
    """Return every system's profile, in registry order."""
    return [entry.profile for entry in SYSTEMS.values()]


def profile(kind: str) -> SystemProfile | None:
    """Return a system's profile, None for a kind the registry does not list."""
    entry = SYSTEMS.get(kind)
    return entry.profile if entry else None


def label(kind: str) -> str:
    """Return a system's display name (its profile's); an unknown kind as it is."""
    found = profile(kind)
    return found.name if found else kind


def psa_kinds() -> tuple[str, ...]:
    """Return the kind of every PSA, in registry order."""
    return tuple(p.kind for p in psa_profiles())


def psa(kind: str) -> PsaProfile:
    """Return a PSA's profile (KeyError for a kind that is not a PSA)."""
    found = profile(kind)
    if not isinstance(found, PsaProfile):
        raise KeyError(kind)
    return found


def rmm_kinds() -> tuple[str, ...]:
    """Return the kinds of the RMMs a PSA's mappings may go through."""
    return tuple(p.rmm for p in psa_profiles() if p.rmm)
