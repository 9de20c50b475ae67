"""Mappings and ticketing pages against the HaloPSA sandbox (R2.1-R2.4, R5.1-R5.4, R5.11)."""

from __future__ import annotations

from psabridge.domain.alerts import AlertKind
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing import routing
from psabridge.server.ticketing.models import TicketingSettings


def kind_fields(kind: str, **values: str) -> dict[str, str]:
    base = {
        "blocked": "on",
        "current": "on",
        "sla_id": "1",
        "category": "Security",
        "urgency": "2",
        "team": "Service Desk",
    }
    base.update(values)
    return {f"{kind}-{name}": value for name, value in base.items() if value}


def settings_form(**per_kind: str) -> dict[str, str]:
    form = {
        "enabled": "on",
        "ticket_type_id": "1",
        "updates_visible": "no",
        "asset_match_by": "name",
        "asset_field": "inventory_number",
        "asset_mode": "exact",
    }
    for kind in AlertKind:
        form.update(kind_fields(kind.value, **per_kind))
    return form


def test_mappings_page_shows_rows_suggestions_and_the_unmapped_count(world, admin_client):
    page = admin_client.get("/mappings/").content.decode()
    assert world.mapping.psa_client_name in page
    assert "Suggested:" in page and "same name" in page
    assert 'id="unmapped-count"' in page
    count = services.unmapped_company_count("halopsa")
    assert f'id="unmapped-count">{count}<' in page


def test_confirm_a_suggestion_and_map_by_hand(world, admin_client):
    suggested = next(r for r in services.rows("halopsa", "unmapped") if r.suggestion)
    answer = admin_client.post(
        "/mappings/confirm",
        {"psa_client_id": suggested.psa.client_id, "company_id": suggested.suggestion.company.id},
    )
    assert answer.status_code == 302
    assert Mapping.objects.filter(psa_client_id=suggested.psa.client_id).exists()
    client = next(r.psa for r in services.rows("halopsa", "unmapped") if r.psa and not r.suggestion)
    company = next(r.company for r in services.rows("halopsa", "unmapped") if r.company)
    admin_client.post(
        "/mappings/confirm",
        {"psa_client_id": client.client_id, f"company_for_{client.client_id}": company.company_id},
    )
    assert Mapping.objects.get(psa_client_id=client.client_id).company_id == company.company_id
    # A second mapping of the same company is refused with a clear message.
    other = next(r.psa for r in services.rows("halopsa", "unmapped") if r.psa)
    page = admin_client.post(
        "/mappings/confirm",
        {"psa_client_id": other.client_id, "company_id": company.company_id},
        follow=True,
    )
    assert "already mapped" in page.content.decode()


def test_update_selected_and_update_all(world, admin_client):
    second = next(r for r in services.rows("halopsa", "unmapped") if r.suggestion)
    other = services.confirm("halopsa", second.psa.client_id, second.suggestion.company.id)
    first = world.mapping
    rows = {"row": [str(first.pk), str(other.pk)]}  # both unchecked in the form
    admin_client.post(
        "/mappings/update", {**rows, "scope": "selected", "selected": [str(other.pk)]}
    )
    assert Mapping.objects.get(pk=first.pk).ticketing is True
    assert Mapping.objects.get(pk=other.pk).ticketing is False
    admin_client.post("/mappings/update", {**rows, "scope": "all", f"ticketing_{other.pk}": "on"})
    assert Mapping.objects.get(pk=first.pk).ticketing is False
    assert Mapping.objects.get(pk=other.pk).ticketing is True
    page = admin_client.post("/mappings/update", {**rows, "scope": "selected"}, follow=True)
    assert "Select at least one row" in page.content.decode()


