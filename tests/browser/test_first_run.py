"""In a real browser: log in, validate the sandbox GravityZone, enable push, watch alerts arrive."""

from __future__ import annotations

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
