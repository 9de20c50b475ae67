"""Start the real product (`psabridge run`: web, worker, scheduler, sandbox) for e2e tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

START_TIMEOUT = 120.0
ADMIN_PASSWORD = "e2e-admin-password-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    """A running `psabridge run` and what a test needs to talk to it."""

    url: str
    sandbox_url: str
    halo_sandbox_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    cleanups: list[tuple[str, str]] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """Stop as Ctrl-C does and return the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        _drop_databases(self.cleanups)
        return int(self.process.returncode)


def _stack_env(
    data_dir: Path, web_port: int, sandbox_port: int, halo_port: int
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.update(
        PSABRIDGE_DATA_DIR=str(data_dir),
        PSABRIDGE_PORT=str(web_port),
        PSABRIDGE_SANDBOX_PORT=str(sandbox_port),
        PSABRIDGE_SANDBOX_HALO_PORT=str(halo_port),
        PSABRIDGE_SANDBOX_CW_PORT=str(free_port()),
        PSABRIDGE_SANDBOX_AUTOMATE_PORT=str(free_port()),
        PSABRIDGE_SANDBOX_AUTOTASK_PORT=str(free_port()),
        PSABRIDGE_ADMIN_PASSWORD=ADMIN_PASSWORD,
        PSABRIDGE_SANDBOX_ALERT_INTERVAL="2",
        PSABRIDGE_WEB_WORKERS="1",
        PSABRIDGE_QUEUE_NAME=f"psabridge-e2e-{uuid.uuid4().hex[:8]}",
    )
    cleanups: list[tuple[str, str]] = []
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"], cleanups = _fresh_postgres(os.environ["DATABASE_URL"])
    return env, cleanups


def _fresh_postgres(url: str) -> tuple[str, list[tuple[str, str]]]:
    import psycopg

    name = f"psabridge_e2e_{uuid.uuid4().hex[:10]}"
    admin_url = url.replace("postgres://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return re.sub(r"/[^/]*$", f"/{name}", url), [(admin_url, name)]


def _drop_databases(cleanups: list[tuple[str, str]]) -> None:
    import psycopg

    for admin_url, name in cleanups:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    cleanups.clear()


CONNECTWISE_SANDBOX = {"PSABRIDGE_SANDBOX_PSA": "connectwise"}


def start_stack(data_dir: Path, extra_env: dict[str, str] | None = None) -> Stack:
    """Run `psabridge run` on free ports and wait until it says it is serving.

    `extra_env` adds settings, e.g. PSABRIDGE_SANDBOX_PSA=connectwise.
    """
    web_port, sandbox_port, halo_port = free_port(), free_port(), free_port()
    env, cleanups = _stack_env(data_dir, web_port, sandbox_port, halo_port)
    env.update(extra_env or {})
    log_path = data_dir / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "psabridge.cli", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(
        f"http://127.0.0.1:{web_port}",
        f"http://127.0.0.1:{sandbox_port}",
        f"http://127.0.0.1:{halo_port}/_sandbox",
        process,
        log_path,
        cleanups,
    )
    _wait_for_banner(stack)
    return stack


def _wait_for_banner(stack: Stack) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if "psabridge is running at" in stack.log():
            return
        if stack.process.poll() is not None:
            raise RuntimeError("psabridge run stopped during start-up:\n" + stack.log())
        time.sleep(0.3)
    stack.stop()
    raise RuntimeError("psabridge run did not start in time:\n" + stack.log())


def logged_in_client(stack: Stack) -> httpx.Client:
    """Return an httpx client with an admin session and the CSRF token header set."""
    client = httpx.Client(base_url=stack.url, timeout=30.0, follow_redirects=False)
    client.get("/login/")
    token = client.cookies["csrftoken"]
    answer = client.post(
        "/login/",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 302, answer.text
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client
