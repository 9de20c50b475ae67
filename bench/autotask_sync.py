"""Benchmark Autotask billing for many companies at the simulator's real limits: an unchanged
4-hourly sync and one where 10% of the counts changed, after a first sync that set every
company's units (setup, limits lifted)."""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cw_sync
from billing_run import setup_django
from results import command_line, machine_facts, record, section

SECTION = "## Autotask billing sync (bench/autotask_sync.py)"
SYSTEM = "autotask"
THRESHOLD = 10_000  # reference autotask.md §2.7: requests per rolling hour per database
BUDGET = 9_000  # psabridge's share of it (connectors/autotask README, q13)
UNCHANGED_CAP = 20  # issue 13: an unchanged sync of 2,000 companies makes at most 20 calls
PER_CHANGE = 3  # the units now, one adjustment, the read back
RECURRING_SERVICE, ENDPOINT_SECURITY = "7", "1"
ADJUSTMENTS = "POST /Contracts/{parentId}/ServiceAdjustments"


@dataclass
class Phase:
    """One measured phase: wall time, the Autotask calls, 429s, the sync result or error."""

    name: str
    seconds: float
    calls: Counter[str]
    rate_limited: int
    penalty: int
    result: Any = None
    error: str = ""

    @property
    def total(self) -> int:
        return sum(n for label, n in self.calls.items() if label != "latency penalty")

    @property
    def writes(self) -> int:
        return int(getattr(self.result, "writes", 0) or 0)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return cw_sync.parse_args(argv, __doc__)


def lower_bound(calls: int) -> float:
    """Least seconds the hourly threshold imposes on `calls` from an empty hour: the wait for
    the hour to roll past psabridge's budget, plus the simulator's latency penalty (+0.5 s
    per call from 50% of the threshold, +1 s from 75%)."""
    rolls = (calls - 1) // BUDGET * 3600.0 if calls > 0 else 0.0
    half, three_quarters = THRESHOLD // 2, THRESHOLD * 3 // 4
    in_hour = min(calls, BUDGET)
    penalty = 0.5 * max(0, min(in_hour, three_quarters) - half)
    penalty += 1.0 * max(0, in_hour - three_quarters)
    return rolls + penalty


# --- setup (not measured) --------------------------------------------------------------------


def connect(info: dict[str, Any]) -> None:
    from psabridge.server.core import connections

    gz = info["gravityzone"]
    result = connections.validate_gravityzone(gz["base_url"], gz["api_key"])
    connections.save_gravityzone(gz["base_url"], gz["api_key"], result)
    values = {
        k: str(info[SYSTEM][k]) for k in ("zone_url", "username", "secret", "integration_code")
    }
    checked = connections.validate(SYSTEM, values)
    if not checked.ok:
        sys.exit(f"the sandbox Autotask PSA did not validate: {checked.message}")
    connections.save(SYSTEM, values, checked)


def map_and_count(sandbox: Any, month: Any, seed: int) -> int:
    """Map every company the scenario pairs (Billing on) and store a monthly count for each."""
    from django.utils import timezone

    from psabridge.server.billing.models import UsageSnapshot
    from psabridge.server.mappings.models import Mapping

    names = {c["id"]: c["companyName"] for c in sandbox.autotask.store.rows("Companies")}
    pairs = [r for r in sandbox.autotask.store.scenario["companies"] if r["psa_company_id"]]
    Mapping.objects.bulk_create(
        Mapping(
            system=SYSTEM,
            psa_client_id=str(r["psa_company_id"]),
            psa_client_name=names[r["psa_company_id"]],
            company_id=r["gravityzone_id"],
            company_name=r["gravityzone_name"],
            billing=True,
        )
        for r in pairs
    )
    chance = random.Random(seed)
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(
            company_id=r["gravityzone_id"],
            month=str(month),
            company_name=r["gravityzone_name"],
            subscription_type=3,
            lines=[{"product_key": "seats", "quantity": count, "description": "seats"}],
            endpoints_counted=count,
            collected_at=timezone.now(),
        )
        for r in pairs
        for count in [chance.randint(3, 80)]
    )
    return len(pairs)


