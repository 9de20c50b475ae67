"""Scenario changes the sandbox can make (inspection actions and Python methods)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import config
from .agreements import new_agreement, render_agreement
from .scenario import add_company, set_company_status
from .store import CwStore, Record, public
from .values import cw_time

AGREEMENT_KINDS = ("Active", "Expired", "Inactive", "Cancelled", "Other", "FutureBill")
PRODUCT_MODES = ("inactivate", "delete")


def _find(store: CwStore, table: str, ref: Any, key: str = "name") -> Record:
    """Return a record by id or by `key` (ignoring case), or raise ValueError."""
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise ValueError(f"give the {table} row by id or {key}")
    found = store.get(table, ref) if isinstance(ref, int) else store.find(table, key, ref)
    if found is None:
        raise ValueError(f"no {table} row {ref!r}")
    return found


def set_status(store: CwStore, company_id: Any, status: Any) -> Record:
    """Put a company in a status (by id or name, e.g. "Not Approved")."""
    company = _find(store, "companies", company_id)
    set_company_status(store, company, _find(store, "company_statuses", status)["id"])
    return public(company)


def soft_delete(store: CwStore, company_id: Any, now: datetime) -> Record:
    """Mark a company deleted (it leaves the lists; GET by id shows deletedFlag)."""
    company = _find(store, "companies", company_id)
    company.update(deletedFlag=True, dateDeleted=cw_time(now), deletedBy="admin")
    return public(company)


def create_company(store: CwStore, name: Any, status: Any, now: datetime) -> Record:
    """Add a company (PSA-only, for import tests)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name must be a non-empty string")
    status_id = _find(store, "company_statuses", status)["id"]
    return public(add_company(store, name.strip(), now, status=status_id))


def remove_product(store: CwStore, product: Any, mode: Any) -> Record:
    """Inactivate or delete a catalog item (by id or identifier)."""
    if mode not in PRODUCT_MODES:
        raise ValueError("mode must be inactivate or delete")
    item = _find(store, "catalog", product, "identifier")
    if mode == "delete":
        store.delete("catalog", item["id"])
    else:
        item["inactiveFlag"] = True
    return public(item)


def delete_agreement_type(store: CwStore, ref: Any) -> Record:
    """Delete an agreement type (agreements keep their reference)."""
    row = _find(store, "agreement_types", ref)
    store.delete("agreement_types", row["id"])
    return public(row)


def remove_priority(store: CwStore, ref: Any) -> Record:
    """Delete a priority (by id or name)."""
    row = _find(store, "priorities", ref)
    store.delete("priorities", row["id"])
    return public(row)


def add_agreement(
    store: CwStore, company_id: Any, kind: Any, fields: dict[str, Any], now: datetime
) -> Record:
    """Add an agreement of a scenario kind to a company; `fields` override wire fields."""
    if kind not in AGREEMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(AGREEMENT_KINDS)}")
    company = _find(store, "companies", company_id)
    extra = dict(fields)
    if "type_id" in extra:
        row = _find(store, "agreement_types", extra.pop("type_id"))
        extra["type"] = {"id": row["id"], "name": row["name"]}
    agreement = new_agreement(store, company, str(kind), now, **extra)
    return render_agreement(agreement, now)


def set_addition(
    store: CwStore, agreement_id: Any, fields: dict[str, Any], now: datetime
) -> Record:
    """Create (no `id`) or overwrite fields of an addition, without validation."""
    agreement = _find(store, "agreements", agreement_id)
    addition_id = fields.get("id")
    if addition_id is not None:
        addition = _find(store, "additions", addition_id)
        addition.update({k: v for k, v in fields.items() if k != "id"})
        return public(addition)
    product = store.get("catalog", config.PRODUCTS[0][0]) or {}
    base: Record = {
        "agreementId": agreement["id"],
        "product": {"id": product.get("id"), "identifier": product.get("identifier")},
        "billCustomer": "Billable",
        "quantity": 0.0,
        "lessIncluded": 0.0,
        "unitPrice": product.get("price", 0.0),
        "unitCost": product.get("cost", 0.0),
        "effectiveDate": None,
        "cancelledDate": None,
        "description": product.get("description", ""),
        "taxableFlag": True,
        "uom": "Each",
        "_info": {"lastUpdated": cw_time(now)},
    }
    return public(store.insert("additions", {**base, **fields}))
