"""In a browser: collect usage, map products, preview and push a month, see the usage chart."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_first_run import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_preview_push_and_company_usage_chart(page, stack):
    log_in(page)
    page.goto("/mappings/")
    suggestion = page.locator("tr[data-psa-client]:has(.suggestion)").first
    suggestion.locator("button:has-text('Confirm')").click()
    page.wait_for_selector("text=Mapped")
    row = page.locator("tr[data-mapping]").first
    row.locator("input[aria-label^='Billing']").check()
    row.locator("input[name=selected]").check()
    page.click("#update-selected")
    page.wait_for_selector("text=mapping(s) updated")
    page.goto("/billing/")
    page.click("#collect")
    page.wait_for_selector("text=Usage collection started")
    for _ in range(60):  # the worker collects in the background; the page shows it on reload
        if page.locator("#usage-table").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert page.locator("#usage-table").count()
    page.select_option("select[name=item_seats]", index=1)
    page.click("text=Save product mapping")
    page.wait_for_selector("text=Product mapping saved")
    page.click("#preview")
    page.wait_for_selector("#preview-result")
    screenshot(page, "billing-preview")
    page.click("#push")
    page.wait_for_selector("#ledger")
    assert page.locator("#ledger tbody tr").count() >= 1
    page.goto("/billing/")
    page.locator("#usage-table a").first.click()
    page.wait_for_selector("#usage-chart")
    assert page.locator("#usage-chart rect.bar").count() == 12
    assert page.locator("#evidence-table tbody tr").count() >= 1
    screenshot(page, "billing-company")
