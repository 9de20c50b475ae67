"""The `push` service: push settings, test events and stats (reference 3.1-3.4)."""

from __future__ import annotations

from typing import Any

from .context import CallContext
from .errors import invalid_params
from .events_other import TEST_EVENT_TYPES
from .params import HEX_ID, opt_obj, reject_unknown, req_str
from .pushstate import PushSettings

SERVICE_TYPES = ("jsonRPC", "splunk", "cef", "qradar", "azuresentinel")  # exact case (q. 19)
SETTINGS_PARAMS = {
    "status",
    "serviceType",
    "serviceSettings",
    "subscribeToEventTypes",
    "subscribeToCompanies",
}


def _service_settings(params: dict[str, Any]) -> dict[str, Any]:
    settings = params.get("serviceSettings")
    if not isinstance(settings, dict):
        raise invalid_params("'serviceSettings' is required and must be an object")
    url = settings.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid_params("'serviceSettings.url' must be an http(s) URL")
    for name in ("authorization", "splunkAuthorization"):
        if settings.get(name) is not None and not isinstance(settings[name], str):
            raise invalid_params(f"'serviceSettings.{name}' must be a string")
    ssl = settings.get("requireValidSslCertificate")
    if ssl is not None and not isinstance(ssl, bool):
        raise invalid_params("'serviceSettings.requireValidSslCertificate' must be a boolean")
    return dict(settings)  # unknown keys are kept (open question 12)


def _event_types(params: dict[str, Any]) -> dict[str, Any]:
    types = params.get("subscribeToEventTypes")
    if not isinstance(types, dict) or not all(isinstance(v, bool) for v in types.values()):
        raise invalid_params("'subscribeToEventTypes' must be an object of booleans")
    return dict(types)  # unknown modules are accepted and ignored (open question 14)


def _companies(ctx: CallContext, params: dict[str, Any]) -> list[str] | None:
    companies = params.get("subscribeToCompanies")
    if companies is None:
        return None  # reference 3.1: missing or null means every managed company
    if not isinstance(companies, list) or not companies:
        raise invalid_params("'subscribeToCompanies' must be a non-empty array or null")
    for company_id in companies:
        if not isinstance(company_id, str) or not HEX_ID.match(company_id):
            raise invalid_params("'subscribeToCompanies' must contain company IDs")
        ctx.company(company_id)
    return list(companies)


def set_push_event_settings(ctx: CallContext, params: dict[str, Any]) -> bool:
    """Store and apply the push settings at once; return true (reference 3.1)."""
    reject_unknown(params, SETTINGS_PARAMS)
    status = params.get("status")
    if isinstance(status, bool) or status not in (0, 1):
        raise invalid_params("'status' must be 0 or 1")
    service_type = params.get("serviceType")
    if service_type not in SERVICE_TYPES:
        raise invalid_params(f"'serviceType' must be one of {', '.join(SERVICE_TYPES)}")
    settings = PushSettings(
        status=int(status),
        service_type=str(service_type),
        service_settings=_service_settings(params),
        event_types=_event_types(params),
        companies=_companies(ctx, params),
        api_key=ctx.key.key,
    )
    ctx.push.configure(settings)
    return True


def get_push_event_settings(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any] | None:
    """Return the settings with the authorization masked, or null if never set (3.2)."""
    reject_unknown(params, set())
    ctx.push.check_auto_disable()
    settings = ctx.push.settings
    return None if settings is None else settings.public()


def send_test_push_event(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Queue a test event for the caller's company and return it (reference 3.3)."""
    reject_unknown(params, {"eventType", "data"})
    event_type = req_str(params, "eventType")
    if event_type not in TEST_EVENT_TYPES:
        raise invalid_params(f"'eventType' must be one of {', '.join(TEST_EVENT_TYPES)}")
    data = opt_obj(params, "data")
    event = ctx.generator.test_event(event_type, ctx.key.company_id, data)
    ctx.push.enqueue([event], test=True)
    return event


def get_push_event_stats(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return the push counters (reference 3.4)."""
    reject_unknown(params, set())
    ctx.push.check_auto_disable()
    return ctx.push.stats.result()


def reset_push_event_stats(ctx: CallContext, params: dict[str, Any]) -> bool:
    """Zero the push counters; return true (our choice, undocumented)."""
    reject_unknown(params, set())
    ctx.push.reset_stats()
    return True
