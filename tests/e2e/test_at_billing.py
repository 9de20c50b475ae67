"""Autotask billing through the simulator: the month's units set exactly, never twice (R4)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from psabridge.cli import app
from psabridge.connectors.errors import ConnectorError
from psabridge.domain.usage import Month
from psabridge.server.billing.models import BillingRun, CwAddition, LedgerEntry, UsageSnapshot
from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.billing.periods import sync as period_sync
from psabridge.server.billing.periods import text as period_text
from psabridge.server.mappings.models import Mapping
from tests.e2e.at_world import AT, AtWorld, at_sandbox, at_world  # noqa: F401

RECURRING_SERVICE, ENDPOINT_SECURITY, SECURITY_ALERTS, HIGH = "7", "1", "29682833", "1"
ADJUSTMENTS = "POST /Contracts/{parentId}/ServiceAdjustments"


@dataclass
class AtBilling:
    """The Autotask world with every matched company mapped, Billing on, usage stored."""

    world: AtWorld
    month: Month
    by_case: dict[str, Mapping]

    def contract_of(self, mapping: Mapping) -> int:
        """Return the lowest id of the company's contracts (the one a plain company has)."""
        company = int(mapping.psa_client_id)
        ids = [c["id"] for c in self.world.state()["contracts"] if c["companyID"] == company]
        return min(ids)

    def units(self, mapping: Mapping, month: Month | None = None) -> int | None:
        day = (month or self.month).first_day().isoformat()
        return self.world.units(self.contract_of(mapping), int(ENDPOINT_SECURITY), day)

    def writes(self, before: dict[str, int]) -> dict[str, int]:
        after = self.world.calls()
        return {
            label: n - before.get(label, 0)
            for label, n in after.items()
            if label.startswith(("PATCH", "PUT")) or label == ADJUSTMENTS
            if n != before.get(label, 0)
        }

    def sync(self, month: Month | None = None, **kwargs: Any) -> period_sync.SyncResult:
        period_setup.forget_lists()
        return period_sync.sync(month or self.month, **kwargs)


def count_for(mapping: Mapping) -> int:
    return 20 + mapping.pk % 7


def store_usage(mappings: Iterable[Mapping], month: Month, extra: int = 0) -> None:
    for mapping in mappings:
        count = count_for(mapping) + extra
        UsageSnapshot.objects.update_or_create(
            company_id=mapping.company_id,
            month=str(month),
            defaults={
                "company_name": mapping.company_name,
                "subscription_type": 3,
                "lines": [{"product_key": "seats", "quantity": count, "description": "seats"}],
                "endpoints_counted": count,
                "collected_at": timezone.now(),
            },
        )


def set_count(mapping: Mapping, count: int) -> None:
    lines = [{"product_key": "seats", "quantity": count, "description": "seats"}]
    UsageSnapshot.objects.filter(company_id=mapping.company_id).update(lines=lines)


def save_settings(**values: Any) -> dict[str, str]:
    period_setup.forget_lists()
    chosen = {
        "agreement_type_id": RECURRING_SERVICE,
        "product_id": ENDPOINT_SECURITY,
        "covered": [],
        "service_desk": False,
        "service_board_id": "",
        "service_priority_id": "",
        **values,
    }
    return period_setup.save(chosen)


@pytest.fixture
def at(at_world: AtWorld) -> AtBilling:  # noqa: F811
    state = at_world.state()
    now = date.fromisoformat(state["now"][:10])
    by_case: dict[str, Mapping] = {}
    for row in state["scenario"]["companies"]:
        if not row["psa_company_id"]:
            continue
        mapping = Mapping.objects.create(
            system=AT,
            psa_client_id=str(row["psa_company_id"]),
            psa_client_name=row["psa_name"],
            company_id=row["gravityzone_id"],
            company_name=row["gravityzone_name"],
            billing=True,
        )
        by_case.setdefault(row["case"], mapping)
    month = Month(now.year, now.month)
    store_usage(Mapping.objects.all(), month)
    assert save_settings() == {}
    return AtBilling(at_world, month, by_case)


def test_a_sync_sets_each_month_s_units_exactly_and_reads_them_back(at):
    result = at.sync()
    assert result.run is not None and result.run.system == AT
    for case in ("plain", "two_contracts", "inactive_company", "removed_service"):
        mapping = at.by_case[case]
        assert at.units(mapping) == count_for(mapping), case
        record = CwAddition.objects.get(mapping=mapping, month=str(at.month))
        assert record.addition_id == f"{ENDPOINT_SECURITY}/{at.month.first_day().isoformat()}"
        assert record.agreement_id == str(at.contract_of(mapping))
    assert result.writes >= 4 and not result.problems


