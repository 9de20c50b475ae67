"""ConnectWise billing across a month's end, the sandbox clock moved: the closed month is final.

The defect this guards against: a company with endpoints active all month re-collected after the
month ended counted only what was seen since, and the sync on the 1st-2nd PATCHed last month's
addition down to that. Now the month's count is GravityZone's own, final once the month ended,
and a closed month's addition is never written again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from psabridge.domain.usage import Month
from psabridge.server.billing import collection
from psabridge.server.billing.models import CwAddition, LedgerEntry, UsageSnapshot
from psabridge.server.billing.periods import sync as period_sync
from psabridge.server.billing.snapshots import seats
from psabridge.server.core import connections
from psabridge.server.mappings.models import Mapping
from tests.e2e.cw_world import cw_sandbox, cw_world  # noqa: F401
from tests.e2e.test_cw_billing import (  # noqa: F401
    MANAGED_SECURITY,
    count_for,
    cw,
    writes_between,
)

PATCH = "PATCH /finance/agreements/{parentId}/additions/{id}"
POST = "POST /finance/agreements/{parentId}/additions"


def clock(billing: Any) -> Any:
    return billing.world.sandbox.gravityzone.clock


def move_to(billing: Any, moment: datetime) -> datetime:
    now = clock(billing).now()
    return clock(billing).advance((moment - now).total_seconds()) if moment > now else now


def month_end(month: Month) -> datetime:
    following = month.next()
    return datetime(following.year, following.month, 1, tzinfo=UTC)


def gz_seats(company_id: str, month: Month) -> int:
    counters = connections.gravityzone_platform().monthly_usage(company_id, str(month)).counters
    return int(counters.get("endpointMonthlyUsage", 0))


def billed(billing: Any, month: Month) -> list[Any]:
    """Mappings whose month is billed on an addition (plain, active-only...)."""
    return [
        m
        for m in billing.by_case.values()
        if CwAddition.objects.filter(mapping=m, month=str(month)).exists()
    ]


BILLED_CASES = ("plain", "active_only", "active_expired")


def test_the_closed_month_keeps_its_count_and_is_never_patched(cw):  # noqa: F811
    UsageSnapshot.objects.all().delete()
    # Billing on for three companies only: every collection reads GravityZone at its own pace.
    keep = [cw.by_case[case].pk for case in BILLED_CASES]
    Mapping.objects.filter(system="connectwise").exclude(pk__in=keep).update(billing=False)
    month = Month(clock(cw).now().year, clock(cw).now().month)
    end = month_end(month)
    now = move_to(cw, end - timedelta(hours=3, minutes=45))
    collection.collect(month, billing_only=True, now=now)
    cw.sync(month, now=now)
    companies = billed(cw, month)
    assert companies
    for mapping in companies:
        [addition] = cw.additions(mapping)
        assert addition["quantity"] == gz_seats(mapping.company_id, month) > 0

    before = cw.calls()
    first = period_sync.sync_due(move_to(cw, end + timedelta(minutes=15)), collect=True)
    assert [r.month for r in first] == [str(month), str(month.next())]
    writes = writes_between(before, cw.calls())
    assert PATCH not in writes, "the finished month's additions are not written down"
    assert writes.get(POST, 0) >= len(companies), "the first sync of a month creates its own"
    for mapping in companies:
        record = CwAddition.objects.get(mapping=mapping, month=str(month))
        assert record.closed_at is not None
        snapshot = UsageSnapshot.objects.get(company_id=mapping.company_id, month=str(month))
        assert snapshot.final and record.quantity == seats(snapshot)

    # GravityZone's own figure for the month moves later (a licence removed behind our back):
    # the closed month is neither re-read nor re-written.
    gz = cw.world.sandbox.gravityzone.world
    for mapping in companies:
        endpoint = next(e for e in gz.endpoints_of(mapping.company_id) if e.licensed == 1)
        endpoint.licensed = 6
    closed_before = month_additions(cw, companies, month)
    period_sync.sync_due(move_to(cw, end + timedelta(days=1, hours=4)), collect=True)
    assert month_additions(cw, companies, month) == closed_before, "untouched, to the field"
    assert LedgerEntry.objects.filter(action="closed", run__month=str(month)).exists()
    for mapping in companies:
        snapshot = UsageSnapshot.objects.get(company_id=mapping.company_id, month=str(month))
        assert seats(snapshot) != gz_seats(mapping.company_id, month), "GravityZone moved"


def month_additions(billing: Any, companies: list[Any], month: Month) -> list[dict[str, Any]]:
    return [
        a
        for mapping in companies
        for a in billing.additions(mapping)
        if a["effectiveDate"][:7] == str(month)
    ]


def active_agreement(billing: Any, mapping: Any) -> int:
    return next(
        a["id"]
        for a in billing.state()["agreements"]
        if str(a["company"]["id"]) == mapping.psa_client_id
        and a["agreementStatus"] == "Active"
        and str(a["type"]["id"]) == MANAGED_SECURITY
    )


def hand_made(billing: Any, agreement_id: int, effective: str, cancelled: str | None) -> None:
    """An addition of the product entered by hand in ConnectWise PSA (R4.7)."""
    billing.world.cw_post(
        "additions",
        {
            "agreement_id": agreement_id,
            "quantity": 20.0,
            "effectiveDate": f"{effective}T00:00:00Z",
            "cancelledDate": f"{cancelled}T00:00:00Z" if cancelled else None,
        },
    )


def test_an_addition_already_there_for_the_month_is_adopted_not_doubled(cw):  # noqa: F811
    mapping = cw.by_case["plain"]
    hand_made(cw, active_agreement(cw, mapping), str(cw.month.first_day()), None)
    result = cw.sync()
    [addition] = cw.additions(mapping)
    assert addition["quantity"] == count_for(mapping)
    entry = LedgerEntry.objects.get(run=result.run, company_id=mapping.company_id)
    assert (entry.action, entry.before, entry.after, entry.state) == (
        "adopt",
        20.0,
        count_for(mapping),
        "done",
    )
    assert cw.sync().writes == 0


def test_an_ongoing_addition_is_never_doubled_and_says_why(cw):  # noqa: F811
    mapping = cw.by_case["plain"]
    hand_made(cw, active_agreement(cw, mapping), "2025-01-01", None)
    result = cw.sync()
    assert [a["quantity"] for a in cw.additions(mapping)] == [20.0], "no second addition"
    mapping.refresh_from_db()
    assert [i["code"] for i in mapping.billing_issues] == ["cw_ongoing_addition"]
    assert any("never adds a second" in p for p in result.problems)
    failed = LedgerEntry.objects.get(run=result.run, company_id=mapping.company_id)
    assert failed.state == "failed"
