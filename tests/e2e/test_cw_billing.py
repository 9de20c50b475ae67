"""ConnectWise billing through the PSA simulator: additions per month, tickets, issues (R4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from psabridge.cli import app
from psabridge.connectors.errors import ConnectorError
from psabridge.domain.agreements import STATUS_ORDER
from psabridge.domain.usage import Month
from psabridge.server.billing.models import (
    BillingRun,
    CwAddition,
    CwServiceTicket,
    LedgerEntry,
    UsageSnapshot,
)
from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.billing.periods import sync as period_sync
from psabridge.server.billing.periods import text as period_text
from psabridge.server.billing.snapshots import seats
from psabridge.server.mappings.models import Mapping
from tests.e2e.cw_world import cw_sandbox, cw_world  # noqa: F401

CW = "connectwise"
MANAGED_SECURITY, GZ_ENDPOINT, HELP_DESK = "1", "1", "2"
PRIORITY_HIGH, PRIORITY_LOW, DEFAULT_PRIORITY = "2", "5", 4
WRITES = ("POST", "PATCH", "PUT", "DELETE")
# The scenario's agreement statuses of type Managed Security per case (sandbox scenario.CASES).
CASE_STATUSES = {
    "active_only": {"Active"},
    "expired_only": {"Expired"},
    "inactive_only": {"Inactive"},
    "cancelled_only": {"Cancelled"},
    "active_expired": {"Active", "Expired"},
    "expired_inactive_cancelled": {"Expired", "Inactive", "Cancelled"},
    "other_type_only": set(),
    "plain": {"Active"},
}


@dataclass
class CwBilling:
    """The ConnectWise world with every matched company mapped, Billing on, usage stored."""

    world: Any
    month: Month
    by_case: dict[str, Mapping]

    def state(self) -> dict[str, Any]:
        return self.world.cw_state()

    def additions(self, mapping: Mapping, state: dict[str, Any] | None = None) -> list[dict]:
        """Return the GZ-ENDPOINT additions on the agreements of the mapping's company."""
        state = state or self.state()
        ours = {
            a["id"] for a in state["agreements"] if str(a["company"]["id"]) == mapping.psa_client_id
        }
        return [
            a
            for a in state["additions"]
            if a["agreementId"] in ours and str(a["product"]["id"]) == GZ_ENDPOINT
        ]

    def agreement(self, agreement_id: Any) -> dict[str, Any]:
        return next(a for a in self.state()["agreements"] if a["id"] == int(agreement_id))

    def tickets(self, mapping: Mapping) -> list[dict[str, Any]]:
        prefix = f"psabridge:billing:{mapping.psa_client_id}:"
        return [
            t
            for t in self.state()["tickets"]
            if str(t.get("externalXRef") or "").startswith(prefix)
        ]

    def calls(self) -> dict[str, int]:
        return dict(self.world.cw_calls()["calls"])

    def sync(self, month: Month | None = None, **kwargs: Any) -> period_sync.SyncResult:
        period_setup.forget_lists()
        return period_sync.sync(month or self.month, **kwargs)


def count_for(mapping: Mapping) -> int:
    return 3 + mapping.pk % 7


def seat_lines(count: int) -> list[dict[str, Any]]:
    return [{"product_key": "seats", "quantity": count, "description": "Endpoint security seats"}]


def store_usage(mappings: Iterable[Mapping], month: Month, extra: int = 0) -> None:
    """Give each mapping a collected month with a monthly subscription (R4.3)."""
    for mapping in mappings:
        UsageSnapshot.objects.update_or_create(
            company_id=mapping.company_id,
            month=str(month),
            defaults={
                "company_name": mapping.company_name,
                "subscription_type": 3,
                "lines": seat_lines(count_for(mapping) + extra),
                "endpoints_counted": count_for(mapping) + extra,
                "collected_at": timezone.now(),
            },
        )


def set_count(mapping: Mapping, count: int) -> None:
    """GravityZone's counter of the company's month is now `count` (as a collection stores it)."""
    UsageSnapshot.objects.filter(company_id=mapping.company_id).update(lines=seat_lines(count))


def save_settings(covered: Iterable[str] = (), **service: Any) -> None:
    period_setup.forget_lists()
    values = {
        "agreement_type_id": MANAGED_SECURITY,
        "product_id": GZ_ENDPOINT,
        "covered": list(covered),
        "service_desk": False,
        "service_board_id": "",
        "service_priority_id": "",
        **service,
    }
    assert period_setup.save(values) == {}


