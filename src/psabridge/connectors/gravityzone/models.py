"""Pydantic models of the GravityZone JSON-RPC envelope and result shapes (extra fields ignored)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _as_utc(value: datetime | None) -> datetime | None:
    # Reference §2.4 and §6 q18: timestamps carry no zone suffix and are UTC.
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime | None, BeforeValidator(_blank_to_none), AfterValidator(_as_utc)]


class GzModel(BaseModel):
    """Base: camelCase aliases, unknown fields ignored (GravityZone adds fields over time)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


# --- envelope (reference §1.3, §1.4) ---------------------------------------------------------


class ErrorData(GzModel):
    details: Any = None


class RpcError(GzModel):
    code: int | None = None
    message: str = ""
    data: ErrorData | None = None

    @property
    def details(self) -> str | None:
        details = self.data.details if self.data else None
        return None if details in (None, "") else str(details)


class RpcResponse(GzModel):
    id: str | int | None = None
    result: Any = None
    error: RpcError | None = None

    @property
    def has_result(self) -> bool:
        return "result" in self.model_fields_set


class ApiKeyDetails(GzModel):
    """getApiKeyDetails: the shape is undocumented (reference §1.1), so everything is kept."""

    model_config = ConfigDict(extra="allow")


# --- companies (reference §2.1, §2.2) --------------------------------------------------------


class CompanyRef(GzModel):
    id: str
    name: str = ""


class CompanyDetails(GzModel):
    id: str
    name: str = ""
    type: int | None = None
    parent_company_id: str | None = None
    is_suspended: bool = False
    created_at: UtcDatetime = None
    country: str | None = None
    industry: int | None = None


# --- endpoints (reference §2.3, §2.4, §1.5) --------------------------------------------------


class EndpointItem(GzModel):
    id: str
    name: str = ""
    label: str | None = None
    fqdn: str | None = None
    group_id: str | None = None
    is_managed: bool = False
    machine_type: int | None = None
    operating_system_version: str | None = None
    ip: str | None = None
    macs: list[str] = Field(default_factory=list)


class EndpointsPage(GzModel):
    page: int
    pages_count: int
    per_page: int
    total: int
    items: list[EndpointItem] = Field(default_factory=list)


class AgentInfo(GzModel):
    licensed: int | None = None
    last_update: UtcDatetime = None


class ManagedEndpointDetails(GzModel):
    id: str
    name: str = ""
    company_id: str | None = None
    operating_system: str | None = None
    state: int | None = None
    ip: str | None = None
    last_seen: UtcDatetime = None
    machine_type: int | None = None
    agent: AgentInfo | None = None
    modules: dict[str, Any] = Field(default_factory=dict)

    @property
    def module_flags(self) -> dict[str, bool]:
        return {name: bool(on) for name, on in self.modules.items() if isinstance(on, bool)}


# --- licensing (reference §2.6 - §2.8) -------------------------------------------------------


class LicenseInfo(GzModel):
    model_config = ConfigDict(extra="allow")

    subscription_type: int | None = None
    is_addon: bool = False
    expiry_date: UtcDatetime = None
    used_slots: int | None = None
    total_slots: int | None = None
    assigned_protection_model: str | None = None
    additional_product_types: list[int] = Field(default_factory=list)

    @property
    def addon_flags(self) -> dict[str, bool]:
        """Return the per-company add-on `manage*` booleans (reference §2.6)."""
        extra = self.model_extra or {}
        return {k: v for k, v in extra.items() if k.startswith("manage") and isinstance(v, bool)}


# Reference §2.7: one page version spells it "Monhtly".
_COUNTER_ALIASES = {"aLaCarteMonhtlyUsage": "aLaCarteMonthlyUsage"}


def _counters(raw: dict[str, Any]) -> dict[str, int]:
    """Return the integer counters of a usage object, aliases normalised."""
    counters: dict[str, int] = {}
    for key, value in raw.items():
        if isinstance(value, int) and not isinstance(value, bool):
            counters[_COUNTER_ALIASES.get(key, key)] = value
    return counters


class MonthlyUsage(GzModel):
    counters: dict[str, int] = Field(default_factory=dict)
    minimum: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        minimum = raw.get("minimumUsage")
        return {
            "counters": _counters(raw),
            "minimum": _counters(minimum) if isinstance(minimum, dict) else {},
        }


class ProductTypeUsage(GzModel):
    product_type: int
    counters: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        counters = {k: v for k, v in _counters(raw).items() if k != "productType"}
        return {"productType": raw.get("productType"), "counters": counters}


class MonthlyUsagePerProductType(GzModel):
    usages: list[ProductTypeUsage] = Field(default_factory=list)


# --- push (reference §3) ---------------------------------------------------------------------


class PushServiceSettings(GzModel):
    url: str | None = None
    authorization: str | None = None
    require_valid_ssl_certificate: bool | None = None


class PushEventSettings(GzModel):
    status: int = 0
    service_type: str | None = None
    service_settings: PushServiceSettings | None = None
    subscribe_to_event_types: dict[str, bool] = Field(default_factory=dict)
    subscribe_to_companies: list[str] | None = None


class PushCount(GzModel):
    events: int = 0
    test_events: int = 0
    sent_messages: int = 0
    error_messages: int = 0


class PushEventStats(GzModel):
    count: PushCount = Field(default_factory=PushCount)
    error: dict[str, int] = Field(default_factory=dict)
    last_update_time: UtcDatetime = None
