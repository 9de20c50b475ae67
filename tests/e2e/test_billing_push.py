"""Month push through the sandbox HaloPSA: invoice once, exact lines, idempotent, resumable (R3)."""

from __future__ import annotations

import re

import httpx
import pytest
from typer.testing import CliRunner

from psabridge.cli import app
from psabridge.connectors.errors import ConnectorError
from psabridge.domain.billing import marker_for
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


def existing_invoice_client(world) -> str:
    """The client the sandbox gives a recurring invoice of its own (item 1 x 20, item 4 x 20)."""
    state = httpx.get(f"{world.halo['sandbox_url']}/state", timeout=10).json()
    return str(next(i for i in state["invoices"] if i["id"] == 1)["client_id"])


_CHOSEN: dict[int, list[str]] = {}  # per sandbox: the companies the fixture bills


@pytest.fixture
def billing(world):
    """Billing on for three monthly-subscription mappings (none of them the client with an
    invoice of its own), products mapped, last month's usage collected (final)."""
    for key, (item, name) in HALO_ITEMS.items():
        ProductMapping.objects.create(
            system="halopsa", product_key=key, item_id=item, item_name=name
        )
    for row in services.rows("halopsa", "unmapped"):
        if row.psa and row.suggestion:
            services.confirm("halopsa", row.psa.client_id, row.suggestion.company.id)
    month = collection.last_finished_month()
    chosen = Mapping.objects.filter(company_id__in=billed_companies(world, month))
    services.update("halopsa", {m.pk: {"billing": True, "ticketing": m.ticketing} for m in chosen})
    collection.collect(month, billing_only=True)
    return month, list(chosen)


def billed_companies(world, month) -> list[str]:
    """Three companies with a monthly subscription and usage in the month, found once per
    sandbox by collecting every mapped company (GravityZone's rate limits make that slow)."""
    key = id(world.sandbox)
    if key not in _CHOSEN:
        collection.collect(month)
        monthly = [
            s.company_id
            for s in UsageSnapshot.objects.filter(month=str(month), subscription_type=3)
            if s.lines
        ]
        owner = existing_invoice_client(world)
        mappings = Mapping.objects.filter(company_id__in=monthly).exclude(psa_client_id=owner)
        _CHOSEN[key] = [m.company_id for m in mappings.order_by("psa_client_name")][:3]
        UsageSnapshot.objects.all().delete()  # as if never collected: the fixture collects
    assert len(_CHOSEN[key]) == 3
    return _CHOSEN[key]


def halo_invoice(world, invoice_id: str) -> dict:
    state = httpx.get(f"{world.halo['sandbox_url']}/state", timeout=10).json()
    return next(i for i in state["invoices"] if str(i["id"]) == invoice_id)


def expected_lines(mapping: Mapping, month) -> dict[str, float]:
    snapshot = UsageSnapshot.objects.get(company_id=mapping.company_id, month=str(month))
    return {
        marker_for(mapping.company_id, ln["product_key"], HALO_ITEMS[ln["product_key"]][0]): ln[
            "quantity"
        ]
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
    api = halo_api(world)
    lines = api.get(f"/RecurringInvoice/{invoice_id}").json()["lines"]
    lines.append({"_itemid": 4, "qty_order": 7, "item_shortdescription": "Managed device fee"})
    answer = api.post("/RecurringInvoice", json=[{"id": int(invoice_id), "lines": lines}])
    assert answer.status_code == 200


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


def test_psa_down_mid_push_stops_and_resumes_to_exact_lines(world, billing):
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
    preview = CliRunner().invoke(app, ["billing", "preview"])  # default: the last finished month
    assert preview.exit_code == 0 and "create  item 1" in preview.output
    assert preview.output.startswith(f"{month.label()}: ")
    unconfirmed = CliRunner().invoke(app, ["billing", "push", "--month", str(month)])
    assert unconfirmed.exit_code == 2 and "create  item 1" in unconfirmed.output
    assert "nothing written: run again with --yes" in unconfirmed.output
    assert not LedgerEntry.objects.exists()
    pushed = CliRunner().invoke(app, ["billing", "push", "--month", str(month), "--yes"])
    assert pushed.exit_code == 0 and "line write(s)" in pushed.output
    again = CliRunner().invoke(app, ["billing", "push", "--month", str(month)])
    assert again.exit_code == 0 and "pushed " + str(month) + ": 0 line write(s)" in again.output


def test_a_running_month_is_never_pushed(world, billing, admin_client):
    running = collection.current_month()
    answer = CliRunner().invoke(app, ["billing", "push", "--month", str(running), "--yes"])
    assert answer.exit_code == 2 and "still running" in answer.output
    with pytest.raises(push.MonthNotFinishedError):
        push.push("halopsa", running)
    page = admin_client.get(f"/billing/?month={running}").content.decode()
    assert 'id="push-in-progress"' in page and 'id="review-push"' not in page
    default = admin_client.get("/billing/").content.decode()
    last = collection.last_finished_month()
    assert f"usage of {last.label()}" in default and 'id="review-push"' in default


def fingerprint_of(page: str) -> str:
    found = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page)
    assert found, "the review page carries the plan's fingerprint"
    return found[1]


