"""Integration event kinds: their priority, scope and which supersedes which (SPEC R5.7)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Priority(IntEnum):
    """How urgent an event is; a higher one supersedes lower ones of the same scope."""

    INFO = 10
    WARNING = 20
    ERROR = 30
    CRITICAL = 40


@dataclass(frozen=True)
class EventKind:
    """One kind of integration event: what it means and what to do about it."""

    slug: str
    title: str
    priority: Priority
    action: str
    supersedes: tuple[str, ...] = ()


KINDS: dict[str, EventKind] = {
    kind.slug: kind
    for kind in (
        EventKind(
            "connection_failed",
            "Connection failing",
            Priority.ERROR,
            "Open Connections, check the address and credentials of this system, then Validate.",
        ),
        EventKind(
            "push_disabled",
            "GravityZone event push switched off",
            Priority.CRITICAL,
            "GravityZone stopped pushing after repeated delivery errors. "
            "Make sure this server is reachable, then press Re-enable push.",
        ),
        EventKind(
            "push_misconfigured",
            "GravityZone event push points elsewhere",
            Priority.ERROR,
            "Push settings in GravityZone do not point at this receiver. Press Enable push.",
        ),
        EventKind(
            "alerts_unmapped_company",
            "Alerts for a company that is not mapped",
            Priority.WARNING,
            "Map the GravityZone company to a PSA client on the Mappings page; its parked "
            "alerts are then ticketed.",
        ),
        EventKind(
            "ticketing_closure_failure",
            "Ticketing closure failure",
            Priority.WARNING,
            "The PSA has no Closed status, so blocked-threat tickets cannot be auto-closed. "
            "Add a Closed status in the PSA or turn auto-close off.",
        ),
        EventKind(
            "queue_stuck",
            "Work is waiting",
            Priority.CRITICAL,
            "Pushed events or alerts wait longer than they should, or the scheduler stopped. "
            "Check that a worker runs (and exactly one with --scheduler): the Status page shows "
            "their heartbeats. Nothing is lost: the waiting work is done once one runs.",
        ),
        EventKind(
            "invalid_ticketing_configuration",
            "Invalid ticketing configuration",
            Priority.ERROR,
            "Open Ticketing and fix the highlighted values; parked alerts are replayed after.",
            supersedes=("ticketing_closure_failure",),
        ),
    )
}


def kind_of(slug: str) -> EventKind:
    """Return the event kind for a slug, or raise KeyError naming it."""
    try:
        return KINDS[slug]
    except KeyError:
        raise KeyError(f"unknown integration event kind {slug!r}") from None


def superseded_by(new_slug: str, open_slugs: set[str]) -> set[str]:
    """Return the open kinds (same scope) that a new event of new_slug dismisses."""
    # Only a declared supersession dismisses automatically; priority alone orders display.
    return set(open_slugs) & set(kind_of(new_slug).supersedes)


def is_suppressed(new_slug: str, open_slugs: set[str]) -> bool:
    """Return True when an open event of the same scope already supersedes new_slug."""
    return any(new_slug in kind_of(slug).supersedes for slug in open_slugs if slug in KINDS)
