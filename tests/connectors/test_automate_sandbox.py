"""AutomateClients against the real ConnectWise Automate simulator."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from psabridge.connectors.automate.adapter import AutomateClients
from psabridge.connectors.connectwise.billing import ConnectWiseBilling
from psabridge.connectors.errors import TransientError
from psabridge.connectors.http import CallRecord
from psabridge.sandbox.runner import Sandbox

pytestmark = pytest.mark.slow


@dataclass
class Simulator:
    info: dict[str, str]

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.info['sandbox_url']}/{path}", json=body)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_limits=False, companies=8, endpoints=80) as running:
        yield running


@pytest.fixture(scope="module")
def simulator(sandbox: Sandbox) -> Simulator:
    return Simulator(sandbox.info()["automate"])


@pytest.fixture(autouse=True)
def fresh(simulator: Simulator) -> Iterator[None]:
    yield
    simulator.control("DELETE", "faults")
    simulator.control("POST", "reset")


@pytest.fixture
def connect(
    simulator: Simulator, records: list[CallRecord]
) -> Iterator[Callable[..., AutomateClients]]:
    built: list[AutomateClients] = []

    def build(**overrides: Any) -> AutomateClients:
        info = {**simulator.info, **overrides}
        adapter = AutomateClients.connect(
            info["server_url"],
            info["username"],
            SecretStr(info["password"]),
            info["client_id"],
            sleeper=lambda seconds: None,
            audit=records.append,
        )
        built.append(adapter)
        return adapter

    yield build
    for adapter in built:
        adapter.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_validate(connect: Callable[..., AutomateClients], simulator: Simulator) -> None:
    assert connect().validate().outcome == "ok"
    assert connect(password="wrong").validate().outcome == "invalid_key"
    assert connect(username="nobody").validate().outcome == "invalid_key"
    assert connect(client_id="not-registered").validate().outcome == "invalid_key"
    assert connect(server_url=closed_port_url()).validate().outcome == "cannot_connect"
    message = connect(password="wrong").validate().message
    assert simulator.info["password"] not in message


def test_clients_link_to_psa_companies(
    connect: Callable[..., AutomateClients], sandbox: Sandbox
) -> None:
    cw = sandbox.info()["connectwise"]
    billing = ConnectWiseBilling.connect(
        cw["site_url"],
        cw["company_id"],
        SecretStr(cw["public_key"]),
        SecretStr(cw["private_key"]),
        cw["client_id"],
    )
    companies = {c.id for c in billing.companies()}
    clients = connect().clients()
    linked = [c for c in clients if c.external_id is not None]
    assert linked and {c.external_id for c in linked} <= companies
    assert all(c.name for c in clients)


def test_unlinked_client_has_no_external_id(
    connect: Callable[..., AutomateClients], simulator: Simulator
) -> None:
    simulator.control("POST", "clients", {"Name": "Unlinked Ltd", "ExternalId": 0})
    clients = {c.name: c for c in connect().clients()}
    assert clients["Unlinked Ltd"].external_id is None


def test_expired_token_logs_in_again_once(
    connect: Callable[..., AutomateClients], simulator: Simulator, records: list[CallRecord]
) -> None:
    adapter = connect()
    adapter.clients()
    simulator.control("POST", "tokens/expire", {})
    assert adapter.clients()
    assert [r.operation for r in records].count("apitoken") == 2
    assert [r.status for r in records if r.operation == "clients.list"] == [200, 401, 200]


def test_server_errors_are_transient_and_bounded(
    connect: Callable[..., AutomateClients], simulator: Simulator, records: list[CallRecord]
) -> None:
    fault = {"path": "*", "method": "GET", "mode": "status", "status": 500, "times": 10}
    simulator.control("POST", "faults", fault)
    with pytest.raises(TransientError):
        connect().clients()
    assert [r.status for r in records if r.operation == "clients.list"] == [500] * 4
