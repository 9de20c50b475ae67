"""In a browser: ConnectWise mappings through Automate, needs-attention reasons, Update Selected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.e2e.cw_world import cw_sandbox, cw_world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CW = "connectwise"
PASSWORD = "cw-mappings-browser-1"


@pytest.fixture(autouse=True, scope="session")
def sync_database_under_playwright() -> Iterator[None]:
    """Let this module use the ORM beside Playwright's sync API.

    Playwright keeps an event loop current in the main thread, so Django refuses ORM calls
    there; ours are synchronous and made between browser calls (the live server and the
    sandbox serve from threads of their own). Session scope: it must come before the test
    database is set up, which the browser fixture may already outlive.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        yield


@pytest.fixture
def cw_page(browser: Any, live_server: Any, cw_world: Any) -> Iterator[Any]:  # noqa: F811
    """A logged-in page on a live server whose ConnectWise PSA and Automate are the sandbox's."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", "", PASSWORD)
    cw_world.connect_automate()
    services.refresh(CW)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Dashboard")
    yield page
    context.close()


def row_of(page: Any, name: str) -> Any:
    return page.locator("tr[data-mapping]", has_text=name)


def test_needs_attention_reasons_confirm_and_update_selected(cw_page, cw_world):  # noqa: F811
    page = cw_page
    page.goto("/mappings/")
    page.wait_for_selector("#mappings-table")
    assert page.inner_text("#unmapped-count") == "12"
    headers = page.locator("#mappings-table thead th").all_inner_texts()
    assert headers[1:4] == ["ConnectWise PSA company", "Automate client", "GravityZone company"]
    # Confirm every suggestion but Northwind's, the Not Approved company's included.
    suggested = page.locator("tr[data-psa-client]:has(.suggestion)").filter(
        has_not_text="Northwind"
    )
    while suggested.count():
        with page.expect_navigation():
            suggested.first.locator("text=Confirm").click()
        page.wait_for_selector("text=Mapped")
    assert page.locator("tr[data-mapping]").count() == 10
    # Northwind's suggestion stays: its Automate link leads to another company's name.
    northwind = page.locator("tr[data-psa-client]", has_text="Northwind Traders")
    assert "own name differs" in northwind.inner_text()
    # Change Automate: Fairview's client is renamed after another GravityZone company.
    clients = cw_world.sandbox.automate.clients.values()
    fairview = next(c["Id"] for c in clients if c["Name"] == "Fairview Hotels & Co")
    cw_world.automate_post("clients/update", {"id": fairview, "Name": "Pinecrest Accounting Ltd"})
    page.click("#refresh")
    page.wait_for_selector("text=Refreshed:")
    page.click("text=Needs attention")
    page.wait_for_selector("tr.needs-attention")
    assert page.locator("tr[data-mapping]").count() == 2
    evergreen = row_of(page, "EVERGREEN ARCHITECTS")
    evergreen.locator("summary").click()
    assert "has the option Disallow Saving enabled" in evergreen.inner_text()
    assert "status without Disallow Saving" in evergreen.inner_text()
    row = row_of(page, "Fairview Hotels")
    row.locator("summary").click()
    assert "The ConnectWise Automate and GravityZone association has changed." in row.inner_text()
    assert "now matches GravityZone company Pinecrest Accounting Ltd" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path="/tmp/cw-mappings.png", full_page=True)
    screenshot(page, "cw-mappings-attention")
    row.locator("input[name=selected]").check()
    page.click("#update-selected")
    page.wait_for_selector("text=1 mapping(s) updated")
    row = row_of(page, "Fairview Hotels")
    assert "Pinecrest Accounting Ltd" in row.inner_text() and "OK" in row.inner_text()
    mapping = Mapping.objects.get(system=CW, psa_client_name="Fairview Hotels & Co")
    assert mapping.company_name == "Pinecrest Accounting Ltd" and mapping.issues == []
    page.click("text=Needs attention")
    assert page.locator("tr[data-mapping]").count() == 1
    page.goto("/mappings/")
    screenshot(page, "cw-mappings")
