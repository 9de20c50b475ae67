"""Autotask mappings through the sandbox: Refresh, suggestions, needs attention, Update, import."""

from __future__ import annotations

from typing import Any

import pytest

from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.billing.periods import sync as period_sync
from psabridge.server.core.models import SecurityCompany
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping
from tests.e2e.at_world import AT, AtWorld, at_sandbox, at_world  # noqa: F401
from tests.e2e.test_cw_mappings import company_removed

PSA_GONE = "The PSA company no longer exists."
PSA_INACTIVE = "The PSA company is inactive."
GZ_GONE = "The GravityZone company no longer exists."


def refresh(admin_client: Any) -> str:
    return str(admin_client.post("/mappings/refresh", follow=True).content.decode())


def texts(mapping: Mapping) -> list[str]:
    mapping.refresh_from_db()
    return [issue["text"] for issue in services.all_issues(mapping)]


@pytest.fixture
def mapped(at_world: AtWorld, admin_client: Any) -> AtWorld:  # noqa: F811
    """Refreshed, and every suggestion confirmed through the page."""
    refresh(admin_client)
    for row in services.rows(AT, "unmapped"):
        if row.suggestion:
            form = {"psa_client_id": row.psa.client_id, "company_id": row.suggestion.company.id}
            admin_client.post("/mappings/confirm", form)
    refresh(admin_client)  # the needs-attention checks run on Refresh
    return at_world


def mapping_of(world: AtWorld, case: str) -> Mapping:
    rows = world.sandbox.autotask.store.scenario["companies"]
    company = next(r["psa_company_id"] for r in rows if r["case"] == case)
    return Mapping.objects.get(system=AT, psa_client_id=str(company))


def test_refresh_reads_companies_and_suggests_by_name(at_world, admin_client):  # noqa: F811
    page = refresh(admin_client)
    state = at_world.state()
    customers = state["counts"]["Companies"] - 1  # company 0 is the MSP itself, never listed
    assert f"Refreshed: {customers} PSA clients" in page
    rows = {r.psa.name: r for r in services.rows(AT, "unmapped") if r.psa}
    assert "Bluewave IT" not in rows
    exact = next(r for r in state["scenario"]["companies"] if r["match"] == "exact")
    assert rows[exact["psa_name"]].suggestion.reason == "same name"
    variant = next(r for r in state["scenario"]["companies"] if r["match"] == "variant")
    suggestion = rows[variant["psa_name"]].suggestion
    assert suggestion is not None and suggestion.company.name == variant["gravityzone_name"]
    assert rows["Northwind Traders"].suggestion is None
    assert "Autotask companies" in admin_client.get("/mappings/").content.decode()


def test_needs_attention_with_its_reasons_and_read_more(mapped, admin_client):
    inactive = mapping_of(mapped, "inactive_company")
    assert texts(inactive) == [PSA_INACTIVE]
    gone = mapping_of(mapped, "plain")
    mapped.post("companies/remove", {"company_id": int(gone.psa_client_id)})
    refresh(admin_client)
    assert texts(gone) == [PSA_GONE]
    moved = mapping_of(mapped, "two_contracts")
    with company_removed(mapped, moved.company_id):
        refresh(admin_client)
        assert texts(moved) == [GZ_GONE]
    page = admin_client.get("/mappings/?view=attention").content.decode()
    assert PSA_GONE in page and PSA_INACTIVE in page and "Read more" in page
    assert "Reactivate it in the PSA" in page  # the action under Read more


def test_billing_reasons_join_the_mapping_s_issues(mapped, admin_client):
    chosen = [mapping_of(mapped, c) for c in ("no_contract", "future_contract", "plain")]
    Mapping.objects.filter(pk__in=[m.pk for m in chosen]).update(billing=True)
    period_setup.forget_lists()
    values = {"agreement_type_id": "7", "product_id": "1", "covered": []}
    values |= {"service_desk": False, "service_board_id": "", "service_priority_id": ""}
    assert period_setup.save(values) == {}
    period_sync.sync(_month(mapped))
    no_contract, future, plain = chosen
    assert texts(no_contract) == [
        "No agreement or contract of type 'Recurring Service' to bill: no agreement of the "
        "chosen type."
    ]
    assert texts(future)[0].startswith("Not billed yet: the agreement starts ")
    assert texts(plain) == []
    page = admin_client.get("/mappings/?view=attention").content.decode()
    assert "Recurring Service" in page and "ConnectWise" not in page


def _month(world: AtWorld) -> Any:
    from datetime import date

    from django.utils import timezone

    from psabridge.domain.usage import Month
    from psabridge.server.billing.models import UsageSnapshot

    now = date.fromisoformat(world.state()["now"][:10])
    month = Month(now.year, now.month)
    for mapping in Mapping.objects.filter(system=AT, billing=True):
        lines = [{"product_key": "seats", "quantity": 12, "description": "seats"}]
        UsageSnapshot.objects.update_or_create(
            company_id=mapping.company_id,
            month=str(month),
            defaults={
                "company_name": mapping.company_name,
                "subscription_type": 3,
                "lines": lines,
                "endpoints_counted": 12,
                "collected_at": timezone.now(),
            },
        )
    return month


def test_update_selected_then_all_sets_the_checkboxes(mapped, admin_client):
    chosen = list(Mapping.objects.filter(system=AT).order_by("pk"))[:2]
    form = {
        "row": [str(m.pk) for m in chosen],
        "scope": "selected",
        "selected": [str(chosen[0].pk)],
    }
    form |= {f"billing_{m.pk}": "on" for m in chosen} | {f"ticketing_{m.pk}": "on" for m in chosen}
    page = admin_client.post("/mappings/update", form, follow=True).content.decode()
    assert "1 mapping(s) updated." in page
    assert [Mapping.objects.get(pk=m.pk).billing for m in chosen] == [True, False]
    admin_client.post("/mappings/update", {**form, "scope": "all"})
    assert all(Mapping.objects.get(pk=m.pk).ticketing for m in chosen)


def test_import_creates_the_company_in_gravityzone_and_maps_it(at_world, admin_client):  # noqa: F811
    refresh(admin_client)
    northwind = next(
        r.psa for r in services.rows(AT, "unmapped") if r.psa and r.psa.name == "Northwind Traders"
    )
    before = SecurityCompany.objects.count()
    page = admin_client.post("/mappings/import", {"import_one": northwind.client_id}, follow=True)
    assert "Northwind Traders" in page.content.decode()
    mapping = Mapping.objects.get(system=AT, psa_client_id=northwind.client_id)
    assert mapping.company_name == "Northwind Traders"
    assert at_world.sandbox.gravityzone.world.companies[mapping.company_id].name == (
        "Northwind Traders"
    )
    assert SecurityCompany.objects.count() == before + 1
    refresh(admin_client)
    assert texts(mapping) == []