def configure() -> None:
    from psabridge.server.billing.periods import setup as period_setup

    values = {
        "agreement_type_id": RECURRING_SERVICE,
        "product_id": ENDPOINT_SECURITY,
        "covered": [],
        "service_desk": False,
        "service_board_id": "",
        "service_priority_id": "",
    }
    errors = period_setup.save(values)
    if errors:
        sys.exit(f"the billing settings were refused: {errors}")


def change_counts(share: float, month: Any, seed: int) -> int:
    """Raise `share` of the billed companies' counts by one (a new endpoint)."""
    from psabridge.server.billing.models import CwAddition, UsageSnapshot

    billed = CwAddition.objects.filter(month=str(month)).values_list("mapping__company_id")
    snapshots = list(UsageSnapshot.objects.filter(month=str(month), company_id__in=billed))
    chosen = random.Random(seed).sample(snapshots, round(len(snapshots) * share))
    for snapshot in chosen:
        for line in snapshot.lines:
            line["quantity"] += 1
        snapshot.save(update_fields=["lines"])
    return len(chosen)


# --- measured --------------------------------------------------------------------------------


def measure(name: str, sandbox: Any, work: Callable[[], Any]) -> Phase:
    from psabridge.connectors.errors import ConnectorError

    sandbox.autotask.stats.reset()
    print(f"{name} ...", flush=True)
    started = time.perf_counter()
    result, error = None, ""
    try:
        result = work()
    except ConnectorError as exc:
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    snapshot = sandbox.autotask.calls()
    calls = Counter(snapshot["calls"])
    phase = Phase(
        name,
        seconds,
        calls,
        snapshot["rate_limited"],
        calls.get("latency penalty", 0),
        result,
        error,
    )
    print(
        f"  {seconds:.1f} s, {phase.total:,} Autotask calls, 429s {phase.rate_limited}", flush=True
    )
    return phase


def units_match(sandbox: Any, month: Any) -> tuple[int, int]:
    """Return (mapped companies whose units on the month's first day equal their count,
    companies billed), read from the simulator's own tables."""
    from psabridge.server.billing.models import CwAddition, UsageSnapshot
    from psabridge.server.billing.snapshots import seats

    counted = {s.company_id: seats(s) for s in UsageSnapshot.objects.filter(month=str(month))}
    day = f"{month.first_day():%Y-%m-%d}"
    in_force: dict[int, int] = {}
    for row in sandbox.autotask.store.rows("ContractServiceUnits"):
        covers = row["startDate"][:10] <= day <= row["endDate"][:10]
        if row["serviceID"] == int(ENDPOINT_SECURITY) and covers:
            in_force[row["contractID"]] = row["units"]
    records = list(CwAddition.objects.filter(month=str(month)).select_related("mapping"))
    equal = sum(
        1 for r in records if in_force.get(int(r.agreement_id)) == counted.get(r.mapping.company_id)
    )
    return equal, len(records)


@dataclass
class Outcome:
    mappings: int
    first: Phase
    unchanged: Phase
    changed: Phase
    changed_companies: int
    equal: int
    recorded: int


def run(args: argparse.Namespace) -> Outcome:
    from psabridge.domain.usage import Month
    from psabridge.sandbox.runner import Sandbox
    from psabridge.server.billing.periods import sync as period_sync

    with Sandbox(companies=args.companies, endpoints=args.companies * 2, seed=args.seed) as box:
        connect(box.info())
        today = datetime.datetime.now(datetime.UTC).date()
        month = Month(today.year, today.month)
        mappings = map_and_count(box, month, args.seed)
        configure()
        threshold = box.autotask.limits.threshold.limit
        box.autotask.limits.threshold.limit = None  # the first sync is setup: no hourly limit
        first = measure(
            "first sync (setup, hourly limit lifted)", box, lambda: period_sync.sync(month)
        )
        box.autotask.limits.threshold.limit = threshold
        box.autotask.limits.reset()  # the 4-hourly syncs start from an empty hour
        unchanged = measure("unchanged", box, lambda: period_sync.sync(month))
        changed_companies = change_counts(args.changed, month, args.seed)
        changed = measure(f"{args.changed:.0%} changed", box, lambda: period_sync.sync(month))
        equal, recorded = units_match(box, month)
    return Outcome(mappings, first, unchanged, changed, changed_companies, equal, recorded)


