"""Usage collection through the sandbox GravityZone: snapshots, evidence, no double counting."""

from __future__ import annotations

from typer.testing import CliRunner

from psabridge.cli import app
from psabridge.domain.usage import Month
from psabridge.server.billing import collection
from psabridge.server.billing.models import UsageSnapshot
from psabridge.server.mappings import services


def map_all_suggestions() -> None:
    for row in services.rows("halopsa", "unmapped"):
        if row.psa and row.suggestion:
            services.confirm("halopsa", row.psa.client_id, row.suggestion.company.id)


def test_collect_stores_usage_and_the_endpoints_behind_it(world):
    map_all_suggestions()
    month = collection.current_month()
    result = collection.collect(month)
    assert result.failed == 0 and result.companies == len(collection.companies_to_collect())
    assert result.endpoints > 0
    monthly = UsageSnapshot.objects.filter(month=str(month), subscription_type=3)
    assert monthly.exists()
    for snapshot in monthly:
        seats = next((ln["quantity"] for ln in snapshot.lines if ln["product_key"] == "seats"), 0)
        # Seats are GravityZone's counter (reference 2.7); the evidence may also list EDR-only
        # endpoints, which that counter leaves out and the endpoint API does not mark.
        assert seats == snapshot.counters["endpointMonthlyUsage"] <= snapshot.endpoints_counted
        tier = [k for k in snapshot.counters if k.startswith("mspSecure") and snapshot.counters[k]]
        assert all(ln["product_key"] != k for k in tier for ln in snapshot.lines), "never twice"
        assert snapshot.evidence.filter(counted=False).exclude(reason="").count() == (
            snapshot.evidence.filter(counted=False).count()
        )
    for snapshot in UsageSnapshot.objects.exclude(subscription_type=3):
        assert snapshot.lines == [] or all(ln["quantity"] == 0 for ln in snapshot.lines)
        assert snapshot.not_billed_reason


def test_collect_again_replaces_the_snapshot(world):
    month = collection.current_month()
    collection.collect(month)
    first = UsageSnapshot.objects.count()
    collection.collect(month)
    assert UsageSnapshot.objects.count() == first
    assert UsageSnapshot.objects.filter(month=str(month.previous())).count() == 0


def test_cli_collect_with_progress(world):
    output = CliRunner().invoke(app, ["usage", "collect", "--month", str(Month.parse("2026-10"))])
    assert output.exit_code == 0, output.output
    assert "companies read for 2026-10" in output.output
    bad = CliRunner().invoke(app, ["usage", "collect", "--month", "October"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


def test_billing_pages_show_quantities_and_evidence(world, admin_client):
    month = collection.current_month()
    collection.collect(month)
    page = admin_client.get(f"/billing/?month={month}").content.decode()
    assert world.mapping.company_name in page and 'id="usage-table"' in page
    snapshot = UsageSnapshot.objects.get(company_id=world.mapping.company_id, month=str(month))
    detail = admin_client.get(f"/billing/{snapshot.company_id}/{month}/").content.decode()
    assert 'id="evidence-table"' in detail
    assert snapshot.evidence.first().reason in detail
    assert admin_client.get("/billing/?month=garbage").status_code == 200
