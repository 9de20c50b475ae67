"""The PSA fields of a new ticket: routing of its kind, the client's site, matched assets."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import TicketDesk
from psabridge.connectors.profile import TicketFacts, TicketWays
from psabridge.domain.assets import AssetRule, EndpointFacts, match_assets
from psabridge.server.alerts.models import Alert
from psabridge.server.mappings.models import PsaClient
from psabridge.server.ticketing import boards as board_cache
from psabridge.server.ticketing import profiles
from psabridge.server.ticketing.models import TicketingSettings
from psabridge.server.ticketing.routing import Route

log = logging.getLogger(__name__)
ASSET_TTL = 600.0
_assets: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}  # (system, "") -> all


def ticket_fields(
    settings: TicketingSettings, route: Route, client_id: str, asset_ids: list[str]
) -> dict[str, Any]:
    """Return the PSA fields of a new ticket of one kind, built by the PSA's profile."""
    ways = profiles.for_system(settings.system)
    facts = TicketFacts(
        site_id=_main_site(settings.system, client_id),
        asset_ids=tuple(asset_ids),
        initial_status_id=_initial_status(settings, route, ways),
    )
    return ways.fields(settings.ticket_type_id, route.values, facts)


def _main_site(system: str, client_id: str) -> str | None:
    extra = (
        PsaClient.objects.filter(system=system, client_id=client_id)
        .values_list("extra", flat=True)
        .first()
    )
    site = (extra or {}).get("main_site_id")
    return str(site) if site else None


def _initial_status(settings: TicketingSettings, route: Route, ways: TicketWays) -> str | None:
    # A PSA whose kinds choose their own type (a board) gets that type's default status (R5.1).
    if not ways.type_field:
        return None
    type_id = route.values.get(ways.type_field) or settings.ticket_type_id
    return board_cache.initial_status(settings.system, type_id)


def asset_rule(settings: TicketingSettings) -> AssetRule:
    """Return the asset matching rule of the settings (R5.12)."""
    return AssetRule(
        settings.asset_match_by,
        settings.asset_field,
        settings.asset_mode,
        settings.asset_case_sensitive,
    )


def matched_assets(
    desk: TicketDesk, settings: TicketingSettings, client_id: str, alert: Alert
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


def _client_assets(desk: TicketDesk, system: str, client_id: str) -> list[dict[str, Any]]:
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
