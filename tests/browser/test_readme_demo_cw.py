"""The README's ConnectWise PSA demo in a browser on `PSABRIDGE_SANDBOX_PSA=connectwise psabridge
run`: mappings through Automate, the agreement section (Collect, Sync now, confirm), then
ticketing to a board, type and priority, and an alert that becomes a service ticket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_first_run import log_in
from tests.support.stack import CONNECTWISE_SANDBOX, Stack, start_stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("cw-readme"), CONNECTWISE_SANDBOX)
    yield running
    running.stop()


def test_the_readme_connectwise_demo_gives_a_sync_and_tickets(page, stack):
    log_in(page)
    # "Mappings then go PSA company <-> Automate client <-> GravityZone company"
    page.click("nav >> text=Mappings")
    assert page.locator("#mappings-table th", has_text="Automate client").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())  # "Map every suggested pair?"
    page.click("#confirm-suggested")  # Confirm all suggestions (each listed with its reason)
    page.wait_for_selector("text=suggestion(s)")
    rows = page.locator("tr[data-mapping]")
    for index in range(rows.count()):
        rows.nth(index).locator("input[name^=billing_]").check()
    page.click("#update-all")
    page.wait_for_selector("text=mapping(s) updated")
    # "Billing then holds the agreement section: an agreement type, a product, the covered
    # agreement statuses and the service-desk option; Collect usage now ..., then Sync now lists
    # the additions it would create or update and makes them once you confirm"
    page.click("nav >> text=Billing")
    page.select_option("#agreement-type", label="Managed Security")
    page.locator("#product").select_option(index=1)
    page.click("#period-save")
    page.wait_for_selector("text=billing settings saved")
    page.click("#period-collect-sync")
    for _ in range(30):
        page.wait_for_timeout(1000)
        page.click("#period-sync")
        page.wait_for_selector("#period-preview-summary")
        collected = "no usage collected" not in page.inner_text("#period-result")
        if collected and page.locator("#period-confirm").count():
            break
    page.click("#period-confirm")
    page.wait_for_selector("#period-sync-summary")
    screenshot(page, "readme-cw-sync")
    # "Ticketing routes each alert kind to a board, type and priority"
    page.click("nav >> text=Ticketing")
    page.check("#enabled")
    page.select_option("#ticket_type_id", label="Security Alerts")
    page.wait_for_selector("#kinds-table")
    kind = page.locator("tr[data-kind=antimalware]")
    kind.locator("input[data-switch=blocked]").check()
    kind.locator("input[data-switch=current]").check()
    kind.locator("select[name='antimalware-type']").select_option(label="Malware")
    page.click("#save")
    page.wait_for_selector("text=Ticketing settings saved")
    company = _mapped_company(page)
    _push_alert(page, stack, company)
    page.goto(f"/alerts/?search={company[:10]}")
    page.wait_for_selector("#alerts-table >> text=Ticket created", timeout=30_000)
    screenshot(page, "readme-cw-tickets")


def _mapped_company(page) -> str:
    page.goto("/mappings/")
    row = page.locator("tr[data-mapping]").filter(has_not_text="EVERGREEN").first
    return str(row.locator("td").nth(3).inner_text())


def _push_alert(page, stack: Stack, company: str) -> None:
    page.goto("/connections/gravityzone/")
    if page.locator("#enable-push:has-text('Enable push')").count():
        with page.expect_navigation():
            page.click("#enable-push")
    state = httpx.get(f"{stack.sandbox_url}/_sandbox/state", timeout=10).json()
    company_id = next(str(c["id"]) for c in state["companies"] if c.get("name") == company)
    body = {"count": 1, "company_id": company_id, "kinds": ["av"], "outcome": "current"}
    httpx.post(f"{stack.sandbox_url}/_sandbox/alerts", json=body, timeout=10).raise_for_status()
    httpx.post(f"{stack.sandbox_url}/_sandbox/push/flush", timeout=30).raise_for_status()
