"""Bodies and headers of push messages per serviceType (reference 3.5, 3.6)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .pushstate import PushSettings

CEF_VERSION = "6.36.0-1"


def md5_header(api_key: str, body: bytes) -> str:
    """Return Event-Push-Service-Md5: lowercase hex md5(key + md5hex(body)) (3.5, q. 11)."""
    inner = hashlib.md5(body, usedforsecurity=False).hexdigest()
    return hashlib.md5((api_key + inner).encode(), usedforsecurity=False).hexdigest()


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _cef_escape(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("=", "\\=").replace("\n", " ")


def cef_line(event: dict[str, Any]) -> str:
    """Return one CEF string for an event (header as seen in reference 3.6)."""
    extension = {
        "BitdefenderGZModule": event.get("module"),
        "BitdefenderGZCompanyId": event.get("companyId"),
        "dvchost": event.get("computer_name") or event.get("computerName"),
        "BitdefenderGZComputerFQDN": event.get("computer_fqdn"),
        "dvc": event.get("computer_ip") or event.get("computerIp"),
        "deviceExternalId": event.get("computer_id"),
        "BitdefenderGZEndpointId": event.get("endpointId"),
    }
    pairs = " ".join(f"{k}={_cef_escape(v)}" for k, v in extension.items() if v is not None)
    name = str(event.get("module", "event"))
    return f"CEF:0|Bitdefender|GravityZone|{CEF_VERSION}|10|{name}|9|{pairs}"


def build_body(service_type: str, events: list[dict[str, Any]], envelope_id: int) -> bytes:
    """Return the raw body: jsonRPC addEvents, splunk HEC lines, qradar NDJSON or cef."""
    if service_type == "splunk":
        text = "\n".join(_dumps({"event": e}) for e in events)
    elif service_type == "qradar":
        text = "\n".join(_dumps(e) for e in events)
    elif service_type == "cef":
        text = _dumps({"cef": "0", "events": [cef_line(e) for e in events]})
    else:  # jsonRPC, and azuresentinel whose body is unknown (our choice: the same)
        envelope = {
            "jsonrpc": "2.0",
            "method": "addEvents",
            "params": {"events": events},
            "id": envelope_id,
        }
        text = _dumps(envelope)
    return text.encode()


def build_headers(settings: PushSettings, body: bytes, omit_authorization: bool) -> dict[str, str]:
    """Return the push headers; never a Content-Type (reference 3.5)."""
    headers = {"Event-Push-Service-Md5": md5_header(settings.api_key, body)}
    authorization = settings.authorization
    if authorization and not omit_authorization:
        headers["Authorization"] = authorization
    return headers
