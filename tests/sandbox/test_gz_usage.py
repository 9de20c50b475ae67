"""Monthly usage: counters, the tier overlap and consistency with endpoints (2.6-2.8)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from psabridge.sandbox.gravityzone.usage import COUNTERS, counts_in_month
from psabridge.sandbox.runner import Sandbox

from .gzhelpers import Rpc

TIERS = {
    "mspSecure": "mspSecureMonthlyUsage",
    "mspSecurePlus": "mspSecurePlusMonthlyUsage",
    "mspSecureExtra": "mspSecureExtraMonthlyUsage",
}


def month_of(moment: datetime, back: int = 0) -> tuple[int, int, str]:
    index = moment.year * 12 + moment.month - 1 - back
    year, month = divmod(index, 12)
    return year, month + 1, f"{month + 1:02d}/{year}"


def companies_by(sandbox: Sandbox, license_type: int) -> list[str]:
    world = sandbox.gravityzone.world
    return [
        c.id
        for c in world.companies.values()
        if c.type == 1 and c.licence.license_type == license_type
    ]


def test_full_counter_set_and_overlap(rpc: Rpc, sandbox: Sandbox) -> None:
    world = sandbox.gravityzone.world
    nonzero = 0
    for company_id in companies_by(sandbox, 3):
        usage = rpc.result("licensing", "getMonthlyUsage", {"companyId": company_id})
        assert set(usage) == {*COUNTERS, "minimumUsage"}
        licence = world.companies[company_id].licence
        tier = TIERS[licence.protection_model or ""]
        assert usage[tier] == usage["endpointMonthlyUsage"]  # the overlap of reference 2.8
        if "edr" in licence.addons:
            assert usage["edrMonthlyUsage"] == usage["endpointMonthlyUsage"]
        nonzero += usage["endpointMonthlyUsage"] > 0
    assert nonzero > 10


@pytest.mark.parametrize("license_type", [1, 2])
def test_no_monthly_licence_means_zeros(rpc: Rpc, sandbox: Sandbox, license_type: int) -> None:
    for company_id in companies_by(sandbox, license_type):
        usage = rpc.result("licensing", "getMonthlyUsage", {"companyId": company_id})
        assert all(usage[name] == 0 for name in COUNTERS)
        per_type = rpc.result(
            "licensing", "getMonthlyUsagePerProductType", {"companyId": company_id}
        )
        assert all(entry[name] == 0 for entry in per_type["usages"] for name in COUNTERS)


def test_current_month_matches_endpoint_details(rpc: Rpc, sandbox: Sandbox) -> None:
    world = sandbox.gravityzone.world
    monthly = [
        c
        for c in companies_by(sandbox, 3)
        if not world.companies[c].licence.additional_product_types
    ]
    company_id = max(monthly, key=lambda c: len(world.endpoints_of(c)))
    listing = rpc.result(
        "network", "getEndpointsList",
        {"parentId": company_id, "isManaged": True, "perPage": 1000}, version="v1.1",
    )  # fmt: skip
    now = datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counted = 0
    for item in listing["items"]:
        details = rpc.result("network", "getManagedEndpointDetails", {"endpointId": item["id"]})
        seen = datetime.fromisoformat(details["lastSeen"]).replace(tzinfo=UTC)
        counted += details["agent"]["licensed"] == 1 and seen >= month_start
    usage = rpc.result("licensing", "getMonthlyUsage", {"companyId": company_id})
    assert usage["endpointMonthlyUsage"] == counted > 0


def test_past_months_follow_history(rpc: Rpc, sandbox: Sandbox) -> None:
    world = sandbox.gravityzone.world
    now = sandbox.gravityzone.clock.now()
    stale = [e for e in world.endpoints.values() if e.last_seen and e.last_seen.month != now.month]
    assert stale, "some endpoints never connected this month"
    company_id = max(companies_by(sandbox, 3), key=lambda c: len(world.endpoints_of(c)))
    for back in (1, 3):
        year, month, text = month_of(now, back)
        usage = rpc.result(
            "licensing", "getMonthlyUsage", {"companyId": company_id, "targetMonth": text}
        )
        expected = sum(
            1
            for e in world.endpoints_of(company_id)
            if e.product_type == 0 and counts_in_month(e, year, month, now)
        )
        assert usage["endpointMonthlyUsage"] == expected
    _, _, future = month_of(now, -2)
    ahead = rpc.result(
        "licensing", "getMonthlyUsage", {"companyId": company_id, "targetMonth": future}
    )
    assert ahead["endpointMonthlyUsage"] == 0


@pytest.mark.parametrize("target", ["2024-03", "13/2024", "3/2024", "00/2024", 32024, ""])
def test_bad_target_month(rpc: Rpc, target: object) -> None:
    for method in ("getMonthlyUsage", "getMonthlyUsagePerProductType"):
        error = rpc.error("licensing", method, {"targetMonth": target})
        assert error["code"] == -32602 and error["message"] == "Invalid params"


def test_partner_sums_its_subtree(rpc: Rpc, sandbox: Sandbox) -> None:
    world = sandbox.gravityzone.world
    reseller = next(c for c in world.children(rpc.partner_id) if c.type == 0)
    total = rpc.result("licensing", "getMonthlyUsage", {"companyId": reseller.id})
    parts = [
        rpc.result("licensing", "getMonthlyUsage", {"companyId": c.id})["endpointMonthlyUsage"]
        for c in world.children(reseller.id)
    ]
    assert total["endpointMonthlyUsage"] == sum(parts)


def test_per_product_type(rpc: Rpc, sandbox: Sandbox) -> None:
    world = sandbox.gravityzone.world
    with_edr = next(
        c.id for c in world.companies.values() if c.type == 1 and c.licence.additional_product_types
    )
    result = rpc.result("licensing", "getMonthlyUsagePerProductType", {"companyId": with_edr})
    by_type = {u["productType"]: u for u in result["usages"]}
    assert set(by_type) == {0, 3}
    assert all(set(u) == {"productType", *COUNTERS} for u in result["usages"])
    plain = rpc.result("licensing", "getMonthlyUsage", {"companyId": with_edr})
    assert by_type[0]["endpointMonthlyUsage"] == plain["endpointMonthlyUsage"]
    assert by_type[3]["edrMonthlyUsage"] == by_type[3]["endpointMonthlyUsage"] > 0


def test_installed_endpoints_count_in_the_running_month(rpc: Rpc, sandbox: Sandbox) -> None:
    company_id = companies_by(sandbox, 3)[0]
    before = rpc.result("licensing", "getMonthlyUsage", {"companyId": company_id})
    added = rpc.sandbox("POST", "endpoints", {"company_id": company_id, "count": 2})["added"]
    after = rpc.result("licensing", "getMonthlyUsage", {"companyId": company_id})
    assert after["endpointMonthlyUsage"] == before["endpointMonthlyUsage"] + 2
    listed = {
        e["id"]
        for e in rpc.result(
            "network", "getEndpointsList", {"parentId": company_id, "perPage": 100}
        )["items"]
    }
    assert {e["id"] for e in added} <= listed


@pytest.mark.parametrize(
    "body", [{"company_id": "nope"}, {"company_id": None}, {"count": 0}, {"count": "2"}]
)
def test_installing_endpoints_refuses_bad_input(rpc: Rpc, sandbox: Sandbox, body) -> None:
    company_id = companies_by(sandbox, 3)[0]
    request = {"company_id": company_id, **body}
    before = len(sandbox.gravityzone.world.endpoints)
    with pytest.raises(AssertionError):
        rpc.sandbox("POST", "endpoints", request)
    assert len(sandbox.gravityzone.world.endpoints) == before
