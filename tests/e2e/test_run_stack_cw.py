"""`psabridge run` with PSABRIDGE_SANDBOX_PSA=connectwise: ConnectWise PSA and Automate on."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.stack import CONNECTWISE_SANDBOX, Stack, logged_in_client, start_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("cw-stack"), CONNECTWISE_SANDBOX)
    yield running
    running.stop()


def test_banner_names_the_connectwise_sandbox_systems(stack):
    log = stack.log()
    assert re.search(r"sandbox connectwise at http://127\.0\.0\.1:\d+ \(connection: ok\)", log)
    assert re.search(r"sandbox automate at http://127\.0\.0\.1:\d+ \(connection: ok\)", log)
    assert "sandbox halopsa" not in log


def test_connections_status_and_mappings_show_connectwise(stack):
    client = logged_in_client(stack)
    connections = client.get("/connections/").text
    assert "ConnectWise PSA" in connections and "ConnectWise Automate" in connections
    assert connections.count('class="pill ok">ok<') == 3  # GravityZone, ConnectWise, Automate
    status = client.get("/status/").text
    assert "ConnectWise PSA" in status and "ConnectWise Automate" in status
    mappings = client.get("/mappings/").text
    assert "Automate client" in mappings, "with Automate the table has its column (R2.1)"
