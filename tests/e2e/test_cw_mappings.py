"""ConnectWise mappings through the sandbox: Automate or direct, R2.4 issues, Update, import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from psabridge.server.core.models import SecurityCompany
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping
from tests.e2e.cw_world import cw_sandbox, cw_world  # noqa: F401

CW = "connectwise"
A_GZ_CHANGED = "The ConnectWise Automate and GravityZone association has changed."
A_GZ_GONE = "The ConnectWise Automate and GravityZone association no longer exists."
A_PSA_CHANGED = "The ConnectWise Automate and ConnectWise PSA association has changed."
PSA_GONE = "ConnectWise PSA company no longer exists."
GZ_GONE = "GravityZone company no longer exists."
DISALLOW = (
    "The company status of the ConnectWise PSA company has the option Disallow Saving enabled."
)


@pytest.fixture
def direct(cw_world: Any) -> Any:  # noqa: F811
    """GravityZone and ConnectWise PSA connected, no Automate connection."""
    return cw_world


@pytest.fixture
def automate(cw_world: Any) -> Any:  # noqa: F811
    """Automate connected, all three systems read, nothing mapped yet."""
    cw_world.connect_automate()
    services.refresh(CW)
    return cw_world


@pytest.fixture
def mapped(automate: Any) -> Any:
    """Every suggestion through Automate confirmed, the mislinked one (names differ) left out."""
    for row in services.rows(CW, "unmapped"):
        if row.suggestion and row.suggestion.via and "differs" not in row.suggestion.reason:
            services.confirm(CW, row.psa.client_id, row.suggestion.company.id)
    return automate


def mapping_of(world: Any, case: str) -> Mapping:
    return Mapping.objects.get(system=CW, psa_client_id=str(world.case(case)))


def client_id(world: Any, name: str) -> int:
    clients = world.sandbox.automate.clients.values()
    return int(next(c["Id"] for c in clients if c["Name"] == name))


def texts(mapping: Mapping) -> list[str]:
    mapping.refresh_from_db()
    return [issue["text"] for issue in services.all_issues(mapping)]


def refresh(admin_client: Any) -> str:
    return str(admin_client.post("/mappings/refresh", follow=True).content.decode())


def test_refresh_reads_automate_and_suggests_through_it(automate, admin_client):
    page = refresh(admin_client)
    assert "Refreshed: 15 PSA clients, 13 Automate clients" in page
    assert "<th>Automate client</th>" in page
    assert 'id="sort-psa">ConnectWise PSA company</a>' in page  # a sortable column
    rows = {r.psa.name: r for r in services.rows(CW, "unmapped") if r.psa}
    fairview = rows["Fairview Hotels & Co"]
    assert fairview.automate == "Fairview Hotels & Co"
    assert fairview.suggestion.reason == (
        "Automate client Fairview Hotels & Co links to this company (ExternalId) and matches "
        "GravityZone company Fairview Hotels & Co by name"
    )
    # The scenario's mislinked client: Northwind's ExternalId link leads to Ironbridge's name.
    assert rows["Northwind Traders"].automate == "Ironbridge Architects Ltd"
    assert "own name differs" in rows["Northwind Traders"].suggestion.reason
    # No client links to these (the scenario's unlinked one has ExternalId 0): plain names,
    # except where an Automate suggestion already points at the company.
    valley = rows["valley architects ltd."].suggestion
    assert (valley.company.name, valley.via) == ("Valley Architects Ltd.", None)
    assert valley.reason.endswith("; no Automate client links to this company (ExternalId)")
    assert rows["Ironbridge Architects Ltd"].suggestion is None
    assert rows["Tailspin Toys"].suggestion is None, "no GravityZone company of that name"
    count = services.unmapped_company_count(CW)
    assert f'id="unmapped-count">{count}<' in page and count == 12


def test_confirm_through_automate_stores_the_client(automate, admin_client):
    psa_id = automate.case("active_only")
    row = next(r for r in services.rows(CW, "unmapped") if r.psa and r.psa.client_id == str(psa_id))
    admin_client.post(
        "/mappings/confirm", {"psa_client_id": str(psa_id), "company_id": row.suggestion.company.id}
    )
    mapping = Mapping.objects.get(system=CW, psa_client_id=str(psa_id))
    assert mapping.automate_client_id == str(client_id(automate, "Fairview Hotels & Co"))
    assert (mapping.automate_client_name, mapping.issues) == ("Fairview Hotels & Co", [])
    page = admin_client.get("/mappings/").content.decode()
    assert 'class="automate-client">Fairview Hotels &amp; Co<' in page


def test_disallow_saving_from_the_not_approved_company(mapped, admin_client):
    not_approved = mapping_of(mapped, "not_approved")
    assert texts(not_approved) == [DISALLOW]
    assert [m.psa_client_name for m in Mapping.objects.filter(system=CW) if m.issues] == [
        not_approved.psa_client_name
    ]
    page = admin_client.get("/mappings/?view=attention").content.decode()
    assert "Needs attention (1)" in page and "Read more" in page
    assert DISALLOW in page and "status without Disallow Saving" in page
    assert 'class="needs-attention"' in page
    mapped.cw_post("companies/status", {"company_id": mapped.case("not_approved"), "status": 1})
    refresh(admin_client)
    assert texts(not_approved) == []


def test_automate_gravityzone_association_changed_then_updated(mapped, admin_client):
    fairview = mapping_of(mapped, "active_only")
    client = client_id(mapped, "Fairview Hotels & Co")
    mapped.automate_post("clients/update", {"id": client, "Name": "Pinecrest Accounting Ltd"})
    refresh(admin_client)
    assert texts(fairview) == [A_GZ_CHANGED]
    assert "now matches GravityZone company Pinecrest Accounting Ltd" in str(fairview.issues)
    assert fairview.automate_client_name == "Pinecrest Accounting Ltd"
    page = admin_client.post(
        "/mappings/update",
        {"row": [str(fairview.pk)], "scope": "selected", "selected": [str(fairview.pk)]},
        follow=True,
    ).content.decode()
    assert "1 mapping(s) updated." in page
    fairview.refresh_from_db()
    assert fairview.company_name == "Pinecrest Accounting Ltd" and fairview.issues == []


def test_automate_gravityzone_association_no_longer_exists(mapped, admin_client):
    cobalt, quarry = (
        mapping_of(mapped, "active_expired"),
        mapping_of(mapped, "expired_inactive_cancelled"),
    )
    mapped.automate_post(
        "clients/update", {"id": client_id(mapped, "Cobalt Printing Inc"), "Name": "Nobody Here"}
    )
    mapped.automate_post("clients/delete", {"id": client_id(mapped, "Quarry Dental Inc")})
    refresh(admin_client)
    assert texts(cobalt) == [A_GZ_GONE]
    assert "Nobody Here matches no GravityZone company" in str(cobalt.issues)
    assert texts(quarry) == [A_GZ_GONE]
    assert f"{quarry.automate_client_id} no longer exists" in str(quarry.issues)
    # Nothing is detected, so Update All leaves both rows as they are.
    before = (cobalt.company_id, quarry.company_id)
    admin_client.post("/mappings/update", {"row": [str(cobalt.pk), str(quarry.pk)], "scope": "all"})
    cobalt.refresh_from_db()
    quarry.refresh_from_db()
    assert (cobalt.company_id, quarry.company_id) == before and quarry.issues


def test_automate_psa_association_changed_then_update_all(mapped, admin_client):
    westfield = mapping_of(mapped, "expired_only")
    old = client_id(mapped, "Westfield Clinic & Co")
    unlinked = client_id(mapped, "valley architects ltd.")
    mapped.automate_post("clients/update", {"id": old, "ExternalId": 0})
    mapped.automate_post(
        "clients/update", {"id": unlinked, "ExternalId": mapped.case("expired_only")}
    )
    refresh(admin_client)
    assert texts(westfield) == [A_PSA_CHANGED]
    assert "valley architects ltd. now links to this company" in str(westfield.issues)
    rows = [str(m.pk) for m in Mapping.objects.filter(system=CW)]
    wanted = {f"ticketing_{pk}": "on" for pk in rows}
    page = admin_client.post(
        "/mappings/update", {"row": rows, "scope": "all", **wanted}, follow=True
    ).content.decode()
    assert "1 mapping(s) updated." in page
    westfield.refresh_from_db()
    assert westfield.automate_client_id == str(unlinked)
    assert westfield.company_name == "Valley Architects Ltd." and westfield.issues == []


def test_psa_company_no_longer_exists(mapped, admin_client):
    oakridge = mapping_of(mapped, "cancelled_only")
    mapped.cw_post("companies/delete", {"company_id": mapped.case("cancelled_only")})
    page = refresh(admin_client)
    assert texts(oakridge) == [PSA_GONE]
    assert "Refreshed: 14 PSA clients" in page


@contextmanager
def company_removed(world: Any, company_id: str) -> Iterator[None]:
    """Take a company (and its endpoints) out of the GravityZone simulator for a while."""
    gz = world.sandbox.gravityzone.world
    company = gz.companies.pop(company_id)
    endpoints = {k: e for k, e in gz.endpoints.items() if e.company_id == company_id}
    for key in endpoints:
        del gz.endpoints[key]
    gz.build_indexes()
    try:
        yield
    finally:
        gz.companies[company_id] = company
        gz.endpoints.update(endpoints)
        gz.build_indexes()


def test_gravityzone_company_no_longer_exists(mapped, admin_client):
    valley = mapping_of(mapped, "inactive_only")
    with company_removed(mapped, valley.company_id):
        refresh(admin_client)
    # The client's name matches no company any more either: both sides of the chain are gone.
    assert texts(valley) == [A_GZ_GONE, GZ_GONE]
    refresh(admin_client)
    assert texts(valley) == []


def test_several_issues_on_one_row_and_billing_issues_merged(mapped, admin_client):
    evergreen = mapping_of(mapped, "not_approved")
    mapped.automate_post(
        "clients/update",
        {"id": client_id(mapped, "EVERGREEN ARCHITECTS, LLC"), "ExternalId": 0, "Name": "Zed"},
    )
    refresh(admin_client)
    evergreen.refresh_from_db()
    evergreen.billing_issues = [
        {"code": "no_agreement", "text": "No agreement of the type.", "action": "Add one."},
        # the billing sync's words for the same status: shown once, as the mapping issue
        {"code": "cw_disallow_saving", "text": "Status disallows saving.", "action": "Fix it."},
    ]
    evergreen.save()
    assert texts(evergreen) == [A_GZ_GONE, A_PSA_CHANGED, DISALLOW, "No agreement of the type."]
    page = admin_client.get("/mappings/?view=attention").content.decode()
    assert "4 issues" in page and "No agreement of the type." in page and "Add one." in page
    api = admin_client.get("/api/mappings").json()
    item = next(i for i in api["items"] if i["id"] == evergreen.pk)
    assert item["automate_client_name"] == "Zed"
    assert [i["code"] for i in item["issues"]][-1] == "no_agreement"


def test_billing_on_for_connectwise_sets_the_flag_only(mapped, admin_client, monkeypatch):
    from psabridge.server.billing import invoices

    def halo_only(mapping: Mapping) -> None:
        raise AssertionError("the Halo recurring invoice must not be created for ConnectWise")

    monkeypatch.setattr(invoices, "enable_billing", halo_only)
    chosen = list(Mapping.objects.filter(system=CW))[:2]
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
    assert all(Mapping.objects.get(pk=m.pk).billing for m in chosen)


def test_direct_mode_without_automate(direct, admin_client):
    page = refresh(admin_client)
    assert "Automate clients" not in page and "<th>Automate client</th>" not in page
    assert "mapped directly" in page
    rows = {r.psa.name: r for r in services.rows(CW, "unmapped") if r.psa}
    assert rows["Fairview Hotels & Co"].suggestion.reason == "same name"
    assert rows["Northwind Traders"].suggestion is None
    assert rows["valley architects ltd."].suggestion.company.name == "Valley Architects Ltd."
    for row in rows.values():
        if row.suggestion:
            services.confirm(CW, row.psa.client_id, row.suggestion.company.id)
    assert not Mapping.objects.exclude(automate_client_id="").exists()
    evergreen = mapping_of(direct, "not_approved")
    assert texts(evergreen) == [DISALLOW]
    direct.cw_post("companies/delete", {"company_id": direct.case("active_only")})
    refresh(admin_client)
    assert texts(mapping_of(direct, "active_only")) == [PSA_GONE]
    # Automate edits change nothing without an Automate connection.
    direct.automate_post("clients/delete", {"id": client_id(direct, "Cobalt Printing Inc")})
    refresh(admin_client)
    assert texts(mapping_of(direct, "active_expired")) == []


def test_import_maps_existing_companies_or_creates_them(automate, admin_client):
    rows = {r.psa.name: r.psa.client_id for r in services.rows(CW, "unmapped") if r.psa}
    before = SecurityCompany.objects.count()
    chosen = [rows["Tailspin Toys"], rows["valley architects ltd."], rows["Fairview Hotels & Co"]]
    page = admin_client.post("/mappings/import", {"import": chosen}, follow=True).content.decode()
    assert "Created in GravityZone and mapped:" in page
    tailspin = Mapping.objects.get(system=CW, psa_client_id=rows["Tailspin Toys"])
    assert tailspin.automate_client_name == "Tailspin Toys" and tailspin.issues == []
    created = automate.sandbox.gravityzone.world.companies[tailspin.company_id]
    assert created.name == "Tailspin Toys"
    # Existing companies are used: by name (no Automate link) and through Automate.
    valley = Mapping.objects.get(system=CW, psa_client_id=rows["valley architects ltd."])
    assert (valley.company_name, valley.automate_client_id) == ("Valley Architects Ltd.", "")
    fairview = Mapping.objects.get(system=CW, psa_client_id=rows["Fairview Hotels & Co"])
    assert fairview.company_name == "Fairview Hotels & Co" and fairview.issues == []
    assert SecurityCompany.objects.count() == before + 1
    refresh(admin_client)
    tailspin.refresh_from_db()
    assert tailspin.issues == [], "the created company matches the Automate client by name"


def test_import_in_direct_mode_creates_the_company(direct, admin_client):
    refresh(admin_client)
    northwind = next(
        r.psa for r in services.rows(CW, "unmapped") if r.psa and r.psa.name == "Northwind Traders"
    )
    admin_client.post("/mappings/import", {"import_one": northwind.client_id})
    mapping = Mapping.objects.get(system=CW, psa_client_id=northwind.client_id)
    assert mapping.company_name == "Northwind Traders" and mapping.automate_client_id == ""
    refresh(admin_client)
    assert texts(mapping) == []
