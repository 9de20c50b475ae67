"""AutotaskBilling: our AgreementBilling port on recurring-service contracts and their units."""

# The port speaks of agreements of a type and their monthly additions (the ConnectWise words the
# server's period billing was first written for). Here an agreement is a Contract (its type a
# contractType, 7 = Recurring Service), a product is a Service, and a month's addition is the
# contract service's units in force in that month (units.py). Setting a quantity is one
# create-only ContractServiceAdjustment of target minus current units, dated the month's first
# covered day, then the units read back (reference autotask.md §3.4-§3.6, §4).

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.autotask import units
from psabridge.connectors.autotask.client import ACTIVE, AutotaskClient
from psabridge.connectors.autotask.models import Contract, ContractServiceUnit
from psabridge.connectors.autotask.picklists import Picklists
from psabridge.connectors.autotask.query import wire_value
from psabridge.connectors.autotask.tickets import TicketWriter
from psabridge.connectors.autotask.validation import validate
from psabridge.connectors.errors import ConfigError, ConnectorError, NotFoundError
from psabridge.connectors.ports import Option, ValidationResult
from psabridge.connectors.ports_agreements import (
    Addition,
    AgreementInfo,
    NewAddition,
    PsaCompany,
    ServiceTicket,
)

logger = logging.getLogger(__name__)


def _today() -> date:
    return datetime.now(UTC).date()


