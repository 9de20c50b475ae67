"""In a browser, on Autotask PSA: connection, mappings, billing and ticketing, as an admin does."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_first_run import log_in
from tests.support.stack import Stack, free_port, start_stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RECURRING_SERVICE, ENDPOINT_SECURITY, SECURITY_ALERTS = "7", "1", "29682833"


@pytest.fixture(scope="module")
def at_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, at_port: int) -> Iterator[Stack]:
    """`psabridge run` whose sandbox PSA is Autotask PSA."""
    env = {"PSABRIDGE_SANDBOX_PSA": "autotask", "PSABRIDGE_SANDBOX_AUTOTASK_PORT": str(at_port)}
    running = start_stack(tmp_path_factory.mktemp("at-stack"), env)
    yield running
    running.stop()


def at_state(at_port: int) -> dict:
    return dict(httpx.get(f"http://127.0.0.1:{at_port}/_sandbox/state", timeout=10).json())


def test_the_connection_form_validates_and_hides_the_secrets(page, stack):
    log_in(page)
    page.goto("/connections/autotask/")
    for label in ("Autotask address", "API user name", "Secret", "API tracking identifier"):
        assert page.locator("label", has_text=label).count() == 1, label
    page.click("#validate")
    page.wait_for_selector("#validation-result")
    assert page.get_attribute("#validation-result", "data-outcome") == "ok"
    assert "Connected to Autotask PSA" in page.inner_text("#validation-result")
    screenshot(page, "at-connection")


def test_mappings_show_the_inactive_company_with_its_reason(page, stack, at_port):
    log_in(page)
    page.goto("/mappings/")
    page.wait_for_selector("#mappings-table")
    headers = page.locator("#mappings-table thead th").all_inner_texts()
    assert "Autotask company" in headers
    inactive = at_state(at_port)["scenario"]["cases"]["inactive_company"]["name"]
    row = page.locator("tr[data-psa-client]:has(.suggestion)", has_text=inactive)
    with page.expect_navigation():
        row.locator("button:has-text('Confirm')").click()
    page.click("#refresh")
    page.wait_for_selector("text=Refreshed:")
    page.click("text=Needs attention")
    attention = page.locator("tr[data-mapping]", has_text=inactive)
    attention.locator("summary").click()
    assert "The PSA company is inactive." in attention.inner_text()
    assert "Reactivate it in the PSA" in attention.inner_text()
    screenshot(page, "at-mappings-attention")


def test_billing_settings_then_a_sync_sets_the_units(page, stack, at_port):
    log_in(page)
    plain = [r for r in at_state(at_port)["scenario"]["companies"] if r["case"] == "plain"]
    for row in plain[:6]:
        _confirm(page, row["psa_name"])
    _billing_on_for_all(page)
    page.goto("/billing/")
    page.wait_for_selector("h2:has-text('Autotask PSA: contract monthly units')")
    page.select_option("#agreement-type", RECURRING_SERVICE)
    page.select_option("#product", "4")  # the removed (inactive) Service
    page.click("#period-save")
    page.wait_for_selector("#error-product")
    assert "inactive" in page.inner_text("#error-product")
    page.select_option("#product", ENDPOINT_SECURITY)
    page.click("#period-save")
    page.wait_for_selector("text=Autotask PSA billing settings saved")
    page.click("#period-collect-sync")
    for _ in range(30):  # the worker collects the month from GravityZone in the background
        page.wait_for_timeout(1000)
        page.click("#period-sync")
        page.wait_for_selector("#period-preview-summary")
        if "no usage collected" not in page.inner_text("#period-result"):
            break
    assert page.locator("#period-confirm").count() == 1
    screenshot(page, "at-billing-preview")
    page.click("#period-confirm")
    page.wait_for_selector("#period-sync-summary")
    assert at_state(at_port)["adjustments"], "units were written"
    page.click("#period-sync")
    page.wait_for_selector("#period-preview-summary")
    assert "Nothing was written" in page.inner_text("#period-preview-summary")
    assert page.locator("#period-confirm").count() == 0, "a second sync has nothing to write"
    screenshot(page, "at-billing")


def test_ticketing_queues_and_scoped_sub_issue_types_then_an_alert_is_a_ticket(
    page, stack, at_port
):
    log_in(page)
    page.goto("/ticketing/")
    page.select_option("#ticket_type_id", label="Security Alerts")
    page.wait_for_selector("#kinds-table")
    assert page.locator("th", has_text="Queue *").count() == 1
    row = page.locator("tr[data-kind=antimalware]")
    row.locator("input[data-switch=blocked]").check()
    row.locator("input[data-switch=current]").check()
    queue = row.locator("select[name='antimalware-queue']")
    assert queue.locator("option:checked").inner_text().strip() == "Security Alerts"
    issue = row.locator("select[name='antimalware-issue_type']")
    sub = row.locator("select[name='antimalware-sub_issue_type']")
    issue.select_option(label="Security")
    sub.select_option(label="Malware")
    issue.select_option(label="Hardware")
    assert sub.input_value() == "", "a sub-issue type of another issue type is dropped"
    issue.select_option(label="Security")
    sub.select_option(label="Intrusion")
    page.check("#enabled")
    screenshot(page, "at-ticketing-filled")
    page.click("#save")
    page.wait_for_selector("text=Ticketing settings saved")
    screenshot(page, "at-ticketing")
    plain = next(r for r in at_state(at_port)["scenario"]["companies"] if r["case"] == "plain")
    _confirm(page, plain["psa_name"])
    _ticketing_on(page, plain["psa_name"])
    _push_alerts(page, stack, plain["gravityzone_name"])
    tickets = at_state(at_port)["tickets"]
    assert tickets and all(str(t["queueID"]) == SECURITY_ALERTS for t in tickets)
    assert all(t["subIssueType"] == 11 for t in tickets if "[TEST]" not in t["title"])


def _confirm(page, name: str) -> None:
    page.goto("/mappings/")
    page.wait_for_selector("#mappings-table")
    row = page.locator("tr[data-psa-client]:has(.suggestion)", has_text=name)
    if row.count():
        with page.expect_navigation():
            row.locator("button:has-text('Confirm')").click()


def _billing_on_for_all(page) -> None:
    page.goto("/mappings/")
    rows = page.locator("tr[data-mapping]")
    for index in range(rows.count()):
        rows.nth(index).locator("input[name^=billing_]").check()
    page.click("#update-all")
    page.wait_for_selector("text=mapping(s) updated")


def _ticketing_on(page, name: str) -> None:
    page.goto("/mappings/")
    row = page.locator("tr[data-mapping]", has_text=name)
    row.locator("input[name^=ticketing_]").check()
    row.locator("input[name=selected]").check()
    page.click("#update-selected")
    page.wait_for_selector("text=mapping(s) updated")


def _push_alerts(page, stack: Stack, company: str) -> None:
    page.goto("/connections/gravityzone/")
    if page.locator("#enable-push:has-text('Enable push')").count():
        with page.expect_navigation():
            page.click("#enable-push")
    state = httpx.get(f"{stack.sandbox_url}/_sandbox/state", timeout=10).json()
    company_id = next(str(c["id"]) for c in state["companies"] if c.get("name") == company)
    httpx.post(
        f"{stack.sandbox_url}/_sandbox/alerts",
        json={"count": 2, "company_id": company_id, "kinds": ["av"], "outcome": "current"},
        timeout=10,
    ).raise_for_status()
    httpx.post(f"{stack.sandbox_url}/_sandbox/push/flush", timeout=30).raise_for_status()
    page.goto(f"/alerts/?search={company[:10]}")
    page.wait_for_selector("#alerts-table >> text=Ticket created", timeout=30_000)
    screenshot(page, "at-alerts-ticketed")
