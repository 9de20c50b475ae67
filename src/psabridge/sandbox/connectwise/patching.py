"""PATCH bodies (JSON-Patch-style arrays) and the Disallow Saving rule (ref 2.3, contract)."""

from __future__ import annotations

from typing import Any

from .errors import bad_request, field_error
from .store import CwStore

OPS = ("add", "replace", "remove")


def operations(body: Any) -> list[tuple[str, str, Any]]:
    """Return (op, path, value) of a PATCH body; a nested path or unknown op: 400 (6.9)."""
    if not isinstance(body, list) or not body:
        raise bad_request("The PATCH body must be a non-empty array of operations.")
    result = []
    for item in body:
        if not isinstance(item, dict):
            raise bad_request("Each PATCH operation must be an object {op, path, value}.")
        op, path = item.get("op"), item.get("path")
        if op not in OPS:
            raise bad_request(f"Unknown PATCH op {op!r}: use add, replace or remove.")
        if not isinstance(path, str) or not path.strip("/"):
            raise bad_request("Each PATCH operation needs a path.")
        path = path.strip("/")
        if "/" in path:
            raise bad_request(f"PATCH path {path!r} is nested: replace the whole object.")
        result.append((str(op), path, item.get("value")))
    return result


def saving_refusal(store: CwStore, company_id: Any) -> dict[str, Any] | None:
    """Return the `InvalidStatus` error when the company's status disallows saving (6.2)."""
    company = store.get("companies", company_id) if isinstance(company_id, int) else None
    if company is None or not company.get("status"):
        return None
    status = store.get("company_statuses", company["status"]["id"])
    if status is None or not status.get("disallowSavingFlag"):
        return None
    message = f"The company's status '{status['name']}' does not allow saving."
    return field_error("InvalidStatus", "status", "company", message)