class AutotaskBilling:
    """The AgreementBilling port for one Autotask API user (may share a desk's client)."""

    def __init__(self, client: AutotaskClient, *, today: Callable[[], date] = _today) -> None:
        self.client = client
        self.picklists = Picklists(client)
        self.tickets = TicketWriter(client, self.picklists)
        self._today = today
        self._type_names: dict[str, str] = {}

    @classmethod
    def connect(
        cls, username: str, secret: SecretStr, integration_code: SecretStr, **options: Any
    ) -> AutotaskBilling:
        """Return a billing side with its own client (`options`: zone_lookup_url, HTTP)."""
        return cls(AutotaskClient.connect(username, secret, integration_code, **options))

    def __repr__(self) -> str:
        return f"AutotaskBilling({self.client!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Discover the zone and check the entities used (never raises)."""
        return validate(self.client)

    # --- reads (each one bulk query, paged at 500) ------------------------------------------

    def companies(self) -> list[PsaCompany]:
        """Return every company with its active flag (Autotask has no Disallow Saving)."""
        return [
            PsaCompany(
                id=str(c.id),
                identifier=c.company_number or str(c.id),
                name=c.company_name,
                status_name="Active" if c.is_active else "Inactive",
                inactive=not c.is_active,
            )
            for c in self.client.companies()
        ]

    def agreement_types(self) -> list[Option]:
        """Return the contract types (extra: default on Recurring Service, inactive)."""
        found = self.picklists.options("Contracts", "contractType", fresh=True)
        self._type_names = {o.id: o.name for o in found}
        return [Option(o.id, o.name, {**o.extra, "default": o.id == "7"}) for o in found]

    def products(self) -> list[Option]:
        """Return the Services (extra: identifier, inactive, price, period type)."""
        return [
            Option(
                str(s.id),
                s.name,
                {
                    "identifier": s.name,
                    "inactive": not s.is_active,
                    "price": s.unit_price,
                    "period_type": s.period_type,
                },
            )
            for s in self.client.services()
        ]

    def boards(self) -> list[Option]:
        """Return the ticket queues (the R4.2 ticket's "board")."""
        return self.picklists.options("Tickets", "queueID", fresh=True)

    def priorities(self) -> list[Option]:
        """Return the ticket priorities (extra: default)."""
        return self.picklists.options("Tickets", "priority", fresh=True)

    def agreements(self, type_id: str) -> list[AgreementInfo]:
        """Return every contract of the type, of every status and company (one paged query)."""
        contracts = self.client.contracts(contract_type=_number("contract type", type_id))
        today = self._today()
        return [self._agreement(c, type_id, today) for c in contracts]

    def _agreement(self, contract: Contract, type_id: str, today: date) -> AgreementInfo:
        return AgreementInfo(
            id=str(contract.id),
            company_id=str(contract.company_id),
            name=contract.contract_name,
            type_id=str(contract.contract_type if contract.contract_type is not None else type_id),
            type_name=self._type_names.get(type_id, ""),
            status=contract_status(contract, today),
            start=contract.start_date,
            end=contract.end_date,
        )

    def additions(
        self, agreement_id: str, product_id: str, effective_from: date | None = None
    ) -> list[Addition]:
        """Return the contract service's units as one record per month (units.py)."""
        contract = _number("contract id", agreement_id)
        service = _number("service id", product_id)
        records = units.month_records(self._rows(contract, service), contract, service)
        if effective_from is not None:
            records = [r for r in records if r.effective and r.effective >= effective_from]
        return records

    def _rows(self, contract: int, service: int) -> list[ContractServiceUnit]:
        return self.client.contract_service_units(contract, service_id=service)

    # --- writes: one adjustment of target minus current, then read back -------------------

    def create_addition(self, addition: NewAddition) -> Addition:
        """Set the units from the record's first day (the Service is added if the contract has
        none: the API creates the ContractService with the first adjustment)."""
        contract = _number("contract id", addition.agreement_id)
        key = units.MonthKey(_number("service id", addition.product_id), addition.effective)
        return self._set_units(contract, key, addition.quantity)

    def set_addition_quantity(
        self, agreement_id: str, addition_id: str, quantity: float
    ) -> Addition:
        """Set the month's units in place (NotFoundError when no unit row covers its day)."""
        contract = _number("contract id", agreement_id)
        key = units.MonthKey.parse(addition_id)
        rows = self._rows(contract, key.service_id)
        if units.units_on(rows, key.day) is None:
            raise NotFoundError(f"Autotask contract {contract} has no units on {key.day}")
        return self._set_units(contract, key, quantity, rows)

    def _set_units(
        self,
        contract: int,
        key: units.MonthKey,
        quantity: float,
        rows: list[ContractServiceUnit] | None = None,
    ) -> Addition:
        """Three calls at most: the units now, one adjustment of the difference, the read back."""
        target = _whole("quantity", quantity)
        rows = self._rows(contract, key.service_id) if rows is None else rows
        current = units.units_on(rows, key.day)
        if current == target:
            return _record_of(rows, contract, key)
        self._adjust(contract, key, target - (current or 0), target)
        return self._read_back(contract, key, target)

    def _adjust(self, contract: int, key: units.MonthKey, change: int, target: int) -> None:
        body = {
            "serviceID": key.service_id,
            "unitChange": change,
            "effectiveDate": wire_value(key.day),
        }
        try:
            self.client.create_service_adjustment(contract, body)
        except ConfigError:
            raise  # refused (dates, inactive Service, posted period): nothing was written
        except ConnectorError as exc:
            # Ambiguous: it may have landed. Adjustments cannot be read back, only the units:
            # if they are the target it landed; otherwise the error stands (never re-sent).
            rows = self._rows(contract, key.service_id)
            if units.units_on(rows, key.day) != target:
                raise
            logger.info("autotask contract %s: adjustment landed despite %s", contract, exc)

    def _read_back(self, contract: int, key: units.MonthKey, target: int) -> Addition:
        rows = self._rows(contract, key.service_id)
        found = units.units_on(rows, key.day)
        if found != target:
            raise ConfigError(
                f"Autotask contract {contract} shows {found} units of service "
                f"{key.service_id} on {key.day} after the adjustment, not {target}"
            )
        return _record_of(rows, contract, key)

    # --- the R4.2 service ticket -------------------------------------------------------------

    def find_service_ticket(self, reference: str) -> str | None:
        """Return the id of the oldest ticket whose externalID is `reference`, if any."""
        found = self.tickets.find(reference)
        return found.id if found is not None else None

    def create_service_ticket(self, ticket: ServiceTicket) -> str:
        """Open the R4.2 ticket in the chosen queue (externalID = reference); never blind."""
        fields: dict[str, Any] = {"queueID": ticket.board_id}
        if ticket.priority_id:
            fields["priority"] = ticket.priority_id
        return self.tickets.create(
            ticket.reference, ticket.company_id, ticket.summary, ticket.details, fields
        ).id


def contract_status(contract: Contract, today: date) -> str:
    """Return a contract's status in the port's words: Active, Expired (ended) or Inactive."""
    if contract.status != ACTIVE:
        return "Inactive"
    if contract.end_date is not None and contract.end_date < today:
        return "Expired"
    return "Active"


def _record_of(rows: list[ContractServiceUnit], contract: int, key: units.MonthKey) -> Addition:
    records = units.month_records(rows, contract, key.service_id)
    found = next((r for r in records if r.id == key.text), None)
    if found is None:  # the units cover the day but their month record starts earlier
        raise ConfigError(f"Autotask contract {contract} has no units record {key.text}")
    return found


def _number(what: str, value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Not an Autotask {what}: {value!r}") from None


def _whole(what: str, value: float) -> int:
    if value != int(value) or value < 0:
        raise ConfigError(f"Autotask units are whole numbers: {what} {value:g}")
    return int(value)
