"""Signals of mappings: the apps above hear of mapping changes without mappings importing them."""

from enum import StrEnum

from django.dispatch import Signal


class MappingChange(StrEnum):
    """What happened to a mapping, as `mapping_changed` announces it."""

    CREATED = "created"  # confirmed or imported by the admin; ticketing is on for it
    ASSOCIATION_CHANGED = "association_changed"  # through an RMM: the detected RMM client or
    # GravityZone company was stored (Update All / Update Selected)
    TICKETING_ON = "ticketing_on"  # the Ticketing checkbox was switched on
    BILLING_ON = "billing_on"  # the Billing checkbox was switched on
    UNBLOCKED = "unblocked"  # a re-check cleared the issue that blocks its tickets


# Sent once per change, in the order the changes happen, right after the mapping is saved and
# inside the same transaction. Keyword arguments: `mapping` (the saved Mapping, with its current
# system, company and checkboxes) and `change` (a MappingChange). Receivers run at once and may
# raise: ticketing replays the company's parked alerts, billing starts the client's invoice.
mapping_changed = Signal()
