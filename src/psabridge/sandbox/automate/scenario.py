"""Seeded Automate clients: one per PSA company plan row, `ExternalId` = PSA company id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Record = dict[str, Any]


def build_clients(plan: Iterable[Mapping[str, Any]]) -> dict[int, Record]:
    """Return the clients by Id from rows {"name", "external_id"} (0 = not linked)."""
    clients: dict[int, Record] = {}
    for row in plan:
        client = new_client(len(clients) + 1, str(row["name"]), int(row["external_id"]))
        clients[client["Id"]] = client
    return clients


def new_client(client_id: int, name: str, external_id: int) -> Record:
    """Return a `LabTech.Models.Client` (reference 4.2) with one location."""
    return {
        "Id": client_id,
        "Name": name,
        "Company": name,
        "FirstName": "",
        "LastName": "",
        "Address1": "1 Main Street",
        "Address2": "",
        "City": "Springfield",
        "State": "",
        "ZipCode": "",
        "Country": "",
        "PhoneNumber": "",
        "FaxNumber": "",
        "Comment": "",
        "ExternalId": external_id,
        "UsesInHouseSupportStaff": False,
        "IsHiddenFromAllInclusiveGroup": False,
        "NewTicketNotificationEmail": "",
        "Locations": [{"Id": client_id, "Name": "Main", "ExternalId": 0}],
    }
