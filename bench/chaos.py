"""Chaos benchmark: nothing lost, nothing doubled under real faults, on PostgreSQL + Redis.

Part 1, alerts: a site of 2 web and 3 worker processes (one scheduler) takes a storm of
GravityZone events (all 11 kinds, mixed outcomes, EDR re-sends; every batch sent to both web
nodes, a refused one again) while the sandbox HaloPSA answers 500s and 429s with Retry-After,
times out, commits creates late and loses the answers of creates and notes; a random worker
is killed (kill -9) every 20 s and started again, a web node once, the site's PostgreSQL
sessions are terminated once and its Redis is restarted once. Part 2, billing: a push of about 2,000
companies (those of 2,400 with a HaloPSA client) is killed (kill -9) mid-push, then pushed
again. Everything is counted against the sandbox's state.

HaloPSA runs with a tenant limit of 12,000 calls a 5 minutes, and the site is told so
(PSABRIDGE_RATE_LIMIT_HALOPSA): at hosted HaloPSA's 300 the storm (about one call an alert)
would take over an hour to drain, in line with the limit rather than with any fault.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.chaos import ChaosPlan, ChaosReport, Site, free_port, run_chaos
from tests.support.stack import _drop_databases, _fresh_postgres

from psabridge.sandbox.runner import Sandbox
from results import RESULTS, command_line, machine_facts, record, section

SECTION = "## Chaos (bench/chaos.py)"
TICKETS, NOTES, INVOICES = "/api/Tickets", "/api/Actions", "/api/RecurringInvoice"
# A tenant limit that lets 5,000 alerts drain in minutes (hosted HaloPSA's 300 a 5 minutes would
# take over an hour: about 1.2 calls an alert); the site is told it (PSABRIDGE_RATE_LIMIT_HALOPSA).
HALO_LIMIT = (12_000, 300.0)
BILLING_CHILD = Path(__file__).resolve().parents[1] / "tests" / "support" / "billing_child.py"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=5000)
    parser.add_argument("--endpoints", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0, help="Length of the storm.")
    parser.add_argument(
        "--companies",
        type=int,
        default=2400,
        help="GravityZone companies of the push (about 84 %% have a HaloPSA client: 2,000).",
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-record", action="store_true")
    return parser.parse_args(argv)


class PrivateRedis:
    """A redis-server of the benchmark's own, so restarting it disturbs nothing else."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server") or "redis-server"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    def restart(self, _site: Site) -> str:
        self.stop()
        time.sleep(1.0)
        self.start()
        return "Redis restarted (queue and rate windows gone for 1.5 s)"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def terminate_sessions(database: str) -> Any:
    """An action: PostgreSQL ends every session of the site's database (as a failover would)."""
    import psycopg

    def act(_site: Site) -> str:
        admin = database.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
        name = database.rsplit("/", 1)[1]
        with psycopg.connect(admin, autocommit=True) as connection:
            ended = connection.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()
        return f"PostgreSQL ended {ended[0] if ended else 0} sessions of the site"

    return act


