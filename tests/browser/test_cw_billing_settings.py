"""In a browser, with the ConnectWise sandbox: billing settings, server-side refusal, preview."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_first_run import log_in
from tests.support.stack import CONNECTWISE_SANDBOX, Stack, start_stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GZ_ENDPOINT, SEC_BUNDLE, MANAGED_SECURITY, HELP_DESK, PRIORITY_HIGH = "1", "5", "1", "2", "2"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`psabridge run` whose sandbox PSA is ConnectWise PSA (with Automate)."""
    running = start_stack(tmp_path_factory.mktemp("cw-stack"), CONNECTWISE_SANDBOX)
    yield running
    running.stop()


def test_settings_refuse_a_bundle_then_save_and_preview(page, stack):
    log_in(page)
    page.goto("/billing/")
    page.wait_for_selector("#agreements")  # the agreement section is on the one billing page
    page.wait_for_selector("h2:has-text('ConnectWise PSA: agreement additions')")
    for _ in range(30):  # the sandbox connection is validated as the stack starts
        if page.locator("#agreement-type:not([disabled])").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert page.locator("#period-blocked").count() == 0
    active = page.locator("#covered input[aria-label=Active]")
    assert active.is_checked() and active.is_disabled()

    page.select_option("#agreement-type", MANAGED_SECURITY)
    page.select_option("#product", SEC_BUNDLE)
    page.click("#period-save")
    page.wait_for_selector("#error-product")
    assert "Bundle" in page.inner_text("#error-product")

    page.select_option("#product", GZ_ENDPOINT)
    page.check("#covered input[aria-label=Expired]")
    page.check("#service-desk-on")
    page.click("#period-save")
    page.wait_for_selector("#error-board")  # the option needs a board
    page.check("#service-desk-on")
    page.select_option("#service-board", HELP_DESK)
    page.select_option("#service-priority", PRIORITY_HIGH)
    page.click("#period-save")
    page.wait_for_selector("text=ConnectWise PSA billing settings saved")

    page.reload()
    assert page.input_value("#agreement-type") == MANAGED_SECURITY
    assert page.input_value("#product") == GZ_ENDPOINT
    assert page.is_checked("#covered input[aria-label=Expired]")
    assert not page.is_checked("#covered input[aria-label=Cancelled]")
    assert page.input_value("#service-priority") == PRIORITY_HIGH

    page.click("#period-sync")  # Sync now shows the writes first; nothing is written yet
    page.wait_for_selector("#period-preview-summary")
    assert "Nothing was written" in page.inner_text("#period-preview-summary")
    screenshot(page, "cw-billing-settings")
    if page.locator("#period-confirm").count():
        page.click("#period-confirm")
        page.wait_for_selector("#period-sync-summary")
