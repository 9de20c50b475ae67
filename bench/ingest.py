"""Benchmark durable events/s of the psabridge push webhook beside a bare WSGI baseline."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import itertools
import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE
from types import ModuleType

import httpx

from psabridge import launcher
from results import machine_facts

BENCH_DIR = Path(__file__).resolve().parent
PSABRIDGE = [sys.executable, "-m", "psabridge.cli"]
DJANGO_APP = "psabridge.server.wsgi:application"
BASELINE_APP = "baseline_receiver:application"
HOST = "127.0.0.1"
PG_USERS = ("postgres", "root")
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
EVENT_TOKEN = "@@EVENT@@"
# A realistic GravityZone antimalware event (reference 4.4), about 700 bytes of JSON.
SAMPLE_EVENT = {
    "module": "av",
    "product_installed": "BEST",
    "companyId": "5f1e3c9a8b7d6e5f4a3b2c1d",
    "computer_name": "WS-" + EVENT_TOKEN,
    "computer_fqdn": "ws-" + EVENT_TOKEN + ".corp.example.com",
    "computer_ip": "10.20.30.40",
    "computer_id": EVENT_TOKEN,
    "endpointId": "5f1e3c9a8b7d6e5f4a3b2c1c",
    "malware_type": "file",
    "malware_name": "Trojan.GenericKD.46542380",
    "file_path": "C:\\Users\\alice\\Downloads\\invoice_" + EVENT_TOKEN + ".exe",
    "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "final_status": "quarantined",
    "timestamp": "2024-07-12T08:33:13.000Z",
    "user": {"id": "S-1-5-21-1004336348-1177238915-682003330-512", "name": "CORP\\alice"},
    "signaturesNumber": "7.95410",
    "scanEngineType": 2,
    "cleaned": 0,
    "blocked": 0,
    "deleted": 0,
    "quarantined": 1,
    "ignored": 0,
    "present": 0,
}
EVENT_TEMPLATE = json.dumps(SAMPLE_EVENT)


@dataclass
class Target:
    """One running receiver: where to post, what to send, and how to count its stored rows."""

    name: str
    url: str
    authorization: str
    count_rows: Callable[[], int]
    acknowledged: int = 0


@dataclass
class CaseResult:
    """What one load run measured."""

    seconds: float
    events: int = 0
    requests: int = 0
    failures: int = 0
    latencies: list[float] = field(default_factory=list)

    def merge(self, other: CaseResult) -> None:
        self.events += other.events
        self.requests += other.requests
        self.failures += other.failures
        self.latencies.extend(other.latencies)

    def percentile(self, fraction: float) -> float:
        """Return a latency percentile in milliseconds."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


