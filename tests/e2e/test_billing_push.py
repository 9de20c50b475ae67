"""Month push through the sandbox HaloPSA: invoice once, exact lines, idempotent, resumable (R3)."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from psabridge.cli import app
from psabridge.connectors.errors import ConnectorError
from psabridge.domain.usage import Month
from psabridge.server.billing import collection, push
from psabridge.server.billing.models import LedgerEntry, ProductMapping, PsaInvoice, UsageSnapshot
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping

HALO_ITEMS = {
    "seats": ("1", "GZ-BS"),
    "edr": ("2", "GZ-EDR"),
    "patch_management": ("3", "GZ-PATCH"),
    "ats": ("2", "GZ-EDR"),
}


@pytest.fixture
def billing(world):
    """Billing on for three monthly-subscription mappings, products mapped, usage collected."""
    for key, (item, name) in HALO_ITEMS.items():
        ProductMapping.objects.create(
            system="halopsa", product_key=key, item_id=item, item_name=name
        )
    for row in services.rows("halopsa", "unmapped"):
        if row.psa and row.suggestion:
            services.confirm("halopsa", row.psa.client_id, row.suggestion.company.id)
    month = collection.current_month()
    collection.collect(month)
    monthly = [
        s.company_id
        for s in UsageSnapshot.objects.filter(month=str(month), subscription_type=3)
        if s.lines
    ]
    chosen = list(Mapping.objects.filter(company_id__in=monthly))[:3]
    assert len(chosen) == 3
    services.update("halopsa", {m.pk: {"billing": True, "ticketing": m.ticketing} for m in chosen})
    return month, chosen


def halo_invoice(world, invoice_id: str) -> dict:
    state = httpx.get(f"{world.halo['sandbox_url']}/state", timeout=10).json()
    return next(i for i in state["invoices"] if str(i["id"]) == invoice_id)


def expected_lines(mapping: Mapping, month) -> dict[str, float]:
    snapshot = UsageSnapshot.objects.get(company_id=mapping.company_id, month=str(month))
    return {
        f"psabridge:{mapping.company_id}:{ln['product_key']}": ln["quantity"]
        for ln in snapshot.lines
    }


def our_lines(invoice: dict) -> dict[str, float]:
    return {
        ln["comment_1"]: ln["qty_order"]
        for ln in invoice["lines"]
        if str(ln.get("comment_1", "")).startswith("psabridge:")
    }


def test_billing_on_creates_the_invoice_once(world, billing):
    _month, chosen = billing
    first = PsaInvoice.objects.get(mapping=chosen[0])
    assert first.name == chosen[0].psa_client_name
    services.update("halopsa", {chosen[0].pk: {"billing": False, "ticketing": True}})
    services.update("halopsa", {chosen[0].pk: {"billing": True, "ticketing": True}})
    assert PsaInvoice.objects.get(mapping=chosen[0]).invoice_id == first.invoice_id
    state = httpx.get(f"{world.halo['sandbox_url']}/state", timeout=10).json()
    named = [i for i in state["invoices"] if i.get("name") == chosen[0].psa_client_name]
    assert len(named) == 1


def test_push_writes_exact_lines_then_nothing(world, billing):
    month, chosen = billing
    preview = {p.mapping.pk: p for p in push.preview("halopsa", month)}
    assert all(preview[m.pk].plan.creates for m in chosen)
    run = push.push("halopsa", month)
    assert run.writes > 0
    for mapping in chosen:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
        assert our_lines(invoice) == expected_lines(mapping, month)
    again = push.push("halopsa", month)
    assert again.writes == 0
    assert not again.entries.exclude(action__in=["unchanged", "stale"]).exists()
    assert LedgerEntry.objects.filter(run=run, action="create").count() == run.writes


def add_foreign_line(world, invoice_id: str) -> None:
    """Add a line by hand in HaloPSA, as an accountant would (reference halopsa.md 6.2)."""
    halo = world.halo
    token = httpx.post(
        f"{halo['auth_url']}/token",
        params={"tenant": halo["tenant"]},
        timeout=10,
        data={
            "grant_type": "client_credentials",
            "client_id": halo["client_id"],
            "client_secret": halo["client_secret"],
            "scope": "all",
        },
    ).json()["access_token"]
    api = httpx.Client(
        base_url=f"{halo['base_url']}/api", headers={"Authorization": f"Bearer {token}"}
    )
    lines = api.get(f"/RecurringInvoice/{invoice_id}").json()["lines"]
    lines.append({"_itemid": 4, "qty_order": 7, "item_shortdescription": "Managed device fee"})
    assert (
        api.post("/RecurringInvoice", json=[{"id": int(invoice_id), "lines": lines}]).status_code
        == 200
    )


def test_foreign_lines_are_never_touched(world, billing):
    month, chosen = billing
    invoice_id = PsaInvoice.objects.get(mapping=chosen[0]).invoice_id
    add_foreign_line(world, invoice_id)
    push.push("halopsa", month)
    lines = halo_invoice(world, invoice_id)["lines"]
    assert any(
        ln.get("qty_order") == 7 and not str(ln.get("comment_1") or "").startswith("psabridge:")
        for ln in lines
    )


def test_crash_after_k_writes_resumes_to_exact_lines(world, billing):
    month, chosen = billing
    world.sandbox_post(
        "faults",
        {
            "path": "/api/RecurringInvoice",
            "method": "POST",
            "mode": "status",
            "status": 500,
            "times": None,
        },
    )
    with pytest.raises(ConnectorError):  # the PSA is down: the push stops, and says so
        push.push("halopsa", month)
    from psabridge.server.billing.models import BillingRun

    assert any("stopped" in p for p in BillingRun.objects.latest("started_at").problems)
    httpx.delete(f"{world.halo['sandbox_url']}/faults", timeout=10)
    push.push("halopsa", month)
    for mapping in chosen:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
        assert our_lines(invoice) == expected_lines(mapping, month)
    assert push.push("halopsa", month).writes == 0


def test_cli_preview_and_push(world, billing):
    month, _ = billing
    preview = CliRunner().invoke(app, ["billing", "preview", "--month", str(month)])
    assert preview.exit_code == 0 and "create  item 1" in preview.output
    pushed = CliRunner().invoke(app, ["billing", "push", "--month", str(month)])
    assert pushed.exit_code == 0 and "line write(s)" in pushed.output
    again = CliRunner().invoke(app, ["billing", "push", "--month", str(month)])
    assert "pushed " + str(month) + ": 0 line write(s)" in again.output


def test_billing_page_product_mapping_preview_push_and_ledger(world, billing, admin_client):
    month, _ = billing
    page = admin_client.get(f"/billing/?month={month}").content.decode()
    assert 'name="item_seats"' in page and 'value="1" selected' in page
    preview = admin_client.get(f"/billing/preview?month={month}").content.decode()
    assert 'data-action="create"' in preview
    answer = admin_client.post(f"/billing/push?month={month}", follow=True).content.decode()
    assert 'id="ledger"' in answer and "create" in answer
    again = admin_client.post(f"/billing/push?month={month}", follow=True).content.decode()
    assert "0 line write(s)" in again
    saved = admin_client.post(
        "/billing/products", {"item_seats": "1"}, follow=True
    ).content.decode()
    assert "Product mapping saved" in saved
    assert ProductMapping.objects.filter(system="halopsa").count() == 1


def test_the_2nd_in_the_msp_zone_pushes_last_month(world, billing, settings):
    from datetime import UTC, datetime

    _month, chosen = billing
    settings.MSP_TIME_ZONE = "Pacific/Auckland"  # the 2nd starts 13 h before it does in UTC
    assert push.push_if_due(datetime(2026, 12, 1, 10, 59, tzinfo=UTC)) is None  # 1st, 23:59 local
    run = push.push_if_due(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))  # 2nd, 00:00 local
    assert run is not None and run.month == "2026-11"
    for mapping in chosen:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
        assert our_lines(invoice) == expected_lines(mapping, Month.parse("2026-11"))
    assert push.push_if_due(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)).writes == 0


def test_lost_answer_mid_push_resumes_without_double_lines(world, billing):
    month, chosen = billing
    world.sandbox_post(
        "faults",
        {
            "path": "/api/RecurringInvoice",
            "method": "POST",
            "mode": "commit_then_500",
            "status": 500,
            "times": 1,
        },
    )
    # The write lands but its answer is lost: the connector re-reads before writing again.
    push.push("halopsa", month)
    assert push.push("halopsa", month).writes == 0
    for mapping in chosen:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
        assert our_lines(invoice) == expected_lines(mapping, month)
        markers = [
            ln["comment_1"]
            for ln in invoice["lines"]
            if str(ln.get("comment_1")).startswith("psabridge:")
        ]
        assert len(markers) == len(set(markers)), "no double lines"


def test_custom_billing_affects_only_its_mapping(world, billing, admin_client):
    month, chosen = billing
    custom, other = chosen[0], chosen[1]
    answer = admin_client.post(
        f"/mappings/{custom.pk}/billing", {"custom_billing": "on", "item_seats": "4"}
    )
    assert answer.status_code == 302
    push.push("halopsa", month)
    custom_lines = halo_invoice(world, PsaInvoice.objects.get(mapping=custom).invoice_id)["lines"]
    other_lines = halo_invoice(world, PsaInvoice.objects.get(mapping=other).invoice_id)["lines"]
    assert {ln["_itemid"] for ln in custom_lines if "seats" in str(ln.get("comment_1"))} == {4}
    assert {ln["_itemid"] for ln in other_lines if "seats" in str(ln.get("comment_1"))} == {1}
    page = admin_client.get(f"/mappings/{custom.pk}/billing").content.decode()
    assert 'id="custom_billing" checked' in page and "Other mappings are not affected" in page


def test_stale_lines_are_listed_then_removed_on_request(world, billing, admin_client):
    month, chosen = billing
    push.push("halopsa", month)
    ProductMapping.objects.filter(product_key="seats").update(
        item_id="4"
    )  # seats now bill as item 4
    ProductMapping.objects.filter(product_key="seats").delete()
    preview = {p.mapping.pk: p for p in push.preview("halopsa", month)}
    stale = preview[chosen[0].pk].plan.stale
    assert stale and not preview[chosen[0].pk].plan.removes, "listed, never removed silently"
    push.push("halopsa", month)
    invoice_id = PsaInvoice.objects.get(mapping=chosen[0]).invoice_id
    assert any(
        "seats" in str(ln.get("comment_1")) for ln in halo_invoice(world, invoice_id)["lines"]
    )
    answer = admin_client.post(f"/billing/stale/{chosen[0].pk}?month={month}", follow=True)
    assert "Stale lines of" in answer.content.decode()
    assert not any(
        "seats" in str(ln.get("comment_1")) for ln in halo_invoice(world, invoice_id)["lines"]
    )


def test_a_removed_item_stops_billing_and_says_why(world, billing, admin_client):
    month, chosen = billing
    push.push("halopsa", month)
    world.sandbox_post("items/delete", {"id": 1})  # the seats item
    run = push.push("halopsa", month)
    assert run.writes == 0
    assert any("no longer exists" in problem for problem in run.problems)
    mapping = Mapping.objects.get(pk=chosen[0].pk)
    assert "no longer exists" in mapping.billing_issue
    page = admin_client.get("/mappings/?view=attention").content.decode()
    assert mapping.psa_client_name in page and "billing stopped" in page


def test_recalculate_collects_and_pushes_last_month(world, billing, admin_client):
    _month, chosen = billing
    last = collection.current_month().previous()
    page = admin_client.post("/billing/recalculate", follow=True).content.decode()
    assert f"Recalculating {last.label()}" in page
    for mapping in chosen:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
        assert our_lines(invoice) == expected_lines(mapping, last)
