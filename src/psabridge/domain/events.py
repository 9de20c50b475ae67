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
            "alerts_blocked_company",
            "Alerts wait: the PSA refuses tickets for this company",
            Priority.WARNING,
            "The company is mapped, but the PSA refuses tickets for it (e.g. its status has "
            "Disallow Saving): fix it in the PSA and press Refresh on Mappings; its parked "
            "alerts are then ticketed.",
        ),
        EventKind(
            "psa_switched",
            "The connected PSA was replaced",
            Priority.WARNING,
            "The mappings and ticketing settings of the PSA that was replaced are kept but no "
            "longer used: map the companies and set up ticketing for the PSA now connected "
            "(reconnecting the old PSA brings its mappings back).",
        ),
        EventKind(
            "psa_not_connected",
            "Alerts wait: the PSA they go to is not connected",
            Priority.ERROR,
            "Ticketing is set up for a PSA that is no longer connected. Reconnect it on "
            "Connections, or turn its ticketing off and set up the PSA now connected; the "
            "waiting alerts are then ticketed.",
        ),
        EventKind(
            "companies_auto_imported",
            "New PSA companies were mapped automatically",
            Priority.INFO,
            "Automatic import mapped (or created in GravityZone) each new PSA company found by "
            "Refresh; check them on Mappings. Resolve marks this as read.",
        ),
        EventKind(
            "mapping_orphaned",
            "A mapping whose two companies are gone",
            Priority.WARNING,
            "Neither the PSA company nor the GravityZone company of this mapping exists any "
            "more. Resolve deletes the mapping.",
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
        ),
    )
}

# R5.7: which open events (of the same scope) a new one dismisses, because its cause covers
# theirs: no ticket can be made at all, so none can be closed; push that is switched off
# cannot point anywhere.
SUPERSEDES: dict[str, tuple[str, ...]] = {
    "invalid_ticketing_configuration": ("ticketing_closure_failure",),
    "push_disabled": ("push_misconfigured",),
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
    kind_of(new_slug)  # an unknown kind is an error, not "supersedes nothing"
    return set(open_slugs) & set(SUPERSEDES.get(new_slug, ()))


def is_suppressed(new_slug: str, open_slugs: set[str]) -> bool:
    """Return True when an open event of the same scope already supersedes new_slug."""
    return any(new_slug in SUPERSEDES.get(slug, ()) for slug in open_slugs)
