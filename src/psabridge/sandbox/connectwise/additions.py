"""Agreement additions: validation, defaults, derived fields, PUT and PATCH (ref 3.6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .agreements import bill_start
from .errors import field_error, invalid
from .patching import operations, saving_refusal
from .store import CwStore, Record, public
from .values import cw_time, is_number, parse_time, ref_key

BILL_CUSTOMER = ("Billable", "DoNotBill", "NoCharge")
NUMBERS = ("quantity", "lessIncluded", "unitPrice", "unitCost", "sequenceNumber")
TEXTS = ("description", "invoiceDescription", "serialNumber", "uom")
DATES = ("effectiveDate", "cancelledDate")
WRITABLE = {"product", "billCustomer", "taxableFlag", *NUMBERS, *TEXTS, *DATES}
RESOURCE = "addition"


def render_addition(addition: Record, now: datetime) -> Record:
    """Return the wire form with extPrice, billedQuantity and the addition's own status."""
    record = public(addition)
    quantity = record.get("quantity") or 0.0
    billed = quantity - (record.get("lessIncluded") or 0.0)
    ext_price = billed * (record.get("unitPrice") or 0.0)
    ext_cost = billed * (record.get("unitCost") or 0.0)
    record.update(
        billedQuantity=billed,
        extPrice=ext_price,
        extCost=ext_cost,
        margin=ext_price - ext_cost,
        agreementStatus=_status(record, now),
    )
    return record


def _status(record: Record, now: datetime) -> str:
    cancelled = parse_time(record.get("cancelledDate"))
    effective = parse_time(record.get("effectiveDate"))
    if cancelled is not None and cancelled <= now:
        return "Cancelled"
    if effective is not None and effective > now:
        return "Inactive"
    return "Active"


def build(store: CwStore, agreement: Record, body: Any, stamp: str) -> Record:
    """Return a validated addition from a POST/PUT body (fields left out get defaults)."""
    if not isinstance(body, dict):
        raise invalid(RESOURCE, [field_error("Required", "product", RESOURCE, "Body required")])
    errors: list[dict[str, Any]] = []
    product = _product(store, body.get("product"), errors)
    record: Record = {"agreementId": agreement["id"], "product": None}
    if product is not None:
        record["product"] = {
            "id": product["id"],
            "identifier": product["identifier"],
            "serializedFlag": product.get("serializedFlag", False),
        }
    record.update(_defaults(product))
    for name in WRITABLE - {"product"}:
        if name in body:
            record[name] = body[name]
    record["_info"] = {"lastUpdated": stamp}
    errors += check(store, agreement, record)
    if errors:
        raise invalid(RESOURCE, errors)
    return record


def _defaults(product: Record | None) -> Record:
    """Return the fields a POST may leave out: prices from the catalog item (6.11)."""
    return {
        "billCustomer": None,
        "quantity": 0.0,
        "lessIncluded": 0.0,
        "unitPrice": product["price"] if product else 0.0,
        "unitCost": product["cost"] if product else 0.0,
        "effectiveDate": None,
        "cancelledDate": None,
        "description": product["description"] if product else "",
        "invoiceDescription": product["customerDescription"] if product else "",
        "taxableFlag": bool(product and product.get("taxableFlag")),
        "serialNumber": "",
        "uom": "Each",
        "sequenceNumber": 1.0,
    }


def _product(store: CwStore, value: Any, errors: list[dict[str, Any]]) -> Record | None:
    """Resolve `product` by id or identifier; unknown, inactive or Bundle: an error."""
    key = ref_key(value)
    if key is None or key[0] == "name":
        errors.append(field_error("Required", "product", RESOURCE, "product is required"))
        return None
    found = store.get("catalog", key[1]) if key[0] == "id" else store.find("catalog", *key)
    if found is None:
        errors.append(field_error("NotFound", "product", RESOURCE, "product not found"))
    elif found.get("inactiveFlag"):
        text = f"Product '{found['identifier']}' is inactive."
        errors.append(field_error("InvalidStatus", "product", RESOURCE, text))
    elif found.get("productClass") == "Bundle":
        text = "Bundle products cannot be added to an agreement."
        errors.append(field_error("OutOfRange", "product", RESOURCE, text))
    else:
        return found
    return None


def check(store: CwStore, agreement: Record, record: Record) -> list[dict[str, Any]]:
    """Return the field errors of a complete addition record."""
    errors: list[dict[str, Any]] = []
    if record.get("billCustomer") is None:
        errors.append(field_error("Required", "billCustomer", RESOURCE, "billCustomer is required"))
    elif record["billCustomer"] not in BILL_CUSTOMER:
        text = "billCustomer must be Billable, DoNotBill or NoCharge"
        errors.append(field_error("OutOfRange", "billCustomer", RESOURCE, text))
    for name in NUMBERS:
        if record.get(name) is not None and not is_number(record[name]):
            errors.append(field_error("OutOfRange", name, RESOURCE, f"{name} must be a number"))
    for name in TEXTS:
        if record.get(name) is not None and not isinstance(record[name], str):
            errors.append(field_error("OutOfRange", name, RESOURCE, f"{name} must be a string"))
    errors += _date_errors(agreement, record)
    refusal = saving_refusal(store, (agreement.get("company") or {}).get("id"))
    return errors + ([refusal] if refusal else [])


def _date_errors(agreement: Record, record: Record) -> list[dict[str, Any]]:
    """Normalise the dates in place; return InvalidDate errors (contract: additions)."""
    errors = []
    moments: dict[str, datetime | None] = {}
    for name in DATES:
        raw = record.get(name)
        moments[name] = parse_time(raw)
        if raw is not None and moments[name] is None:
            errors.append(field_error("InvalidDate", name, RESOURCE, f"{name} is not a date"))
        record[name] = cw_time(moments[name])
    effective, cancelled = moments["effectiveDate"], moments["cancelledDate"]
    start = bill_start(agreement)
    if effective is not None and start is not None and effective < start:
        text = "New additions cannot be added before the agreement's billing start date"
        errors.append(field_error("InvalidDate", "effectiveDate", RESOURCE, text))
    if effective is not None and cancelled is not None and cancelled < effective:
        text = "cancelledDate cannot be before effectiveDate"
        errors.append(field_error("InvalidDate", "cancelledDate", RESOURCE, text))
    return errors


def patch(store: CwStore, agreement: Record, addition: Record, body: Any, stamp: str) -> Record:
    """Apply a PATCH to a copy, validate the whole record, then store it (6.9)."""
    updated = dict(addition)
    errors: list[dict[str, Any]] = []
    for op, path, value in operations(body):
        if path not in WRITABLE:
            text = f"{path} cannot be patched"
            errors.append(field_error("OutOfRange", path, RESOURCE, text))
        elif path == "product":
            product = _product(store, value, errors)
            if product is not None:
                updated["product"] = {"id": product["id"], "identifier": product["identifier"]}
        else:
            updated[path] = None if op == "remove" else value
    errors += check(store, agreement, updated)
    if errors:
        raise invalid(RESOURCE, errors)
    updated["_info"] = {"lastUpdated": stamp}
    addition.clear()
    addition.update(updated)
    return addition
