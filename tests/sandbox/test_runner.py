"""The Sandbox runner: start, info, context manager, clean stop."""

from __future__ import annotations

import httpx

from psabridge.sandbox.runner import Sandbox


def test_info_and_context_manager() -> None:
    with Sandbox(companies=4, endpoints=30) as sandbox:
        info = sandbox.info()["gravityzone"]
        assert set(info) == {"base_url", "api_key", "sandbox_url", "partner_company_id"}
        assert info["base_url"].startswith("http://127.0.0.1:") and info["base_url"].endswith(
            "/api"
        )
        state = httpx.get(f"{info['sandbox_url']}/state").json()
        assert state["partner_company_id"] == info["partner_company_id"]
        assert state["endpoints"]["total"] == 30
        assert len(state["companies"]) == 6  # root partner, reseller, 4 customers
        url = info["base_url"]
    assert sandbox.info() == {}
    try:
        httpx.get(url, timeout=1)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the server should be closed")


def test_fixed_port_and_restart() -> None:
    first = Sandbox().start()
    port = int(first.info()["gravityzone"]["base_url"].split(":")[2].split("/")[0])
    first.stop()
    again = Sandbox(gravityzone_port=port).start()
    try:
        assert f":{port}/" in again.info()["gravityzone"]["base_url"]
    finally:
        again.stop()


def test_clock_endpoint_advances_time() -> None:
    with Sandbox(endpoints=10, companies=2) as sandbox:
        before = sandbox.gravityzone.clock.now()
        url = sandbox.info()["gravityzone"]["sandbox_url"]
        assert httpx.post(f"{url}/clock", json={"advance_seconds": 3600}).status_code == 200
        assert (sandbox.gravityzone.clock.now() - before).total_seconds() >= 3600
        assert httpx.post(f"{url}/clock", json={"advance_seconds": -1}).status_code == 400
