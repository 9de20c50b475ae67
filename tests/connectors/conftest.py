"""Fixtures for connector tests: a fake clock and sleeper, an audit sink, GravityZone builders."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import limits.storage.memory
import pytest
from pydantic import SecretStr

from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.connectors.gravityzone.client import GravityZoneClient
from psabridge.connectors.http import CallRecord

API_KEY = "gz-TEST-key-7f3a9c1e5b2d4f6a8c0e"
ACCESS_URL = "https://gz.test/api"


class FakeClock:
    """Monotonic, wall and datetime clocks that only move when the fake sleeper sleeps."""

    def __init__(self) -> None:
        self.wall = 1_700_000_000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.wall += seconds

    def advance(self, seconds: float) -> None:
        self.wall += seconds

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.wall - 1_699_000_000.0

    def now(self) -> datetime:
        return datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC) + timedelta(
            seconds=self.wall - 1_700_000_000.0
        )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Return a fake clock; the `limits` memory storage reads it too, so windows move with it."""
    fake = FakeClock()
    monkeypatch.setattr(limits.storage.memory, "time", types.SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def records() -> list[CallRecord]:
    return []


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def http_options(clock: FakeClock, records: list[CallRecord]) -> dict[str, Any]:
    """Return HttpClient options with the fake sleeper and clocks and a list audit sink."""
    return {
        "sleeper": clock.sleep,
        "clock": clock.monotonic,
        "now": clock.now,
        "audit": records.append,
    }


@pytest.fixture
def make_client(http_options: dict[str, Any]) -> Iterator[Callable[..., GravityZoneClient]]:
    """Return a builder of GravityZone clients answering through a MockTransport handler."""
    built: list[GravityZoneClient] = []

    def build(handler: Handler, **overrides: Any) -> GravityZoneClient:
        options = {**http_options, "transport": httpx.MockTransport(handler), **overrides}
        client = GravityZoneClient.connect(ACCESS_URL, SecretStr(API_KEY), **options)
        built.append(client)
        return client

    yield build
    for client in built:
        client.close()


@pytest.fixture
def make_platform(
    make_client: Callable[..., GravityZoneClient],
) -> Callable[..., GravityZonePlatform]:
    def build(handler: Handler, **limits_: Any) -> GravityZonePlatform:
        return GravityZonePlatform(make_client(handler), **limits_)

    return build


def assert_no_secret(*texts: object, secret: str = API_KEY) -> None:
    """Fail if the secret (or its Basic-auth encoding) appears in any of the texts."""
    import base64

    encoded = base64.b64encode(f"{secret}:".encode()).decode()
    for text in texts:
        assert secret not in str(text)
        assert encoded not in str(text)
