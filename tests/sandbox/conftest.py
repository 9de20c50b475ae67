"""Fixtures: a sandbox on ephemeral ports, a JSON-RPC caller and a local push receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox
from psabridge.sandbox.serving import BackgroundServer

from .gzhelpers import Receiver, Rpc


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Return a factory of started sandboxes, all stopped at teardown."""
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        options.setdefault("rate_limits", False)
        sandbox = Sandbox(**options).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """Return a default sandbox with rate limits off."""
    return make_sandbox()


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """Return one HTTP client for the whole run (SSL context set-up is slow)."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def rpc(sandbox: Sandbox, http: httpx.Client) -> Rpc:
    """Return a caller for the default sandbox."""
    return Rpc(sandbox, http)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Start a push receiver on an ephemeral port."""
    recv = Receiver()
    server = BackgroundServer(recv)
    server.start()
    recv.url = f"{server.root_url}/push"
    yield recv
    server.stop()
