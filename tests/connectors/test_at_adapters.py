"""Autotask adapters: month records from unit rows, ticket bodies, the factory, the registry,
and the desk and billing sides end to end against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from pydantic import SecretStr

from psabridge.connectors.autotask import units
from psabridge.connectors.autotask.billing import AutotaskBilling, contract_status
from psabridge.connectors.autotask.desk import AutotaskDesk
from psabridge.connectors.autotask.factory import zone_lookup_url
from psabridge.connectors.autotask.models import Contract, ContractServiceUnit
from psabridge.connectors.autotask.tickets import TicketWriter
from psabridge.connectors.errors import ConfigError, NotFoundError
from psabridge.connectors.ports import NewTicket
from psabridge.connectors.registry import create_billing_target, create_connector, psa_profile
from psabridge.domain.psa_billing import NewAddition

from .test_at_client import Sim, served  # noqa: F401

SETTINGS_FIELDS = ("zone_url", "username", "secret", "integration_code")


def row(start: str, end: str, count: int, row_id: int = 1, posted: bool = False) -> Any:
    return ContractServiceUnit.model_validate(
        {
            "id": row_id,
            "contractID": 9,
            "serviceID": 1,
            "startDate": f"{start}T00:00:00Z",
            "endDate": f"{end}T00:00:00Z",
            "units": count,
            "approveAndPostDate": "2026-02-01T00:00:00Z" if posted else None,
        }
    )


# --- month records (pure) -----------------------------------------------------------------------


def test_monthly_periods_become_one_record_per_month() -> None:
    rows = [row("2026-01-01", "2026-01-31", 5, 1), row("2026-02-01", "2026-02-28", 7, 2)]
    records = units.month_records(rows, 9, 1)
    assert [(r.id, r.quantity, r.effective, r.cancelled) for r in records] == [
        ("1/2026-01-01", 5.0, date(2026, 1, 1), date(2026, 1, 31)),
        ("1/2026-02-01", 7.0, date(2026, 2, 1), date(2026, 2, 28)),
    ]


def test_a_period_anchored_mid_month_is_cut_at_each_month_s_first_day() -> None:
    rows = [row("2026-01-15", "2026-02-14", 4, 1), row("2026-02-15", "2026-03-14", 6, 2)]
    records = units.month_records(rows, 9, 1)
    assert [(r.id, r.quantity, r.cancelled) for r in records] == [
        ("1/2026-01-15", 4.0, date(2026, 1, 31)),
        ("1/2026-02-01", 4.0, date(2026, 2, 28)),  # the units in force on the 1st
        ("1/2026-03-01", 6.0, date(2026, 3, 14)),
    ]
    assert units.units_on(rows, date(2026, 2, 20)) == 6
    assert units.units_on(rows, date(2026, 3, 15)) is None


def test_a_mid_month_adjustment_keeps_the_month_s_first_day_units() -> None:
    rows = [row("2026-01-01", "2026-01-09", 3, 1), row("2026-01-10", "2026-01-31", 8, 2, True)]
    (record,) = units.month_records(rows, 9, 1)
    assert (record.quantity, record.cancelled, record.status) == (3.0, date(2026, 1, 31), None)
    posted = units.month_records([row("2026-01-01", "2026-01-31", 3, posted=True)], 9, 1)
    assert posted[0].status == "Posted"


def test_record_ids_name_the_service_and_the_day() -> None:
    key = units.MonthKey.parse("12/2026-11-01")
    assert (key.service_id, key.day, key.text) == (12, date(2026, 11, 1), "12/2026-11-01")
    for bad in ("", "12", "x/2026-11-01", "12/2026-13-01"):
        with pytest.raises(ConfigError):
            units.MonthKey.parse(bad)


def test_contract_statuses_in_the_port_s_words() -> None:
    def contract(status: int, end: str) -> Contract:
        body = {"id": 1, "companyID": 2, "status": status, "endDate": f"{end}T00:00:00Z"}
        return Contract.model_validate(body)

    today = date(2026, 12, 7)
    assert contract_status(contract(1, "2027-01-31"), today) == "Active"
    assert contract_status(contract(1, "2026-11-30"), today) == "Expired"
    assert contract_status(contract(0, "2027-01-31"), today) == "Inactive"


def test_the_address_may_be_given_with_or_without_its_path() -> None:
    lookup = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
    assert zone_lookup_url("") == lookup
    assert zone_lookup_url("webservices.autotask.net") == lookup
    assert zone_lookup_url("https://webservices.autotask.net/") == lookup
    assert zone_lookup_url("http://127.0.0.1:9/atservicesrest/v1.0/zoneInformation") == (
        "http://127.0.0.1:9/atservicesrest/v1.0/zoneInformation"
    )
    with pytest.raises(ConfigError):
        zone_lookup_url("ftp://example.com")


# --- against the simulator -----------------------------------------------------------------------


@pytest.fixture
def settings(served: Sim) -> dict[str, str]:  # noqa: F811
    served.control("POST", "reset")
    served.control("DELETE", "faults")
    return {name: served.info[name] for name in SETTINGS_FIELDS}


@pytest.fixture
def desk(settings: dict[str, str]) -> Iterator[AutotaskDesk]:
    built = create_connector("autotask", settings)
    assert isinstance(built, AutotaskDesk)
    yield built
    built.close()


@pytest.fixture
def billing(settings: dict[str, str]) -> Iterator[AutotaskBilling]:
    built = create_billing_target("autotask", settings)
    assert isinstance(built, AutotaskBilling)
    yield built
    built.close()


def test_the_registry_builds_both_sides_and_keeps_secrets_out_of_reprs(settings, desk, billing):
    profile = psa_profile("autotask")
    assert profile.billing_style == "period_quantities" and profile.credential_names == (
        "secret",
        "integration_code",
    )
    for adapter in (desk, billing):
        assert adapter.validate().ok
        assert settings["secret"] not in repr(adapter)
        assert settings["integration_code"] not in repr(adapter)


def test_options_tag_sub_issue_types_with_their_issue_type(desk):
    options = desk.ticket_options()
    assert [o.name for o in options["ticket_types"]] == [
        "Client Portal",
        "Security Alerts",
        "Service Desk",
    ]
    assert {o.id for o in options["sub_issue_types"] if o.extra["board_id"] == "1"} == {
        "10",
        "11",
        "12",
    }
    assert [o.name for o in desk.categories("2")] == ["Disk Failure"]
    assert desk.categories("29682833") == []  # a queue scopes nothing
    assert desk.closed_status_ids() == {"5"}
    info = desk.ticket_type("29682833")
    assert (info.initial_status_id, info.default_priority_id) == ("1", "2")
    with pytest.raises(ConfigError):
        desk.ticket_type("29683011")  # an inactive queue


def test_unknown_ticket_fields_are_refused_before_any_call(desk):
    writer = TicketWriter(desk.client, desk.picklists)
    with pytest.raises(ConfigError, match="Unknown Autotask ticket fields: team"):
        writer.body("r", "180", "t", "d", {"team": "x"})
    body = writer.body("r", "180", "t" * 300, "d", {"queueID": "29682833"})
    assert (body["status"], body["priority"], len(body["title"])) == (1, 2, 255)


def test_a_ticket_its_notes_and_its_completion(desk):
    ref = desk.create_ticket(NewTicket("psabridge:t1", "180", "Malware", "details"))
    assert desk.find_ticket_by_reference("psabridge:t1") == ref
    assert desk.find_ticket_by_reference("psabridge:none") is None
    desk.add_note(ref.id, "psabridge note n1\nmore", private=True)
    desk.add_note(ref.id, "psabridge note n2", private=False)
    assert desk.find_note(ref.id, "note n1") and not desk.find_note(ref.id, "note n3")
    notes = desk.client.notes(int(ref.id))
    assert [(n.title, n.publish) for n in notes] == [
        ("psabridge note n1", 2),
        ("psabridge note n2", 1),
    ]
    assert not desk.get_ticket_state(ref.id).closed
    desk.close_ticket(ref.id, note="blocked")
    state = desk.ticket_states([ref.id, "999999"])
    assert list(state) == [ref.id]
    assert (state[ref.id].status, state[ref.id].closed) == ("Complete", True)
    assert state[ref.id].closed_at is not None


def test_assets_of_one_company_or_all(desk):
    mine = desk.assets("180")
    assert mine and {a.company_id for a in mine} == {"180"}
    assert len(desk.assets(None)) > len(mine)
    assert all(a.inventory_number and a.key_field3 for a in mine)


def test_clients_leave_out_the_msp_s_own_company(desk):
    clients = {c.id: c for c in desk.clients()}
    assert "0" not in clients
    assert any(c.extra["inactive"] for c in clients.values())


def test_setting_units_is_one_adjustment_then_a_read_back(billing, served):  # noqa: F811
    month = billing.additions("1", "1", date(2026, 12, 1))[0]
    served.control("POST", "reset-calls")
    written = billing.set_addition_quantity("1", month.id, month.quantity + 4)
    assert written.id == month.id and written.quantity == month.quantity + 4
    assert served.control("GET", "calls")["calls"] == {
        "POST /ContractServiceUnits/query": 2,
        "POST /Contracts/{parentId}/ServiceAdjustments": 1,
    }
    served.control("POST", "reset-calls")
    billing.set_addition_quantity("1", month.id, month.quantity + 4)  # already so: no write
    assert (
        "POST /Contracts/{parentId}/ServiceAdjustments"
        not in served.control("GET", "calls")["calls"]
    )


def test_an_adjustment_whose_answer_is_lost_is_read_back_not_resent(billing, served):  # noqa: F811
    month = billing.additions("1", "1", date(2026, 12, 1))[0]
    fault = {"path": "/Contracts/1/ServiceAdjustments", "method": "POST"}
    served.control("POST", "faults", {**fault, "mode": "commit_then_500"})
    before = len(served.state()["adjustments"])
    written = billing.set_addition_quantity("1", month.id, 40)
    assert written.quantity == 40 and len(served.state()["adjustments"]) == before + 1


def test_a_refused_adjustment_is_a_config_error_and_writes_nothing(billing, served):  # noqa: F811
    new = NewAddition("1", "4", 5, date(2026, 12, 1), date(2026, 12, 31))  # inactive Service
    before = len(served.state()["adjustments"])
    with pytest.raises(ConfigError):
        billing.create_addition(new)
    assert len(served.state()["adjustments"]) == before
    with pytest.raises(NotFoundError):
        billing.set_addition_quantity("1", "2/2026-12-01", 3)  # no EDR units on contract 1
    with pytest.raises(ConfigError, match="whole numbers"):
        billing.set_addition_quantity("1", "1/2026-12-01", 2.5)


def test_a_first_adjustment_adds_the_service_to_the_contract(billing):
    written = billing.create_addition(
        NewAddition("1", "2", 6, date(2026, 12, 1), date(2026, 12, 31))
    )
    assert (written.id, written.quantity) == ("2/2026-12-01", 6.0)
    assert billing.additions("1", "2", date(2026, 12, 1))[0].quantity == 6.0


def test_agreements_types_products_and_queues(billing):
    types = {o.id: o for o in billing.agreement_types()}
    assert types["7"].name == "Recurring Service" and types["7"].extra["default"]
    contracts = billing.agreements("7")
    assert contracts and all(
        c.type_id == "7" and c.type_name == "Recurring Service" for c in contracts
    )
    assert {c.status for c in contracts} >= {"Active", "Inactive", "Expired"}
    products = {p.id: p for p in billing.products()}
    assert products["4"].extra["inactive"] and not products["1"].extra["inactive"]
    assert [b.name for b in billing.boards()][1] == "Security Alerts"
    assert any(p.extra["default"] for p in billing.priorities())
    companies = billing.companies()
    assert any(c.inactive for c in companies) and not any(c.disallow_saving for c in companies)


def test_bad_settings_are_one_clear_error(settings):
    with pytest.raises(ConfigError, match="secret"):
        create_connector("autotask", {**settings, "secret": ""})
    desk = create_connector("autotask", {**settings, "secret": SecretStr("wrong")})
    assert desk.validate().outcome == "invalid_key"
