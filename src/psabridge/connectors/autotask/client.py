"""Thin typed client of the Autotask PSA REST API v1.0: one method per endpoint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from psabridge.connectors.autotask import models
from psabridge.connectors.autotask.query import (
    PAGE_MAX,
    Condition,
    cond,
    eq,
    every,
    in_chunks,
    query,
)
from psabridge.connectors.autotask.responses import Expect, parse, parse_list
from psabridge.connectors.autotask.session import RATE_LIMITS, SYSTEM, AtSession, at_http

__all__ = ["PAGE_MAX", "RATE_LIMITS", "SYSTEM", "AutotaskClient", "at_http"]

REFERENCE_FIELD = "externalID"  # Reference: autotask.md §3.8 (usable as idempotency key)
RECURRING_SERVICE = 7  # Reference: autotask.md §3.2 (contractType 7 = Recurring Service)
ACTIVE = 1  # Reference: autotask.md §3.2 (contract status 1 = active)


class AutotaskClient(AtSession):
    """Call Autotask PSA endpoints; `connect` builds it with its own HttpClient."""

    # --- limits and metadata (reference §2.6, §2.7) ---------------------------------------------

    # Reference: autotask.md §2.7 (authenticated, holds a thread slot)
    def threshold_information(self) -> models.ThresholdInfo:
        body = self.get("ThresholdInformation", Expect("ThresholdInformation", "thresholds"))
        return parse(models.ThresholdInfo, body, "threshold information")

    # Reference: autotask.md §2.6 (`{"info": {...}}`)
    def entity_information(self, entity: str) -> models.EntityInfo:
        expect = Expect(f"{entity}.entityInformation", f"{entity} information")
        body = self.get(f"{entity}/entityInformation", expect)
        info = body.get("info") if isinstance(body, dict) else None
        return parse(models.EntityInfo, info, expect.what)

    # Reference: autotask.md §2.6, §3.9, §3.10 (picklists are per tenant: always read them)
    def fields(self, entity: str) -> list[models.FieldInfo]:
        expect = Expect(f"{entity}.fields", f"{entity} fields")
        body = self.get(f"{entity}/entityInformation/fields", expect)
        rows = body.get("fields") if isinstance(body, dict) else None
        return parse_list(models.FieldInfo, rows, expect.what)

    def picklist(
        self, entity: str, field: str, *, parent_value: int | None = None
    ) -> list[models.PicklistValue]:
        """Return a picklist's values (of one parent value for a dependent one, §2.6)."""
        for info in self.fields(entity):
            if info.name.lower() == field.lower() and info.is_pick_list:
                values = info.picklist_values or []
                if parent_value is None:
                    return values
                return [v for v in values if v.parent_value == parent_value]
        return []

    # --- companies, contracts, services (reference §3.1-§3.6) -----------------------------------

    # Reference: autotask.md §3.1
    def companies(self, *conditions: Condition, fields: Iterable[str] = ()) -> list[models.Company]:
        q = query(*(conditions or (every(),)), fields=tuple(fields))
        return self.query("Companies", q, models.Company, "companies")

    # Reference: autotask.md §3.1 (id 0 is the MSP itself)
    def company(self, company_id: int) -> models.Company:
        return self.one("Companies", company_id, models.Company, "company")

    # Reference: autotask.md §3.2, §4 step 2 (companyID, contractType 7, status 1)
    def contracts(
        self,
        *conditions: Condition,
        company_id: int | None = None,
        contract_type: int | None = None,
        status: int | None = None,
    ) -> list[models.Contract]:
        where = [
            *conditions,
            *_eqs(companyID=company_id, contractType=contract_type, status=status),
        ]
        return self.query("Contracts", query(*(where or [every()])), models.Contract, "contracts")

    # Reference: autotask.md §3.3
    def services(self, *conditions: Condition) -> list[models.Service]:
        q = query(*(conditions or (every(),)))
        return self.query("Services", q, models.Service, "services")

    # Reference: autotask.md §3.4 (query the root entity by contractID, serviceID)
    def contract_services(
        self, *, contract_id: int | None = None, service_id: int | None = None
    ) -> list[models.ContractService]:
        where = _eqs(contractID=contract_id, serviceID=service_id) or [every()]
        return self.query(
            "ContractServices", query(*where), models.ContractService, "contract services"
        )

    # Reference: autotask.md §3.6 (the units in force on `on`: startDate lte D, endDate gte D)
    def contract_service_units(
        self, contract_id: int, *, service_id: int | None = None, on: date | None = None
    ) -> list[models.ContractServiceUnit]:
        where = _eqs(contractID=contract_id, serviceID=service_id)
        if on is not None:
            where += [cond("startDate", "lte", on), cond("endDate", "gte", on)]
        return self.query(
            "ContractServiceUnits", query(*where), models.ContractServiceUnit, "contract units"
        )

    # Reference: autotask.md §3.5 (create-only, through the contract; never re-sent blindly:
    # adjustments cannot be read back, so after an ambiguous failure re-read the units)
    def create_service_adjustment(self, contract_id: int, body: Mapping[str, Any]) -> int:
        expect = Expect("ServiceAdjustments.create", "contract service adjustments", creates=True)
        payload = {**body, "contractID": contract_id}
        return self.send("POST", f"Contracts/{contract_id}/ServiceAdjustments", payload, expect)

    # --- tickets and notes (reference §3.8-§3.10) -----------------------------------------------

    # Reference: autotask.md §3.8 (companyID, title, status, priority required; `{"itemId": n}`)
    def create_ticket(self, body: Mapping[str, Any]) -> int:
        expect = Expect("Tickets.create", "tickets", creates=True)
        return self.send("POST", "Tickets", dict(body), expect)

    # Reference: autotask.md §2.1 (GET /Tickets/{id}: `{"item": ...}`)
    def ticket(self, ticket_id: int) -> models.Ticket:
        return self.one("Tickets", ticket_id, models.Ticket, "ticket")

    # Reference: autotask.md §2.2 (`in` lists batched at 400)
    def tickets_by_ids(self, ticket_ids: Iterable[int]) -> list[models.Ticket]:
        found: list[models.Ticket] = []
        for chunk in in_chunks("id", list(ticket_ids)):
            found += self.query("Tickets", query(chunk), models.Ticket, "tickets")
        return found

    # Reference: autotask.md §3.8 (our reference in externalID; look it up after an ambiguous
    # create before sending it again)
    def tickets_by_reference(
        self, reference: str, *, field: str = REFERENCE_FIELD
    ) -> list[models.Ticket]:
        return self.query("Tickets", query(eq(field, reference)), models.Ticket, "tickets")

    # Reference: autotask.md §2.1 (PATCH the collection with `id` in the body; idempotent)
    def update_ticket(self, ticket_id: int, changes: Mapping[str, Any]) -> int:
        expect = Expect("Tickets.update", "ticket updates")
        return self.send("PATCH", "Tickets", {**changes, "id": ticket_id}, expect)

    def set_ticket_status(self, ticket_id: int, status: int) -> int:
        """PATCH a ticket's status (5 = Complete in most tenants, reference §3.9)."""
        return self.update_ticket(ticket_id, {"status": status})

    # Reference: autotask.md §3.10 (only POST /Tickets/{id}/Notes; the root POST is 404)
    def create_note(self, ticket_id: int, body: Mapping[str, Any]) -> int:
        expect = Expect("Notes.create", "ticket notes", creates=True)
        payload = {**body, "ticketID": ticket_id}
        return self.send("POST", f"Tickets/{ticket_id}/Notes", payload, expect)

    # Reference: autotask.md §3.10 (filtered reads use the root entity TicketNotes/query)
    def notes(self, ticket_id: int, *conditions: Condition) -> list[models.TicketNote]:
        q = query(eq("ticketID", ticket_id), *conditions)
        return self.query("TicketNotes", q, models.TicketNote, "ticket notes")

    # --- configuration items (reference §3.11) --------------------------------------------------

    # Reference: autotask.md §3.11 (DJ: companyID eq X, then matching keys)
    def configuration_items(
        self, company_id: int | None, *conditions: Condition, active_only: bool = True
    ) -> list[models.ConfigurationItem]:
        """Return a company's configuration items (every company's when company_id is None)."""
        where = [*_eqs(companyID=company_id), *conditions]
        if active_only:
            where.append(eq("isActive", True))
        return self.query(
            "ConfigurationItems",
            query(*(where or [every()])),
            models.ConfigurationItem,
            "configuration items",
        )


def _eqs(**values: int | None) -> list[Condition]:
    return [eq(name, value) for name, value in values.items() if value is not None]