@pytest.fixture
def cw(cw_world: Any) -> CwBilling:  # noqa: F811
    state = cw_world.cw_state()
    now = date.fromisoformat(state["now"][:10])
    by_case: dict[str, Mapping] = {}
    for row in state["scenario"]["companies"]:
        if not row["psa_company_id"]:
            continue
        mapping = Mapping.objects.create(
            system=CW,
            psa_client_id=str(row["psa_company_id"]),
            psa_client_name=row["psa_name"],
            company_id=row["gravityzone_id"],
            company_name=row["gravityzone_name"],
            billing=True,
        )
        by_case.setdefault(row["case"], mapping)
    month = Month(now.year, now.month)
    store_usage(Mapping.objects.all(), month)
    save_settings()
    return CwBilling(cw_world, month, by_case)


def last_day(month: Month) -> date:
    return month.next().first_day() - timedelta(days=1)


def writes_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        label: n - before.get(label, 0)
        for label, n in after.items()
        if label.startswith(WRITES) and n != before.get(label, 0)
    }


def test_month_start_creates_one_addition_per_company(cw):
    result = cw.sync()
    for case in ("plain", "active_only", "active_expired"):
        mapping = cw.by_case[case]
        [addition] = cw.additions(mapping)
        assert addition["quantity"] == count_for(mapping)
        assert addition["effectiveDate"][:10] == str(cw.month.first_day())
        assert addition["cancelledDate"][:10] == str(last_day(cw.month))
        assert cw.agreement(addition["agreementId"])["agreementStatus"] == "Active"
        record = CwAddition.objects.get(mapping=mapping, month=str(cw.month))
        assert record.addition_id == str(addition["id"])
    assert result.run is not None and result.run.system == CW
    created = LedgerEntry.objects.filter(run=result.run, action="create")
    assert created.count() == result.writes
    entry = created.get(company_id=cw.by_case["plain"].company_id)
    assert entry.marker.startswith("addition ") and entry.invoice_id and entry.after


def test_neighbour_lines_are_left_alone(cw):
    before = [a for a in cw.state()["additions"] if str(a["product"]["id"]) != GZ_ENDPOINT]
    cw.sync()
    after = [a for a in cw.state()["additions"] if str(a["product"]["id"]) != GZ_ENDPOINT]
    assert after == before


def test_a_changed_count_is_one_patch_in_place(cw):
    cw.sync()
    mapping = cw.by_case["plain"]
    [first] = cw.additions(mapping)
    set_count(mapping, 40)
    before = cw.calls()
    result = cw.sync()
    assert writes_between(before, cw.calls()) == {
        "PATCH /finance/agreements/{parentId}/additions/{id}": 1
    }
    [now] = cw.additions(mapping)
    assert now["id"] == first["id"] and now["quantity"] == 40
    entry = LedgerEntry.objects.get(run=result.run, action="update")
    assert (entry.before, entry.after) == (count_for(mapping), 40)


def test_unchanged_sync_writes_nothing_and_reads_in_bulk(cw):
    cw.sync()
    before = cw.calls()
    result = cw.sync()
    after = cw.calls()
    made = {label: n - before.get(label, 0) for label, n in after.items()}
    made = {label: n for label, n in made.items() if n}
    assert result.writes == 0 and not writes_between(before, after)
    assert not any("additions" in label for label in made), made  # no per-company read
    assert sum(made.values()) <= 10, made
    assert result.run.entries.filter(action="unchanged").exists()


def test_month_rollover_creates_the_new_month_and_keeps_the_old(cw):
    cw.sync()
    mapping = cw.by_case["plain"]
    [old] = cw.additions(mapping)
    following = cw.month.next()
    store_usage(Mapping.objects.all(), following, extra=2)
    cw.sync(following)
    additions = sorted(cw.additions(mapping), key=lambda a: a["effectiveDate"])
    assert additions[0]["id"] == old["id"]
    assert additions[0]["quantity"] == old["quantity"]
    assert additions[1]["effectiveDate"][:10] == str(following.first_day())
    assert additions[1]["cancelledDate"][:10] == str(last_day(following))
    assert additions[1]["quantity"] == count_for(mapping) + 2


def test_a_future_bill_start_is_skipped_with_an_issue(cw):
    result = cw.sync()
    mapping = cw.by_case["future_bill_start"]
    assert cw.additions(mapping) == []
    mapping.refresh_from_db()
    assert [i["code"] for i in mapping.billing_issues] == ["cw_bill_start_future"]
    [plan] = [p for p in result.plans if p.mapping.pk == mapping.pk]
    assert plan.action == "skipped" and "bills from" in plan.skipped


COVERED_SETS = [(), ("Expired",), ("Inactive",), ("Cancelled",), ("Inactive", "Cancelled")]
COVERED_SETS += [("Expired", "Inactive", "Cancelled")]


