"""GravityZonePlatform: our SecurityPlatform port on top of the GravityZone JSON-RPC client."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.errors import ConfigError, TransientError
from psabridge.connectors.gravityzone import models
from psabridge.connectors.gravityzone.client import MAX_PER_PAGE, GravityZoneClient
from psabridge.connectors.gravityzone.validation import validate_key
from psabridge.connectors.ports import (
    Company,
    CompanyDetails,
    CompanyType,
    Endpoint,
    EndpointDetails,
    LicenseInfo,
    MonthlyUsage,
    PushSettings,
    PushStats,
    TestEventResult,
    ValidationResult,
)

# Reference: gravityzone.md §2.4 (state, agent.licensed, machineType) and §2.6 (subscriptionType).
STATES = {0: "unknown", 1: "online", 2: "offline", 3: "suspended"}
LICENSE_STATES = {0: "pending", 1: "active", 2: "expired", 6: "none"}
MACHINE_TYPES = {0: "other", 1: "computer", 2: "virtual_machine", 3: "ec2_instance"}
SUBSCRIPTIONS = {
    1: "trial",
    2: "licensed",
    3: "monthly_subscription",
    4: "monthly_license_trial",
    5: "monthly_subscription_trial",
    6: "frat",
}
PARTNER, CUSTOMER = 0, 1  # Reference: gravityzone.md §2.1 (filters.companyType)

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class GravityZonePlatform:
    """The SecurityPlatform port for one GravityZone API key."""

    def __init__(
        self,
        client: GravityZoneClient,
        *,
        max_endpoint_pages: int = 100,
        max_company_depth: int = 8,
        max_companies: int = 10_000,
    ) -> None:
        self.client = client
        self._max_endpoint_pages = max_endpoint_pages
        self._max_company_depth = max_company_depth
        self._max_companies = max_companies

    @classmethod
    def connect(
        cls, access_url: str, api_key: SecretStr, **http_options: Any
    ) -> GravityZonePlatform:
        """Return a platform with its own client; `http_options` go to the HttpClient."""
        return cls(GravityZoneClient.connect(access_url, api_key, **http_options))

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Test the key, then probe every service psabridge needs (never raises)."""
        return validate_key(self.client)

    # --- companies ----------------------------------------------------------------------------

    def companies(self) -> list[Company]:
        """Walk the company tree, recursing into partner companies only (reference §2.1)."""
        found: list[Company] = []
        seen: set[str] = set()
        queue: deque[tuple[str | None, tuple[str, ...]]] = deque([(None, ())])
        while queue:
            parent_id, path = queue.popleft()
            children = self._children(parent_id, path)
            self._check_tree_bounds(len(found) + len(children), depth=len(path) if children else 0)
            for company in children:
                if company.id not in seen:
                    seen.add(company.id)
                    found.append(company)
                    if company.type == "partner":
                        queue.append((company.id, company.path))
        return found

    def _children(self, parent_id: str | None, path: tuple[str, ...]) -> list[Company]:
        children = self.client.get_companies_list(parent_id)
        if not children:
            return []
        # The list carries only {id, name}; a second call with companyType=0 names partners.
        partners = {c.id for c in self.client.get_companies_list(parent_id, company_type=PARTNER)}
        return [
            Company(
                id=child.id,
                name=child.name,
                type="partner" if child.id in partners else "customer",
                parent_id=parent_id,
                path=(*path, child.name),
            )
            for child in children
        ]

    def _check_tree_bounds(self, count: int, depth: int) -> None:
        # Bounded like pagination: a partial company list would hide companies from billing.
        if depth >= self._max_company_depth or count > self._max_companies:
            raise TransientError(
                f"The GravityZone company tree exceeds {self._max_company_depth} levels or "
                f"{self._max_companies} companies; refusing to return part of it"
            )

    def create_company(self, name: str, parent_id: str | None = None) -> str:
        """Create a customer company (R2.5); after a lost answer, find it by its exact name."""
        try:
            return self.client.create_company(name, parent_id)
        except TransientError as exc:
            if not exc.ambiguous:
                raise
            found = [c.id for c in self.client.find_companies_by_name(name) if c.name == name]
            if len(found) == 1:
                return found[0]
            raise

    def company_details(self, company_id: str) -> CompanyDetails:
        """Return one company's details."""
        details = self.client.get_company_details(company_id)
        return CompanyDetails(
            id=details.id,
            name=details.name,
            type=_company_type(details.type),
            parent_id=details.parent_company_id,
            is_suspended=details.is_suspended,
            created_at=details.created_at,
            country=details.country,
            industry=details.industry,
        )

    # --- endpoints ----------------------------------------------------------------------------

    def endpoints(self, company_id: str) -> list[Endpoint]:
        """Return every endpoint of a company, paging v1.1 with perPage 1000 (reference §2.3)."""
        first = self.client.get_endpoints_list(company_id, page=1, per_page=MAX_PER_PAGE)
        if first.pages_count > self._max_endpoint_pages:
            raise TransientError(
                f"More than {self._max_endpoint_pages} pages of endpoints; refusing a partial list"
            )
        items: list[models.EndpointItem] = []
        for number in range(1, max(first.pages_count, 1) + 1):
            page = first if number == 1 else self._endpoint_page(company_id, number)
            _check_page(page, number, first)
            items.extend(page.items)
        if len(items) != first.total:
            raise _short("the endpoint count does not match the total GravityZone announced")
        if len({item.id for item in items}) != len(items):
            raise _short("the endpoint list changed while it was being read")
        return [_endpoint(item, company_id) for item in items]

    def _endpoint_page(self, company_id: str, number: int) -> models.EndpointsPage:
        return self.client.get_endpoints_list(company_id, page=number, per_page=MAX_PER_PAGE)

    def endpoint_details(self, endpoint_id: str) -> EndpointDetails:
        """Return one endpoint's last-seen (UTC), state, licence and modules (reference §2.4)."""
        details = self.client.get_managed_endpoint_details(endpoint_id)
        licensed = details.agent.licensed if details.agent else None
        return EndpointDetails(
            id=details.id,
            name=details.name,
            company_id=details.company_id,
            last_seen=details.last_seen,
            state=STATES.get(details.state or 0, "unknown"),
            licensed=LICENSE_STATES.get(licensed, "unknown") if licensed is not None else "unknown",
            machine_type=MACHINE_TYPES.get(details.machine_type or 0, "other"),
            modules=details.module_flags,
            ip=details.ip,
        )

    # --- licensing ----------------------------------------------------------------------------

    def license_info(self, company_id: str) -> LicenseInfo:
        """Return a company's licence (reference §2.6; seats are `usedSlots`); "" is the
        credential's own company (the partner)."""
        info = self.client.get_license_info(company_id or None)
        return LicenseInfo(
            company_id=company_id,
            subscription_type=info.subscription_type,
            subscription=SUBSCRIPTIONS.get(info.subscription_type or 0, "unknown"),
            used_slots=info.used_slots,
            total_slots=info.total_slots,
            expiry_date=info.expiry_date,
            is_addon=info.is_addon,
            protection_model=info.assigned_protection_model,
            addons=info.addon_flags,
            additional_product_types=tuple(info.additional_product_types),
        )

    def monthly_usage(
        self, company_id: str, month: str, *, per_product_type: bool = False
    ) -> MonthlyUsage:
        """Return the counters of `month` ("YYYY-MM"); they overlap, never sum them (§2.8)."""
        usage = self.client.get_monthly_usage(company_id, _target_month(month))
        by_type = None
        if per_product_type:
            by_type = self.monthly_usage_per_product_type(company_id, month)
        return MonthlyUsage(
            company_id=company_id,
            month=month,
            counters=usage.counters,
            per_product_type=by_type,
            minimum=usage.minimum,
        )

    def monthly_usage_per_product_type(
        self, company_id: str, month: str
    ) -> dict[int, dict[str, int]]:
        """Return the counters of `month` ("YYYY-MM") keyed by productType (reference §2.8)."""
        result = self.client.get_monthly_usage_per_product_type(company_id, _target_month(month))
        return {entry.product_type: entry.counters for entry in result.usages}

    # --- push ---------------------------------------------------------------------------------

    def push_settings(self) -> PushSettings:
        """Return the push configuration; the secret comes back masked, so only its presence."""
        settings = self.client.get_push_event_settings()
        service = settings.service_settings or models.PushServiceSettings()
        return PushSettings(
            status=settings.status,
            service_type=settings.service_type,
            url=service.url,
            authorization_set=bool(service.authorization),
            event_types=settings.subscribe_to_event_types,
            companies=settings.subscribe_to_companies,
            require_valid_ssl=service.require_valid_ssl_certificate is not False,
        )

    def set_push_settings(
        self,
        *,
        enabled: bool,
        url: str,
        authorization: str,
        event_types: Mapping[str, bool],
        companies: list[str] | None = None,
    ) -> None:
        """Replace the push configuration (serviceType jsonRPC, reference §3.1)."""
        self.client.set_push_event_settings(
            status=1 if enabled else 0,
            url=url,
            authorization=authorization,
            event_types=event_types,
            companies=companies,
        )

    def enable_push(
        self,
        url: str,
        authorization: str,
        event_types: Mapping[str, bool] | Iterable[str],
        companies: list[str] | None = None,
    ) -> None:
        """Switch push on towards our receiver (also how a push GravityZone disabled is revived)."""
        if not isinstance(event_types, Mapping):
            event_types = dict.fromkeys(event_types, True)
        self.set_push_settings(
            enabled=True,
            url=url,
            authorization=authorization,
            event_types=event_types,
            companies=companies,
        )

    def send_test_event(
        self, event_type: str, data: Mapping[str, Any] | None = None
    ) -> TestEventResult:
        """Ask GravityZone to push one test event (reference §3.3)."""
        return TestEventResult(event_type, self.client.send_test_push_event(event_type, data))

    def push_stats(self) -> PushStats:
        """Return the push delivery counters (reference §3.4)."""
        stats = self.client.get_push_event_stats()
        return PushStats(
            events=stats.count.events,
            test_events=stats.count.test_events,
            sent_messages=stats.count.sent_messages,
            error_messages=stats.count.error_messages,
            errors=stats.error,
            last_update_time=stats.last_update_time,
        )

    def reset_push_stats(self) -> None:
        """Zero the push delivery counters."""
        self.client.reset_push_event_stats()