def test_needs_attention_with_read_more_and_filter(world, admin_client):
    gone = Mapping.objects.create(
        system="halopsa",
        psa_client_id="999999",
        psa_client_name="Deleted Client",
        company_id="0" * 24,
        company_name="Deleted Company",
    )
    services.recheck("halopsa")
    gone.refresh_from_db()
    assert {i["code"] for i in gone.issues} == {"psa_client_gone", "company_gone"}
    page = admin_client.get("/mappings/?view=attention").content.decode()
    assert "Deleted Client" in page and "Read more" in page
    assert "The PSA company no longer exists." in page and world.mapping.psa_client_name not in page
    assert "Needs attention (1)" in page
    admin_client.post(f"/mappings/{gone.pk}/delete")
    assert not Mapping.objects.filter(pk=gone.pk).exists()


def test_refresh_reads_both_systems(world, admin_client):
    page = admin_client.post("/mappings/refresh", follow=True).content.decode()
    assert "Refreshed:" in page and "PSA clients" in page


def test_ticketing_page_offers_types_and_fills_defaults(world, admin_client):
    page = admin_client.get("/ticketing/").content.decode()
    assert "Security Alert" in page and 'id="save"' in page
    fragment = admin_client.get(
        "/ticketing/?ticket_type_id=2", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'value="Security Operations" selected' in fragment
    assert 'value="Malware" selected' in fragment
    assert "Impact *" in fragment, "Security Alert makes impact mandatory"


def test_server_refuses_invalid_settings_and_changes_nothing(world, admin_client):
    before = TicketingSettings.objects.get(system="halopsa").saved_at
    form = settings_form(team="No Such Team")
    answer = admin_client.post("/ticketing/save", form)
    assert answer.status_code == 400
    assert "choose a valid team" in answer.content.decode()
    assert TicketingSettings.objects.get(system="halopsa").saved_at == before
    form = settings_form()
    form["ticket_type_id"] = "2"  # mandatory impact left empty
    answer = admin_client.post("/ticketing/save", form)
    assert answer.status_code == 400 and "impact is mandatory" in answer.content.decode()


def test_valid_settings_are_saved(world, admin_client):
    answer = admin_client.post("/ticketing/save", settings_form(team="Security Operations"))
    assert answer.status_code == 302
    routes = routing.routes_of(routing.settings_for("halopsa"))
    assert routes["antimalware"].values["team"] == "Security Operations"
    assert routing.settings_for("halopsa").closed_status_id == "9"


def test_test_ticket_button(world, admin_client):
    fragment = admin_client.post("/ticketing/test/firewall", {"mapping_id": str(world.mapping.pk)})
    text = fragment.content.decode()
    assert "Test ticket" in text and "created for" in text
    assert any(t["summary"].startswith("[TEST]") for t in world.tickets())
    assert admin_client.post("/ticketing/test/nope").status_code == 400


def test_halo_connection_page_and_status_entry(world, admin_client):
    page = admin_client.get("/connections/halopsa/").content.decode()
    assert "Instance URL" in page and "Client secret" in page
    assert world.halo["client_secret"] not in page
    status = admin_client.get("/status/").content.decode()
    assert "<td>HaloPSA</td>" in status  # the vendor's spelling, never the internal key


def test_import_a_psa_client_as_a_gravityzone_company(world, admin_client):
    halo_only = next(
        r.psa for r in services.rows("halopsa", "unmapped") if r.psa and not r.suggestion
    )
    page = admin_client.post("/mappings/import", {"import_one": halo_only.client_id}, follow=True)
    assert f"Created in GravityZone and mapped: {halo_only.name}" in page.content.decode()
    mapping = Mapping.objects.get(psa_client_id=halo_only.client_id)
    from psabridge.server.core import connections

    assert mapping.company_id in {c.id for c in connections.gravityzone_platform().companies()}
    page = admin_client.post("/mappings/import", {}, follow=True).content.decode()
    assert "Choose at least one unmapped PSA client" in page


def test_mappings_api_lists_issues(world, admin_client):
    data = admin_client.get("/api/mappings").json()
    assert data["system"] == "halopsa"
    assert [m["psa_client_name"] for m in data["items"]] == [world.mapping.psa_client_name]
    assert admin_client.post("/api/mappings/refresh").json()["psa_clients"] > 0