def test_a_second_sync_makes_no_write_and_few_calls(at):
    at.sync()
    before = at.world.calls()
    result = at.sync()
    after = at.world.calls()
    made = {
        label: n - before.get(label, 0) for label, n in after.items() if n - before.get(label, 0)
    }
    assert result.writes == 0 and not at.writes(before)
    assert "POST /ContractServiceUnits/query" not in made, made  # no per-company read
    assert sum(made.values()) <= 8, made


def test_a_changed_count_is_one_adjustment_of_the_difference(at):
    at.sync()
    mapping = at.by_case["plain"]
    set_count(mapping, 40)
    before = at.world.calls()
    result = at.sync()
    assert at.writes(before) == {ADJUSTMENTS: 1}
    assert at.units(mapping) == 40
    entry = LedgerEntry.objects.get(run=result.run, action="update")
    assert (entry.before, entry.after) == (count_for(mapping), 40)
    [adjustment] = [
        a for a in at.world.state()["adjustments"] if a["contractID"] == at.contract_of(mapping)
    ][-1:]
    assert adjustment["unitChange"] == 40 - count_for(mapping)


def test_the_next_month_gets_its_own_units_and_the_last_month_keeps_its_own(at):
    at.sync()
    mapping = at.by_case["plain"]
    following = at.month.next()
    store_usage(Mapping.objects.all(), following, extra=3)
    at.sync(following)
    assert at.units(mapping, following) == count_for(mapping) + 3
    assert at.units(mapping) == count_for(mapping)


def test_needs_attention_reasons_of_the_scenario(at):
    result = at.sync()
    issues = {case: [] for case in at.by_case}
    for case, mapping in at.by_case.items():
        mapping.refresh_from_db()
        issues[case] = [i["code"] for i in mapping.billing_issues]
    assert issues["no_contract"] == ["cw_no_agreement"]
    assert issues["block_hours_only"] == ["cw_no_agreement"]
    assert issues["inactive_contract"] == ["cw_no_agreement"]
    assert issues["expired_contract"] == ["cw_no_agreement"]
    assert issues["future_contract"] == ["cw_bill_start_future"]
    assert issues["plain"] == [] and issues["two_contracts"] == []
    future = at.by_case["future_contract"]
    [plan] = [p for p in result.plans if p.mapping.pk == future.pk]
    assert plan.action == "skipped" and "starts" in plan.skipped
    text = " ".join(i["text"] for i in at.by_case["no_contract"].billing_issues)
    assert "ConnectWise" not in text and "Recurring Service" in text


def test_an_expired_contract_is_billed_when_expired_is_covered(at):
    assert save_settings(covered=["Expired"]) == {}
    result = at.sync()
    mapping = at.by_case["expired_contract"]
    [plan] = [p for p in result.plans if p.mapping.pk == mapping.pk]
    # Its end is before the month: Autotask refuses an adjustment outside the contract's dates.
    assert plan.action in ("create", "adopt")
    assert any("expired" in p.lower() or "contract" in p.lower() for p in result.problems)


def test_a_removed_service_is_an_issue_on_every_mapping_and_nothing_is_written(at):
    at.world.api("PATCH", "Services", {"id": int(ENDPOINT_SECURITY), "isActive": False})
    before = at.world.calls()
    result = at.sync()
    assert result.writes == 0 and not at.writes(before)
    for mapping in Mapping.objects.filter(system=AT):
        assert "cw_product_missing" in [i["code"] for i in mapping.billing_issues]


def test_an_adjustment_whose_answer_is_lost_is_read_back_not_sent_again(at):
    mapping = at.by_case["plain"]
    contract = at.contract_of(mapping)
    set_count(mapping, 33)
    path = f"/Contracts/{contract}/ServiceAdjustments"
    at.world.post("faults", {"path": path, "method": "POST", "mode": "commit_then_500"})
    before = len(at.world.state()["adjustments"])
    at.sync()
    assert at.units(mapping) == 33
    mine = [a for a in at.world.state()["adjustments"][before:] if a["contractID"] == contract]
    assert len(mine) == 1  # landed once, found by reading the units back, never re-sent
    assert at.sync().writes == 0