def storm_plan(args: argparse.Namespace, redis: PrivateRedis, database: str) -> ChaosPlan:
    seconds = args.seconds
    post = {"method": "POST"}
    return ChaosPlan(
        alerts=args.alerts,
        endpoints=args.endpoints,
        web=2,
        workers=3,
        batch=10,
        seconds=seconds,
        duplicates=1.0,  # every body to both web nodes, as GravityZone may resend one
        edr_resends=20,
        kill_every=20,
        faults=[
            (
                0.10 * seconds,
                {**post, "path": TICKETS, "mode": "status", "status": 500, "times": 5},
            ),
            (
                0.20 * seconds,
                {
                    "path": "*",
                    "method": "*",
                    "mode": "status",
                    "status": 429,
                    "retry_after": 5,
                    "times": 10,
                },
            ),
            (
                0.30 * seconds,
                {**post, "path": TICKETS, "mode": "timeout", "latency_ms": 8000, "times": 2},
            ),
            (0.40 * seconds, {**post, "path": TICKETS, "mode": "commit_then_reset", "times": 3}),
            (0.50 * seconds, {**post, "path": NOTES, "mode": "commit_then_reset", "times": 3}),
            (0.60 * seconds, {**post, "path": NOTES, "mode": "status", "status": 503, "times": 5}),
            (0.70 * seconds, {**post, "path": TICKETS, "mode": "commit_then_500", "times": 2}),
        ],
        actions=[
            (0.35 * seconds, terminate_sessions(database)),
            (0.45 * seconds, lambda site: site.kill_web(0)),
            (0.55 * seconds, redis.restart),
        ],
        drain_limit=seconds + 300,
        seed=23,
        settings={"PSABRIDGE_RATE_LIMIT_HALOPSA": f"{HALO_LIMIT[0]}/{HALO_LIMIT[1]:.0f} seconds"},
    )


def alerts_part(args: argparse.Namespace) -> tuple[ChaosReport, float]:
    redis = PrivateRedis()
    redis.start()
    database, cleanups = _fresh_postgres(args.postgres)
    started = time.monotonic()
    try:
        with Sandbox(
            rate_limits=True, halo_rate_limit=HALO_LIMIT, companies=40, endpoints=800, seed=9
        ) as sandbox:
            report = run_chaos(sandbox, storm_plan(args, redis, database), database, redis.url)
    finally:
        _drop_databases(cleanups)
        redis.stop()
    return report, time.monotonic() - started


def billing_part(args: argparse.Namespace) -> dict[str, Any]:
    """A push of every company, killed mid-push, pushed again: the invoices and the ledger."""
    database, cleanups = _fresh_postgres(args.postgres)
    data_dir = Path(tempfile.mkdtemp(prefix="psabridge-chaos-billing-"))
    env = _billing_env(data_dir, database)
    try:
        with Sandbox(
            rate_limits=False, companies=args.companies, endpoints=args.companies * 2, seed=7
        ) as sandbox:
            return _push_killed(sandbox, env, data_dir)
    finally:
        _drop_databases(cleanups)


