"""In a real browser: log in, validate the sandbox GravityZone, enable push, watch alerts arrive."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot
from tests.support.stack import ADMIN_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page):
    page.goto("/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Dashboard")


def test_wrong_password_is_refused(page):
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("text=did not match")


def test_validate_enable_push_and_see_alerts(page):
    log_in(page)
    screenshot(page, "dashboard")
    page.click("nav >> text=Connections")
    page.click("text=Edit")
    page.wait_for_selector("h1:has-text('GravityZone connection')")
    page.click("button:has-text('Validate')")
    result = page.wait_for_selector("#validation-result")
    assert result.get_attribute("data-outcome") == "ok", result.inner_text()
    assert "Valid" in result.inner_text()
    screenshot(page, "gravityzone-validated")
    page.click("#enable-push")
    page.wait_for_selector("text=Event push enabled")
    assert page.inner_text("#push-status") == "On"
    page.click("nav >> text=Alerts")
    # The list polls by itself: sandbox alerts appear without a reload.
    page.wait_for_selector("#alerts-table tbody tr", timeout=30_000)
    screenshot(page, "alerts")
    page.click("#alerts-table tbody tr >> nth=0 >> a")
    page.wait_for_selector("text=Raw event")
    screenshot(page, "alert-detail")
    page.click("nav >> text=Status")
    page.wait_for_selector("text=GravityZone push service")
    screenshot(page, "status")


def test_api_key_is_never_shown_back(page, stack):
    log_in(page)
    page.goto("/connections/gravityzone/")
    placeholder = page.get_attribute("#id_api_key", "placeholder") or ""
    assert "leave blank to keep it" in placeholder and "••••" in placeholder
    assert page.input_value("#id_api_key") == ""


def test_the_api_documentation_works_with_the_network_cut_off(page, stack):
    """Every asset of /api/docs comes from psabridge itself: anything else is refused."""
    outside: list[str] = []

    def only_psabridge(route):
        if route.request.url.startswith(stack.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_psabridge)
    log_in(page)
    page.goto("/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/alerts" in paths and "/api/mappings" in paths and len(paths) >= 8
    assert outside == [], outside
    screenshot(page, "api-docs-offline")


# Every page at 1400 px, as an admin sees it after the first steps (docs/screenshots/). Set
# PSABRIDGE_SCREENSHOTS_DIR=docs/screenshots to refresh the committed ones; by default they go to
# test-artifacts/. Last in this module: it enables push and confirms a mapping.
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
    ("setup", "/setup/"),
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
