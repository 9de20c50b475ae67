"""Thin typed client of the ConnectWise PSA REST API v3.0: one method per endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psabridge.connectors.connectwise import models
from psabridge.connectors.connectwise.paging import PAGE_MAX
from psabridge.connectors.connectwise.responses import Expect, parse
from psabridge.connectors.connectwise.session import RATE_LIMITS, SYSTEM, CwSession, cw_http
from psabridge.connectors.errors import TransientError

__all__ = ["PAGE_MAX", "RATE_LIMITS", "SYSTEM", "ConnectWiseClient", "cw_http"]

Patch = Sequence[Mapping[str, Any]]


class ConnectWiseClient(CwSession):
    """Call ConnectWise PSA endpoints; `connect` builds it with its own HttpClient."""

    # --- system (reference §3.1) ----------------------------------------------------------------

    # Reference: connectwise.md §3.1 (CTC checks the credentials with it)
    def system_info(self) -> models.SystemInfo:
        expect = Expect("system/info.get", "system info")
        return parse(models.SystemInfo, self.request("GET", "system/info", expect).json(), "info")

    # Reference: connectwise.md §2.1 (pageSize=1: one cheap permission probe per module)
    def probe(self, path: str, what: str) -> None:
        self.page(path, what, {"pageSize": 1}, 1)

    # --- companies (reference §3.2, §3.3; contract "configurations") -----------------------------

    # Reference: connectwise.md §3.2 (deleted companies are listed only when asked for)
    def companies(
        self, *, conditions: str | None = None, fields: str | None = None
    ) -> list[models.Company]:
        return self.read_list(
            "company/companies", models.Company, "companies", conditions=conditions, fields=fields
        )

    # Reference: connectwise.md §3.3
    def company_statuses(self) -> list[models.CompanyStatus]:
        return self.read_list(
            "company/companies/statuses", models.CompanyStatus, "company statuses"
        )

    # Reference: wire contract "configurations" (GET /company/configurations)
    def configurations(self, *, conditions: str | None = None) -> list[models.Configuration]:
        return self.read_list(
            "company/configurations", models.Configuration, "configurations", conditions=conditions
        )

    # --- finance and procurement (reference §3.4-§3.7) ------------------------------------------

    # Reference: connectwise.md §3.4 (conditions type/id=N; fields to keep pages small)
    def agreements(
        self, *, conditions: str | None = None, fields: str | None = None
    ) -> list[models.Agreement]:
        return self.read_list(
            "finance/agreements",
            models.Agreement,
            "agreements",
            conditions=conditions,
            fields=fields,
        )

    # Reference: connectwise.md §3.5
    def agreement_types(self) -> list[models.AgreementType]:
        return self.read_list("finance/agreements/types", models.AgreementType, "agreement types")

    # Reference: connectwise.md §3.6 (conditions product/id=N and effectiveDate>=[...])
    def additions(
        self, agreement_id: int, *, conditions: str | None = None
    ) -> list[models.Addition]:
        path = f"finance/agreements/{agreement_id}/additions"
        return self.read_list(path, models.Addition, "agreement additions", conditions=conditions)

    # Reference: connectwise.md §3.6 (POST requires product and billCustomer; never re-sent)
    def create_addition(self, agreement_id: int, body: Mapping[str, Any]) -> models.Addition:
        expect = Expect("additions.create", "agreement additions", creates=True)
        path = f"finance/agreements/{agreement_id}/additions"
        return self.send_json("POST", path, dict(body), expect, models.Addition)

    # Reference: connectwise.md §2.3 (PATCH array, top-level paths; idempotent replace)
    def patch_addition(
        self, agreement_id: int, addition_id: int, operations: Patch
    ) -> models.Addition:
        expect = Expect("additions.patch", "agreement additions", item_id=str(addition_id))
        path = f"finance/agreements/{agreement_id}/additions/{addition_id}"
        return self.send_json("PATCH", path, list(operations), expect, models.Addition)

    # Reference: connectwise.md §3.7
    def catalog(self, *, conditions: str | None = None) -> list[models.CatalogItem]:
        return self.read_list(
            "procurement/catalog", models.CatalogItem, "catalog items", conditions=conditions
        )

    # --- service desk (reference §3.8-§3.11) ----------------------------------------------------

    # Reference: connectwise.md §3.9
    def boards(self) -> list[models.Board]:
        return self.read_list("service/boards", models.Board, "service boards")

    # Reference: connectwise.md §3.9
    def board(self, board_id: int) -> models.Board:
        return self.one("service/boards", board_id, models.Board, "service board")

    # Reference: connectwise.md §3.9; wire contract "board statuses"
    def board_statuses(self, board_id: int) -> list[models.BoardStatus]:
        path = f"service/boards/{board_id}/statuses"
        return self.read_list(path, models.BoardStatus, "board statuses")

    # Reference: wire contract "board statuses" (/service/boards/{id}/types)
    def board_types(self, board_id: int) -> list[models.BoardType]:
        return self.read_list(f"service/boards/{board_id}/types", models.BoardType, "board types")

    # Reference: connectwise.md §3.10 (defaultFlag may be missing: false)
    def priorities(self) -> list[models.Priority]:
        return self.read_list("service/priorities", models.Priority, "priorities")

    # Reference: connectwise.md §3.8 (conditions id in (...), externalXRef="...")
    def tickets(
        self, *, conditions: str | None = None, fields: str | None = None
    ) -> list[models.Ticket]:
        return self.read_list(
            "service/tickets",
            models.Ticket,
            "service tickets",
            conditions=conditions,
            fields=fields,
        )

    # Reference: connectwise.md §3.8
    def ticket(self, ticket_id: int) -> models.Ticket:
        return self.one("service/tickets", ticket_id, models.Ticket, "service ticket")

    # Reference: connectwise.md §3.8 (summary and company required; never re-sent blindly)
    def create_ticket(self, body: Mapping[str, Any]) -> models.Created:
        expect = Expect("tickets.create", "service tickets", creates=True)
        created = self.send_json("POST", "service/tickets", dict(body), expect, models.Created)
        if created.id is None:
            raise TransientError(
                "ConnectWise PSA answered the ticket create without an id", ambiguous=True
            )
        return created

    # Reference: connectwise.md §2.3 (status: replace the whole object)
    def patch_ticket(self, ticket_id: int, operations: Patch) -> models.Ticket:
        expect = Expect("tickets.patch", "service ticket", item_id=str(ticket_id))
        path = f"service/tickets/{ticket_id}"
        return self.send_json("PATCH", path, list(operations), expect, models.Ticket)

    # Reference: connectwise.md §3.11 (a re-sent note would be a second note: not idempotent)
    def create_note(self, ticket_id: int, body: Mapping[str, Any]) -> models.Created:
        expect = Expect("notes.create", "ticket notes", creates=True)
        path = f"service/tickets/{ticket_id}/notes"
        return self.send_json("POST", path, dict(body), expect, models.Created)

    # Reference: connectwise.md §3.11 (read back after an ambiguous create, by our reference)
    def notes(self, ticket_id: int) -> list[models.Note]:
        path = f"service/tickets/{ticket_id}/notes"
        return self.read_list(path, models.Note, "ticket notes", fields="id,text")

    # Reference: wire contract "configurations" (POST /service/tickets/{id}/configurations)
    def add_ticket_configuration(self, ticket_id: int, configuration_id: int) -> None:
        expect = Expect("ticket configurations.create", "ticket configurations", creates=True)
        path = f"service/tickets/{ticket_id}/configurations"
        self.request("POST", path, expect, json={"id": configuration_id})
