"""Thin typed JSON-RPC client of the GravityZone Public API: one method per endpoint."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from functools import partial
from typing import Any, TypeVar

import httpx
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from pydantic import BaseModel, SecretStr, ValidationError

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    PermissionDeniedError,
    TransientError,
)
from psabridge.connectors.gravityzone import models
from psabridge.connectors.http import HttpClient, secret_fingerprint

SYSTEM = "gravityzone"
VERSION = "v1.0"
ENDPOINTS_VERSION = "v1.1"  # Reference: gravityzone.md §1.1, §2.3
MAX_PER_PAGE = 1000  # Reference: gravityzone.md §1.5 (getEndpointsList v1.1 cloud)

# Reference: gravityzone.md §1.6. One bucket per group per key (stricter than per method).
RATE_LIMITS: dict[str, RateLimitItem] = {
    "default": RateLimitItemPerSecond(10),
    "licensing": RateLimitItemPerSecond(5),
    "push": RateLimitItemPerMinute(5),
}

SERVICE_LABELS = {
    "general": "General",
    "network": "Network",
    "companies": "Companies",
    "licensing": "Licensing",
    "push": "Event Push Service",
}

_TARGET_MONTH = re.compile(r"^(0[1-9]|1[0-2])/\d{4}$")
_DETAILS_MAX = 160
M = TypeVar("M", bound=BaseModel)


def gravityzone_http(access_url: str, api_key: SecretStr, **http_options: Any) -> HttpClient:
    """Return an HttpClient with GravityZone's auth, rate budget items and key redaction."""
    key = api_key.get_secret_value()
    return HttpClient(
        SYSTEM,
        base_url=access_url,
        # Reference: gravityzone.md §1.2 (key as username, empty password).
        auth=httpx.BasicAuth(key, ""),
        rate_limits=RATE_LIMITS,
        rate_identity=secret_fingerprint(key),
        secrets=(key,),
        **http_options,
    )


