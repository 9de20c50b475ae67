"""Recurring-service billing: ContractServices, create-only adjustments, derived units (3.4-3.6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .config import PERIOD_MONTHS, RECURRING_SERVICE
from .entities import ADJUSTMENTS
from .errors import invalid, no_reference, required
from .store import AtStore, Call, Record, Reply
from .values import add_months, at_time, day_start, parse_time
from .writes import bind

DAY = timedelta(days=1)
UNITS = "ContractServiceUnits"
NOT_RECURRING = "Services can only be added to Recurring Service contracts . "
UPDATABLE = ("adjustedPrice", "invoiceDescription")  # H:CS


def _day(text: str | None) -> datetime:
    moment = parse_time(text)
    assert moment is not None
    return day_start(moment)


def periods(contract: Record) -> list[tuple[datetime, datetime]]:
    """Return the contract's billing periods: anchored on its start day, clipped (oq 9)."""
    start, end = _day(contract["startDate"]), _day(contract["endDate"])
    months = PERIOD_MONTHS.get(contract.get("contractPeriodType") or 1, 1)
    found: list[tuple[datetime, datetime]] = []
    while (first := add_months(start, len(found) * months)) <= end:
        last = add_months(start, (len(found) + 1) * months) - DAY
        found.append((first, min(last, end)))
    return found


def adjustments_of(store: AtStore, service_id: int) -> list[tuple[datetime, int]]:
    """Return a contract service's (effective day, unit change) pairs, by date."""
    table = store.tables["ContractServiceAdjustments"]
    rows = [table[i] for i in store.adjustments_of.get(service_id, [])]
    pairs = [(_day(a["effectiveDate"]), a["unitChange"] or 0) for a in rows]
    return sorted(pairs, key=lambda pair: pair[0])


def rebuild_units(store: AtStore, service: Record) -> None:
    """Regenerate a contract service's unit rows, one per period split at each adjustment."""
    contract = store.get("Contracts", service["contractID"])
    assert contract is not None
    changes = adjustments_of(store, service["id"])
    table = store.tables[UNITS]
    old = {table[i]["__key"]: table.pop(i) for i in store.units_of.pop(service["id"], [])}
    for first, last in periods(contract):
        starts = sorted({first} | {day for day, _ in changes if first < day <= last})
        ends = [s - DAY for s in starts[1:]] + [last]
        for start, end in zip(starts, ends, strict=True):
            units = sum(change for day, change in changes if day <= start)
            key = (service["id"], first, start)
            _insert_unit(store, service, contract, key, (start, end, units), old.get(key))


def _insert_unit(
    store: AtStore,
    service: Record,
    contract: Record,
    key: tuple[int, datetime, datetime],
    span: tuple[datetime, datetime, int],
    previous: Record | None,
) -> None:
    unit_id = store.unit_ids.get(key)
    if unit_id is None:
        unit_id = store.unit_ids[key] = store.next_id(UNITS)
    price = (
        service["adjustedPrice"] if service["adjustedPrice"] is not None else service["unitPrice"]
    )
    store.units_of.setdefault(service["id"], []).append(unit_id)
    store.insert(
        UNITS,
        {
            "id": unit_id,
            "contractID": contract["id"],
            "contractServiceID": service["id"],
            "serviceID": service["serviceID"],
            "startDate": at_time(span[0]),
            "endDate": at_time(span[1]),
            "units": span[2],
            "price": price,
            "cost": service["unitCost"],
            "internalCurrencyPrice": price,
            "approveAndPostDate": previous["approveAndPostDate"] if previous else None,
            "organizationalLevelAssociationID": None,
            "vendorCompanyID": None,
            "__key": key,
        },
    )


def new_contract_service(
    store: AtStore, contract: Record, service: Record, *, rebuild: bool = True
) -> Record:
    """Insert a ContractService priced from its Service (adjustedPrice null, oq 10)."""
    row = store.insert(
        "ContractServices",
        {
            "contractID": contract["id"],
            "serviceID": service["id"],
            "unitPrice": service["unitPrice"],
            "unitCost": service["unitCost"],
            "adjustedPrice": None,
            "internalCurrencyUnitPrice": service["unitPrice"],
            "internalCurrencyAdjustedPrice": None,
            "invoiceDescription": service["invoiceDescription"],
            "internalDescription": None,
            "quoteItemID": None,
        },
    )
    if rebuild:
        rebuild_units(store, row)
    return row