def _billing_env(data_dir: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.pop("REDIS_URL", None)
    env.update(
        PSABRIDGE_DATA_DIR=str(data_dir),
        DATABASE_URL=database,
        PSABRIDGE_BILLING_WRITE_BATCH="20",  # one write call per 20 invoices: many to kill between
        PSABRIDGE_LOG_LEVEL="WARNING",
    )
    return env


def _usage(sandbox: Sandbox) -> dict[str, Any]:
    """Each customer company's counters for last month, as the sandbox GravityZone answers."""
    from datetime import UTC, datetime

    from psabridge.domain.usage import last_month
    from psabridge.sandbox.gravityzone.usage import monthly_usage

    month, world = last_month(datetime.now(UTC), UTC), sandbox.gravityzone.world
    now = sandbox.gravityzone.clock.now()
    found = {}
    for company in world.companies.values():
        counters = monthly_usage(world, company, month.year, month.month, now)
        counters.pop("minimumUsage", None)
        found[company.id] = {
            "counters": counters,
            "subscription": company.licence.subscription_type,
            "model": company.licence.protection_model,
        }
    return found


def _child(env: dict[str, str], data_dir: Path, command: str, spec: dict[str, Any]) -> Any:
    path = data_dir / "spec.json"
    path.write_text(json.dumps(spec, default=str))
    done = subprocess.run(
        [sys.executable, str(BILLING_CHILD), command, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout) if command == "ledger" else None


def _push_killed(sandbox: Sandbox, env: dict[str, str], data_dir: Path) -> dict[str, Any]:
    halo = sandbox.info()["halopsa"]["sandbox_url"]
    state = httpx.get(f"{halo}/state", timeout=60).json()
    owner = next(i for i in state["invoices"] if i["id"] == 1)
    pairs = [
        (c["halo_client_id"], c["gravityzone_id"])
        for c in state["scenario"]["companies"]
        if c["halo_client_id"] is not None
    ]
    spec = {
        **sandbox.info(),
        "skip_client": str(owner["client_id"]),
        "usage": _usage(sandbox),
        "pairs": pairs,
    }
    began = time.monotonic()
    _child(env, data_dir, "halo-seed", spec)
    setup = time.monotonic() - began
    writes = f"POST {INVOICES}"
    before = httpx.get(f"{halo}/state", timeout=60).json()["calls"].get(writes, 0)  # the setup's
    k = 37
    for fault in (
        {"path": INVOICES, "method": "POST", "mode": "latency", "latency_ms": 0, "times": k},
        {
            "path": INVOICES,
            "method": "POST",
            "mode": "commit_then_hang",
            "latency_ms": 120_000,
            "times": 1,
        },
    ):
        httpx.post(f"{halo}/faults", json=fault).raise_for_status()
    push = [sys.executable, "-m", "psabridge.cli", "billing", "push", "--yes"]
    process = subprocess.Popen(push, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while httpx.get(f"{halo}/state", timeout=60).json()["calls"].get(writes, 0) < before + k + 1:
        if process.poll() is not None:
            raise RuntimeError("the push ended before the held write")
        time.sleep(0.2)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    httpx.delete(f"{halo}/faults")
    killed = _child(env, data_dir, "ledger", spec)
    in_psa = _our_lines(halo)
    listed = {
        (e["invoice_id"], e["marker"])
        for e in killed["entries"]
        if e["state"] in ("intent", "done", "landed")
    }
    unlisted = len(set(in_psa) - listed)
    again_started = time.monotonic()
    again = subprocess.run(push, env=env, capture_output=True, text=True, timeout=1800)
    again_seconds = time.monotonic() - again_started
    final = _child(env, data_dir, "ledger", spec)
    lines = _our_lines(halo)
    quantities = _quantities(halo)
    exact = sum(1 for inv, want in final["expected"].items() if quantities.get(inv, {}) == want)
    return {
        "invoices": len(final["expected"]),
        "setup_seconds": setup,
        "killed_after_writes": k,
        "writes_in_psa_when_killed": len(in_psa),
        "writes_unlisted_when_killed": unlisted,
        "intents_left": sum(1 for e in final["entries"] if e["state"] == "intent"),
        "settled": dict(
            Counter(e["state"] for e in final["entries"] if e["state"] in ("landed", "not_landed"))
        ),
        "rerun_exit": again.returncode,
        "rerun_seconds": again_seconds,
        "double_lines": sum(n - 1 for n in lines.values() if n > 1),
        "exact_invoices": exact,
    }


def _our_lines(halo: str) -> Counter[tuple[str, str]]:
    invoices = httpx.get(f"{halo}/state", timeout=60).json()["invoices"]
    return Counter(
        (str(i["id"]), str(ln["comment_1"]))
        for i in invoices
        for ln in i["lines"]
        if str(ln.get("comment_1") or "").startswith("psabridge:")
    )


def _quantities(halo: str) -> dict[str, dict[str, float]]:
    invoices = httpx.get(f"{halo}/state", timeout=60).json()["invoices"]
    return {
        str(i["id"]): {
            str(ln["comment_1"]): ln["qty_order"]
            for ln in i["lines"]
            if str(ln.get("comment_1") or "").startswith("psabridge:")
        }
        for i in invoices
    }


def verdicts(report: ChaosReport, billing: dict[str, Any]) -> list[tuple[str, bool]]:
    return [
        (f"lost alerts: {report.lost} (of {report.pushed} pushed)", report.lost == 0),
        (f"duplicate tickets: {report.duplicate_tickets}", report.duplicate_tickets == 0),
        (f"duplicate notes: {report.duplicate_notes}", report.duplicate_notes == 0),
        (
            f"alerts in HaloPSA's tickets and notes: {report.alerts_in_psa} of {report.pushed}",
            report.alerts_in_psa == report.pushed,
        ),
        (
            f"billing: {billing['exact_invoices']} of {billing['invoices']} invoices exact "
            "after the killed push and the re-run",
            billing["exact_invoices"] == billing["invoices"],
        ),
        (f"billing: double lines {billing['double_lines']}", billing["double_lines"] == 0),
        (
            f"billing: writes in HaloPSA missing from the ledger when killed: "
            f"{billing['writes_unlisted_when_killed']}",
            billing["writes_unlisted_when_killed"] == 0,
        ),
        (
            f"billing: unanswered writes left after the re-run: {billing['intents_left']}",
            billing["intents_left"] == 0,
        ),
    ]


def report_text(report: ChaosReport, storm_seconds: float, billing: dict[str, Any]) -> str:
    rows = [
        (
            "alerts pushed (distinct) / POSTs (incl. duplicates and re-sends)",
            f"{report.pushed:,} / {report.posts:,}",
        ),
        ("POSTs refused or unanswered, sent again", f"{report.refused_posts}"),
        ("alerts ticketed + noted", f"{report.ticketed:,} + {report.noted:,}"),
        ("HaloPSA tickets / notes", f"{report.tickets:,} / {report.notes:,}"),
        (
            "HaloPSA calls (per alert)",
            f"{report.psa_calls:,} ({report.psa_calls / max(report.pushed, 1):.3f})",
        ),
        ("alerts stored by psabridge", f"{report.stored:,}"),
        (
            "HaloPSA 429 answers: injected (Retry-After 5 s) + its own limiter",
            f"{injected_429(report)} + {report.psa_429}",
        ),
        ("workers killed (kill -9)", f"{report.kills}"),
        ("time to drain from the first alert", f"{report.drain_seconds or 0:.0f} s"),
        ("storm part, wall time", f"{storm_seconds:.0f} s"),
        (
            "push: invoices / killed after write calls",
            f"{billing['invoices']:,} / {billing['killed_after_writes']}",
        ),
        ("push: our lines in HaloPSA when killed", f"{billing['writes_in_psa_when_killed']:,}"),
        (
            "push: unanswered writes settled by the re-run",
            ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in billing["settled"].items())
            or "none",
        ),
        ("push: re-run wall time", f"{billing['rerun_seconds']:.1f} s"),
        ("whole benchmark, wall time", f"{billing['wall_seconds']:.0f} s"),
    ]
    table = "\n".join(["| measure | value |", "|---|---:|", *(f"| {a} | {b} |" for a, b in rows)])
    incidents = "\n".join(f"- {text}" for text in report.incidents)
    faults = "\n".join(f"- {label}: {n} calls" for label, n in report.faults_served.items())
    checks = "\n".join(
        f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in verdicts(report, billing)
    )
    return (
        f"{table}\n\nFaults HaloPSA answered with:\n\n{faults}\n\n"
        f"Incidents during the storm:\n\n{incidents}\n\nAcceptance:\n\n{checks}\n"
    )


def injected_429(report: ChaosReport) -> int:
    return sum(n for label, n in report.faults_served.items() if label.endswith("status 429"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = machine_facts()
    began = time.monotonic()
    print("storm ...", flush=True)
    report, storm_seconds = alerts_part(args)
    print(report.as_dict(), flush=True)
    print("billing push ...", flush=True)
    billing = billing_part(args)
    billing["wall_seconds"] = time.monotonic() - began
    print(billing, flush=True)
    body = report_text(report, storm_seconds, billing)
    print(body)
    if not args.no_record:
        record(
            SECTION,
            section(SECTION, __doc__.strip(), command_line("chaos.py", argv), machine, body),
        )
        print(f"recorded in {RESULTS}")
    return 0 if all(ok for _, ok in verdicts(report, billing)) else 1


if __name__ == "__main__":
    sys.exit(main())
