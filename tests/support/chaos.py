"""A chaos scenario for alert intake and ticketing: a psabridge site of web and worker processes
(on PostgreSQL + Redis when given) takes a storm of GravityZone events while the sandbox HaloPSA
fails, is slow and loses answers, and workers are killed (kill -9) and restarted. The report is
measured against the sandbox's ground truth: lost alerts, duplicate tickets, duplicate notes.

Used by the PostgreSQL + Redis stage of the suite (a small storm) and by `bench/chaos.py`.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from psabridge.sandbox.gravityzone.events import ALERT_MODULES
from psabridge.sandbox.gravityzone.generator import AlertRequest

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "support" / "site_child.py"
PSABRIDGE = [sys.executable, "-m", "psabridge.cli"]
NOTE_REFERENCE = re.compile(r"\(psabridge note (psabridge-note:[0-9a-f-]+)\)")
SINGLE_NOTE = "Another alert for this endpoint:"
COALESCED_NOTE = re.compile(r"^(\d+) more alerts for this endpoint and kind:")


@dataclass
class ChaosPlan:
    """How big the storm is and what goes wrong while it runs."""

    alerts: int = 300
    endpoints: int = 20
    web: int = 2
    workers: int = 2
    batch: int = 10
    seconds: float = 20.0  # the storm is spread over this long
    duplicates: float = 0.05  # share of batches sent twice (to the other web node)
    edr_resends: int = 5
    kill_every: float = 0.0  # seconds between worker kills (0: one kill mid-storm)
    faults: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (at s, fault)
    # (at s, what to do to the site): kill a web node, terminate database sessions, restart Redis
    actions: list[tuple[float, Callable[[Site], str]]] = field(default_factory=list)
    drain_limit: float = 300.0
    seed: int = 11
    settings: dict[str, str] = field(default_factory=dict)  # more environment of the site


@dataclass
class ChaosReport:
    """What the storm did, against the sandbox's ground truth."""

    pushed: int = 0  # distinct alert events pushed
    posts: int = 0
    stored: int = 0  # alerts psabridge holds
    ticketed: int = 0
    noted: int = 0
    lost: int = 0
    tickets: int = 0
    duplicate_tickets: int = 0
    notes: int = 0
    duplicate_notes: int = 0
    alerts_in_psa: int = 0  # alerts the tickets and note texts account for
    psa_calls: int = 0
    psa_429: int = 0
    kills: int = 0
    incidents: list[str] = field(default_factory=list)
    refused_posts: int = 0  # answers other than 200, sent again (as GravityZone counts errors)
    faults_armed: list[dict[str, Any]] = field(default_factory=list)
    faults_served: dict[str, int] = field(default_factory=dict)  # fault -> calls it answered
    drain_seconds: float | None = None
    states: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Site:
    """psabridge web and worker processes on a data directory (and database) of their own."""

    def __init__(self, env: dict[str, str], data_dir: Path) -> None:
        self.env, self.data_dir = env, data_dir
        self.web: list[tuple[int, subprocess.Popen[bytes]]] = []
        self.workers: list[subprocess.Popen[bytes]] = []

    def child(self, command: str, spec: dict[str, Any]) -> dict[str, Any]:
        path = self.data_dir / "spec.json"
        path.write_text(json.dumps(spec))
        done = subprocess.run(
            [sys.executable, str(CHILD), command, str(path)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"site_child {command} failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.data_dir / "processes.log").open("ab")
        return subprocess.Popen(
            [*PSABRIDGE, *args], env=self.env, stdout=log, stderr=log, start_new_session=True
        )

    def start(self, web: int, workers: int) -> None:
        for _ in range(web):
            port = free_port()
            self.web.append((port, self._spawn("web", "--port", str(port), "--workers", "1")))
        self.workers = [self._spawn("worker", "--scheduler")]
        self.workers += [self._spawn("worker") for _ in range(workers - 1)]
        for port, _ in self.web:
            _wait(lambda p=port: httpx.get(f"http://127.0.0.1:{p}/healthz?live=1").is_success)

    def kill_web(self, index: int = 0) -> str:
        """kill -9 one web node and start it again on its port (the proxy sends to the other)."""
        port, process = self.web[index]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.web[index] = (port, self._spawn("web", "--port", str(port), "--workers", "1"))
        return f"web node {index + 1} killed (kill -9) and started again"

    def kill_worker(self, rng: random.Random) -> None:
        """kill -9 one worker and start it again (as systemd or `run` would)."""
        index = rng.randrange(len(self.workers))
        os.killpg(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait()
        self.workers[index] = self._spawn("worker", *(["--scheduler"] if index == 0 else []))

    def stop(self) -> None:
        processes = [p for _, p in self.web] + self.workers
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def site_env(data_dir: Path, database_url: str = "", redis_url: str = "") -> dict[str, str]:
    """The environment of a chaos site: its own data directory, queue and (given) database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        PSABRIDGE_DATA_DIR=str(data_dir),
        PSABRIDGE_QUEUE_NAME=f"psabridge-chaos-{uuid.uuid4().hex[:8]}",
        PSABRIDGE_SANDBOX="never",
        PSABRIDGE_NOTE_COALESCE_SECONDS="5",
        PSABRIDGE_LOG_LEVEL="WARNING",
        PSABRIDGE_WORKER_THREADS="4",
        PSABRIDGE_HTTP_TIMEOUT="5",  # a create held longer than this is ambiguous
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _wait(check: Callable[[], Any], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the site did not come up")


def plan_batches(sandbox: Any, mapped: list[str], plan: ChaosPlan) -> list[list[dict[str, Any]]]:
    """The storm's events, in batches: every alert kind over a choice of mapped endpoints."""
    rng = random.Random(plan.seed)
    world = sandbox.gravityzone.world
    endpoints = [e for c in mapped for e in world.endpoints_of(c) if e.is_managed]
    chosen = rng.sample(endpoints, min(plan.endpoints, len(endpoints)))
    events = []
    for number in range(plan.alerts):
        endpoint = chosen[number % len(chosen)]
        kind = ALERT_MODULES[rng.randrange(len(ALERT_MODULES))]
        request = AlertRequest(1, (kind,), "mixed", endpoint.company_id, endpoint.id)
        events += [g.event for g in sandbox.gravityzone.generator.generate(request)]
    for endpoint in chosen[: plan.edr_resends]:
        request = AlertRequest(1, ("new-incident",), "mixed", endpoint.company_id, endpoint.id)
        first = sandbox.gravityzone.generator.generate(request)
        again = AlertRequest(
            1, ("new-incident",), "mixed", endpoint.company_id, endpoint.id, 0, True
        )
        events += [g.event for g in first] + [
            g.event for g in sandbox.gravityzone.generator.generate(again)
        ]
    rng.shuffle(events)
    return [events[i : i + plan.batch] for i in range(0, len(events), plan.batch)]


def storm(
    site: Site,
    receiver: dict[str, str],
    batches: list[list[dict[str, Any]]],
    plan: ChaosPlan,
    sandbox: Any,
    report: ChaosReport,
) -> float:
    """Send the batches to the web nodes over `plan.seconds`, with the faults, kills and actions."""
    rng = random.Random(plan.seed + 1)
    halo = sandbox.info()["halopsa"]["sandbox_url"]
    faults = sorted(plan.faults, key=lambda f: f[0])
    actions = sorted(plan.actions, key=lambda a: a[0])
    started = time.monotonic()
    next_kill = started + (plan.kill_every or plan.seconds / 2)
    with httpx.Client(timeout=30) as client:
        for number, events in enumerate(batches):
            at = started + number * plan.seconds / len(batches)
            while time.monotonic() < at:
                time.sleep(0.01)
            elapsed = time.monotonic() - started
            while faults and elapsed >= faults[0][0]:
                report.faults_armed.append(faults.pop(0)[1])
                client.post(f"{halo}/faults", json=report.faults_armed[-1]).raise_for_status()
            while actions and elapsed >= actions[0][0]:
                report.incidents.append(actions.pop(0)[1](site))
            if time.monotonic() >= next_kill and (plan.kill_every or not report.kills):
                site.kill_worker(rng)
                report.kills += 1
                next_kill += plan.kill_every or plan.seconds * 10
            _send(client, site, receiver, events, rng, plan, report)
    return started


def _send(
    client: httpx.Client,
    site: Site,
    receiver: dict[str, str],
    events: list[dict[str, Any]],
    rng: random.Random,
    plan: ChaosPlan,
    report: ChaosReport,
) -> None:
    """POST one batch as GravityZone does, through a proxy over the web nodes: a node down or
    refusing sends the batch to the other, and a refused batch is sent again."""
    body = {"jsonrpc": "2.0", "method": "addEvents", "params": {"events": events}, "id": 1}
    headers = {"Authorization": receiver["authorization"]}
    first = rng.randrange(len(site.web))
    copies = 2 if rng.random() < plan.duplicates else 1  # GravityZone sending it twice
    for copy in range(copies):
        for attempt in range(20):
            port = site.web[(first + copy + attempt) % len(site.web)][0]
            try:
                answer = client.post(
                    f"http://127.0.0.1:{port}{receiver['path']}", json=body, headers=headers
                )
            except httpx.TransportError:
                answer = None
            report.posts += 1
            if answer is not None and answer.status_code == 200:
                break
            report.refused_posts += 1
            time.sleep(0.5)
        else:
            raise RuntimeError("a batch was refused 20 times")


FINAL = ("ticketed", "noted", "skipped", "ignored", "test")


def drain(site: Site, plan: ChaosPlan, started: float, report: ChaosReport) -> dict[str, Any]:
    """Wait until every alert is ticketed or noted (or the limit); return the site's report."""
    deadline = started + plan.drain_limit
    last_said = 0.0
    while True:
        held = site.child("report", {})
        alerts, events = held["alerts"], held["events"]
        busy = sum(n for state, n in alerts.items() if state not in FINAL)
        if time.monotonic() - last_said >= 10:
            last_said = time.monotonic()
            print(f"  t+{last_said - started:4.0f} s: alerts {alerts}, events {events}", flush=True)
        if not busy and not events.get("pending") and sum(alerts.values()) >= report.pushed:
            report.drain_seconds = time.monotonic() - started
            return held
        if time.monotonic() > deadline:
            print(f"  not drained; waiting: {json.dumps(held['waiting'], default=str)}", flush=True)
            return held
        time.sleep(2)


def measure(held: dict[str, Any], sandbox: Any, report: ChaosReport) -> None:
    """Count tickets, notes and alerts in the sandbox HaloPSA against psabridge's own view."""
    state = httpx.get(f"{sandbox.info()['halopsa']['sandbox_url']}/state", timeout=30).json()
    ours = [
        t for t in state["tickets"] if str(t.get("supplier_reference", "")).startswith("psabridge:")
    ]
    per_key = Counter(str(t["supplier_reference"]).split(":")[1].split("-")[0] for t in ours)
    report.tickets = len(ours)
    report.duplicate_tickets = sum(n - 1 for n in per_key.values() if n > 1)
    notes = [a.get("note") or "" for t in ours for a in t.get("actions", [])]
    references = Counter(m.group(1) for n in notes if (m := NOTE_REFERENCE.search(n)))
    report.notes = sum(references.values())
    report.duplicate_notes = sum(n - 1 for n in references.values() if n > 1)
    report.alerts_in_psa = report.tickets + sum(_listed(n) for n in notes)
    report.states = held["alerts"]
    report.stored = sum(held["alerts"].values())
    report.ticketed = held["alerts"].get("ticketed", 0)
    report.noted = held["alerts"].get("noted", 0)
    report.lost = report.pushed - report.ticketed - report.noted
    report.psa_calls = sum(state["calls"].values())
    report.psa_429 = int(state.get("rate_limited", 0))
    left = httpx.get(f"{sandbox.info()['halopsa']['sandbox_url']}/faults", timeout=30).json()
    served: Counter[str] = Counter()
    for armed in report.faults_armed:
        served[fault_label(armed)] += int(armed.get("times", 1))
    for unused in left["faults"]:
        served[fault_label(unused)] -= int(unused["times"] or 0)
    report.faults_served = dict(served)


def fault_label(fault: dict[str, Any]) -> str:
    """Say what an injected fault does, e.g. "POST /api/Tickets: status 500"."""
    what = fault["mode"] + (f" {fault.get('status', 500)}" if fault["mode"] == "status" else "")
    where = f"{fault.get('method', '*')} {fault['path']}".replace("* *", "every call")
    return f"{where}: {what}"


def _listed(note: str) -> int:
    if note.startswith(SINGLE_NOTE):
        return 1
    found = COALESCED_NOTE.match(note)
    return int(found.group(1)) if found else 0


def distinct_alerts(batches: list[list[dict[str, Any]]]) -> int:
    """Alert events GravityZone pushed once each (duplicate sends are not new alerts)."""
    return len({json.dumps(e, sort_keys=True) for batch in batches for e in batch})


def run_chaos(
    sandbox: Any,
    plan: ChaosPlan,
    database_url: str = "",
    redis_url: str = "",
    data_dir: Path | None = None,
) -> ChaosReport:
    """Set a site up on the sandbox, storm it under faults and kills, drain it, measure it."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="psabridge-chaos-"))
    print(f"  site data directory: {data_dir}", flush=True)
    site = Site({**site_env(data_dir, database_url, redis_url), **plan.settings}, data_dir)
    report = ChaosReport()
    try:
        ready = site.child("setup", sandbox.info())
        batches = plan_batches(sandbox, ready["mapped"], plan)
        report.pushed = distinct_alerts(batches)
        site.start(plan.web, plan.workers)
        started = storm(site, ready["receiver"], batches, plan, sandbox, report)
        held = drain(site, plan, started, report)
        measure(held, sandbox, report)
    finally:
        site.stop()
    return report