@pytest.mark.parametrize("covered", COVERED_SETS, ids=lambda c: "+".join(c) or "active-only")
def test_covered_statuses_reach_the_right_agreement(cw, covered):
    save_settings(covered)
    cw.sync()
    for case, statuses in CASE_STATUSES.items():
        mapping = cw.by_case[case]
        wanted = next(
            (s for s in STATUS_ORDER if (s == "Active" or s in covered) and s in statuses), None
        )
        additions = cw.additions(mapping)
        mapping.refresh_from_db()
        if wanted is None:
            assert additions == [], case
            assert [i["code"] for i in mapping.billing_issues] == ["cw_no_agreement"], case
        else:
            [addition] = additions
            assert cw.agreement(addition["agreementId"])["agreementStatus"] == wanted, case
            assert mapping.billing_issues == [], case


def test_no_active_agreement_opens_one_ticket_per_company_and_month(cw):
    save_settings(service_desk=True, service_board_id=HELP_DESK, service_priority_id=PRIORITY_HIGH)
    cw.sync()
    cw.sync()
    expired = cw.by_case["expired_only"]
    [ticket] = cw.tickets(expired)
    assert ticket["externalXRef"] == f"psabridge:billing:{expired.psa_client_id}:{cw.month}"
    assert str(ticket["priority"]["id"]) == PRIORITY_HIGH
    assert str(ticket["board"]["id"]) == HELP_DESK
    assert cw.tickets(cw.by_case["other_type_only"])  # no agreement of the type at all
    assert cw.tickets(cw.by_case["plain"]) == []  # has an Active agreement
    assert cw.tickets(cw.by_case["not_approved"]) == []  # Disallow Saving: nothing written
    # A lost local record is no excuse for a second ticket: the reference is looked up.
    CwServiceTicket.objects.all().delete()
    cw.sync()
    assert len(cw.tickets(expired)) == 1
    following = cw.month.next()
    store_usage(Mapping.objects.all(), following)
    cw.sync(following)
    assert len(cw.tickets(expired)) == 2


def test_a_removed_priority_falls_back_to_the_default(cw):
    save_settings(service_desk=True, service_board_id=HELP_DESK, service_priority_id=PRIORITY_LOW)
    cw.world.cw_post("priorities/remove", {"priority": int(PRIORITY_LOW)})
    result = cw.sync()
    [ticket] = cw.tickets(cw.by_case["expired_only"])
    assert ticket["priority"]["id"] == DEFAULT_PRIORITY
    assert any("default priority" in p for p in result.problems)
    assert period_setup.load().service_desk  # the option stays on


def test_disallow_saving_writes_nothing_and_says_why(cw):
    mapping = cw.by_case["not_approved"]
    cw.sync()
    assert cw.additions(mapping) == []
    mapping.refresh_from_db()
    assert [i["code"] for i in mapping.billing_issues] == ["cw_disallow_saving"]
    cw.world.cw_post(
        "companies/status", {"company_id": int(mapping.psa_client_id), "status": "Active"}
    )
    cw.sync()
    mapping.refresh_from_db()
    assert mapping.billing_issues == []  # resolved: cleared
    assert len(cw.additions(mapping)) == 1


def test_a_removed_product_or_type_is_an_issue_on_every_mapping(cw):
    cw.world.cw_post("catalog/remove", {"product": int(GZ_ENDPOINT), "mode": "delete"})
    before = cw.calls()
    result = cw.sync()
    assert result.writes == 0 and not writes_between(before, cw.calls())
    for mapping in Mapping.objects.filter(system=CW):
        assert "cw_product_missing" in [i["code"] for i in mapping.billing_issues]
    cw.world.cw_post("agreement-types/delete", {"type": int(MANAGED_SECURITY)})
    cw.sync()
    for mapping in Mapping.objects.filter(system=CW):
        assert "cw_agreement_type_missing" in [i["code"] for i in mapping.billing_issues]


def test_a_deleted_addition_is_created_again(cw):
    cw.sync()
    mapping = cw.by_case["plain"]
    [addition] = cw.additions(mapping)
    store = cw.world.sandbox.connectwise.store
    store.tables["additions"].pop(addition["id"])
    set_count(mapping, 50)
    cw.sync()
    [again] = cw.additions(mapping)
    assert again["id"] != addition["id"] and again["quantity"] == 50


def test_an_ambiguous_create_is_adopted_not_repeated(cw):
    cw.world.cw_post(
        "faults",
        {"path": "/finance/agreements/*", "method": "POST", "mode": "commit_then_500", "times": 1},
    )
    result = cw.sync()
    for mapping in Mapping.objects.filter(system=CW):
        assert len(cw.additions(mapping)) <= 1
    assert LedgerEntry.objects.filter(run=result.run, action="adopt").count() == 1


