"""A push killed (SIGKILL) after k writes: the ledger lists every write that reached the PSA, and
a re-run completes the rest with no double line (R3.8, the ledger written ahead).

The push runs as its own `psabridge billing push --yes` process against the in-process sandbox,
one invoice (or addition) per write. The sandbox lets k writes through, then holds the next one:
`commit_then_hang` writes it and never answers, `hang` never writes it. The test kills the process
while that write is held, then reads the ledger, the PSA, and pushes again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox
from tests.support.stack import _drop_databases, _fresh_postgres

CHILD = Path(__file__).resolve().parents[1] / "support" / "billing_child.py"
HALO_WRITE = "POST /api/RecurringInvoice"
CW_WRITE = "POST /finance/agreements/{parentId}/additions"
SENT = ("intent", "done", "landed")  # what the ledger says of a write that may be in the PSA


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_limits=False, companies=12, endpoints=120) as running:
        yield running


@pytest.fixture
def child(tmp_path: Path, sandbox: Sandbox) -> Iterator[Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.pop("REDIS_URL", None)
    env.update(
        PSABRIDGE_DATA_DIR=str(tmp_path),
        PSABRIDGE_HUEY_IMMEDIATE="1",
        PSABRIDGE_BILLING_WRITE_BATCH="1",  # one invoice a write: k writes, k invoices
        PSABRIDGE_QUEUE_NAME=f"psabridge-kill-{uuid.uuid4().hex[:8]}",
    )
    cleanups: list[tuple[str, str]] = []
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"], cleanups = _fresh_postgres(os.environ["DATABASE_URL"])
    else:
        env.pop("DATABASE_URL", None)
    for name in ("halopsa", "connectwise"):
        httpx.post(f"{sandbox.info()[name]['sandbox_url']}/reset", timeout=10).raise_for_status()
        httpx.delete(f"{sandbox.info()[name]['sandbox_url']}/faults", timeout=10)
    yield Child(env, tmp_path, sandbox)
    _drop_databases(cleanups)


class Child:
    """Runs psabridge processes on one data directory against the module's sandbox."""

    def __init__(self, env: dict[str, str], data_dir: Path, sandbox: Sandbox) -> None:
        self.env, self.data_dir, self.sandbox = env, data_dir, sandbox

    def setup(self, command: str, spec: dict[str, Any]) -> None:
        path = self.data_dir / "spec.json"
        path.write_text(json.dumps({**self.sandbox.info(), **spec}))
        done = self._run([sys.executable, str(CHILD), command, str(path)])
        assert done.returncode == 0, done.stdout + done.stderr

    def ledger(self) -> dict[str, Any]:
        path = self.data_dir / "spec.json"
        done = self._run([sys.executable, str(CHILD), "ledger", str(path)])
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def push(self) -> subprocess.CompletedProcess[str]:
        return self._run([sys.executable, "-m", "psabridge.cli", "billing", "push", "--yes"])

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, env=self.env, capture_output=True, text=True, timeout=300, check=False
        )

    def push_killed_after(self, system: str, label: str, path: str, k: int, mode: str) -> None:
        """Start a push, let k writes through, hold the next one, kill -9 the push meanwhile."""
        url = self.sandbox.info()[system]["sandbox_url"]
        through = {"path": path, "method": "POST", "mode": "latency", "latency_ms": 0, "times": k}
        held = {"path": path, "method": "POST", "mode": mode, "latency_ms": 120_000, "times": 1}
        for fault in (through, held):
            httpx.post(f"{url}/faults", json=fault, timeout=10).raise_for_status()
        before = _calls(url).get(label, 0)
        process = subprocess.Popen(
            [sys.executable, "-m", "psabridge.cli", "billing", "push", "--yes"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(lambda: _calls(url).get(label, 0) - before >= k + 1, process)
            time.sleep(0.5)  # commit_then_hang: the held write is done, its answer never comes
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        httpx.delete(f"{url}/faults", timeout=10)


def _calls(url: str) -> dict[str, int]:
    return dict(httpx.get(f"{url}/state", timeout=10).json()["calls"])


def _wait(done: Any, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert process.poll() is None, "the push ended before the held write"
        assert time.monotonic() < deadline, "the push never reached the held write"
        time.sleep(0.1)


def halo_state(sandbox: Sandbox) -> dict[str, Any]:
    return dict(httpx.get(f"{sandbox.info()['halopsa']['sandbox_url']}/state", timeout=10).json())


def our_halo_lines(sandbox: Sandbox) -> Counter[tuple[str, str]]:
    """(invoice, marker) of every line psabridge wrote, counted (2 would be a double line)."""
    return Counter(
        (str(invoice["id"]), str(line["comment_1"]))
        for invoice in halo_state(sandbox)["invoices"]
        for line in invoice["lines"]
        if str(line.get("comment_1") or "").startswith("psabridge:")
    )


@pytest.mark.parametrize(("k", "mode"), [(1, "commit_then_hang"), (3, "hang")])
def test_halo_push_killed_after_k_writes(child: Child, sandbox: Sandbox, k: int, mode: str) -> None:
    owner = next(i for i in halo_state(sandbox)["invoices"] if i["id"] == 1)["client_id"]
    child.setup("halo-setup", {"skip_client": str(owner)})
    child.push_killed_after("halopsa", HALO_WRITE, "/api/RecurringInvoice", k, mode)

    in_psa = our_halo_lines(sandbox)
    entries = child.ledger()["entries"]
    listed = {(e["invoice_id"], e["marker"]) for e in entries if e["state"] in SENT}
    assert set(in_psa) <= listed, "every write that reached the PSA is in the ledger"
    held = [e for e in entries if e["state"] == "intent"]
    assert held, "the held write is recorded, its answer unknown"
    assert len({e["invoice_id"] for e in entries if e["state"] == "done"}) == k

    again = child.push()
    assert again.returncode == 0, again.stdout + again.stderr
    entries = child.ledger()["entries"]
    assert not [e for e in entries if e["state"] == "intent"], "every unanswered write settled"
    held_markers = {h["marker"] for h in held}
    settled = {e["state"] for e in entries if e["marker"] in held_markers}
    assert ("landed" if mode == "commit_then_hang" else "not_landed") in settled
    lines = our_halo_lines(sandbox)
    assert max(lines.values()) == 1, "no double line"
    assert set(lines) >= set(in_psa)
    last = child.push()
    assert "0 line write(s)" in last.stdout, last.stdout


def cw_companies(sandbox: Sandbox) -> list[dict[str, Any]]:
    state = httpx.get(f"{sandbox.info()['connectwise']['sandbox_url']}/state", timeout=10).json()
    return [row for row in state["scenario"]["companies"] if row["psa_company_id"]]


def cw_month_additions(sandbox: Sandbox) -> Counter[str]:
    """Agreement -> number of GZ-ENDPOINT additions on it."""
    state = httpx.get(f"{sandbox.info()['connectwise']['sandbox_url']}/state", timeout=10).json()
    return Counter(str(a["agreementId"]) for a in state["additions"] if a["product"]["id"] == 1)


@pytest.mark.parametrize(("k", "mode"), [(2, "commit_then_hang")])
def test_connectwise_sync_killed_after_k_writes(
    child: Child, sandbox: Sandbox, k: int, mode: str
) -> None:
    child.setup("cw-setup", {"companies": cw_companies(sandbox)})
    before = cw_month_additions(sandbox)
    child.push_killed_after("connectwise", CW_WRITE, "/finance/agreements/*", k, mode)

    added = cw_month_additions(sandbox) - before
    entries = child.ledger()["entries"]
    listed = {e["invoice_id"] for e in entries if e["state"] in SENT and e["action"] != "skipped"}
    assert set(added) <= listed, "every addition that reached the PSA is in the ledger"
    assert sum(added.values()) == (k + 1 if mode == "commit_then_hang" else k)
    assert [e for e in entries if e["state"] == "intent"]

    again = child.push()
    assert again.returncode == 0, again.stdout + again.stderr
    entries = child.ledger()["entries"]
    assert not [e for e in entries if e["state"] == "intent"]
    assert ("landed" if mode == "commit_then_hang" else "not_landed") in {
        e["state"] for e in entries
    }
    after = cw_month_additions(sandbox) - before
    assert max(after.values()) == 1, "no second addition on any agreement"
    assert "0 write(s)" in child.push().stdout
