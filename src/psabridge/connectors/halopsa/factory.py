"""Build the HaloPSA desk and billing adapters from a stored connection's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.halopsa.adapter import HaloTicketDesk
from psabridge.connectors.halopsa.billing import HaloBilling
from psabridge.connectors.options import ConnectorOptions, plain_values, required


def build_desk(settings: Mapping[str, Any], options: ConnectorOptions) -> HaloTicketDesk:
    """Build the HaloPSA adapter from {"base_url", "client_id", "client_secret"}.

    Optional: "auth_url" and "tenant" (discovered when empty), "note_outcome" and
    "public_note_outcome" (outcome names for private and public notes). Any value may come
    as a SecretStr.
    """
    values = plain_values(settings)
    base_url, client_id = required(values, "base_url"), required(values, "client_id")
    secret = SecretStr(required(values, "client_secret"))
    notes = {k: values[k] for k in ("note_outcome", "public_note_outcome") if values.get(k)}
    return HaloTicketDesk.connect(
        base_url,
        client_id,
        secret,
        auth_url=values.get("auth_url") or None,
        tenant=values.get("tenant") or None,
        **notes,
        **options.http_options(),
    )


def build_billing(settings: Mapping[str, Any], options: ConnectorOptions) -> HaloBilling:
    """Build the HaloPSA billing target from the settings of `build_desk` (notes unused).

    A server holding a HaloTicketDesk can share its client instead: `HaloBilling(desk.client)`.
    """
    values = plain_values(settings)
    base_url, client_id = required(values, "base_url"), required(values, "client_id")
    return HaloBilling.connect(
        base_url,
        client_id,
        SecretStr(required(values, "client_secret")),
        auth_url=values.get("auth_url") or None,
        tenant=values.get("tenant") or None,
        **options.http_options(),
    )
