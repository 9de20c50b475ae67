"""Recurring-service contracts: adjustments change ContractServiceUnits (ref 3.4-3.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from psabridge.sandbox.autotask.values import month_start

from .helpers import AtApi


def _units(at: AtApi, contract_id: int, service_id: int) -> list[dict[str, Any]]:
    return at.query(
        "ContractServiceUnits",
        {"op": "eq", "field": "contractID", "value": contract_id},
        {"op": "eq", "field": "serviceID", "value": service_id},
    )


def _on(rows: list[dict[str, Any]], day: str) -> int:
    """Return the units in force on a day (the client algorithm of reference 3.6)."""
    found = [r for r in rows if r["startDate"][:10] <= day <= r["endDate"][:10]]
    assert len(found) == 1, found
    return int(found[0]["units"])


def _month(months: int = 0) -> str:
    return month_start(datetime.now(UTC), months).strftime("%Y-%m-%d")


def _contract(at: AtApi, case: str = "two_contracts") -> int:
    return int(at.case(case)["contract_ids"][0])


def _adjust(at: AtApi, contract: int, **fields: Any) -> Any:
    body = {"contractID": contract, "effectiveDate": f"{_month()}T00:00:00Z"} | fields
    return at.post(f"/Contracts/{contract}/ServiceAdjustments", body)


def test_an_adjustment_splits_the_period_and_changes_units(at: AtApi) -> None:
    contract = _contract(at)
    before = _units(at, contract, 1)
    start = _on(before, _month())
    mid = f"{_month()[:8]}15"
    item = at.ok(_adjust(at, contract, serviceID=1, unitChange=4, effectiveDate=f"{mid}T13:45:00"))
    assert set(item) == {"itemId"}
    after = _units(at, contract, 1)
    assert len(after) == len(before) + 1  # the month is split on the 15th
    assert _on(after, _month()) == start and _on(after, mid) == start + 4
    assert _on(after, _month(1)) == start + 4  # later periods carry the new count
    assert _on(after, _month(-1)) == start
    split = next(r for r in after if r["startDate"][:10] == mid)
    last_day = month_start(datetime.now(UTC), 1) - timedelta(days=1)
    assert split["endDate"][:10] == last_day.strftime("%Y-%m-%d")


def test_adjustment_ids_are_never_fetchable_nor_queryable(at: AtApi) -> None:
    item = at.ok(_adjust(at, _contract(at), serviceID=1, unitChange=1))["itemId"]
    assert at.errors(at.get(f"/ContractServiceAdjustments/{item}"), 404)
    assert at.errors(at.post("/ContractServiceAdjustments/query", {"filter": []}), 404)


def test_first_adjustment_creates_the_contract_service(at: AtApi) -> None:
    contract = _contract(at)
    assert _units(at, contract, 3) == []
    at.ok(_adjust(at, contract, serviceID=3, unitChange=7))
    service = at.query(
        "ContractServices",
        {"op": "eq", "field": "contractID", "value": contract},
        {"op": "eq", "field": "serviceID", "value": 3},
    )
    assert len(service) == 1 and service[0]["unitPrice"] == 12.0
    assert service[0]["adjustedPrice"] is None  # open question 10
    rows = _units(at, contract, 3)
    assert _on(rows, _month()) == 7 and _on(rows, _month(-1)) == 0


def test_contract_service_id_and_the_root_route(at: AtApi) -> None:
    contract = _contract(at)
    service = at.query("ContractServices", {"op": "eq", "field": "contractID", "value": contract})[
        0
    ]
    base = _on(_units(at, contract, service["serviceID"]), _month())
    body = {"contractID": contract, "contractServiceID": service["id"], "unitChange": -1}
    at.ok(at.post("/ContractServiceAdjustments", body | {"effectiveDate": _month()}))
    assert _on(_units(at, contract, service["serviceID"]), _month()) == base - 1


@pytest.mark.parametrize(
    ("case", "fields", "text"),
    [
        ("two_contracts", {"unitChange": 1}, "Either serviceID or contractServiceID"),
        ("two_contracts", {"serviceID": 1, "unitChange": -10_000}, "negative"),
        ("two_contracts", {"serviceID": 999, "unitChange": 1}, "existing entity for serviceID"),
        ("two_contracts", {"contractServiceID": 999, "unitChange": 1}, "contractServiceID"),
        ("removed_service", {"serviceID": 4, "unitChange": 1}, "inactive"),
        ("block_hours_only", {"serviceID": 1, "unitChange": 1}, "Recurring Service"),
        ("future_contract", {"serviceID": 1, "unitChange": 1}, "start and end dates"),
        ("expired_contract", {"serviceID": 1, "unitChange": 1}, "start and end dates"),
    ],
)
def test_refused_adjustments_are_500(
    at: AtApi, case: str, fields: dict[str, Any], text: str
) -> None:
    contract = _contract(at, case)
    errors = at.errors(_adjust(at, contract, **fields))
    assert text in errors[0]
    assert at.sim.snapshot()["counts"]["ContractServiceAdjustments"] == len(
        at.sim.store.tables["ContractServiceAdjustments"]
    )


def test_refused_adjustment_changes_nothing(at: AtApi) -> None:
    contract = _contract(at)
    before = _units(at, contract, 1)
    at.errors(_adjust(at, contract, serviceID=1, unitChange=-10_000))
    assert _units(at, contract, 1) == before


def test_missing_effective_date_and_unknown_contract(at: AtApi) -> None:
    contract = _contract(at)
    answer = at.post(f"/Contracts/{contract}/ServiceAdjustments", {"serviceID": 1})
    assert at.errors(answer) == ["Missing required field: effectiveDate . "]
    answer = at.post(
        "/Contracts/999/ServiceAdjustments", {"serviceID": 1, "effectiveDate": _month()}
    )
    assert at.errors(answer) == ["Value does not reference an existing entity for contractID . "]


def test_approved_and_posted_periods_refuse_adjustments(at: AtApi) -> None:
    contract = _contract(at)
    approved = at.sandbox("POST", "units/approve", {"contract_id": contract, "through": _month()})
    assert approved["approved"] > 0
    rows = _units(at, contract, 1)
    assert all(r["approveAndPostDate"] for r in rows if r["endDate"][:10] < _month())
    assert (
        "approved and posted"
        in at.errors(_adjust(at, contract, serviceID=1, unitChange=1, effectiveDate=_month(-1)))[0]
    )
    at.ok(_adjust(at, contract, serviceID=1, unitChange=1))


def test_contract_service_updates_only_price_and_description(at: AtApi) -> None:
    contract = _contract(at)
    service = at.query("ContractServices", {"op": "eq", "field": "contractID", "value": contract})[
        0
    ]
    path = f"/Contracts/{contract}/Services"
    at.ok(at.patch(path, {"id": service["id"], "adjustedPrice": 3.25}))
    assert _units(at, contract, service["serviceID"])[0]["price"] == 3.25
    assert (
        "Only adjustedPrice" in at.errors(at.patch(path, {"id": service["id"], "serviceID": 3}))[0]
    )


def test_services_only_on_recurring_contracts(at: AtApi) -> None:
    block = _contract(at, "block_hours_only")
    answer = at.post(f"/Contracts/{block}/Services", {"serviceID": 1})
    assert at.errors(answer) == ["Services can only be added to Recurring Service contracts . "]
    contract = _contract(at)
    item = at.create(f"/Contracts/{contract}/Services", {"serviceID": 3, "adjustedPrice": 10})
    assert at.item("ContractServices", item)["unitPrice"] == 12.0
    assert (
        "already on this contract"
        in at.errors(at.post(f"/Contracts/{contract}/Services", {"serviceID": 3}))[0]
    )


def test_periods_follow_the_contract_start_day(at: AtApi) -> None:
    company = at.case("no_contract")["psa_company_id"]
    body = {
        "companyID": company,
        "contractName": "Mid-month",
        "contractType": 7,
        "status": 1,
        "startDate": "2026-01-15",
        "endDate": "2026-04-20T00:00:00Z",
        "timeReportingRequiresStartAndStopTimes": "0",
    }
    contract = at.create("/Contracts", body)
    at.create(f"/Contracts/{contract}/Services", {"serviceID": 1})
    spans = [(r["startDate"][:10], r["endDate"][:10]) for r in _units(at, contract, 1)]
    assert spans == [
        ("2026-01-15", "2026-02-14"),
        ("2026-02-15", "2026-03-14"),
        ("2026-03-15", "2026-04-14"),
        ("2026-04-15", "2026-04-20"),
    ]