@dataclass
class Row:
    """One line of the results table."""

    batch: int
    psabridge: CaseResult
    baseline: CaseResult


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6.0, help="Measured seconds per case.")
    parser.add_argument("--warmup", type=float, default=1.5, help="Warm-up seconds per case.")
    parser.add_argument("--concurrency", type=int, default=8, help="Concurrent client threads.")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite and/or postgres.")
    parser.add_argument("--batches", default="1,10,100", help="Events per POST, comma-separated.")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes.")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    args.batches = [int(b) for b in args.batches.split(",")]
    unknown = set(args.databases) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    return args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- databases -------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """Create a throwaway PostgreSQL database, yield its URL, drop it afterwards."""
    import psycopg

    name = f"psabridge_bench_{secrets.token_hex(4)}"
    user = _postgres_user()
    with psycopg.connect(_pg_url(user), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(user, name)
    finally:
        with psycopg.connect(_pg_url(user), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(user: str, database: str = "postgres") -> str:
    return f"postgres://{user}@127.0.0.1:5432/{database}"


def _postgres_user() -> str:
    import psycopg

    for user in PG_USERS:
        with contextlib.suppress(psycopg.Error):
            psycopg.connect(_pg_url(user), connect_timeout=3).close()
            return user
    raise RuntimeError("PostgreSQL is not reachable on 127.0.0.1:5432 as postgres or root")


def postgres_reachable() -> bool:
    try:
        _postgres_user()
    except (RuntimeError, ImportError):
        return False
    return True


def row_counter(database: str, table: str) -> Callable[[], int]:
    """Return a function counting the committed rows of a table, read by a separate client."""

    def count() -> int:
        if database.startswith("postgres"):
            import psycopg

            with psycopg.connect(database) as connection:
                row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        else:
            with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
                row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    return count


# --- servers ---------------------------------------------------------------------------------


def gunicorn_argv(app: str, port: int, workers: int) -> list[str]:
    """psabridge's production gunicorn command line (launcher.web_argv) for any WSGI app."""
    argv = launcher.web_argv(HOST, port, workers)
    argv[argv.index(DJANGO_APP)] = app
    return argv


def wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server behind {url} stopped during start-up")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server behind {url} did not answer within {START_TIMEOUT:.0f} s")


def psabridge_env(data_dir: Path, database_url: str | None, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PSABRIDGE_DATA_DIR=str(data_dir), PSABRIDGE_PUBLIC_URL=f"http://{HOST}:{port}")
    env.update(PSABRIDGE_LOG_LEVEL="WARNING", PSABRIDGE_PRODUCTION="false", PSABRIDGE_DEBUG="false")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def start_psabridge(
    stack: contextlib.ExitStack, data_dir: Path, database_url: str | None, workers: int
) -> Target:
    """Migrate a fresh psabridge, create its receiver, serve it with gunicorn."""
    port = free_port()
    env = psabridge_env(data_dir, database_url, port)
    subprocess.run([*PSABRIDGE, "manage", "migrate", "--verbosity", "0"], env=env, check=True)
    made = subprocess.run([*PSABRIDGE, "receiver", "--json"], env=env, check=True, stdout=PIPE)
    receiver = json.loads(made.stdout)
    process = stack.enter_context(_serving(gunicorn_argv(DJANGO_APP, port, workers), env))
    wait_until_ready(f"http://{HOST}:{port}", process)
    database = database_url or str(data_dir / "psabridge.sqlite3")
    counter = row_counter(database, "alerts_inboundevent")
    return Target("psabridge", receiver["url"], receiver["authorization"], counter)


def start_baseline(
    stack: contextlib.ExitStack, data_dir: Path, database_url: str | None, workers: int
) -> Target:
    """Create the baseline schema and serve bench/baseline_receiver.py with the same gunicorn."""
    port = free_port()
    database = database_url or str(data_dir / "baseline.sqlite3")
    _baseline_module().create_schema(database)
    authorization = "Bearer " + secrets.token_urlsafe(32)
    env = dict(os.environ, BASELINE_DATABASE=database, BASELINE_AUTHORIZATION=authorization)
    argv = [*gunicorn_argv(BASELINE_APP, port, workers), "--pythonpath", str(BENCH_DIR)]
    process = stack.enter_context(_serving(argv, env))
    url = f"http://{HOST}:{port}"
    wait_until_ready(url, process)
    counter = row_counter(database, "baseline_event")
    return Target("baseline", url + "/webhooks/baseline", authorization, counter)


def _baseline_module() -> ModuleType:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    return importlib.import_module("baseline_receiver")


@contextlib.contextmanager
def _serving(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(argv, env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- load ------------------------------------------------------------------------------------


class Bodies:
    """Makes jsonRPC addEvents bodies whose every event is unique (dedupe never drops one)."""

    def __init__(self) -> None:
        self._tag = secrets.token_hex(4)
        self._serial = itertools.count()

    def make(self, batch: int) -> bytes:
        events = ",".join(
            EVENT_TEMPLATE.replace(EVENT_TOKEN, f"{self._tag}{next(self._serial):012x}")
            for _ in range(batch)
        )
        envelope = '{"jsonrpc":"2.0","method":"addEvents","params":{"events":[%s]},"id":%d}'
        return (envelope % (events, time.time_ns() // 1_000_000)).encode()


def _client_loop(target: Target, batch: int, deadline: float, bodies: Bodies) -> CaseResult:
    """Post batches until the deadline; only a 200 with the right event count is acknowledged."""
    result = CaseResult(seconds=0.0)
    headers = {"Authorization": target.authorization}  # no Content-Type, like GravityZone
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        while time.monotonic() < deadline:
            body = bodies.make(batch)
            started = time.perf_counter()
            try:
                response = client.post(target.url, content=body, headers=headers)
            except httpx.HTTPError:
                result.failures += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            if response.status_code == 200 and response.json().get("events") == batch:
                result.events += batch
                result.requests += 1
            else:
                result.failures += 1
    return result


def run_load(target: Target, batch: int, seconds: float, concurrency: int) -> CaseResult:
    """Drive the target with `concurrency` client threads for `seconds`; merge their results."""
    bodies = Bodies()
    deadline = time.monotonic() + seconds
    parts: list[CaseResult] = []

    def work() -> None:
        parts.append(_client_loop(target, batch, deadline, bodies))

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = CaseResult(seconds=time.perf_counter() - started)
    for part in parts:
        total.merge(part)
    target.acknowledged += total.events
    return total


def run_case(target: Target, batch: int, args: argparse.Namespace) -> CaseResult:
    """Warm up, measure, then check that every acknowledged event is in the database."""
    run_load(target, batch, args.warmup, args.concurrency)
    result = run_load(target, batch, args.seconds, args.concurrency)
    stored = target.count_rows()
    if stored != target.acknowledged:
        raise RuntimeError(
            f"{target.name}: {target.acknowledged} events acknowledged but {stored} rows stored"
        )
    rate = result.events / result.seconds
    print(f"  {target.name:9} batch {batch:>3}: {rate:8.0f} events/s, {stored} rows", flush=True)
    return result


def bench_database(database: str, args: argparse.Namespace) -> list[Row]:
    """Start both receivers on one engine and run every batch size against each, alternating."""
    with contextlib.ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="psabridge-bench-")))
        database_url = stack.enter_context(postgres_database()) if database == "postgres" else None
        psabridge = start_psabridge(stack, data_dir / "psabridge", database_url, args.web_workers)
        baseline = start_baseline(stack, data_dir, database_url, args.web_workers)
        return [
            Row(batch, run_case(psabridge, batch, args), run_case(baseline, batch, args))
            for batch in args.batches
        ]


# --- report ----------------------------------------------------------------------------------


def table(database: str, rows: list[Row]) -> str:
    lines = [
        f"### {database}",
        "",
        "| batch | psabridge events/s | baseline events/s | ratio | psabridge req/s "
        "| baseline req/s | psabridge p50/p95 ms | baseline p50/p95 ms | failures |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ours, base = row.psabridge, row.baseline
        ours_rate, base_rate = ours.events / ours.seconds, base.events / base.seconds
        lines.append(
            f"| {row.batch} | {ours_rate:,.0f} | {base_rate:,.0f} | {ours_rate / base_rate:.2f} "
            f"| {ours.requests / ours.seconds:,.0f} | {base.requests / base.seconds:,.0f} "
            f"| {ours.percentile(0.5):.1f} / {ours.percentile(0.95):.1f} "
            f"| {base.percentile(0.5):.1f} / {base.percentile(0.95):.1f} "
            f"| {ours.failures} / {base.failures} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Machine: {machine_facts()}", flush=True)
    print(
        f"Load: {args.concurrency} client threads, {args.warmup:g} s warm-up + {args.seconds:g} s "
        f"per case; gunicorn {args.web_workers} workers x 4 gthreads for both servers",
        flush=True,
    )
    tables = []
    for database in args.databases:
        if database == "postgres" and not postgres_reachable():
            print("PostgreSQL is not reachable on 127.0.0.1:5432: skipped", flush=True)
            continue
        print(f"{database}:", flush=True)
        tables.append(table(database, bench_database(database, args)))
    print("\n" + "\n\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