def _check_page(page: models.EndpointsPage, number: int, first: models.EndpointsPage) -> None:
    # Never truncate silently: a missing endpoint is a wrong bill (CONVENTIONS "Connectors").
    if (page.page, page.total, page.pages_count) != (number, first.total, first.pages_count):
        raise _short("the endpoint list changed while it was being read")
    if number < page.pages_count and len(page.items) < page.per_page:
        raise _short(f"page {number} held fewer endpoints than announced")


def _endpoint(item: models.EndpointItem, company_id: str) -> Endpoint:
    return Endpoint(
        id=item.id,
        name=item.name,
        company_id=company_id,
        label=item.label,
        fqdn=item.fqdn,
        ip=item.ip,
        macs=tuple(item.macs),
        is_managed=item.is_managed,
        machine_type=MACHINE_TYPES.get(item.machine_type or 0, "other"),
        operating_system=item.operating_system_version,
    )


def _company_type(value: int | None) -> CompanyType | None:
    if value == PARTNER:
        return "partner"
    return "customer" if value == CUSTOMER else None


def _target_month(month: str) -> str:
    """Turn our "YYYY-MM" into GravityZone's "mm/yyyy" (reference §2.7)."""
    match = _MONTH.match(month)
    if not match:
        raise ConfigError("The month must be YYYY-MM")
    return f"{match.group(2)}/{match.group(1)}"


def _short(reason: str) -> TransientError:
    return TransientError(f"Incomplete endpoint list from GravityZone: {reason}; retry later")