def test_billing_page_product_mapping_preview_push_and_ledger(world, billing, admin_client):
    month, _ = billing
    page = admin_client.get(f"/billing/?month={month}").content.decode()
    assert 'name="item_seats"' in page and 'value="1" selected' in page
    preview = admin_client.get(f"/billing/preview?month={month}").content.decode()
    assert 'data-action="create"' in preview
    unreviewed = admin_client.post(f"/billing/push?month={month}")
    assert unreviewed.status_code == 400 and not LedgerEntry.objects.exists()
    review = admin_client.get(f"/billing/review?month={month}").content.decode()
    assert 'id="confirm-push"' in review and 'data-action="create"' in review
    answer = admin_client.post(
        f"/billing/push?month={month}", {"fingerprint": fingerprint_of(review)}, follow=True
    ).content.decode()
    assert 'id="ledger"' in answer and "create" in answer
    again = admin_client.get(f"/billing/review?month={month}").content.decode()
    assert "Nothing to write" in again and 'id="confirm-push"' not in again
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
    assert {ln["_itemid"] for ln in custom_lines if ":seats:" in str(ln.get("comment_1"))} == {4}
    assert {ln["_itemid"] for ln in other_lines if ":seats:" in str(ln.get("comment_1"))} == {1}
    page = admin_client.get(f"/mappings/{custom.pk}/billing").content.decode()
    assert 'id="custom_billing" checked' in page and "Other mappings are not affected" in page


def seat_lines(world, invoice_id: str) -> dict[int, float]:
    """Item -> quantity of our seat lines on an invoice."""
    return {
        ln["_itemid"]: ln["qty_order"]
        for ln in halo_invoice(world, invoice_id)["lines"]
        if ":seats:" in str(ln.get("comment_1"))
    }


def test_an_item_change_adds_a_line_and_keeps_the_old_one_stale(world, billing, admin_client):
    month, chosen = billing
    push.push("halopsa", month)
    mapping = chosen[0]
    invoice_id = PsaInvoice.objects.get(mapping=mapping).invoice_id
    seats = expected_lines(mapping, month)[marker_for(mapping.company_id, "seats", "1")]
    ProductMapping.objects.filter(product_key="seats").update(item_id="4")  # now billed as item 4
    preview = {p.mapping.pk: p for p in push.preview("halopsa", month)}[mapping.pk].plan
    assert [c.item_id for c in preview.creates] == [4] and [s.item_id for s in preview.stale] == [1]
    assert not preview.updates and not preview.removes, "never rewritten or removed silently"
    push.push("halopsa", month)
    assert seat_lines(world, invoice_id) == {1: seats, 4: seats}
    mapping.refresh_from_db()
    assert [i["code"] for i in mapping.billing_issues] == ["stale_lines"]
    on_mapping = admin_client.get(f"/mappings/{mapping.pk}/billing").content.decode()
    assert 'data-issue="stale_lines"' in on_mapping and "Remove stale lines" in on_mapping
    overview = admin_client.get(f"/billing/?month={month}").content.decode()
    assert 'id="stale-card"' in overview and mapping.psa_client_name in overview
    answer = admin_client.post(f"/billing/stale/{mapping.pk}?month={month}", follow=True)
    assert "Stale lines of" in answer.content.decode()
    assert seat_lines(world, invoice_id) == {4: seats}
    mapping.refresh_from_db()
    assert mapping.billing_issues == []


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


def test_recalculate_collects_last_month_then_the_push_is_reviewed(world, billing, admin_client):
    _month, chosen = billing
    last = collection.last_finished_month()
    UsageSnapshot.objects.filter(month=str(last)).delete()
    page = admin_client.post("/billing/recalculate", follow=True).content.decode()
    assert f"Collecting {last.label()}" in page and 'id="confirm-push"' in page
    assert UsageSnapshot.objects.filter(month=str(last), final=True).exists()
    admin_client.post(f"/billing/push?month={last}", {"fingerprint": fingerprint_of(page)})
    for mapping in chosen:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
        assert our_lines(invoice) == expected_lines(mapping, last)


def halo_api(world) -> httpx.Client:
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
    return httpx.Client(
        base_url=f"{halo['base_url']}/api", headers={"Authorization": f"Bearer {token}"}
    )


