"""Benchmark a storm of GravityZone alerts turned into HaloPSA tickets by `psabridge run`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from psabridge.domain.alert_modules import MODULE_KINDS
from results import RESULTS, command_line, machine_facts, record, section

SECTION = "## Ticket storm (bench/ticket_storm.py)"
PSABRIDGE = [sys.executable, "-m", "psabridge.cli"]
HOST = "127.0.0.1"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0
SUMMARY_PREFIX = "[GravityZone]"
MODULES = tuple(MODULE_KINDS)  # the 11 alert modules, one per alert kind
STATES = ("queued", "ticketed", "noted", "parked_unmapped", "parked_config", "skipped", "received")
SINGLE_NOTE = "Another alert for this endpoint:"
COALESCED_NOTE = re.compile(r"^(\d+) more alerts for this endpoint and kind:")
FAILURES_ROW = re.compile(
    r"<strong>(\w+)</strong>.*?<td><span class=\"pill[^\"]*\">(\d+)</span></td>", re.S
)
ENDPOINTS_CODE = """
import json
from psabridge.server.core import connections
from psabridge.server.mappings.models import Mapping
platform = connections.gravityzone_platform()
found = []
for m in Mapping.objects.filter(system="halopsa", ticketing=True).order_by("company_name"):
    for e in platform.endpoints(m.company_id):
        if e.is_managed:
            found.append({"company_id": m.company_id, "company": m.company_name,
                          "id": e.id, "name": e.name})
