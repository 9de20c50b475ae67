"""In a browser: map a company, set up ticketing (Save disabled while invalid), get a ticket."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_first_run import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_mappings_table_confirm_and_update_selected(page, stack):
    log_in(page)
    page.click("nav >> text=Mappings")
    page.wait_for_selector("#mappings-table")
    assert page.inner_text("#unmapped-count").isdigit()
    first_suggestion = page.locator("tr[data-psa-client]:has(.suggestion)").first
    client_name = first_suggestion.locator("td").nth(1).inner_text()
    first_suggestion.locator("button:has-text('Confirm')").click()
    page.wait_for_selector("text=Mapped")
    row = page.locator("tr[data-mapping]", has_text=client_name)
    assert row.locator("input[aria-label^='Ticketing']").is_checked()
    row.locator("input[aria-label^='Ticketing']").uncheck()
    row.locator("input[name=selected]").check()
    page.click("#update-selected")
    page.wait_for_selector("text=1 mapping(s) updated")
    row = page.locator("tr[data-mapping]", has_text=client_name)
    assert not row.locator("input[aria-label^='Ticketing']").is_checked()
    row.locator("input[aria-label^='Ticketing']").check()
    page.click("#update-all")
    page.wait_for_selector("text=1 mapping(s) updated")
    page.click("text=Needs attention")
    page.wait_for_selector("text=No mapping needs attention")
    page.goto("/mappings/")
    screenshot(page, "mappings")


def test_ticketing_settings_save_stays_disabled_while_invalid(page, stack):
    log_in(page)
    page.goto("/ticketing/")
    save = page.locator("#save")
    assert save.is_disabled(), "no ticket type yet"
    page.select_option("#ticket_type_id", label="Incident")
    page.wait_for_selector("#kinds-table")
    assert save.is_disabled(), "no alert kind switched on yet"
    row = page.locator("tr[data-kind=antimalware]")
    row.locator("input[data-switch=blocked]").check()
    assert row.locator("select[name='antimalware-team']").input_value() == "Service Desk"
    assert save.is_enabled(), "the type's defaults fill every mandatory value"
    row.locator("select[name='antimalware-team']").select_option("")
    assert save.is_disabled()
    assert "invalid" in (
        row.locator("select[name='antimalware-team']").get_attribute("class") or ""
    )
    screenshot(page, "ticketing-invalid")
    row.locator("select[name='antimalware-team']").select_option(label="Security Operations")
    row.locator("input[data-switch=current]").check()
    page.check("#enabled")
    assert save.is_enabled()
    save.click()
    page.wait_for_selector("text=Ticketing settings saved")
    assert (
        page.locator("tr[data-kind=antimalware] select[name='antimalware-team']").input_value()
        == "Security Operations"
    )
    screenshot(page, "ticketing-saved")


def test_a_sandbox_alert_of_the_mapped_company_becomes_a_halo_ticket(page, stack):
    log_in(page)
    page.goto("/mappings/")
    mapped = page.locator("tr[data-mapping] td").nth(2).inner_text()
    companies = httpx.get(f"{stack.sandbox_url}/_sandbox/state", timeout=10).json()
    company_id = _company_id(companies, mapped)
    httpx.post(
        f"{stack.sandbox_url}/_sandbox/alerts",
        json={"count": 3, "company_id": company_id, "kinds": ["av"], "outcome": "current"},
        timeout=10,
    ).raise_for_status()
    page.goto("/connections/gravityzone/")
    if page.locator("#enable-push:has-text('Enable push')").count():
        page.click("#enable-push")
    httpx.post(f"{stack.sandbox_url}/_sandbox/push/flush", timeout=30).raise_for_status()
    page.goto(f"/alerts/?search={mapped[:10]}")
    page.wait_for_selector("#alerts-table >> text=Ticket created", timeout=30_000)
    screenshot(page, "alerts-ticketed")
    halo = _halo_state(stack)
    assert any(t["summary"].startswith("[GravityZone]") for t in halo["tickets"])


def _company_id(state: dict, name: str) -> str:
    for company in state.get("companies", []):
        if company.get("name") == name:
            return str(company["id"])
    raise AssertionError(f"{name} not in the GravityZone sandbox state")


def _halo_state(stack) -> dict:
    deadline = time.monotonic() + 20
    while True:
        info = httpx.get(f"{stack.halo_sandbox_url}/state", timeout=10).json()
        if info["tickets"] or time.monotonic() > deadline:
            return info
        time.sleep(0.5)