def post_adjustment(call: Call) -> Reply:
    """Answer `POST /Contracts/{id}/ServiceAdjustments` (or the root form): `{"itemId": n}`."""
    values, errors = bind(ADJUSTMENTS, call.body)
    if errors:
        raise invalid(*errors)
    contract = _contract(call.store, call.ids.get("parentId", values.get("contractID")))
    if values.get("effectiveDate") is None:
        raise invalid(required("effectiveDate"))
    day = _day(values["effectiveDate"])  # the time part is dropped (oq 8)
    service, catalog = _service_of(call.store, contract, values)
    _check_date(call.store, contract, service, day)
    change = values.get("unitChange") or 0
    _check_not_negative(call.store, service, day, change)
    if service is None:
        service = new_contract_service(call.store, contract, catalog)
    row = record_adjustment(
        call.store,
        {
            **{f.name: values.get(f.name) for f in ADJUSTMENTS.fields if f.name != "id"},
            "contractID": contract["id"],
            "serviceID": service["serviceID"],
            "contractServiceID": service["id"],
            "effectiveDate": at_time(day),
            "unitChange": change,
            "__created": at_time(call.now),
        },
    )
    rebuild_units(call.store, service)
    return Reply({"itemId": row["id"]})


def record_adjustment(store: AtStore, row: Record) -> Record:
    """Store an adjustment (visible only to the inspection API) and index it by service."""
    stored = store.insert("ContractServiceAdjustments", row)
    store.adjustments_of.setdefault(stored["contractServiceID"], []).append(stored["id"])
    return stored


def _contract(store: AtStore, contract_id: object) -> Record:
    contract = store.get("Contracts", contract_id)
    if contract is None:
        raise invalid(no_reference("contractID"))
    if contract["contractType"] != RECURRING_SERVICE:
        raise invalid("Service adjustments can only be made on Recurring Service contracts . ")
    return contract


def _service_of(store: AtStore, contract: Record, values: Record) -> tuple[Record | None, Record]:
    """Return (the ContractService or None to create, its catalog Service), or raise."""
    if values.get("contractServiceID") is not None:
        service = store.get("ContractServices", values["contractServiceID"])
        if service is None or service["contractID"] != contract["id"]:
            raise invalid(no_reference("contractServiceID"))
        catalog = store.get("Services", service["serviceID"])
    elif values.get("serviceID") is not None:
        catalog = store.get("Services", values["serviceID"])
        if catalog is None:
            raise invalid(no_reference("serviceID"))
        service = store.find("ContractServices", contractID=contract["id"], serviceID=catalog["id"])
    else:
        raise invalid("Either serviceID or contractServiceID is required . ")
    assert catalog is not None
    if not catalog["isActive"]:
        raise invalid(f"The service {catalog['id']} is inactive and cannot be adjusted . ")
    return service, catalog


def _check_date(store: AtStore, contract: Record, service: Record | None, day: datetime) -> None:
    if not _day(contract["startDate"]) <= day <= _day(contract["endDate"]):
        raise invalid("The effective date must fall between the contract's start and end dates . ")
    if service is None:
        return
    for unit_id in store.units_of.get(service["id"], []):
        row = store.tables[UNITS][unit_id]
        if row["approveAndPostDate"] and _day(row["endDate"]) >= day:
            raise invalid("The effective date falls in a period already approved and posted . ")


def _check_not_negative(store: AtStore, service: Record | None, day: datetime, change: int) -> None:
    changes = adjustments_of(store, service["id"]) if service else []
    changes = sorted([*changes, (day, change)], key=lambda pair: pair[0])
    total = 0
    for _, delta in changes:
        total += delta
        if total < 0:  # open question 8: units never go below zero
            raise invalid("The adjustment would make the service's units negative . ")


def prepare_service(call: Call, record: Record, old: Record | None) -> list[str]:
    """Check a ContractService write: recurring contract, no duplicate, updatable fields."""
    if old is not None:
        return [
            f"Only adjustedPrice and invoiceDescription can be updated ({name}) . "
            for name in record
            if name not in UPDATABLE and record[name] != old.get(name)
        ]
    contract = call.store.get("Contracts", record["contractID"])
    catalog = call.store.get("Services", record["serviceID"])
    if contract is None or catalog is None:
        return []  # the reference checks report it
    if contract["contractType"] != RECURRING_SERVICE:
        return [NOT_RECURRING]
    if call.store.find("ContractServices", contractID=contract["id"], serviceID=catalog["id"]):
        return ["The service is already on this contract . "]
    for name in ("unitPrice", "unitCost", "invoiceDescription"):
        if record[name] is None:
            record[name] = catalog[name]
    record["internalCurrencyUnitPrice"] = record["unitPrice"]
    return []


def commit_service(call: Call, record: Record) -> None:
    """Regenerate a written ContractService's unit rows (prices show on them)."""
    rebuild_units(call.store, record)


def commit_contract(call: Call, record: Record) -> None:
    """Regenerate every unit row of a written contract (its dates define the periods)."""
    for service in call.store.rows("ContractServices"):
        if service["contractID"] == record["id"]:
            rebuild_units(call.store, service)


def approve_and_post(store: AtStore, contract_id: int, through: datetime, now: datetime) -> int:
    """Mark the contract's unit rows ending by `through` as approved and posted (oq 9)."""
    marked = 0
    for row in store.tables[UNITS].values():
        ending = row["contractID"] == contract_id and _day(row["endDate"]) <= through
        if ending and row["approveAndPostDate"] is None:
            row["approveAndPostDate"] = at_time(now)
            marked += 1
    return marked