class GravityZoneClient:
    """Call GravityZone JSON-RPC methods; `http` comes from `gravityzone_http` (or `connect`)."""

    def __init__(self, access_url: str, api_key: SecretStr, http: HttpClient) -> None:
        self.access_url = access_url.rstrip("/")
        self._api_key = api_key
        self._http = http

    @classmethod
    def connect(cls, access_url: str, api_key: SecretStr, **http_options: Any) -> GravityZoneClient:
        """Return a client with its own `gravityzone_http` wrapper."""
        return cls(access_url, api_key, gravityzone_http(access_url, api_key, **http_options))

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def call(
        self,
        service: str,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        version: str = VERSION,
        rate_key: str = "default",
        idempotent: bool = True,
    ) -> Any:
        """Send one JSON-RPC 2.0 request and return its `result`."""
        # Reference: gravityzone.md §1.1 (URL), §1.3 (envelope, uuid ids).
        request_id = str(uuid.uuid4())
        body = {"jsonrpc": "2.0", "method": method, "params": dict(params or {}), "id": request_id}
        response = self._http.request(
            "POST",
            f"{self.access_url}/{version}/jsonrpc/{service}",
            operation=f"{service}.{method}",
            json=body,
            rate_key=rate_key,
            idempotent=idempotent,
            check=partial(check_response, service, request_id),
        )
        return parse_envelope(response).result

    # Reference: gravityzone.md §1.1 (general service, the credential test)
    def get_api_key_details(self) -> models.ApiKeyDetails:
        return _parse(models.ApiKeyDetails, self.call("general", "getApiKeyDetails"))

    # Reference: gravityzone.md §2.1 (one level, not paginated)
    def get_companies_list(
        self,
        parent_id: str | None = None,
        company_type: int | None = None,
        license_type: int | None = None,
    ) -> list[models.CompanyRef]:
        filters = _drop_none({"companyType": company_type, "licenseType": license_type})
        params = _drop_none({"parentId": parent_id, "filters": filters or None})
        return _parse_list(models.CompanyRef, self.call("network", "getCompaniesList", params))

    # Reference: gravityzone.md §2.1 (companies.findCompaniesByName)
    def find_companies_by_name(self, name_filter: str) -> list[models.CompanyRef]:
        result = self.call("companies", "findCompaniesByName", {"nameFilter": name_filter})
        return _parse_list(models.CompanyRef, result)

    # Reference: gravityzone.md §1.6, §2.8 (createCompany named only; shape is our choice, README)
    def create_company(self, name: str, parent_id: str | None = None) -> str:
        params = _drop_none({"type": 1, "name": name, "parentId": parent_id})
        result = self.call("companies", "createCompany", params, idempotent=False)
        if not isinstance(result, str) or not result:
            raise ConfigError("GravityZone did not answer createCompany with a company id")
        return result

    # Reference: gravityzone.md §2.2
    def get_company_details(self, company_id: str | None = None) -> models.CompanyDetails:
        result = self.call("companies", "getCompanyDetails", _drop_none({"companyId": company_id}))
        return _parse(models.CompanyDetails, result)

    # Reference: gravityzone.md §2.3, §1.5 (v1.1, perPage 1-1000)
    def get_endpoints_list(
        self,
        parent_id: str | None = None,
        *,
        is_managed: bool | None = None,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
    ) -> models.EndpointsPage:
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            raise ConfigError(f"perPage must be 1-{MAX_PER_PAGE} and page at least 1")
        params = _drop_none(
            {"parentId": parent_id, "isManaged": is_managed, "page": page, "perPage": per_page}
        )
        result = self.call("network", "getEndpointsList", params, version=ENDPOINTS_VERSION)
        return _parse(models.EndpointsPage, result)

    # Reference: gravityzone.md §2.4 (accepts endpointId, §6 q4)
    def get_managed_endpoint_details(self, endpoint_id: str) -> models.ManagedEndpointDetails:
        result = self.call("network", "getManagedEndpointDetails", {"endpointId": endpoint_id})
        return _parse(models.ManagedEndpointDetails, result)

    # Reference: gravityzone.md §2.6 (licensing: 5/s, §1.6)
    def get_license_info(
        self, company_id: str | None = None, return_all_products: bool = False
    ) -> models.LicenseInfo:
        params = _drop_none({"companyId": company_id, "returnAllProducts": return_all_products})
        result = self.call("licensing", "getLicenseInfo", params, rate_key="licensing")
        return _parse(models.LicenseInfo, result)

    # Reference: gravityzone.md §2.7 (targetMonth "mm/yyyy")
    def get_monthly_usage(self, company_id: str, target_month: str) -> models.MonthlyUsage:
        params = {"companyId": company_id, "targetMonth": _target_month(target_month)}
        result = self.call("licensing", "getMonthlyUsage", params, rate_key="licensing")
        return _parse(models.MonthlyUsage, result)

    # Reference: gravityzone.md §2.8
    def get_monthly_usage_per_product_type(
        self, company_id: str, target_month: str
    ) -> models.MonthlyUsagePerProductType:
        params = {"companyId": company_id, "targetMonth": _target_month(target_month)}
        result = self.call(
            "licensing", "getMonthlyUsagePerProductType", params, rate_key="licensing"
        )
        return _parse(models.MonthlyUsagePerProductType, result)

    # Reference: gravityzone.md §3.1 (returns true once saved; companies null = all)
    def set_push_event_settings(
        self,
        *,
        status: int,
        url: str,
        authorization: str,
        event_types: Mapping[str, bool],
        companies: list[str] | None = None,
        service_type: str = "jsonRPC",
        require_valid_ssl: bool = True,
    ) -> None:
        if companies is not None and not companies:
            raise ConfigError("The push company list must not be empty (omit it for all)")
        settings = {
            "url": url,
            "authorization": authorization,
            "requireValidSslCertificate": require_valid_ssl,
        }
        params = {
            "status": status,
            "serviceType": service_type,
            "serviceSettings": settings,
            "subscribeToEventTypes": dict(event_types),
            **_drop_none({"subscribeToCompanies": companies}),
        }
        if self.call("push", "setPushEventSettings", params, rate_key="push") is not True:
            raise ConfigError("GravityZone did not confirm the push settings")

    # Reference: gravityzone.md §3.2 (authorization comes back masked)
    def get_push_event_settings(self) -> models.PushEventSettings:
        result = self.call("push", "getPushEventSettings", rate_key="push")
        return _parse(models.PushEventSettings, result)

    # Reference: gravityzone.md §3.3 (sends an event: never re-sent after an ambiguous failure)
    def send_test_push_event(
        self, event_type: str, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        params = _drop_none({"eventType": event_type, "data": dict(data) if data else None})
        result = self.call("push", "sendTestPushEvent", params, rate_key="push", idempotent=False)
        return result if isinstance(result, dict) else {"result": result}

    # Reference: gravityzone.md §3.4
    def get_push_event_stats(self) -> models.PushEventStats:
        result = self.call("push", "getPushEventStats", rate_key="push")
        return _parse(models.PushEventStats, result)

    # Reference: gravityzone.md §3.4 (return value undocumented, ignored)
    def reset_push_event_stats(self) -> None:
        self.call("push", "resetPushEventStats", rate_key="push")


def check_response(service: str, request_id: str, response: httpx.Response) -> None:
    """Raise the error a GravityZone answer carries; leave 429 and 5xx to the default policy."""
    status = response.status_code
    if status == 429 or status >= 500:
        return
    label = SERVICE_LABELS.get(service, service)
    if status == 401:  # Reference: gravityzone.md §1.4 (also a key without this service, §1.2)
        raise AuthError("Invalid API key")
    if status == 403:
        raise PermissionDeniedError(f"The {label} API is not enabled for this key", service)
    if status == 404:
        raise NotFoundError("No GravityZone API at this Access URL (HTTP 404)")
    envelope = parse_envelope(response)
    if envelope.error is not None:  # Reference: gravityzone.md §1.4 (error bodies even on 4xx)
        raise rpc_error(envelope.error)
    if not envelope.has_result or envelope.id not in (None, request_id):
        raise ConfigError("GravityZone answered with something other than a JSON-RPC result")


def parse_envelope(response: httpx.Response) -> models.RpcResponse:
    """Return the JSON-RPC envelope of a response, or raise ConfigError if it is not one."""
    try:
        return models.RpcResponse.model_validate(response.json())
    except (ValueError, ValidationError):
        raise ConfigError(
            "GravityZone answered with something other than JSON-RPC; check the Access URL"
        ) from None


def rpc_error(error: models.RpcError) -> ConnectorError:
    """Map a JSON-RPC error object to our errors (reference §1.4, §6 q1)."""
    detail = (error.details or error.message or "no details")[:_DETAILS_MAX]
    if error.code == -32602:
        return ConfigError(f"GravityZone rejected the parameters: {detail}")
    if error.code == -32601:
        return ConfigError(f"GravityZone does not offer this method: {detail}")
    if error.code in (-32700, -32600):
        return ConfigError(f"GravityZone could not read the request: {detail}")
    if error.code == -32603:
        return TransientError(f"GravityZone internal error: {detail}", ambiguous=True)
    return ConfigError(f"GravityZone error {error.code}: {detail}")


def _target_month(value: str) -> str:
    if not _TARGET_MONTH.match(value):
        raise ConfigError("The target month must be mm/yyyy")
    return value


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _parse(model: type[M], result: Any) -> M:
    try:
        return model.model_validate(result)
    except ValidationError:
        raise ConfigError(f"GravityZone answered with an unexpected {model.__name__}") from None


def _parse_list(model: type[M], result: Any) -> list[M]:
    if not isinstance(result, list):
        raise ConfigError(f"GravityZone answered with an unexpected {model.__name__} list")
    return [_parse(model, item) for item in result]
