"""In a browser, on ConnectWise PSA: set up board, type and priority per kind, get a ticket."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_first_run import log_in
from tests.support.stack import CONNECTWISE_SANDBOX, Stack, start_stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`psabridge run` whose sandbox PSA is ConnectWise PSA (with Automate)."""
    running = start_stack(tmp_path_factory.mktemp("cw-stack"), CONNECTWISE_SANDBOX)
    yield running
    running.stop()


def test_connectwise_ticketing_settings_and_a_sandbox_alert_becomes_a_ticket(page, stack):
    log_in(page)
    mapped = _map_first_suggestion(page)
    page.goto("/ticketing/")
    save = page.locator("#save")
    assert save.is_disabled(), "no default board yet"
    page.select_option("#ticket_type_id", label="Security Alerts")
    page.wait_for_selector("#kinds-table")
    assert page.locator("th", has_text="Board *").count() == 1
    assert save.is_disabled(), "no alert kind switched on yet"
    row = page.locator("tr[data-kind=antimalware]")
    row.locator("input[data-switch=blocked]").check()
    row.locator("input[data-switch=current]").check()
    board, kind = row.locator("select[name='antimalware-board']"), _type_select(row)
    priority = row.locator("select[name='antimalware-priority']")
    assert _selected(board) == "Security Alerts", "the default board fills the kind"
    assert _selected(priority) == "Priority 3 - Normal Response", "the PSA's default priority"
    assert save.is_disabled(), "a type is mandatory and has no default"
    assert "invalid" in (kind.get_attribute("class") or "")
    kind.select_option(label="Malware")
    assert save.is_enabled()
    board.select_option(label="Help Desk")
    assert kind.input_value() == "", "a type of another board is dropped"
    assert save.is_disabled()
    kind.select_option(label="Incident")
    priority.select_option(label="Priority 2 - High")
    page.check("#enabled")
    assert save.is_enabled()
    screenshot(page, "cw-ticketing-filled")
    save.click()
    page.wait_for_selector("text=Ticketing settings saved")
    assert _selected(page.locator("select[name='antimalware-board']")) == "Help Desk"
    assert _selected(_type_select(page.locator("tr[data-kind=antimalware]"))) == "Incident"
    _shoot(page, "/tmp/cw-ticketing.png")
    _alerts_become_tickets(page, stack, mapped)


def _type_select(row):
    return row.locator("select[name='antimalware-type']")


def _selected(select) -> str:
    return select.locator("option:checked").inner_text().strip()


def _shoot(page, path: str) -> None:
    saved = screenshot(page, "cw-ticketing")
    shutil.copyfile(saved, Path(path))


def _map_first_suggestion(page) -> str:
    """Confirm the first same-name suggestion on the Mappings page; return the PSA name."""
    page.click("nav >> text=Mappings")
    page.wait_for_selector("#mappings-table")
    suggestion = page.locator("tr[data-psa-client]:has(.suggestion)").first
    name = suggestion.locator("td").nth(1).inner_text()
    suggestion.locator("button:has-text('Confirm')").click()
    page.wait_for_selector("text=Mapped")
    return name


def _alerts_become_tickets(page, stack: Stack, mapped: str) -> None:
    page.goto("/mappings/")
    company = page.locator("tr[data-mapping]", has_text=mapped).locator("td").nth(2).inner_text()
    state = httpx.get(f"{stack.sandbox_url}/_sandbox/state", timeout=10).json()
    company_id = next(str(c["id"]) for c in state["companies"] if c.get("name") == company)
    httpx.post(
        f"{stack.sandbox_url}/_sandbox/alerts",
        json={"count": 2, "company_id": company_id, "kinds": ["av"], "outcome": "current"},
        timeout=10,
    ).raise_for_status()
    page.goto("/connections/gravityzone/")
    if page.locator("#enable-push:has-text('Enable push')").count():
        page.click("#enable-push")
    httpx.post(f"{stack.sandbox_url}/_sandbox/push/flush", timeout=30).raise_for_status()
    page.goto(f"/alerts/?search={company[:10]}")
    page.wait_for_selector("#alerts-table >> text=Ticket created", timeout=30_000)
    screenshot(page, "cw-alerts-ticketed")
