"""A month's count across its end, through the sandbox GravityZone with its clock moved (R4.6-R4.8).

The sandbox's simulated clock (shared by every simulator) is moved to the last hours of a month,
then past its end, then days later; psabridge is told the same instant, as if it ran then.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from typer.testing import CliRunner

from psabridge.cli import app
from psabridge.domain.usage import LicenceFacts, Month, addons_from_flags, billable_quantities
from psabridge.server.billing import collection
from psabridge.server.billing.models import UsageSnapshot
from psabridge.server.core import connections
from psabridge.server.mappings import services

LAST_HOURS = timedelta(hours=3, minutes=45)


def map_some(world: Any) -> None:
    """Map three monthly-subscription companies and one other: each collection reads
    GravityZone at its own rate limits, so fewer companies make a quicker test."""
    licences = world.sandbox.gravityzone.world.companies
    monthly, other = 0, 0
    for row in services.rows("halopsa", "unmapped"):
        if not (row.psa and row.suggestion):
            continue
        is_monthly = licences[row.suggestion.company.id].licence.is_monthly
        if (is_monthly and monthly < 3) or (not is_monthly and other < 1):
            services.confirm("halopsa", row.psa.client_id, row.suggestion.company.id)
            monthly, other = monthly + is_monthly, other + (not is_monthly)


def clock(world: Any) -> Any:
    return world.sandbox.gravityzone.clock


def move_to(world: Any, moment: datetime) -> datetime:
    """Move the shared simulated clock forward to `moment` (never back)."""
    now = clock(world).now()
    if moment > now:
        now = clock(world).advance((moment - now).total_seconds())
    return now


def sandbox_month(world: Any) -> Month:
    now = clock(world).now()
    return Month(now.year, now.month)


def month_end(month: Month) -> datetime:
    nxt = month.next()
    return datetime(nxt.year, nxt.month, 1, tzinfo=UTC)


def gravityzone_lines(company_id: str, month: Month) -> list[dict[str, Any]]:
    """What GravityZone itself says of the month now: its counters, billed the one way."""
    platform = connections.gravityzone_platform()
    info = platform.license_info(company_id)
    licence = LicenceFacts(
        info.subscription_type or 0, info.protection_model, addons_from_flags(info.addons)
    )
    counters = platform.monthly_usage(company_id, str(month)).counters
    return [
        {"product_key": ln.product_key, "quantity": ln.quantity, "description": ln.description}
        for ln in billable_quantities(counters, licence)
    ]


def lines_by_company(month: Month) -> dict[str, list[dict[str, Any]]]:
    return {s.company_id: s.lines for s in UsageSnapshot.objects.filter(month=str(month))}


def gz_calls(world: Any) -> dict[str, int]:
    state = httpx.get(f"{world.sandbox.info()['gravityzone']['sandbox_url']}/state", timeout=10)
    return dict(state.json()["calls"])


def remove_a_licence(world: Any, company_id: str) -> None:
    """Behind psabridge's back, GravityZone stops licensing one endpoint of the company: its
    counters for past months (computed from the endpoints' state now) drop by one."""
    gz_world = world.sandbox.gravityzone.world
    endpoint = next(e for e in gz_world.endpoints_of(company_id) if e.licensed == 1)
    endpoint.licensed = 6


def test_a_finished_month_keeps_its_count_when_collected_again(world):
    map_some(world)
    month = sandbox_month(world)
    end = month_end(month)
    running = collection.collect(month, now=move_to(world, end - LAST_HOURS))
    assert running.failed == 0 and running.finalized == 0
    assert not UsageSnapshot.objects.filter(month=str(month), final=True).exists()

    closing = collection.collect(month, now=move_to(world, end + timedelta(minutes=15)))
    assert closing.finalized == closing.companies > 0
    final = lines_by_company(month)
    for company_id, lines in final.items():
        assert lines == gravityzone_lines(company_id, month), "the month is GravityZone's counter"

    billed = next(s for s in UsageSnapshot.objects.filter(month=str(month)) if s.lines)
    remove_a_licence(world, billed.company_id)
    assert gravityzone_lines(billed.company_id, month) != billed.lines  # GravityZone moved
    before = gz_calls(world)
    later = collection.collect(month, now=move_to(world, end + timedelta(days=3)))
    assert (later.companies, later.already_final) == (0, len(final))
    assert lines_by_company(month) == final, "a final month never changes"
    assert gz_calls(world) == before, "a final month is not read again"


def test_the_evidence_of_an_ended_month_keeps_what_was_seen(world):
    map_some(world)
    month = sandbox_month(world)
    end = month_end(month)
    collection.collect(month, now=move_to(world, end - LAST_HOURS))
    counted = {
        s.company_id: s.endpoints_counted for s in UsageSnapshot.objects.filter(month=str(month))
    }
    collection.collect(month, now=move_to(world, end + timedelta(minutes=15)))
    for snapshot in UsageSnapshot.objects.filter(month=str(month)):
        assert snapshot.final and snapshot.endpoints_counted >= counted[snapshot.company_id]
        live = snapshot.evidence.filter(counted=True)
        assert all("connected" in e.reason for e in live)
    seats_snapshot = next(
        s
        for s in UsageSnapshot.objects.filter(month=str(month))
        if s.lines and s.lines[0]["quantity"]
    )
    assert seats_snapshot.evidence.filter(counted=True).exists(), "not every endpoint 'no'"


def test_a_month_never_watched_takes_gravityzones_counter_and_says_so(world, admin_client):
    map_some(world)
    month = sandbox_month(world).previous()  # ended before psabridge ever collected it
    result = collection.collect(month, now=clock(world).now())
    assert result.finalized == result.companies > 0
    for snapshot in UsageSnapshot.objects.filter(month=str(month)):
        assert snapshot.final and "did not collect" in snapshot.evidence_note
        assert snapshot.lines == gravityzone_lines(snapshot.company_id, month)
    billed = next(
        s
        for s in UsageSnapshot.objects.filter(month=str(month))
        if s.lines and s.evidence.filter(verdict="unknown").exists()
    )
    page = admin_client.get(f"/billing/{billed.company_id}/{month}/").content.decode()
    assert 'id="evidence-partial"' in page and "not known" in page
    assert 'id="month-state">final' in page


def test_cli_collect_twice_three_days_apart_prints_the_same_quantities(world):
    map_some(world)
    month = collection.last_finished_month()  # the CLI runs on psabridge's own clock
    first = CliRunner().invoke(app, ["usage", "collect", "--month", str(month)])
    assert first.exit_code == 0, first.output
    clock(world).advance(3 * 24 * 3600)
    second = CliRunner().invoke(app, ["usage", "collect", "--month", str(month)])
    assert second.exit_code == 0, second.output
    quantities = [ln for ln in first.output.splitlines() if ": " in ln and "; final" in ln]
    assert quantities and quantities == [
        ln for ln in second.output.splitlines() if ": " in ln and "; final" in ln
    ]
    assert "already final: not read again" in second.output
    shown = CliRunner().invoke(app, ["usage", "show", "--month", str(month), "--json"])
    rows = [json.loads(line) for line in shown.output.splitlines()]
    assert rows and all(row["final"] and row["month"] == str(month) for row in rows)
    for row in rows:
        expected = {
            ln["product_key"]: ln["quantity"] for ln in gravityzone_lines(row["company_id"], month)
        }
        assert row["quantities"] == expected
        assert set(row) >= {"company_id", "company_name", "evidence_count", "change"}


def test_cli_refuses_a_month_that_has_not_started(world):
    future = collection.current_month().next().next()
    answer = CliRunner().invoke(app, ["usage", "collect", "--month", str(future)])
    assert answer.exit_code == 2 and "has not started yet" in answer.output
    assert "Traceback" not in answer.output


def test_the_pages_follow_a_collection_while_it_runs(world, admin_client):
    from datetime import timedelta as delta

    from django.utils import timezone

    from psabridge.server.billing.models import UsageCollection

    map_some(world)
    month = collection.last_finished_month()
    collection.collect(month)
    page = admin_client.get(f"/billing/?month={month}").content.decode()
    assert 'id="collection-finished"' in page and "Last collected" in page
    running = UsageCollection.objects.create(
        month=str(month), started_at=timezone.now(), companies=4, done=1
    )
    page = admin_client.get(f"/billing/?month={month}").content.decode()
    assert 'id="collection-running"' in page and "1 of 4 companies read" in page
    UsageCollection.objects.filter(pk=running.pk).update(
        updated_at=timezone.now() - delta(minutes=30)
    )
    page = admin_client.get(f"/billing/?month={month}").content.decode()
    assert 'id="collection-stalled"' in page
