"""Fixtures: an Autotask simulator on an ephemeral port, reset before each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from psabridge.sandbox.autotask import AutotaskSimulator, sources_from_gravityzone
from psabridge.sandbox.gravityzone import GravityZoneSimulator
from psabridge.sandbox.serving import BackgroundServer

from .helpers import AtApi


def _sources() -> Any:
    return sources_from_gravityzone(GravityZoneSimulator(seed=7).world)


@pytest.fixture(scope="session")
def at_server() -> Iterator[tuple[AutotaskSimulator, BackgroundServer]]:
    """Serve one simulator (limits off) for every test that can reset it."""
    sim = AutotaskSimulator(sources=_sources(), threshold=None, thread_limit=None)
    server = BackgroundServer(sim)
    sim.start_background()
    server.start()
    yield sim, server
    sim.stop_background()
    server.stop()


@pytest.fixture
def at(at_server: tuple[AutotaskSimulator, BackgroundServer], http: httpx.Client) -> AtApi:
    """Return a caller for the shared simulator, its world back to the seed."""
    sim, server = at_server
    api = AtApi(sim, server.root_url, http)
    api.sandbox("POST", "reset")
    return api


@pytest.fixture
def make_at(http: httpx.Client) -> Iterator[Callable[..., AtApi]]:
    """Return a factory of callers for fresh simulators with given options."""
    running: list[tuple[AutotaskSimulator, BackgroundServer]] = []

    def make(**options: Any) -> AtApi:
        sim = AutotaskSimulator(**options)
        server = BackgroundServer(sim)
        sim.start_background()
        server.start()
        running.append((sim, server))
        return AtApi(sim, server.root_url, http)

    yield make
    for sim, server in running:
        sim.stop_background()
        server.stop()