def test_psa_down_mid_sync_resumes_without_doubles(cw):
    down = {"path": "/finance/agreements/*", "method": "POST", "mode": "status", "status": 503}
    cw.world.cw_post("faults", {**down, "times": None})
    with pytest.raises(ConnectorError):
        cw.sync()
    stopped = BillingRun.objects.get(system=CW)
    assert any(p.startswith("stopped") for p in stopped.problems)
    cw.world.sandbox.connectwise.faults.clear()
    cw.sync()
    again = cw.sync()
    assert again.writes == 0
    assert CwAddition.objects.exists()
    for mapping in Mapping.objects.filter(system=CW):
        assert len(cw.additions(mapping)) <= 1


def test_preview_writes_nothing(cw):
    before = cw.calls()
    result = cw.sync(preview=True)
    assert not writes_between(before, cw.calls())
    assert not CwAddition.objects.exists() and not BillingRun.objects.exists()
    actions = {p.mapping.pk: p.action for p in result.plans}
    assert actions[cw.by_case["plain"].pk] == "create"
    assert actions[cw.by_case["future_bill_start"].pk] == "skipped"
    text = "\n".join(period_text.describe(result))
    assert "nothing written" in text and "create an addition of" in text


def test_sync_due_collects_gravityzone_usage_first(cw):
    UsageSnapshot.objects.all().delete()
    [result] = period_sync.sync_due(timezone.now().replace(day=15), collect=True)
    for plan in result.plans:
        snapshot = UsageSnapshot.objects.filter(
            company_id=plan.mapping.company_id, month=result.month
        ).first()
        assert snapshot is not None
        if plan.action == "create":
            assert plan.quantity == seats(snapshot) and not snapshot.not_billed_reason


def test_cli_previews_then_syncs(cw):
    month = str(cw.month)
    preview = CliRunner().invoke(
        app, ["billing", "sync", "--preview", "--no-collect", "--month", month]
    )
    assert preview.exit_code == 0, preview.output
    assert f"preview of {month}" in preview.output and not CwAddition.objects.exists()
    unconfirmed = CliRunner().invoke(app, ["billing", "cw-sync", "--no-collect", "--month", month])
    assert unconfirmed.exit_code == 2 and "run again with --yes" in unconfirmed.output
    assert not CwAddition.objects.exists()
    synced = CliRunner().invoke(
        app, ["billing", "push", "--month", month, "--yes"]
    )  # `billing push` is the same for every PSA
    assert synced.exit_code == 0 and f"synced {month}" in synced.output
    again = CliRunner().invoke(app, ["billing", "sync", "--no-collect", "--month", month])
    assert f"synced {month}: 0 write(s)" in again.output


def test_pages_show_settings_preview_sync_and_ledger(cw, admin_client):
    page = admin_client.get("/billing/").content.decode()
    assert 'id="period-blocked"' not in page and "Managed Security" in page
    preview = admin_client.get(f"/billing/agreements/preview?month={cw.month}").content.decode()
    assert 'id="period-plan"' in preview and "create an addition" in preview
    started = admin_client.post(f"/billing/agreements/sync?month={cw.month}", {"collect": "1"})
    assert 'id="period-started"' in started.content.decode()  # the task ran (immediate in tests)
    assert not BillingRun.objects.exists(), "collecting writes nothing"
    review = admin_client.post(f"/billing/agreements/sync?month={cw.month}").content.decode()
    assert 'id="period-confirm"' in review and not BillingRun.objects.exists(), "shown, not written"
    done = admin_client.post(f"/billing/agreements/sync?month={cw.month}", {"confirm": "1"})
    assert 'id="period-sync-summary"' in done.content.decode()
    assert BillingRun.objects.filter(system=CW).count() == 1
    answer = admin_client.post(f"/billing/agreements/sync?month={cw.month}").content.decode()
    assert 'id="period-confirm"' not in answer and "Nothing was written" in answer
    page = admin_client.get("/billing/").content.decode()
    assert 'id="period-runs"' in page and 'id="period-additions"' in page
    run = BillingRun.objects.filter(system=CW).order_by("started_at").first()
    ledger = admin_client.get(f"/billing/runs/{run.pk}/").content.decode()
    assert "create" in ledger and "<h1>Sync of" in ledger and "<th>Addition</th>" in ledger


def test_saving_refuses_bundle_inactive_and_unknown_values(cw):
    period_setup.forget_lists()
    base = period_setup.parse({"agreement_type_id": MANAGED_SECURITY, "product_id": "5"})
    assert "Bundle" in period_setup.save(base)["product_id"]
    assert "inactive" in period_setup.save({**base, "product_id": "4"})["product_id"]
    assert "agreement_type_id" in period_setup.save({**base, "agreement_type_id": "999"})
    desk = {**base, "product_id": GZ_ENDPOINT, "service_desk": True}
    assert "service_board_id" in period_setup.save(desk)
    assert period_setup.load().product_id == GZ_ENDPOINT  # nothing of the bad input was saved
