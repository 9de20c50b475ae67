"""Scale-out as the README gives it: `psabridge migrate`, two `psabridge web` nodes, a worker with
--scheduler and one without; a second scheduler refuses to start; an event pushed to either web
node becomes an alert through the workers. On the PostgreSQL + Redis stage it runs on a fresh
database and a queue of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import _drop_databases, _fresh_postgres, free_port

pytestmark = pytest.mark.slow
PSABRIDGE = [sys.executable, "-m", "psabridge.cli"]
AV_EVENT = {
    "module": "av",
    "companyId": "5efb3a520075db7384dfa2aa",
    "computer_name": "WS-042",
    "computer_id": "5efb3a520075db7384dfa286",
    "malware_name": "Trojan.GenericKD.1",
    "final_status": "quarantined",
    "timestamp": "2024-07-12T08:33:13.000Z",
}


class Site:
    """Processes of one site on a data directory of its own."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PSABRIDGE, *args], env=self.env, capture_output=True, text=True, timeout=120
        )

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [*PSABRIDGE, *args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.update(
        PSABRIDGE_DATA_DIR=str(tmp_path),
        PSABRIDGE_QUEUE_NAME=f"psabridge-scale-{uuid.uuid4().hex[:8]}",
        PSABRIDGE_SANDBOX="never",
        PSABRIDGE_WEB_WORKERS="1",
    )
    cleanups: list[tuple[str, str]] = []
    if env.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"], cleanups = _fresh_postgres(env["DATABASE_URL"])
    running = Site(env)
    yield running
    running.stop()
    _drop_databases(cleanups)


def _wait(check: Any, what: str, seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {seconds:.0f} s")


def test_two_web_nodes_two_workers_and_one_scheduler(site: Site) -> None:
    migrated = site.run("migrate")
    assert migrated.returncode == 0 and "up to date" in migrated.stdout, migrated.stderr
    ports = [free_port(), free_port()]
    for port in ports:
        site.start("web", "--port", str(port))
    site.start("worker", "--scheduler")
    site.start("worker")
    for port in ports:
        _wait(lambda p=port: httpx.get(f"http://127.0.0.1:{p}/healthz").status_code == 200, "web")
    second = _wait(
        lambda: (r := site.run("worker", "--scheduler")).returncode == 2 and r, "scheduler claim"
    )
    assert "another scheduler runs" in second.stderr

    receiver = json.loads(site.run("receiver", "--json").stdout)
    path = receiver["url"].split("/webhooks/", 1)[1]
    headers = {"Authorization": receiver["authorization"]}
    for number, port in enumerate(ports):
        event = {**AV_EVENT, "computer_name": f"WS-{number}"}
        body = {"jsonrpc": "2.0", "method": "addEvents", "params": {"events": [event]}, "id": 1}
        url = f"http://127.0.0.1:{port}/webhooks/{path}"
        assert httpx.post(url, json=body, headers=headers, timeout=10).status_code == 200

    def alerts() -> list[dict[str, Any]]:
        shown = site.run("alerts", "--json")
        rows = [json.loads(line) for line in shown.stdout.splitlines() if line.strip()]
        return rows if len(rows) == 2 else []

    found = _wait(alerts, "both events processed by the workers")
    assert {row["endpoint_name"] for row in found} == {"WS-0", "WS-1"}
