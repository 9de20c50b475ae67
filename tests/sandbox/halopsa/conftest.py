"""Fixtures: a HaloPSA caller on one shared sandbox, reset to the seed before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox

from .helpers import HaloApi


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[Sandbox]:
    """Return one sandbox (rate limits off) for every test that can reset it."""
    with Sandbox(rate_limits=False) as sandbox:
        yield sandbox


@pytest.fixture
def halo(shared_sandbox: Sandbox, http: httpx.Client) -> HaloApi:
    """Return a caller for the shared sandbox, its Halo world back to the seed."""
    api = HaloApi(shared_sandbox, http)
    api.sandbox("POST", "reset")
    return api
