"""`psabridge run` end to end: login, sandbox connected, push enabled, alerts arrive, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.stack import Stack, free_port, logged_in_client, start_stack

pytestmark = pytest.mark.slow
ALERT_WAIT = 30.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


def test_login_page_is_served(stack):
    answer = httpx.get(stack.url + "/login/", timeout=10)
    assert answer.status_code == 200
    assert "Log in to psabridge" in answer.text
    assert "Admin login: admin / e2e-admin-password-1" in stack.log()


def test_sandbox_gravityzone_is_connected_and_valid(stack):
    client = logged_in_client(stack)
    page = client.get("/connections/").text
    assert "sandbox" in page and 'class="pill ok">ok<' in page
    assert "Mappings" in client.get("/mappings/").text


def test_enable_push_makes_sandbox_alerts_appear(stack):
    client = logged_in_client(stack)
    assert client.get("/api/alerts").json()["total"] == 0
    answer = client.post("/connections/gravityzone/push/enable")
    assert answer.status_code == 302
    started = time.monotonic()
    total = 0
    while time.monotonic() - started < ALERT_WAIT and total == 0:
        time.sleep(0.5)
        total = client.get("/api/alerts").json()["total"]
    elapsed = time.monotonic() - started
    print(f"first sandbox alerts visible {elapsed:.1f} s after Enable push")
    assert total > 0, stack.log()
    kinds = {a["kind"] for a in client.get("/api/alerts?limit=500").json()["items"]}
    assert kinds, "alerts have kinds"
    status = client.get("/status/").text
    assert "gravityzone" in status and "Events" in status


def children_of(pid: int) -> dict[int, str]:
    """pid -> command line of the processes whose parent is `pid` (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = command
    return found


def test_a_killed_worker_is_restarted_and_the_webhook_stays_up(stack):
    worker = next(p for p, cmd in children_of(stack.process.pid).items() if " worker " in cmd)
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while "the worker process is running again" not in stack.log():
        assert stack.process.poll() is None, "psabridge run must not stop: " + stack.log()
        assert time.monotonic() < deadline, stack.log()
        assert httpx.get(stack.url + "/healthz", timeout=10).status_code == 200
        time.sleep(0.3)
    assert "restarting it in 1 s" in stack.log()
    again = [p for p, cmd in children_of(stack.process.pid).items() if " worker " in cmd]
    assert again and worker not in again


def test_stops_cleanly_on_ctrl_c(stack):
    assert stack.stop() == 0
    assert "stopping" in stack.log()


def test_sandbox_json_prints_one_line_first(tmp_path: Path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "psabridge.cli",
            "sandbox",
            "--json",
            "--gravityzone-port",
            str(port),
            "--halopsa-port",
            str(free_port()),
            "--connectwise-port",
            str(free_port()),
            "--automate-port",
            str(free_port()),
            "--autotask-port",
            str(free_port()),
        ],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        gravityzone = info["gravityzone"]
        assert gravityzone["base_url"] == f"http://127.0.0.1:{port}/api"
        assert gravityzone["api_key"]
        assert httpx.get(gravityzone["sandbox_url"] + "/state", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0


def test_sandbox_stops_on_ctrl_c_even_when_started_with_sigint_ignored():
    # A background job of a script inherits SIGINT as ignored (CI started with nohup ... &):
    # the sandbox still stops on Ctrl-C, as `run` does.
    argv = [sys.executable, "-m", "psabridge.cli", "sandbox", "--json"]
    ports = ("--gravityzone-port", "--halopsa-port", "--connectwise-port", "--automate-port")
    for option in (*ports, "--autotask-port"):
        argv += [option, str(free_port())]
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert process.stdout is not None
        json.loads(process.stdout.readline())
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