print("ENDPOINTS " + json.dumps(found))
"""


@dataclass
class Product:
    """A running `psabridge run` and the addresses of its sandbox."""

    url: str
    gravityzone: str  # the sandbox GravityZone's /_sandbox/ root
    halopsa: str  # the sandbox HaloPSA's /_sandbox/ root
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Key:
    """One endpoint and one alert module: an aggregation key of the product."""

    endpoint: dict[str, str]
    module: str


@dataclass
class Storm:
    """What was sent and when (monotonic seconds)."""

    keys: list[Key]
    rounds: list[Counter[int]]  # per round: alerts per key index
    sent: int = 0
    first_alert_at: float = 0.0
    last_alert_at: float = 0.0
    queued: int = 0


@dataclass
class Watch:
    """The first ticket seen in the HaloPSA sandbox, found by a polling thread."""

    first_ticket_at: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)


@dataclass
class Outcome:
    """Everything measured after the storm."""

    states: dict[str, int]
    total_alerts: int
    storm_seconds: float  # first alert pushed -> last round flushed
    first_ticket_seconds: float | None  # first alert pushed -> first ticket in HaloPSA
    drain_seconds: float | None  # first alert pushed -> every alert ticketed or noted
    tickets: int
    notes: int
    note_alerts: int
    notes_per_ticket: Counter[int]  # notes of ours on a ticket -> how many tickets
    calls: Counter[str]
    rate_limited: int
    failures: dict[str, int]
    setup_calls: int
    setup_rate_limited: int


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=1000, help="Alerts in the storm.")
    parser.add_argument("--endpoints", type=int, default=50, help="Endpoints alerting.")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the storm.")
    parser.add_argument("--rounds", type=int, default=20, help="Push rounds over the storm.")
    parser.add_argument(
        "--two-kinds", type=float, default=0.2, help="Share of endpoints with two alert modules."
    )
    parser.add_argument("--max-wait", type=float, default=480.0, help="Bound on the drain wait.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the storm plan.")
    parser.add_argument(
        "--database-url",
        default="",
        help="DATABASE_URL of an empty database (default: SQLite in the data dir).",
    )
    parser.add_argument("--redis-url", default="", help="REDIS_URL (default: none).")
    parser.add_argument("--no-record", action="store_true", help="Do not write RESULTS.md.")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- the product -----------------------------------------------------------------------------


def product_env(data_dir: Path, ports: tuple[int, ...], args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PSABRIDGE_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        PSABRIDGE_DATA_DIR=str(data_dir),
        PSABRIDGE_PORT=str(ports[0]),
        PSABRIDGE_SANDBOX_PORT=str(ports[1]),
        PSABRIDGE_SANDBOX_HALO_PORT=str(ports[2]),
        # The PSA simulators not used here still start: free ports, beside a running make run.
        PSABRIDGE_SANDBOX_CW_PORT=str(ports[3]),
        PSABRIDGE_SANDBOX_AUTOMATE_PORT=str(ports[4]),
        PSABRIDGE_SANDBOX_AUTOTASK_PORT=str(ports[5]),
        PSABRIDGE_ADMIN_PASSWORD=secrets.token_urlsafe(12),
        PSABRIDGE_SANDBOX_ALERT_INTERVAL="0",
        PSABRIDGE_LOG_LEVEL="WARNING",
        PSABRIDGE_QUEUE_NAME=f"psabridge-bench-{secrets.token_hex(4)}",
    )
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


@contextlib.contextmanager
def running_product(data_dir: Path, args: argparse.Namespace) -> Iterator[Product]:
    """Start `psabridge run` in its own process group; stop it like Ctrl-C afterwards."""
    ports = tuple(free_port() for _ in range(6))
    env = product_env(data_dir, ports, args)
    log_path = data_dir / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*PSABRIDGE, "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    product = Product(
        f"http://{HOST}:{ports[0]}",
        f"http://{HOST}:{ports[1]}/_sandbox",
        f"http://{HOST}:{ports[2]}/_sandbox",
        env,
        process,
        log_path,
    )
    try:
        wait_for_banner(product)
        yield product
    finally:
        stop_product(product)


def wait_for_banner(product: Product) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if "psabridge is running at" in product.log():
            return
        if product.process.poll() is not None:
            raise RuntimeError("psabridge run stopped during start-up:\n" + product.log())
        time.sleep(0.3)
    raise RuntimeError("psabridge run did not start in time:\n" + product.log())


def stop_product(product: Product) -> None:
    """SIGINT to the process group (as Ctrl-C), SIGKILL after the grace period."""
    if product.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(product.process.pid, signal.SIGINT)
    try:
        product.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(product.process.pid, signal.SIGKILL)
        product.process.wait()
    print(f"psabridge run stopped (exit code {product.process.returncode})", flush=True)


# --- configuration through the web UI --------------------------------------------------------


def logged_in_client(product: Product) -> httpx.Client:
    """Return an httpx client with an admin session and the CSRF header set."""
    client = httpx.Client(base_url=product.url, timeout=REQUEST_TIMEOUT, follow_redirects=False)
    client.get("/login/")
    answer = client.post(
        "/login/",
        data={
            "username": "admin",
            "password": product.env["PSABRIDGE_ADMIN_PASSWORD"],
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: {answer.status_code}")
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


def post_form(client: httpx.Client, path: str, data: dict[str, str] | None = None) -> None:
    answer = client.post(path, data=data or {})
    if answer.status_code != 302:
        raise RuntimeError(f"POST {path} answered {answer.status_code}:\n{answer.text[:2000]}")


def enable_push(client: httpx.Client, product: Product) -> None:
    post_form(client, "/connections/gravityzone/push/enable")
    settings = sandbox_get(product.gravityzone, "state")["push"]["settings"]
    if not settings or settings.get("status") != 1:
        raise RuntimeError(f"push is not enabled in the sandbox GravityZone: {settings}")


def confirm_suggested_mappings(client: httpx.Client) -> int:
    """Press Refresh, then Confirm on every suggested mapping of the Mappings page."""
    post_form(client, "/mappings/refresh")
    page = client.get("/mappings/", params={"view": "unmapped"}).text
    pairs = re.findall(
        r'name="psa_client_id" value="([^"]+)" '
        r"onclick=\"this\.form\.company_id\.value='([^']+)'\"",
        page,
    )
    for psa_client_id, company_id in pairs:
        post_form(
            client, "/mappings/confirm", {"psa_client_id": psa_client_id, "company_id": company_id}
        )
    return len(pairs)


def ticketing_form() -> dict[str, str]:
    form = {
        "enabled": "on",
        "ticket_type_id": "1",
        "updates_visible": "no",
        "asset_match_by": "name",
        "asset_field": "inventory_number",
        "asset_mode": "exact",
    }
    for kind in MODULE_KINDS.values():
        form.update(
            {
                f"{kind.value}-blocked": "on",
                f"{kind.value}-current": "on",
                f"{kind.value}-sla_id": "1",
                f"{kind.value}-category": "Security",
                f"{kind.value}-urgency": "2",
                f"{kind.value}-team": "Service Desk",
            }
        )
    return form


def configure(product: Product) -> int:
    """Enable push, map every suggested company and save ticketing; return the mappings."""
    with contextlib.closing(logged_in_client(product)) as client:
        enable_push(client, product)
        mapped = confirm_suggested_mappings(client)
        post_form(client, "/ticketing/save", ticketing_form())
    return mapped


def mapped_endpoints(product: Product) -> list[dict[str, str]]:
    """Return the managed endpoints of the mapped companies (read through the product)."""
    done = subprocess.run(
        [*PSABRIDGE, "manage", "shell", "-c", ENDPOINTS_CODE],
        env=product.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("ENDPOINTS "))
    return list(json.loads(line.removeprefix("ENDPOINTS ")))


# --- the storm -------------------------------------------------------------------------------


def pick_endpoints(
    endpoints: list[dict[str, str]], count: int, rng: random.Random
) -> list[dict[str, str]]:
    """Spread the choice over the companies, round robin."""
    by_company: dict[str, list[dict[str, str]]] = defaultdict(list)
    for endpoint in endpoints:
        by_company[endpoint["company_id"]].append(endpoint)
    for members in by_company.values():
        rng.shuffle(members)
    chosen: list[dict[str, str]] = []
    while len(chosen) < count and any(by_company.values()):
        for members in by_company.values():
            if members and len(chosen) < count:
                chosen.append(members.pop())
    if len(chosen) < count:
        raise RuntimeError(f"only {len(chosen)} managed endpoints in mapped companies")
    return chosen


def plan_storm(endpoints: list[dict[str, str]], args: argparse.Namespace) -> Storm:
    """Give each endpoint one or two modules (mixed across endpoints); spread alerts in rounds."""
    rng = random.Random(args.seed)
    keys: list[Key] = []
    two = set(rng.sample(range(len(endpoints)), round(args.two_kinds * len(endpoints))))
    for index, endpoint in enumerate(endpoints):
        keys.append(Key(endpoint, MODULES[index % len(MODULES)]))
        if index in two:
            keys.append(Key(endpoint, MODULES[(index + 5) % len(MODULES)]))
    per_key = [args.alerts // len(keys)] * len(keys)
    for index in rng.sample(range(len(keys)), args.alerts % len(keys)):
        per_key[index] += 1
    rounds: list[Counter[int]] = [Counter() for _ in range(args.rounds)]
    for index, count in enumerate(per_key):
        for _ in range(count):
            rounds[rng.randrange(args.rounds)][index] += 1
    return Storm(keys, rounds)


def sandbox_get(root: str, path: str) -> Any:
    answer = httpx.get(f"{root}/{path}", timeout=REQUEST_TIMEOUT)
    answer.raise_for_status()
    return answer.json()


def sandbox_post(client: httpx.Client, root: str, path: str, body: dict[str, Any]) -> Any:
    answer = client.post(f"{root}/{path}", json=body)
    if answer.status_code != 200:
        raise RuntimeError(f"POST {root}/{path} answered {answer.status_code}: {answer.text}")
    return answer.json()


def push_round(client: httpx.Client, product: Product, storm: Storm, round_: Counter) -> None:
    """Queue one round of alerts in the sandbox GravityZone, then flush its push queue."""
    for index, count in sorted(round_.items()):
        key = storm.keys[index]
        body = {
            "count": count,
            "kinds": [key.module],
            "outcome": "mixed",
            "company_id": key.endpoint["company_id"],
            "endpoint_id": key.endpoint["id"],
        }
        if not storm.first_alert_at:
            storm.first_alert_at = time.monotonic()
        storm.queued += sandbox_post(client, product.gravityzone, "alerts", body)["queued"]
        storm.sent += count
    sandbox_post(client, product.gravityzone, "push/flush", {})
    storm.last_alert_at = time.monotonic()


def run_storm(product: Product, storm: Storm, seconds: float) -> None:
    """Push the rounds evenly over `seconds` (the last round starts before the end)."""
    interval = seconds / len(storm.rounds)
    started = time.monotonic()
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        for number, round_ in enumerate(storm.rounds):
            delay = started + number * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            push_round(client, product, storm, round_)
    if storm.queued != storm.sent:
        raise RuntimeError(f"the sandbox queued {storm.queued} of {storm.sent} alerts")


# --- measuring -------------------------------------------------------------------------------


def our_tickets(halo_state: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        t for t in halo_state["tickets"] if str(t.get("summary", "")).startswith(SUMMARY_PREFIX)
    ]


def watch_first_ticket(product: Product, watch: Watch, deadline: float) -> None:
    """Poll the HaloPSA sandbox every 0.2 s until a ticket of ours shows up."""
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        while not watch.stop.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                state = client.get(f"{product.halopsa}/state").json()
                if our_tickets(state):
                    watch.first_ticket_at = time.monotonic()
                    return
            watch.stop.wait(0.2)


def alert_states(client: httpx.Client) -> tuple[int, dict[str, int]]:
    """Return the number of alerts and the count per state (REST API totals)."""
    total = client.get("/api/alerts", params={"limit": 1}).json()["total"]
    states = {
        state: client.get("/api/alerts", params={"limit": 1, "state": state}).json()["total"]
        for state in STATES
    }
    return total, states


def wait_for_drain(product: Product, storm: Storm, max_wait: float) -> float | None:
    """Poll until every sent alert is ticketed or noted; return when, or None at the bound."""
    deadline = storm.first_alert_at + max_wait
    last_print = 0.0
    with contextlib.closing(logged_in_client(product)) as client:
        while time.monotonic() < deadline:
            total, states = alert_states(client)
            now = time.monotonic()
            if states["ticketed"] + states["noted"] >= storm.sent:
                return now
            if now - last_print >= 10:
                busy = {k: v for k, v in states.items() if v}
                print(f"  t+{now - storm.first_alert_at:5.0f} s: {total} alerts {busy}", flush=True)
                last_print = now
            time.sleep(1.0)
    return None


def note_alerts(note: str) -> int:
    """Return how many alerts a note of ours lists (0 for other actions)."""
    if note.startswith(SINGLE_NOTE):
        return 1
    match = COALESCED_NOTE.match(note)
    return int(match.group(1)) if match else 0


def status_failures(product: Product) -> dict[str, int]:
    """Return the consecutive failures per outside system shown on the Status page."""
    with contextlib.closing(logged_in_client(product)) as client:
        page = client.get("/status/").text
    return {system: int(count) for system, count in FAILURES_ROW.findall(page)}


def since_first(storm: Storm, moment: float | None) -> float | None:
    return None if moment is None else moment - storm.first_alert_at


def measure(
    product: Product, storm: Storm, moments: tuple[float | None, float | None], before: dict
) -> Outcome:
    """Read the final HaloPSA and product state; `moments`: first ticket and drain."""
    halo = sandbox_get(product.halopsa, "state")
    tickets = our_tickets(halo)
    listed = [[note_alerts(a.get("note") or "") for a in t.get("actions", [])] for t in tickets]
    counts = [c for ticket in listed for c in ticket]
    with contextlib.closing(logged_in_client(product)) as client:
        total, states = alert_states(client)
    calls = Counter(halo["calls"])
    calls.subtract(before["calls"])
    return Outcome(
        states=states,
        total_alerts=total,
        storm_seconds=storm.last_alert_at - storm.first_alert_at,
        first_ticket_seconds=since_first(storm, moments[0]),
        drain_seconds=since_first(storm, moments[1]),
        tickets=len(tickets),
        notes=sum(1 for c in counts if c),
        note_alerts=sum(counts),
        notes_per_ticket=Counter(sum(1 for c in ticket if c) for ticket in listed),
        calls=+calls,
        rate_limited=halo["rate_limited"] - before["rate_limited"],
        failures=status_failures(product),
        setup_calls=sum(before["calls"].values()),
        setup_rate_limited=before["rate_limited"],
    )


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Setup:
    """How the world was prepared."""

    mappings: int
    endpoints: int
    companies: int


def prepare(product: Product, args: argparse.Namespace) -> tuple[Setup, Storm]:
    mappings = configure(product)
    rng = random.Random(args.seed)
    endpoints = pick_endpoints(mapped_endpoints(product), args.endpoints, rng)
    storm = plan_storm(endpoints, args)
    setup = Setup(mappings, len(endpoints), len({e["company_id"] for e in endpoints}))
    print(
        f"configured: {setup.mappings} mappings; storm: {args.alerts} alerts on "
        f"{setup.endpoints} endpoints of {setup.companies} companies, {len(storm.keys)} "
        f"endpoint+kind keys, {args.rounds} rounds over {args.seconds:g} s",
        flush=True,
    )
    return setup, storm


def storm_and_drain(product: Product, storm: Storm, args: argparse.Namespace) -> Outcome:
    """Push the storm while a thread watches for the first ticket; wait for the drain."""
    before = sandbox_get(product.halopsa, "state")
    watch = Watch()
    deadline = time.monotonic() + args.max_wait
    watcher = threading.Thread(target=watch_first_ticket, args=(product, watch, deadline))
    watcher.start()
    try:
        run_storm(product, storm, args.seconds)
        took = storm.last_alert_at - storm.first_alert_at
        print(f"storm pushed: {storm.sent} alerts in {took:.1f} s", flush=True)
        drained_at = wait_for_drain(product, storm, args.max_wait)
    finally:
        watch.stop.set()
        watcher.join(timeout=REQUEST_TIMEOUT)
    return measure(product, storm, (watch.first_ticket_at, drained_at), before)


def bench(args: argparse.Namespace) -> tuple[Setup, Storm, Outcome]:
    with contextlib.ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="psabridge-storm-")))
        product = stack.enter_context(running_product(data_dir, args))
        print(f"psabridge run is serving at {product.url}", flush=True)
        try:
            setup, storm = prepare(product, args)
            return setup, storm, storm_and_drain(product, storm, args)
        except BaseException:
            print("--- end of the psabridge run log ---\n" + product.log()[-4000:], flush=True)
            raise


# --- report ----------------------------------------------------------------------------------


def seconds_text(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def acceptance(storm: Storm, outcome: Outcome) -> list[tuple[str, bool]]:
    per_alert = sum(outcome.calls.values()) / storm.sent
    first = outcome.first_ticket_seconds
    accounted = outcome.states["ticketed"] + outcome.states["noted"]
    halo_accounted = outcome.tickets + outcome.note_alerts
    return [
        (f"at most 0.15 HaloPSA calls per alert: {per_alert:.3f}", per_alert <= 0.15),
        (f"zero 429 answers received: {outcome.rate_limited}", outcome.rate_limited == 0),
        (
            f"first ticket within 5 s of the first alert: {seconds_text(first)}",
            first is not None and first <= 5.0,
        ),
        (
            f"every alert in a ticket or a note: {accounted} of {storm.sent} (psabridge states), "
            f"{halo_accounted} of {storm.sent} (HaloPSA ticket and note texts)",
            accounted == storm.sent == halo_accounted,
        ),
    ]


def summary_table(setup: Setup, storm: Storm, outcome: Outcome) -> str:
    calls = sum(outcome.calls.values())
    states = ", ".join(f"{k} {v}" for k, v in outcome.states.items() if v) or "none"
    failures = ", ".join(f"{k} {v}" for k, v in sorted(outcome.failures.items())) or "none"
    per_ticket = ", ".join(f"{n}: {t}" for n, t in sorted(outcome.notes_per_ticket.items()))
    rows = [
        ("alerts sent (pushed by the sandbox GravityZone)", f"{storm.sent:,}"),
        (
            "endpoints / companies / endpoint+kind keys",
            f"{setup.endpoints} / {setup.companies} / {len(storm.keys)}",
        ),
        ("storm length (first alert -> last round flushed)", seconds_text(outcome.storm_seconds)),
        ("alerts stored by psabridge", f"{outcome.total_alerts:,}"),
        ("alert states", states),
        (
            "alerts accounted (ticketed + noted)",
            f"{outcome.states['ticketed'] + outcome.states['noted']:,}",
        ),
        ("HaloPSA tickets", f"{outcome.tickets}"),
        ("HaloPSA notes (alerts they list)", f"{outcome.notes} ({outcome.note_alerts:,})"),
        ("notes per ticket: tickets", per_ticket),
        ("HaloPSA calls during the storm", f"{calls}"),
        ("HaloPSA calls per alert", f"{calls / storm.sent:.3f}"),
        ("429 answers received", f"{outcome.rate_limited}"),
        ("first alert -> first ticket", seconds_text(outcome.first_ticket_seconds)),
        ("first alert -> all ticketed or noted (drain)", seconds_text(outcome.drain_seconds)),
        ("Status page consecutive failures", failures),
        (
            "HaloPSA calls of the setup before the storm (429s)",
            f"{outcome.setup_calls} ({outcome.setup_rate_limited})",
        ),
    ]
    lines = ["| measure | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def calls_table(outcome: Outcome) -> str:
    lines = ["| HaloPSA call | count |", "|---|---:|"]
    lines += [f"| `{path}` | {count} |" for path, count in outcome.calls.most_common()]
    return "\n".join(lines)


def report(setup: Setup, storm: Storm, outcome: Outcome) -> str:
    checks = acceptance(storm, outcome)
    verdicts = "\n".join(f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in checks)
    return "\n\n".join(
        [summary_table(setup, storm, outcome), calls_table(outcome), "Acceptance:\n\n" + verdicts]
    )


def description(args: argparse.Namespace) -> str:
    database = "PostgreSQL" if args.database_url else "SQLite"
    queue = "Redis" if args.redis_url else "the SQLite Huey queue"
    text = (
        "What it measures: `psabridge run` (web, worker + scheduler, sandbox) on free loopback "
        f"ports with a fresh data directory ({database}, {queue}), the sandbox HaloPSA at its "
        "default rate limit (300 requests per rolling 5 minutes) and "
        "`PSABRIDGE_SANDBOX_ALERT_INTERVAL=0`, so only the storm's alerts are pushed. Set up "
        "through the web UI with an admin session: Enable push, Mappings Refresh + Confirm of "
        "every suggestion, Ticketing saved (type 1 Incident, private notes, every kind blocked "
        "and current routed to SLA 1 / Security / urgency 2 / Service Desk, assets matched by "
        f"name on `inventory_number`). {args.endpoints} managed endpoints of the mapped "
        "companies (round robin over the companies) get one alert module each, "
        f"{args.two_kinds:.0%} of them a second one (modules rotate over the 11 kinds); "
        f"{args.alerts:,} alerts are queued in the sandbox GravityZone (`POST /_sandbox/alerts` "
        "per endpoint and module, outcome mixed) and flushed (`push/flush`) in "
        f"{args.rounds} rounds over {args.seconds:g} s. Times count from the first "
        "`/_sandbox/alerts` request; the first ticket is seen by polling the HaloPSA sandbox "
        "every 0.2 s, the drain by polling the `/api/alerts` states every second. HaloPSA calls "
        "and 429s are the sandbox HaloPSA counters during the storm (the setup's calls apart); "
        'the alerts of the notes are read from their texts ("Another alert ..." = 1, '
        '"N more alerts ..." = N).'
    )
    return textwrap.fill(text, width=99, break_on_hyphens=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = machine_facts()
    print(f"Machine: {machine}", flush=True)
    setup, storm, outcome = bench(args)
    body = report(setup, storm, outcome)
    print("\n" + body, flush=True)
    if not args.no_record:
        record(
            SECTION,
            section(
                SECTION, description(args), command_line("ticket_storm.py", argv), machine, body
            ),
        )
        print(f"\nrecorded in {RESULTS}", flush=True)
    passed = all(ok for _, ok in acceptance(storm, outcome))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