# --- report ----------------------------------------------------------------------------------


def acceptance(o: Outcome) -> list[tuple[str, bool]]:
    cap = o.unchanged.total + PER_CHANGE * o.changed_companies
    adjustments = o.changed.calls.get(ADJUSTMENTS, 0)
    return [
        (
            f"unchanged sync: at most {UNCHANGED_CAP} Autotask calls and no write: "
            f"{o.unchanged.total} calls, {o.unchanged.writes} writes",
            o.unchanged.total <= UNCHANGED_CAP and o.unchanged.writes == 0,
        ),
        (
            f"changed sync: at most {cap} calls (unchanged + {PER_CHANGE} per changed count), one "
            f"adjustment per changed count: {o.changed.total} calls, {adjustments} adjustments "
            f"for {o.changed_companies} changes",
            o.changed.total <= cap and adjustments == o.changed_companies,
        ),
        (
            "every phase ran to the end without problems: "
            + ", ".join(
                f"{p.name} {p.error or len(p.result.problems) if p.result else p.error}"
                for p in (o.first, o.unchanged, o.changed)
            ),
            all(
                not p.error and p.result is not None and not p.result.problems
                for p in (o.first, o.unchanged, o.changed)
            ),
        ),
        (
            "zero 429 answers: "
            + ", ".join(f"{p.name} {p.rate_limited}" for p in (o.unchanged, o.changed)),
            o.unchanged.rate_limited == 0 and o.changed.rate_limited == 0,
        ),
        (
            f"every company's units on the month's first day equal its count: {o.equal:,} of "
            f"{o.recorded:,} billed companies",
            o.equal == o.recorded and o.recorded > 0,
        ),
    ]


def phases_table(o: Outcome) -> str:
    lines = [
        "| phase | wall s | Autotask calls | adjustments | 429s | latency penalties "
        "| rate-limit lower bound s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in (o.first, o.unchanged, o.changed):
        bound = "not limited" if p is o.first else f"{lower_bound(p.total):.0f}"
        lines.append(
            f"| {p.name} | {p.seconds:.1f} | {p.total:,} | {p.calls.get(ADJUSTMENTS, 0):,} "
            f"| {p.rate_limited} | {p.penalty} | {bound} |"
        )
    return "\n".join(lines)


def calls_table(o: Outcome) -> str:
    lines = ["| phase | call | count |", "|---|---|---:|"]
    for p in (o.unchanged, o.changed):
        for label, n in sorted(p.calls.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"| {p.name} | `{label}` | {n:,} |")
    return "\n".join(lines)


def report(o: Outcome, args: argparse.Namespace, argv: list[str] | None, machine: str) -> str:
    checks = acceptance(o)
    items = "\n".join(f"- [{'x' if ok else ' '}] {text}" for text, ok in checks)
    body = f"""{o.mappings:,} mappings with Billing on (every company the scenario pairs with an
Autotask company), {args.changed:.0%} of the counts raised by one for the changed sync.

{phases_table(o)}

Calls of the measured syncs:

{calls_table(o)}

Acceptance:

{items}
"""
    description = textwrap.fill(
        "The first sync sets every billed company's units on its Recurring Service contract "
        "(setup: the hourly threshold lifted; about four calls per company). Then, from an empty "
        "hour at the simulator's real limits (10,000 requests per rolling hour per database with "
        "its latency penalty, 3 threads per integration code), an unchanged sync and one where "
        f"{args.changed:.0%} of the counts changed. The lower bound is the time the hourly "
        "threshold imposes on that many calls from an empty hour (0 under half of it).",
        width=95,
    )
    return section(SECTION, description, command_line("autotask_sync.py", argv), machine, body)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = machine_facts()
    with tempfile.TemporaryDirectory(prefix="psabridge-bench-") as data_dir:
        setup_django(Path(data_dir))
        outcome = run(args)
    text = report(outcome, args, argv, machine)
    print(text)
    if not args.no_record:
        record(SECTION, text)
    return 0 if all(ok for _, ok in acceptance(outcome)) else 1


if __name__ == "__main__":
    sys.exit(main())
