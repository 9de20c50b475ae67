"""Pydantic models of ConnectWise PSA answers: tolerant (bool strings, missing flags false)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from psabridge.connectors.field_types import (
    Amount,
    Day,
    Flag,
    Number,
    Text,
    UtcDatetime,
)


class CwModel(BaseModel):
    """Base: unknown fields ignored, every field optional where the PSA may leave it out."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Ref(CwModel):
    """A reference object `{id, name, identifier}` (reference §3)."""

    id: Number = None
    name: Text = None
    identifier: Text = None


# --- discovery, errors, system (reference §1.3, §2.4, §3.1) ---------------------------------


class CompanyInfo(CwModel):
    company_name: Text = Field(None, alias="CompanyName")
    codebase: Text = Field(None, alias="Codebase")
    version_code: Text = Field(None, alias="VersionCode")
    company_id: Text = Field(None, alias="CompanyID")
    is_cloud: Flag = Field(False, alias="IsCloud")
    site_url: Text = Field(None, alias="SiteUrl")


class ErrorItem(CwModel):
    code: Text = None
    message: Text = None
    resource: Text = None
    field: Text = None


class ErrorBody(CwModel):
    """`{code, message, errors}`; the 429 body has `error` instead of `code` (reference §2.5)."""

    code: Text = None
    error: Text = None
    message: Text = None
    errors: list[ErrorItem] | None = None


class SystemInfo(CwModel):
    version: Text = None
    is_cloud: Flag = Field(False, alias="isCloud")


# --- companies (reference §3.2, §3.3) --------------------------------------------------------


class CompanyStatus(CwModel):
    id: int
    name: str = ""
    default_flag: Flag = Field(False, alias="defaultFlag")
    inactive_flag: Flag = Field(False, alias="inactiveFlag")
    disallow_saving_flag: Flag = Field(False, alias="disallowSavingFlag")


class Company(CwModel):
    id: int
    identifier: str = ""
    name: str = ""
    status: Ref | None = None
    deleted_flag: Flag = Field(False, alias="deletedFlag")


class Configuration(CwModel):
    id: int
    name: Text = None
    company: Ref | None = None
    ip_address: Text = Field(None, alias="ipAddress")
    mac_address: Text = Field(None, alias="macAddress")
    serial_number: Text = Field(None, alias="serialNumber")
    tag_number: Text = Field(None, alias="tagNumber")
    os_type: Text = Field(None, alias="osType")
    type: Ref | None = None
    active_flag: Flag = Field(True, alias="activeFlag")


# --- finance and procurement (reference §3.4-§3.7) -------------------------------------------


class AgreementType(CwModel):
    id: int
    name: str = ""
    inactive_flag: Flag = Field(False, alias="inactiveFlag")
    default_flag: Flag = Field(False, alias="defaultFlag")


class Agreement(CwModel):
    id: int
    name: str = ""
    type: Ref | None = None
    company: Ref | None = None
    agreement_status: Text = Field(None, alias="agreementStatus")
    start_date: Day = Field(None, alias="startDate")
    end_date: Day = Field(None, alias="endDate")
    bill_start_date: Day = Field(None, alias="billStartDate")
    cancelled_flag: Flag = Field(False, alias="cancelledFlag")


class Addition(CwModel):
    id: int
    product: Ref | None = None
    quantity: Amount = None
    effective_date: Day = Field(None, alias="effectiveDate")
    cancelled_date: Day = Field(None, alias="cancelledDate")
    description: Text = None
    agreement_status: Text = Field(None, alias="agreementStatus")
    agreement_id: Number = Field(None, alias="agreementId")


class CatalogItem(CwModel):
    id: int
    identifier: str = ""
    description: Text = None
    inactive_flag: Flag = Field(False, alias="inactiveFlag")
    product_class: Text = Field(None, alias="productClass")
    price: Amount = None


# --- service desk (reference §3.8-§3.11; contract "board statuses") --------------------------


class Board(CwModel):
    id: int
    name: str = ""
    inactive_flag: Flag = Field(False, alias="inactiveFlag")


class BoardStatus(CwModel):
    id: int
    name: str = ""
    board: Ref | None = None
    sort_order: Number = Field(None, alias="sortOrder")
    default_flag: Flag = Field(False, alias="defaultFlag")
    inactive: Flag = False
    closed_status: Flag = Field(False, alias="closedStatus")


class BoardType(CwModel):
    id: int
    name: str = ""
    inactive_flag: Flag = Field(False, alias="inactiveFlag")


class Priority(CwModel):
    id: int
    name: str = ""
    sort_order: Number = Field(None, alias="sortOrder")
    default_flag: Flag = Field(False, alias="defaultFlag")


class Note(CwModel):
    """A service ticket note (reference §3.11); `text` carries our reference."""

    id: Number = None
    text: Text = None


class Ticket(CwModel):
    id: int
    summary: Text = None
    board: Ref | None = None
    status: Ref | None = None
    company: Ref | None = None
    closed_flag: Flag = Field(False, alias="closedFlag")
    closed_date: UtcDatetime = Field(None, alias="closedDate")
    external_x_ref: Text = Field(None, alias="externalXRef")


class Created(CwModel):
    """What a POST answers: the new record, of which we read `id`."""

    id: Number = None
