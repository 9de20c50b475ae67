"""The README's HaloPSA demo, followed word for word in a browser on `psabridge run`: push,
a confirmed mapping, ticketing set up as the README says, tickets, then a billing push."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_billing import reload_until
from tests.browser.test_first_run import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_readme_halopsa_demo_gives_tickets_and_a_billing_push(page, stack):
    log_in(page)
    # "Open Connections > GravityZone, press Enable push, and sandbox alerts appear on Alerts"
    page.click("nav >> text=Connections")
    page.click("a[href='/connections/gravityzone/']")
    with page.expect_navigation():
        page.click("#enable-push")
    page.goto("/alerts/")
    page.wait_for_selector("#alerts-table tbody tr", timeout=30_000)
    # "on Mappings confirm a suggested mapping" (one without a recurring invoice of its own,
    # of a company with a monthly subscription, so that the billing part bills it)
    taken = _client_with_an_invoice(stack)
    page.click("nav >> text=Mappings")
    suggested = page.locator("tr[data-psa-client]:has(.suggestion)").filter(has_not_text=taken)
    monthly = _monthly_companies(stack)
    row = next(
        r for r in suggested.all() if r.locator(".suggestion strong").inner_text() in monthly
    )
    client = row.locator("td").nth(1).inner_text()
    company = row.locator(".suggestion strong").inner_text()
    with page.expect_navigation():
        row.locator("button:has-text('Confirm')").click()
    # "on Ticketing tick Turn ticketing on, choose a ticket type, switch alert kinds on (Blocked,
    # Current), give each of them an SLA, Category, Urgency and Team ... and, where the type
    # makes them mandatory, an Impact or Priority ... and Save"
    page.click("nav >> text=Ticketing")
    page.check("#enabled")
    page.select_option("#ticket_type_id", label="Security Alert")
    page.wait_for_selector("#kinds-table")
    for index in range(page.locator("#kinds-table tr[data-kind]").count()):
        kind = page.locator("#kinds-table tr[data-kind]").nth(index)
        kind.locator("input[data-switch=blocked]").check()
        kind.locator("input[data-switch=current]").check()
        for select in kind.locator("select[data-mandatory]").all():
            if not select.input_value():
                select.select_option(index=1)  # the first value the PSA offers
    assert page.locator("#save").is_enabled()
    page.click("#save")
    page.wait_for_selector("text=Ticketing settings saved")
    # "alerts of mapped companies then become tickets and notes in the sandbox HaloPSA"
    _push_alerts(stack, company)
    page.goto(f"/alerts/?search={company[:10]}")
    page.wait_for_selector("#alerts-table >> text=Ticket created", timeout=30_000)
    halo = httpx.get(f"{stack.halo_sandbox_url}/state", timeout=10).json()
    assert any(t["client_name"] == client for t in halo["tickets"])
    screenshot(page, "readme-tickets")
    # "For billing: on Billing map the products to HaloPSA items, then tick Billing on a mapping
    # and press Update"
    page.click("nav >> text=Billing")
    page.locator("select[name=item_seats]").select_option(index=1)
    page.click("text=Save product mapping")
    page.wait_for_selector("text=Product mapping saved")
    page.click("nav >> text=Mappings")
    page.locator("tr[data-mapping]", has_text=client).locator("input[name^=billing_]").check()
    page.click("#update-all")
    page.wait_for_selector("text=mapping(s) updated")
    # "The Billing page opens on the last finished month: press Collect ... usage now, then
    # Review and push ... nothing is written until you confirm. ... pushing again writes nothing"
    page.click("nav >> text=Billing")
    page.click("#collect")
    reload_until(page, "#usage-table")
    page.click("#review-push")
    page.wait_for_selector("#review-summary")
    screenshot(page, "readme-billing-review")
    page.wait_for_selector("#confirm-push", timeout=5000)
    page.click("#confirm-push")
    page.wait_for_selector("#ledger")
    screenshot(page, "readme-billing-push")
    invoices = httpx.get(f"{stack.halo_sandbox_url}/state", timeout=10).json()["invoices"]
    assert any(i["client_name"] == client for i in invoices), "the client's invoice was made"
    page.goto("/billing/")
    page.click("#review-push")
    page.wait_for_selector("#review-summary")
    assert page.locator("#confirm-push").count() == 0, "pushing again writes nothing"


def _client_with_an_invoice(stack) -> str:
    state = httpx.get(f"{stack.halo_sandbox_url}/state", timeout=10).json()
    return str(next(i for i in state["invoices"] if i["id"] == 1)["client_name"])


def _monthly_companies(stack) -> set[str]:
    state = httpx.get(f"{stack.sandbox_url}/_sandbox/state", timeout=10).json()
    return {c["name"] for c in state["companies"] if c.get("license_type") == 3}


def _push_alerts(stack, company: str) -> None:
    state = httpx.get(f"{stack.sandbox_url}/_sandbox/state", timeout=10).json()
    company_id = next(str(c["id"]) for c in state["companies"] if c.get("name") == company)
    body = {"count": 2, "company_id": company_id, "kinds": ["av"], "outcome": "current"}
    httpx.post(f"{stack.sandbox_url}/_sandbox/alerts", json=body, timeout=10).raise_for_status()
    httpx.post(f"{stack.sandbox_url}/_sandbox/push/flush", timeout=30).raise_for_status()


def test_the_readme_names_the_steps_this_test_takes():
    from pathlib import Path

    text = re.sub(r"\s+", " ", (Path(__file__).parents[2] / "README.md").read_text())
    for words in (
        "press **Enable push**",
        "on **Mappings** confirm a suggested mapping",
        "tick **Turn ticketing on**",
        "an Impact or Priority",
        "on **Billing** map the products to HaloPSA items",
        "tick **Billing** on a mapping and press Update",
        "press **Collect ... usage now**",
        "then **Review and push**",
    ):
        assert words in text, words
