"""The Sandbox runs the Autotask simulator beside the others and reports how to reach it."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from psabridge.sandbox.runner import Sandbox


def test_info_keys_shared_clock_and_world(make_sandbox: Callable[..., Sandbox]) -> None:
    box = make_sandbox()
    info = box.info()["autotask"]
    assert set(info) == {
        "zone_url",
        "zone_lookup_url",
        "api_url",
        "username",
        "secret",
        "integration_code",
        "sandbox_url",
    }
    assert box.autotask.clock is box.gravityzone.clock
    zone = httpx.get(info["zone_lookup_url"], params={"user": info["username"]}, timeout=10)
    assert zone.json()["url"] == info["api_url"]
    assert info["zone_lookup_url"].startswith(info["zone_url"] + "/")  # the form's address
    names = {c.name for c in box.gravityzone.world.companies.values()}
    exact = [r for r in box.autotask.store.scenario["companies"] if r["match"] == "exact"]
    assert exact and all(r["gravityzone_name"] in names for r in exact)


def test_limit_options() -> None:
    assert Sandbox().autotask.limits.threshold.limit == 10_000
    assert Sandbox().autotask.limits.gate.limit == 3
    off = Sandbox(rate_limits=False).autotask.limits
    assert off.threshold.limit is None and off.gate.limit is None
    scaled = Sandbox(at_threshold=50, time_scale=60.0).autotask.limits.threshold
    assert scaled.limit == 50 and scaled.window == 60.0
    assert Sandbox(at_threshold=None).autotask.limits.gate.limit == 3
