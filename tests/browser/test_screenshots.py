"""Every page at 1400 px, as an admin sees it after the first steps (docs/screenshots/).

Set PSABRIDGE_SCREENSHOTS_DIR=docs/screenshots to refresh the committed ones; by default they
go to test-artifacts/. Each page must answer without a server error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.test_first_run import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    ("dashboard", "/"),
    ("connections", "/connections/"),
    ("connection-gravityzone", "/connections/gravityzone/"),
    ("connection-halopsa", "/connections/halopsa/"),
    ("mappings", "/mappings/"),
    ("ticketing", "/ticketing/"),
    ("billing", "/billing/"),
    ("alerts", "/alerts/"),
    ("events", "/events/?state=all"),
    ("status", "/status/"),
    ("api-docs", "/api/docs"),
]


def test_every_page_at_1400_px(browser, stack):
    target = Path(os.environ.get("PSABRIDGE_SCREENSHOTS_DIR", ROOT / "test-artifacts"))
    target.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=stack.url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page)
    page.goto("/connections/gravityzone/")
    if page.locator("#enable-push:has-text('Enable push')").count():
        with page.expect_navigation():
            page.click("#enable-push")
    page.goto("/mappings/")
    suggestion = page.locator("tr[data-psa-client]:has(.suggestion)").first
    if suggestion.count():
        with page.expect_navigation():
            suggestion.locator("button:has-text('Confirm')").click()
    page.wait_for_timeout(3000)  # the sandbox pushes alerts every 2 s
    for name, path in PAGES:
        answer = page.goto(path)
        assert answer is not None and answer.status < 500, path
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    page.goto("/alerts/")
    first = page.locator("#alerts-table a").first
    if first.count():
        first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(target / "alert-detail.png"), full_page=True)
    context.close()
