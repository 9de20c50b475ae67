"""Pydantic models of HaloPSA answers: lenient (numeric strings, 12.0 ids), extra fields ignored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _as_utc(value: datetime | None) -> datetime | None:
    # Halo sends naive timestamps in UTC (reference §4.3); values with an offset are converted.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Ids and numbers arrive as ints, doubles (`Site.client_id` 12.0, reference §3.1) or strings.
Number = Annotated[int | None, BeforeValidator(_blank_to_none)]
Flag = Annotated[bool, BeforeValidator(lambda v: False if v in (None, "") else v)]
Text = Annotated[str | None, BeforeValidator(lambda v: v if v is None else str(v))]
UtcDatetime = Annotated[datetime | None, BeforeValidator(_blank_to_none), AfterValidator(_as_utc)]


class HaloModel(BaseModel):
    """Base: unknown fields ignored (Faults alone has 835 properties, reference §4)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# --- auth and errors (reference §1.2, §2.3) --------------------------------------------------


class AuthInfo(HaloModel):
    auth_url: Text = None
    tenant_id: Text = None


class Token(HaloModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: float = 3600.0


class ErrorBody(HaloModel):
    """`{"message": ...}` from /api, `{"error", "error_description"}` from the token endpoint."""

    message: Text = None
    error: Text = None
    error_description: Text = None

    @property
    def text(self) -> str | None:
        return self.message or self.error_description or self.error


class Created(HaloModel):
    """What a POST of an array answers: one object whose `id` we read (reference §2.1)."""

    id: Number = None


class Agent(HaloModel):
    id: Number = None
    name: Text = None
    isapiagent: Flag = False


# --- configuration (reference §3) ------------------------------------------------------------


class RequestTypeField(HaloModel):
    fieldid: Number = None
    fieldname: Text = None
    technew: Number = None


class TicketType(HaloModel):
    id: int
    name: str = ""
    initial_status: Number = None
    default_sla: Number = None
    default_priority: Number = None
    default_team: Text = None
    default_category_1: Text = None
    default_impact: Number = None
    default_urgency: Number = None  # a simulator extra; OAS24 has none (contract "TicketType")
    fields: list[RequestTypeField] | None = None
    inactive: Flag = False


class Status(HaloModel):
    id: int
    name: str = ""
    type: Number = None


class Policy(HaloModel):
    """A priority inside one SLA: `id` is a uuid, tickets carry `priorityid` (reference §3.4)."""

    id: Text = None
    slaid: Number = None
    priorityid: int
    name: str = ""
    ishidden: Flag = False


class Sla(HaloModel):
    id: int
    name: str = ""
    priorities: list[Policy] | None = None


class Category(HaloModel):
    id: int
    value: str = ""
    type_id: Number = None


class Team(HaloModel):
    id: int
    name: str = ""
    inactive: Flag = False


class Lookup(HaloModel):
    id: int
    name: str = ""
    lookupid: Number = None
    inactive: Flag = False


class Outcome(HaloModel):
    id: int
    outcome: str = ""
    buttonname: Text = None
    newstatus: Number = None
    hidden: Flag = False


# --- clients, sites, assets (reference §3.1, contract "Configuration endpoints") ------------


class Client(HaloModel):
    id: int
    name: str = ""
    inactive: Flag = False
    main_site_id: Number = None


class Site(HaloModel):
    id: int
    name: str = ""
    client_id: Number = None  # a double on the wire (reference §3.1)
    inactive: Flag = False


class Asset(HaloModel):
    id: int
    inventory_number: Text = None
    key_field: Text = None
    key_field2: Text = None
    key_field3: Text = None
    client_id: Number = None
    site_id: Number = None
    assettype_name: Text = None
    inactive: Flag = False


# --- tickets and actions (reference §4, §5) --------------------------------------------------


class Ticket(HaloModel):
    id: Number = None  # a 200 without `id` means deleted (reference §2.3)
    summary: Text = None
    client_id: Number = None
    tickettype_id: Number = None
    status_id: Number = None
    status_name: Text = None
    hasbeenclosed: Flag = False
    dateclosed: UtcDatetime = None
    lastactiondate: UtcDatetime = None
    third_party_id_string: Text = None
    supplier_reference: Text = None


class Action(HaloModel):
    id: Number = None
    ticket_id: Number = None
    outcome: Text = None
    outcome_id: Number = None
    note: Text = None
    hiddenfromuser: Flag = False


# --- billing (reference §6) -----------------------------------------------------------------


class Item(HaloModel):
    id: int
    name: str = ""
    description: Text = None
    internalreference: Text = None
    externalreference: Text = None
    recurringprice: float | None = None
    recurringcost: float | None = None
    isrecurringitem: Flag = False
    inactive: Flag = False


class InvoiceLine(HaloModel):
    """An `InvoiceDetail` (reference §6.3); every field Halo sent is kept to be sent back."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: Number = None
    ihid: Number = None
    itemid: Number = Field(default=None, alias="_itemid")
    item_code: Text = None
    item_shortdescription: Text = None
    qty_order: float | None = None
    unit_price: float | None = None
    comment_1: Text = None  # our marker (contract: a free text field of InvoiceDetail)
    isinactive: Flag = False

    def wire(self) -> dict[str, Any]:
        """Return the line as Halo sent it (Halo's names, unknown fields included)."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class RecurringInvoice(HaloModel):
    id: int  # may be negative (reference §6.2)
    client_id: Number = None
    client_name: Text = None
    name: Text = None
    reference: Text = None
    disabled: Flag = False
    lines: list[InvoiceLine] | None = None
