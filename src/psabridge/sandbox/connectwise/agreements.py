"""Agreements and their derived status on the simulated clock (reference 3.4, contract 6.1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import config
from .store import CwStore, Record, public
from .values import cw_time, month_start, parse_time


def derived_status(agreement: Record, now: datetime) -> str:
    """Return `agreementStatus`: Cancelled, Expired, Inactive (future or stored), else Active."""
    if agreement.get("cancelledFlag"):
        return "Cancelled"
    end = parse_time(agreement.get("endDate"))
    if end is not None and not agreement.get("noEndingDateFlag") and end < _today(now):
        return "Expired"
    start = parse_time(agreement.get("startDate"))
    if start is not None and start > now:
        return "Inactive"
    if agreement.get("__stored_status") == "Inactive":
        return "Inactive"
    return "Active"


def _today(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def render_agreement(agreement: Record, now: datetime) -> Record:
    """Return the wire form of an agreement with its derived status."""
    return {**public(agreement), "agreementStatus": derived_status(agreement, now)}


def new_agreement(
    store: CwStore, company: Record, kind: str, now: datetime, **fields: Any
) -> Record:
    """Insert an agreement of one scenario kind (Active, Expired, Inactive, Cancelled,
    Other, FutureBill) for a company; `fields` override the wire fields."""
    start = month_start(now, -12)
    type_id = config.TYPE_BLOCK_TIME if kind == "Other" else config.TYPE_MANAGED_SECURITY
    type_row = store.get("agreement_types", type_id) or {"id": type_id, "name": "Block Time"}
    record: Record = {
        "name": f"{company['name']} - {type_row['name']}",
        "type": {"id": type_row["id"], "name": type_row["name"]},
        "company": {k: company[k] for k in ("id", "identifier", "name")},
        "contact": None,
        "startDate": cw_time(start),
        "endDate": None,
        "noEndingDateFlag": True,
        "cancelledFlag": False,
        "dateCancelled": None,
        "reasonCancelled": None,
        "billingCycle": dict(config.MONTHLY),
        "billStartDate": cw_time(start),
        "nextInvoiceDate": cw_time(month_start(now, 1)),
        "prorateFlag": False,
        "periodType": "Current",
        "billAmount": 0.0,
        "billTime": "Billable",
        "billExpenses": "Billable",
        "billProducts": "Billable",
        "invoicingCycle": "CalendarYear",
        "oneTimeFlag": False,
        "taxable": True,
        "customFields": [],
        "_info": {"lastUpdated": cw_time(now - timedelta(days=60))},
    }
    record.update(_kind_fields(kind, now))
    record.update(fields)
    return store.insert("agreements", record)


def _kind_fields(kind: str, now: datetime) -> Record:
    """Return the date and flag fields that give an agreement its scenario status."""
    if kind == "Expired":
        return {
            "startDate": cw_time(month_start(now, -24)),
            "billStartDate": cw_time(month_start(now, -24)),
            "endDate": cw_time(month_start(now, -2)),
            "noEndingDateFlag": False,
        }
    if kind == "Inactive":
        return {"__stored_status": "Inactive"}
    if kind == "Cancelled":
        return {
            "cancelledFlag": True,
            "dateCancelled": cw_time(month_start(now, -1)),
            "reasonCancelled": "Customer left",
        }
    if kind == "FutureBill":  # R4.5: Active, but billing starts in two months
        return {
            "startDate": cw_time(month_start(now, -1)),
            "billStartDate": cw_time(month_start(now, 2)),
        }
    return {}


def bill_start(agreement: Record) -> datetime | None:
    """Return the agreement's billStartDate, else its startDate (contract: additions)."""
    return parse_time(agreement.get("billStartDate")) or parse_time(agreement.get("startDate"))
