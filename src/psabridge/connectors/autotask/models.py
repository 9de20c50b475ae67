"""Pydantic models of Autotask PSA answers: tolerant of unknown fields and blank values."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from psabridge.connectors.field_types import Amount, Day, Number, Text, UtcDatetime


class AtModel(BaseModel):
    """Base: unknown fields ignored (zones gain fields in place, reference §1.4)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# --- discovery, envelopes, errors (reference §1.2, §2.1, §2.3, §2.5, §2.7) --------------------


class ZoneInfo(AtModel):
    zone_name: Text = Field(None, alias="zoneName")
    url: str
    web_url: Text = Field(None, alias="webUrl")
    ci: Number = None


class ErrorBody(AtModel):
    """`{"errors": ["..."]}`; GO also accepts `{message, field}` objects (reference §2.5)."""

    errors: list[Any] | None = None
    message: Text = Field(None, alias="Message")


class PageDetails(AtModel):
    count: int
    request_count: Number = Field(None, alias="requestCount")
    prev_page_url: Text = Field(None, alias="prevPageUrl")
    next_page_url: Text = Field(None, alias="nextPageUrl")


class QueryPage(AtModel):
    items: list[dict[str, Any]]
    page_details: PageDetails = Field(alias="pageDetails")


class ItemId(AtModel):
    item_id: int = Field(alias="itemId")


class ThresholdInfo(AtModel):
    external_request_threshold: Number = Field(None, alias="externalRequestThreshold")
    request_threshold_timeframe: Number = Field(None, alias="requestThresholdTimeframe")
    current_timeframe_request_count: Number = Field(None, alias="currentTimeframeRequestCount")


class EntityInfo(AtModel):
    """`entityInformation` (reference §2.6); `userAccessFor*` 0 none, 1 all, 2 restricted."""

    name: Text = None
    can_create: bool = Field(False, alias="canCreate")
    can_query: bool = Field(False, alias="canQuery")
    can_update: bool = Field(False, alias="canUpdate")
    user_access_for_create: Text = Field(None, alias="userAccessForCreate")
    user_access_for_query: Text = Field(None, alias="userAccessForQuery")
    user_access_for_update: Text = Field(None, alias="userAccessForUpdate")


class PicklistValue(AtModel):
    """A picklist entry; `value` is a string code on the wire (reference §2.6)."""

    value: int
    label: str = ""
    is_default_value: bool = Field(False, alias="isDefaultValue")
    sort_order: Number = Field(None, alias="sortOrder")
    parent_value: Number = Field(None, alias="parentValue")
    is_active: bool = Field(True, alias="isActive")
    is_system: bool = Field(False, alias="isSystem")


class FieldInfo(AtModel):
    name: str
    data_type: Text = Field(None, alias="dataType")
    is_required: bool = Field(False, alias="isRequired")
    is_read_only: bool = Field(False, alias="isReadOnly")
    is_queryable: bool = Field(False, alias="isQueryable")
    is_pick_list: bool = Field(False, alias="isPickList")
    picklist_values: list[PicklistValue] | None = Field(None, alias="picklistValues")
    picklist_parent_value_field: Text = Field(None, alias="picklistParentValueField")


# --- companies, contracts, services (reference §3.1-§3.6) --------------------------------------


class Company(AtModel):
    id: int
    company_name: str = Field("", alias="companyName")
    company_number: Text = Field(None, alias="companyNumber")
    company_type: Number = Field(None, alias="companyType")
    is_active: bool = Field(True, alias="isActive")
    parent_company_id: Number = Field(None, alias="parentCompanyID")


class Contract(AtModel):
    id: int
    company_id: int = Field(alias="companyID")
    contract_name: str = Field("", alias="contractName")
    contract_type: Number = Field(None, alias="contractType")
    status: Number = None
    start_date: Day = Field(None, alias="startDate")
    end_date: Day = Field(None, alias="endDate")
    contract_period_type: Number = Field(None, alias="contractPeriodType")


class Service(AtModel):
    id: int
    name: str = ""
    is_active: bool = Field(True, alias="isActive")
    period_type: Number = Field(None, alias="periodType")
    unit_price: Amount = Field(None, alias="unitPrice")
    unit_cost: Amount = Field(None, alias="unitCost")


class ContractService(AtModel):
    id: int
    contract_id: int = Field(alias="contractID")
    service_id: int = Field(alias="serviceID")
    unit_price: Amount = Field(None, alias="unitPrice")
    adjusted_price: Amount = Field(None, alias="adjustedPrice")
    invoice_description: Text = Field(None, alias="invoiceDescription")


class ContractServiceUnit(AtModel):
    id: int
    contract_id: int = Field(alias="contractID")
    contract_service_id: Number = Field(None, alias="contractServiceID")
    service_id: Number = Field(None, alias="serviceID")
    start_date: Day = Field(None, alias="startDate")
    end_date: Day = Field(None, alias="endDate")
    units: int = 0
    price: Amount = None
    approve_and_post_date: UtcDatetime = Field(None, alias="approveAndPostDate")


# --- tickets, notes, configuration items (reference §3.8-§3.11) --------------------------------


class Ticket(AtModel):
    id: int
    ticket_number: Text = Field(None, alias="ticketNumber")
    title: str = ""
    description: Text = None
    company_id: Number = Field(None, alias="companyID")
    configuration_item_id: Number = Field(None, alias="configurationItemID")
    status: Number = None
    priority: Number = None
    queue_id: Number = Field(None, alias="queueID")
    issue_type: Number = Field(None, alias="issueType")
    sub_issue_type: Number = Field(None, alias="subIssueType")
    source: Number = None
    external_id: Text = Field(None, alias="externalID")
    create_date: UtcDatetime = Field(None, alias="createDate")
    completed_date: UtcDatetime = Field(None, alias="completedDate")
    last_activity_date: UtcDatetime = Field(None, alias="lastActivityDate")


class TicketNote(AtModel):
    id: int
    ticket_id: int = Field(alias="ticketID")
    title: Text = None
    description: Text = None
    note_type: Number = Field(None, alias="noteType")
    publish: Number = None
    create_date_time: UtcDatetime = Field(None, alias="createDateTime")


class ConfigurationItem(AtModel):
    id: int
    company_id: int = Field(alias="companyID")
    is_active: bool = Field(True, alias="isActive")
    reference_title: Text = Field(None, alias="referenceTitle")
    reference_number: Text = Field(None, alias="referenceNumber")
    serial_number: Text = Field(None, alias="serialNumber")
    hostname: Text = Field(None, alias="rmmDeviceAuditHostname")
    ip_address: Text = Field(None, alias="rmmDeviceAuditIPAddress")
    mac_address: Text = Field(None, alias="rmmDeviceAuditMacAddress")
    operating_system: Text = Field(None, alias="rmmDeviceAuditOperatingSystem")
    configuration_item_type: Number = Field(None, alias="configurationItemType")
