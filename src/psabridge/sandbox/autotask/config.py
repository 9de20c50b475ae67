"""Fixed tenant configuration: the picklists served by `entityInformation/fields` (ref 3.9)."""

from __future__ import annotations

from typing import Any

from .store import AtStore

COMPLETE = 5  # Tickets.status "Complete" (reference 3.9)
RECURRING_SERVICE = 7  # Contracts.contractType (reference 3.2)
CONTRACT_ACTIVE, CONTRACT_INACTIVE = 1, 0
MONTHLY = 1
PERIOD_MONTHS = {1: 1, 2: 3, 3: 6, 4: 12}  # contractPeriodType -> months (a guess)
# (value, label, default, active, parent); values not listed active are inactive
PICKLISTS: dict[tuple[str, str], tuple[tuple[int, str, bool, bool, int | None], ...]] = {
    ("Companies", "companyType"): (
        (1, "Customer", True, True, None),
        (2, "Lead", False, True, None),
        (3, "Prospect", False, True, None),
        (4, "Dead", False, True, None),
        (7, "Vendor", False, True, None),
        (8, "Partner", False, True, None),
    ),
    ("Contracts", "contractType"): (
        (1, "Time and Materials", False, True, None),
        (3, "Block Hours", False, True, None),
        (4, "Retainer", False, True, None),
        (6, "Per Ticket", False, True, None),
        (7, "Recurring Service", True, True, None),
        (8, "Fixed Price", False, True, None),
    ),
    ("Contracts", "status"): (
        (0, "Inactive", False, True, None),
        (1, "Active", True, True, None),
    ),
    ("Contracts", "contractPeriodType"): (
        (1, "Monthly", True, True, None),
        (2, "Quarterly", False, True, None),
        (3, "Semi-Annual", False, True, None),
        (4, "Yearly", False, True, None),
    ),
    ("Services", "periodType"): (
        (1, "Monthly", True, True, None),
        (2, "Quarterly", False, True, None),
        (3, "Semi-Annual", False, True, None),
        (4, "Yearly", False, True, None),
    ),
    ("Tickets", "status"): (
        (1, "New", True, True, None),
        (5, "Complete", False, True, None),
        (7, "Waiting Customer", False, True, None),
        (8, "In Progress", False, True, None),
        (9, "Waiting Materials", False, True, None),
        (10, "Scheduled", False, True, None),
        (11, "Escalate", False, True, None),
        (12, "Waiting Vendor", False, True, None),
        (13, "On Hold (retired)", False, False, None),
    ),
    ("Tickets", "priority"): (
        (1, "High", False, True, None),
        (2, "Medium", True, True, None),
        (3, "Low", False, True, None),
        (4, "Critical", False, True, None),
        (6, "Urgent (retired)", False, False, None),
    ),
    ("Tickets", "queueID"): (
        (5, "Client Portal", False, True, None),
        (29682833, "Security Alerts", False, True, None),
        (29682969, "Service Desk", True, True, None),
        (29683011, "Old Monitoring (retired)", False, False, None),
    ),
    ("Tickets", "issueType"): (
        (1, "Security", False, True, None),
        (2, "Hardware", False, True, None),
        (3, "Software", False, True, None),
    ),
    ("Tickets", "subIssueType"): (
        (10, "Malware", False, True, 1),
        (11, "Intrusion", False, True, 1),
        (12, "Policy Violation", False, True, 1),
        (20, "Disk Failure", False, True, 2),
        (30, "Installation", False, True, 3),
    ),
    ("Tickets", "source"): (
        (2, "Insourced", False, True, None),
        (4, "Phone", False, True, None),
        (6, "Email", False, True, None),
        (8, "Monitoring Alert", True, True, None),
    ),
    ("Tickets", "ticketType"): (
        (1, "Service Request", True, True, None),
        (2, "Incident", False, True, None),
        (3, "Problem", False, True, None),
        (4, "Change Request", False, True, None),
        (5, "Alert", False, True, None),
    ),
    ("Tickets", "ticketCategory"): (
        (3, "Standard", True, True, None),
        (4, "RMM Alert", False, True, None),
    ),
    ("TicketNotes", "noteType"): (
        (1, "Task Detail", True, True, None),
        (2, "Task Notes", False, True, None),
        (3, "Task Summary", False, True, None),
    ),
    ("TicketNotes", "publish"): (
        (1, "All Autotask Users", True, True, None),
        (2, "Internal Users Only", False, True, None),
    ),
    ("ConfigurationItems", "configurationItemType"): (
        (1, "Workstation", True, True, None),
        (2, "Server", False, True, None),
        (3, "Network Device", False, True, None),
    ),
}


def picklist_value(
    value: int, label: str, default: bool, active: bool, parent: int | None, sort: int
) -> dict[str, Any]:
    """Return one `picklistValues` entry: codes are strings, as in the vendor's answer."""
    return {
        "value": str(value),
        "label": label,
        "isDefaultValue": default,
        "sortOrder": sort,
        "parentValue": None if parent is None else str(parent),
        "isActive": active,
        "isSystem": value == 5 and label == "Client Portal",
    }


def install(store: AtStore) -> None:
    """Give a store the fixed picklists."""
    for key, values in PICKLISTS.items():
        store.picklists[key] = [
            picklist_value(*value, sort=rank) for rank, value in enumerate(values, 1)
        ]


def default_code(store: AtStore, entity: str, field_name: str) -> int | None:
    """Return the code of a picklist's active `isDefaultValue` entry, or None."""
    for item in store.picklist(entity, field_name):
        if item["isDefaultValue"] and item["isActive"]:
            return int(item["value"])
    return None
