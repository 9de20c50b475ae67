"""Fixtures: a ConnectWise PSA caller on one shared sandbox, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox

from .helpers import CwApi


@pytest.fixture(scope="session")
def cw_box() -> Iterator[Sandbox]:
    """Return one sandbox (rate limits off) for every test that can reset it."""
    with Sandbox(rate_limits=False) as sandbox:
        yield sandbox


@pytest.fixture
def cw(cw_box: Sandbox, http: httpx.Client) -> CwApi:
    """Return a caller for the shared sandbox, its PSA world back to the seed."""
    api = CwApi(cw_box, http)
    api.sandbox("POST", "reset")
    return api
