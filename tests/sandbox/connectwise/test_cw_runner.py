"""The Sandbox runs the PSA and Automate simulators and reports how to reach them."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from psabridge.sandbox.runner import Sandbox


def test_info_keys_and_shared_clock(make_sandbox: Callable[..., Sandbox]) -> None:
    box = make_sandbox()
    info = box.info()
    assert set(info["connectwise"]) == {
        "site_url",
        "company_id",
        "public_key",
        "private_key",
        "client_id",
        "sandbox_url",
    }
    assert set(info["automate"]) == {
        "server_url",
        "username",
        "password",
        "client_id",
        "sandbox_url",
    }
    assert box.connectwise.clock is box.gravityzone.clock is box.automate.clock
    state = httpx.get(f"{info['connectwise']['sandbox_url']}/state", timeout=10).json()
    assert state["counts"]["companies"] > 0


def test_rate_limit_options(make_sandbox: Callable[..., Sandbox]) -> None:
    assert make_sandbox(rate_limits=False).connectwise.limiter.limit is None
    limited = Sandbox(cw_rate_limit=(5, 10.0), time_scale=2.0)
    assert limited.connectwise.limiter.limit == (5, 10.0)
    assert limited.connectwise.limiter.time_scale == 2.0
    assert Sandbox().connectwise.limiter.limit == (1000, 60.0)
    assert Sandbox(cw_rate_limit=None).connectwise.limiter.limit is None
