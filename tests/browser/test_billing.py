"""In a browser: Billing on a client that already has an invoice, adopt it, review and push the
last finished month, then the company's month: chart, evidence, change."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_first_run import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def existing_invoice_client(stack) -> tuple[str, str]:
    """(id, name) of the sandbox HaloPSA client that has a recurring invoice of its own."""
    state = httpx.get(f"{stack.halo_sandbox_url}/state", timeout=10).json()
    client_id = next(i for i in state["invoices"] if i["id"] == 1)["client_id"]
    return str(client_id), next(i for i in state["invoices"] if i["id"] == 1)["client_name"]


def reload_until(page, selector: str, tries: int = 60) -> None:
    for _ in range(tries):  # the worker works in the background; the page shows it on reload
        if page.locator(selector).count():
            return
        page.wait_for_timeout(1000)
        page.reload()
    raise AssertionError(f"{selector} never appeared")


def test_adopt_review_push_and_the_companys_month(page, stack):
    client_id, name = existing_invoice_client(stack)
    log_in(page)
    page.goto("/mappings/")
    page.locator(f"tr[data-psa-client='{client_id}'] button:has-text('Confirm')").click()
    page.wait_for_selector("text=Mapped")
    row = page.locator("tr[data-mapping]", has_text=name)
    row.locator("input[aria-label^='Billing']").check()
    row.locator("input[name=selected]").check()
    page.click("#update-selected")
    page.wait_for_selector("text=mapping(s) updated")

    page.goto("/billing/")
    assert page.locator("#month-state").inner_text() == "finished"
    page.click("#collect")
    page.wait_for_selector("text=Collecting")
    reload_until(page, "#usage-table")
    page.select_option("select[name=item_seats]", "1")
    page.click("text=Save product mapping")
    page.wait_for_selector("text=Product mapping saved")

    page.click("#review-push")  # Billing was on before the items were mapped: one invoice made
    page.wait_for_selector("#review-summary")
    assert "already bills what psabridge bills" in page.inner_text("#preview-result")
    assert page.locator("#confirm-push").count() == 0, "nothing to push: it would bill twice"

    page.goto("/mappings/")
    page.locator("tr[data-mapping]", has_text=name).locator("a:has-text('Billing')").click()
    page.wait_for_selector(".candidate[data-invoice='1']")
    assert page.locator(".candidate tr[data-line='taken']").count() == 1
    screenshot(page, "billing-adopt-invoice")
    page.click(".candidate button.adopt")
    page.wait_for_selector("text=from the next push")

    page.goto("/billing/")
    page.click("#review-push")
    page.wait_for_selector("#confirm-push")
    assert page.locator("tr[data-action='adopt']").count() == 1
    screenshot(page, "billing-review")
    page.click("#confirm-push")
    page.wait_for_selector("#ledger")
    assert page.locator("#ledger tr[data-action='adopt'][data-state='done']").count() == 1
    screenshot(page, "billing-ledger")

    page.goto("/billing/")
    page.locator("#usage-table a").first.click()  # the one mapped company
    page.wait_for_selector("#usage-chart")
    assert page.locator("#usage-chart rect.bar").count() == 12
    assert page.locator("#evidence-table tbody tr").count() >= 1
    assert page.locator("#month-state").inner_text() == "final"
    assert page.locator("#change-reason").count() == 1
    screenshot(page, "billing-company")
