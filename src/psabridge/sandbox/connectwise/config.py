"""Fixed configuration of the PSA: statuses, agreement types, catalog, boards, priorities."""

from __future__ import annotations

from typing import Any

from .store import CwStore

API_MEMBER = {"id": 150, "identifier": "psabridge", "name": "psabridge API"}
STATUS_ACTIVE, STATUS_INACTIVE, STATUS_NOT_APPROVED = 1, 2, 3
TYPE_MANAGED_SECURITY, TYPE_BLOCK_TIME, TYPE_LEGACY = 1, 2, 3
MONTHLY = {"id": 1, "name": "Monthly"}
COMPANY_STATUSES = (
    (STATUS_ACTIVE, "Active", True, False, False),
    (STATUS_INACTIVE, "Inactive", False, True, False),
    (STATUS_NOT_APPROVED, "Not Approved", False, False, True),
)
AGREEMENT_TYPES = (
    (TYPE_MANAGED_SECURITY, "Managed Security", True, False),
    (TYPE_BLOCK_TIME, "Block Time", False, False),
    (TYPE_LEGACY, "Legacy Support", False, True),
)
# id, identifier, description, class, price, cost, inactive
PRODUCTS = (
    (1, "GZ-ENDPOINT", "Bitdefender GravityZone endpoint", "NonInventory", 4.5, 2.1, False),
    (2, "GZ-EDR", "Bitdefender EDR add-on", "NonInventory", 2.0, 0.9, False),
    (3, "MS-DEVICE", "Managed services - per device", "Service", 12.0, 0.0, False),
    (4, "AV-LEGACY", "Legacy antivirus seat", "NonInventory", 3.0, 1.5, True),
    (5, "SEC-BUNDLE", "Security bundle", "Bundle", 15.0, 6.0, False),
    (6, "FW-APPLIANCE", "Firewall appliance", "Inventory", 450.0, 300.0, False),
)
BOARDS = ((1, "Security Alerts"), (2, "Help Desk"))
BOARD_STATUSES = (
    ("New", True, False),
    ("In Progress", False, False),
    ("Closed", False, True),
    ("Cancelled", False, True),
)
BOARD_TYPES = {1: ("Malware", "Intrusion", "Other"), 2: ("Incident", "Request", "Other")}
# id, name, color, sortOrder, default
PRIORITIES = (
    (1, "Priority 1 - Critical", "Red", 1, False),
    (2, "Priority 2 - High", "Orange", 2, False),
    (4, "Priority 3 - Normal Response", "Blue", 6, True),
    (5, "Priority 4 - Low", "Green", 8, False),
)


def install(store: CwStore) -> None:
    """Insert the fixed configuration with stable ids."""
    for sid, name, default, inactive, disallow in COMPANY_STATUSES:
        store.insert("company_statuses", company_status(sid, name, default, inactive, disallow))
    for tid, name, default, inactive in AGREEMENT_TYPES:
        store.insert("agreement_types", agreement_type(tid, name, default, inactive))
    for product in PRODUCTS:
        store.insert("catalog", catalog_item(*product))
    for board_id, board_name in BOARDS:
        _install_board(store, board_id, board_name)
    for pid, name, color, sort, default in PRIORITIES:
        store.insert(
            "priorities",
            {"id": pid, "name": name, "color": color, "sortOrder": sort, "defaultFlag": default},
        )


def company_status(
    sid: int, name: str, default: bool, inactive: bool, disallow: bool
) -> dict[str, Any]:
    """Return a `CompanyStatus` row (reference 3.3)."""
    return {
        "id": sid,
        "name": name,
        "defaultFlag": default,
        "inactiveFlag": inactive,
        "disallowSavingFlag": disallow,
        "notifyFlag": False,
        "customNoteFlag": False,
        "cancelOpenTracksFlag": False,
    }


def agreement_type(tid: int, name: str, default: bool, inactive: bool) -> dict[str, Any]:
    """Return an `AgreementType` row (reference 3.5)."""
    return {
        "id": tid,
        "name": name,
        "defaultFlag": default,
        "inactiveFlag": inactive,
        "prorateFlag": False,
        "billingCycle": dict(MONTHLY),
        "employeeCompRate": "Actual",
        "employeeCompNotExceed": "Billing",
        "invoicingCycle": "CalendarYear",
        "billTime": "Billable",
        "billExpenses": "Billable",
        "billProducts": "Billable",
        "oneTimeFlag": False,
        "prePaymentFlag": False,
        "taxableFlag": True,
    }


def catalog_item(
    pid: int, identifier: str, description: str, cls: str, price: float, cost: float, off: bool
) -> dict[str, Any]:
    """Return a `CatalogItem` row (reference 3.7)."""
    return {
        "id": pid,
        "identifier": identifier,
        "description": description,
        "customerDescription": description,
        "inactiveFlag": off,
        "subcategory": {"id": 1, "name": "Security"},
        "type": {"id": 1, "name": "Software"},
        "productClass": cls,
        "serializedFlag": False,
        "price": price,
        "cost": cost,
        "billableOption": "Billable",
        "priceAttribute": "FixedFee",
        "recurringFlag": cls != "Inventory",
        "taxableFlag": True,
    }


def _install_board(store: CwStore, board_id: int, name: str) -> None:
    board = store.insert(
        "boards",
        {
            "id": board_id,
            "name": name,
            "inactiveFlag": False,
            "projectFlag": False,
            "location": {"id": 1, "name": "Main"},
            "department": {"id": 1, "name": "Service"},
            "billTime": "Billable",
        },
    )
    ref = {"id": board["id"], "name": board["name"]}
    for sort, (status, default, closed) in enumerate(BOARD_STATUSES):
        store.insert(
            "board_statuses",
            {
                "name": status,
                "board": dict(ref),
                "sortOrder": sort,
                "defaultFlag": default,
                "inactive": False,
                "closedStatus": closed,
            },
        )
    for type_name in BOARD_TYPES[board_id]:
        store.insert("board_types", {"name": type_name, "board": dict(ref), "inactiveFlag": False})