def client_invoices(world, client_id: str) -> list[dict]:
    state = httpx.get(f"{world.halo['sandbox_url']}/state", timeout=10).json()
    return [i for i in state["invoices"] if str(i["client_id"]) == client_id]


def test_an_invoice_already_billing_the_items_is_adopted_after_confirmation(
    world, billing, admin_client
):
    month, _ = billing
    owner = existing_invoice_client(world)
    mapping = Mapping.objects.get(system="halopsa", psa_client_id=owner)
    services.update("halopsa", {mapping.pk: {"billing": True, "ticketing": True}})
    collection.collect(month, billing_only=True)  # the others are final: only this one is read
    record = PsaInvoice.objects.get(mapping=mapping)
    assert (record.invoice_id, record.status) == ("1", "proposed")
    assert len(client_invoices(world, owner)) == 1, "no second invoice for the client"
    waiting = {p.mapping.pk: p for p in push.preview("halopsa", month)}[mapping.pk]
    assert waiting.plan.is_noop and "confirm adopting it" in waiting.problems[0]
    page = admin_client.get(f"/mappings/{mapping.pk}/billing").content.decode()
    assert 'id="invoice-proposed"' in page and 'data-invoice="1"' in page
    assert page.count('data-line="taken"') == 1 and page.count('data-line="untouched"') == 1
    admin_client.post(f"/mappings/{mapping.pk}/invoice/adopt", {"invoice_id": "1"})
    assert PsaInvoice.objects.get(mapping=mapping).status == "adopting"

    run = push.push("halopsa", month)
    [invoice] = client_invoices(world, owner)
    seats = expected_lines(mapping, month)[marker_for(mapping.company_id, "seats", "1")]
    by_item = {ln["_itemid"]: ln for ln in invoice["lines"]}
    assert by_item[1]["qty_order"] == seats and str(by_item[1]["comment_1"]).startswith(
        "psabridge:"
    )
    assert by_item[4]["qty_order"] == 20 and not by_item[4].get("comment_1"), "left as it was"
    assert len([ln for ln in invoice["lines"] if ln["_itemid"] == 1]) == 1, "never two seat lines"
    adopted = LedgerEntry.objects.get(run=run, action="adopt", company_id=mapping.company_id)
    assert (adopted.before, adopted.after, adopted.state) == (20, seats, "done")
    assert PsaInvoice.objects.get(mapping=mapping).status == "adopted"
    assert push.push("halopsa", month).writes == 0


def test_another_invoice_billing_the_items_stops_that_client(world, billing):
    month, chosen = billing
    mapping = chosen[0]
    api = halo_api(world)
    answer = api.post(
        "/RecurringInvoice",
        json=[{"client_id": int(mapping.psa_client_id), "lines": [{"_itemid": 1, "qty_order": 5}]}],
    )
    assert answer.status_code in (200, 201)
    run = push.push("halopsa", month)
    ours = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
    assert our_lines(ours) == {}, "nothing pushed while another invoice bills the same item"
    assert any("already bills what psabridge bills" in p for p in run.problems)
    mapping.refresh_from_db()
    assert [i["code"] for i in mapping.billing_issues] == ["other_invoice"]
    for other in chosen[1:]:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=other).invoice_id)
        assert our_lines(invoice) == expected_lines(other, month)


def test_rest_push_needs_the_fingerprint_of_the_reviewed_writes(world, billing, admin_client):
    month, chosen = billing
    shown = admin_client.get("/api/billing/preview").json()  # default: the last finished month
    assert shown["month"] == str(month) and shown["writes"] and len(shown["fingerprint"]) == 16
    assert {w["action"] for w in shown["writes"]} == {"create"}
    wrong = admin_client.post(
        "/api/billing/push",
        {"month": str(month), "fingerprint": "0" * 16},
        content_type="application/json",
    )
    assert wrong.status_code == 409 and "review it again" in wrong.json()["detail"]
    assert not LedgerEntry.objects.exists(), "nothing written unconfirmed"
    done = admin_client.post(
        "/api/billing/push",
        {"month": str(month), "fingerprint": shown["fingerprint"]},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["writes"] == len(shown["writes"])
    for mapping in chosen:
        invoice = halo_invoice(world, PsaInvoice.objects.get(mapping=mapping).invoice_id)
        assert our_lines(invoice) == expected_lines(mapping, month)
    usage = admin_client.get(f"/api/billing/usage?month={month}").json()
    assert usage and all(row["final"] and row["month"] == str(month) for row in usage)
    running = admin_client.get(f"/api/billing/preview?month={collection.current_month()}")
    assert running.status_code == 409 and "still running" in running.json()["detail"]
    assert admin_client.get("/api/billing/preview?month=November").status_code == 400