def test_psa_down_mid_sync_resumes_without_doubles(at):
    plain = at.by_case["plain"]
    set_count(plain, 31)
    path = f"/Contracts/{at.contract_of(plain)}/ServiceAdjustments"
    at.world.post("faults", {"path": path, "method": "POST", "mode": "status", "status": 503})
    with pytest.raises(ConnectorError):
        at.sync()
    stopped = BillingRun.objects.get(system=AT)
    assert any(p.startswith("stopped") for p in stopped.problems)
    at.world.sandbox.autotask.faults.clear()
    at.sync()
    assert at.units(plain) == 31
    again = at.sync()
    assert again.writes == 0


def test_a_posted_month_is_refused_by_autotask_and_says_so(at):
    mapping = at.by_case["plain"]
    at.world.post(
        "units/approve",
        {
            "contract_id": at.contract_of(mapping),
            "through": at.month.next().first_day().isoformat(),
        },
    )
    set_count(mapping, 50)
    result = at.sync()
    assert at.units(mapping) != 50
    assert any(mapping.psa_client_name in p for p in result.problems), result.problems


def test_preview_writes_nothing(at):
    before = at.world.calls()
    result = at.sync(preview=True)
    assert not at.writes(before)
    assert not CwAddition.objects.exists() and not BillingRun.objects.exists()
    actions = {p.mapping.pk: p.action for p in result.plans}
    assert actions[at.by_case["plain"].pk] == "adopt"
    assert actions[at.by_case["future_contract"].pk] == "skipped"
    assert "nothing written" in "\n".join(period_text.describe(result))


def test_no_active_contract_opens_one_ticket_in_the_chosen_queue(at):
    assert (
        save_settings(service_desk=True, service_board_id=SECURITY_ALERTS, service_priority_id=HIGH)
        == {}
    )
    at.sync()
    at.sync()
    company = int(at.by_case["no_contract"].psa_client_id)
    mine = [t for t in at.world.state()["tickets"] if t["companyID"] == company]
    [ticket] = mine
    assert ticket["externalID"] == f"psabridge:billing:{company}:{at.month}"
    assert str(ticket["queueID"]) == SECURITY_ALERTS and str(ticket["priority"]) == HIGH
    plain = int(at.by_case["plain"].psa_client_id)
    assert not [t for t in at.world.state()["tickets"] if t["companyID"] == plain]


def test_cli_previews_then_syncs(at):
    month = str(at.month)
    preview = CliRunner().invoke(
        app, ["billing", "sync", "--preview", "--no-collect", "--month", month]
    )
    assert preview.exit_code == 0, preview.output
    assert f"preview of {month}" in preview.output and not CwAddition.objects.exists()
    synced = CliRunner().invoke(app, ["billing", "sync", "--no-collect", "--month", month, "--yes"])
    assert synced.exit_code == 0 and f"synced {month}" in synced.output, synced.output
    again = CliRunner().invoke(app, ["billing", "sync", "--no-collect", "--month", month])
    assert f"synced {month}: 0 write(s)" in again.output
    lines = (
        CliRunner()
        .invoke(app, ["billing", "sync", "--no-collect", "--month", month, "--json"])
        .output.splitlines()
    )
    review, result = (json.loads(line) for line in lines if line.startswith("{"))  # not logs
    assert review["review"]["writes"] == [] and result["result"]["writes"] == 0


def test_pages_show_settings_sync_and_ledger(at, admin_client):
    page = admin_client.get("/billing/").content.decode()
    assert "Autotask PSA: contract monthly units" in page and "Recurring Service" in page
    assert "Bitdefender GravityZone Endpoint Security" in page
    review = admin_client.post(f"/billing/agreements/sync?month={at.month}").content.decode()
    assert 'id="period-confirm"' in review and not BillingRun.objects.exists()
    done = admin_client.post(f"/billing/agreements/sync?month={at.month}", {"confirm": "1"})
    assert 'id="period-sync-summary"' in done.content.decode()
    page = admin_client.get("/billing/").content.decode()
    assert 'id="period-runs"' in page and f"{ENDPOINT_SECURITY}/{at.month.first_day()}" in page


def test_saving_refuses_the_removed_service_and_unknown_values(at):
    assert "inactive" in save_settings(product_id="4")["product_id"]
    assert "agreement_type_id" in save_settings(agreement_type_id="999")
    assert "service_board_id" in save_settings(service_desk=True)
    assert period_setup.load().product_id == ENDPOINT_SECURITY


def test_a_connector_error_on_the_bulk_read_stops_before_any_write(at):
    at.world.post(
        "faults", {"path": "/Contracts/query", "method": "POST", "mode": "status", "status": 401}
    )
    before = at.world.calls()
    with pytest.raises(ConnectorError):
        at.sync()
    assert not at.writes(before)
