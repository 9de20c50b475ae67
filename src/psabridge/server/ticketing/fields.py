"""The PSA fields of a new ticket: routing of its kind, the client's site, matched assets."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from psabridge.connectors.errors import ConnectorError
from psabridge.domain.assets import AssetRule, EndpointFacts, match_assets
from psabridge.server.alerts.models import Alert
from psabridge.server.mappings.models import PsaClient
from psabridge.server.ticketing import boards as board_cache
from psabridge.server.ticketing.models import TicketingSettings
from psabridge.server.ticketing.routing import Route

log = logging.getLogger(__name__)
ASSET_TTL = 600.0
_assets: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}  # (system, "") -> all


def ticket_fields(
    settings: TicketingSettings, route: Route, client_id: str, asset_ids: list[str]
) -> dict[str, Any]:
    """Return the PSA fields of a new ticket of one kind, for the settings' PSA."""
    if settings.system == "connectwise":
        return connectwise_fields(settings, route, client_id, asset_ids)
    return halo_fields(settings, route, client_id, asset_ids)


def connectwise_fields(
    settings: TicketingSettings, route: Route, client_id: str, asset_ids: list[str]
) -> dict[str, Any]:
    """Return ConnectWise service-ticket fields (reference connectwise.md 3.8; profiles.py).

    The kind's board (else the default board), its type and priority, the board's default
    status (R5.1), severity and impact when set, and the matched configurations (R5.12).
    """
    values = route.values
    board_id = values.get("team") or settings.ticket_type_id
    fields: dict[str, Any] = {"board_id": board_id}
    for name, cw_name in (("category", "type_id"), ("priority_id", "priority_id")):
        if values.get(name):
            fields[cw_name] = values[name]
    status_id = board_cache.initial_status(settings.system, board_id)
    if status_id:
        fields["status_id"] = status_id
    for name, cw_name in (("urgency", "severity"), ("impact", "impact")):
        if values.get(name):
            fields[cw_name] = values[name]
    if asset_ids:
        fields["configuration_ids"] = list(asset_ids)
    return fields


def halo_fields(
    settings: TicketingSettings, route: Route, client_id: str, asset_ids: list[str]
) -> dict[str, Any]:
    """Return HaloPSA ticket fields (reference halopsa.md 4.2; team and category by name)."""
    values = route.values
    fields: dict[str, Any] = {
        "tickettype_id": settings.ticket_type_id,
        "sla_id": values.get("sla_id"),
        "category_1": values.get("category"),
        "urgency": values.get("urgency"),
        "team": values.get("team"),
    }
    for name, halo_name in (("impact", "impact"), ("priority_id", "priority_id")):
        if values.get(name):
            fields[halo_name] = values[name]
    site = (
        PsaClient.objects.filter(system=settings.system, client_id=client_id)
        .values_list("extra", flat=True)
        .first()
    )
    if site and site.get("main_site_id"):
        fields["site_id"] = site["main_site_id"]
    if asset_ids:
        fields["assets"] = list(asset_ids)  # ids; the connector writes [{"id": n}]
    return fields


def asset_rule(settings: TicketingSettings) -> AssetRule:
    """Return the asset matching rule of the settings (R5.12)."""
    return AssetRule(
        settings.asset_match_by,
        settings.asset_field,
        settings.asset_mode,
        settings.asset_case_sensitive,
    )


def matched_assets(
    desk: Any, settings: TicketingSettings, client_id: str, alert: Alert
) -> list[str]:
    """Return the PSA asset ids of the endpoint; a failed lookup never blocks a ticket."""
    rule = asset_rule(settings)
    if not rule.match_by:
        return []
    try:
        assets = _client_assets(desk, settings.system, client_id)
    except ConnectorError as exc:
        log.warning("asset lookup failed for client %s: %s", client_id, exc)
        return []
    endpoint = EndpointFacts(
        alert.endpoint_name, alert.endpoint_ip, _mac(alert), alert.endpoint_fqdn
    )
    return match_assets(endpoint, assets, rule)


def _mac(alert: Alert) -> str:
    for name, value in alert.facts:
        if name.lower() in ("mac", "mac address"):
            return str(value)
    return ""


def _client_assets(desk: Any, system: str, client_id: str) -> list[dict[str, Any]]:
    # Every client's assets in one paged read per ten minutes: a storm over many companies
    # must not cost one asset call per company (bench/RESULTS.md, ticket storm).
    cached = _assets.get((system, ""))
    if cached is None or time.monotonic() - cached[0] >= ASSET_TTL:
        cached = (time.monotonic(), [_as_dict(asset) for asset in desk.assets(None)])
        _assets[(system, "")] = cached
    return [asset for asset in cached[1] if str(asset.get("company_id")) == str(client_id)]


def _as_dict(asset: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(asset) and not isinstance(asset, type):
        return dataclasses.asdict(asset)
    return dict(asset)


def forget_assets() -> None:
    """Drop cached asset lists (tests, and after a mapping changes)."""
    _assets.clear()
