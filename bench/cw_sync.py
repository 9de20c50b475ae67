"""Benchmark ConnectWise billing for many companies at the simulators' real default rate limits:
the usage collection, the month-start sync that creates every addition, an unchanged 4-hourly
sync and one where 10% of the counts changed."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import math
import random
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from billing_run import Bound, setup_django
from results import RESULTS, command_line, machine_facts, record, section

SECTION = "## ConnectWise billing sync (bench/cw_sync.py)"
SYSTEM = "connectwise"
CW_LIMIT = (1000, 60.0)  # the sandbox default: reference connectwise.md 2.5 (~1,000 a minute)
UNCHANGED_CAP = 20  # issue 5: an unchanged sync of 2,000 companies makes at most 20 calls
WITHIN = 1.5  # the collection and the month-start sync: within 1.5x of their lower bound
TYPE_NAME, PRODUCT_CODE = "Managed Security", "GZ-ENDPOINT"
ADDITIONS = "/finance/agreements/{parentId}/additions"
CW_PAGE = 1000  # pageSize of every bulk read (reference connectwise.md 2.1)


@dataclass
class Phase:
    """One measured phase: wall time, the calls each simulator counted, the result or error."""

    name: str
    seconds: float
    gravityzone: Counter[str]
    connectwise: Counter[str]
    gravityzone_429: int
    connectwise_429: int
    result: Any = None
    error: str = ""  # the ConnectorError that stopped it, if any
    bounds: list[Bound] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return int(getattr(self.result, "writes", 0) or 0)

    @property
    def rate_limited(self) -> int:
        return self.gravityzone_429 + self.connectwise_429

    def of(self, method: str) -> int:
        """Return the ConnectWise calls of one HTTP method."""
        return sum(n for label, n in self.connectwise.items() if label.startswith(f"{method} "))

    @property
    def bound(self) -> float:
        # The limit classes are independent budgets: the phase needs the longest of them.
        return max((b.seconds for b in self.bounds), default=0.0)


def parse_args(
    argv: list[str] | None = None, description: str | None = __doc__
) -> argparse.Namespace:
    """Parse --companies, --changed, --seed and --no-record (autotask_sync.py takes them too)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--companies", type=int, default=2000, help="GravityZone companies.")
    parser.add_argument("--changed", type=float, default=0.10, help="Share of counts changed.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-record", action="store_true", help="Do not write RESULTS.md.")
    args = parser.parse_args(argv)
    if args.companies < 1 or not 0 < args.changed <= 1:
        parser.error("--companies must be positive and --changed in (0, 1]")
    return args


@contextlib.contextmanager
def limits_lifted(sandbox: Any) -> Iterator[None]:
    """Setup only: both simulators' limits off, back on with an empty history afterwards."""
    cw_limit = sandbox.connectwise.limiter.limit
    sandbox.gravityzone.limiter.enabled = False
    sandbox.connectwise.limiter.limit = None
    try:
        yield
    finally:
        sandbox.gravityzone.limiter.enabled = True
        sandbox.connectwise.limiter.limit = cw_limit
        sandbox.gravityzone.limiter.reset()
        sandbox.connectwise.limiter.reset()


# --- setup (not measured) --------------------------------------------------------------------


def connect(info: dict[str, Any]) -> None:
    """Save the GravityZone and ConnectWise connections as the Connections page does."""
    from psabridge.server.core import connections

    gz = info["gravityzone"]
    connections.save_gravityzone(
        gz["base_url"],
        gz["api_key"],
        connections.validate_gravityzone(gz["base_url"], gz["api_key"]),
    )
    names = ("site_url", "company_id", "public_key", "private_key", "client_id")
    values = {name: str(info["connectwise"][name]) for name in names}
    result = connections.validate(SYSTEM, values)
    if not result.ok:
        sys.exit(f"the sandbox ConnectWise PSA did not validate: {result.message}")
    connections.save(SYSTEM, values, result)


def unbudgeted_target() -> Any:
    """The setup's billing target: no rate budget (the simulators' limits are lifted)."""
    from psabridge.connectors.registry import ConnectorOptions, create_billing_target
    from psabridge.server.core import connections

    stored = connections.connection_for(SYSTEM)
    assert stored is not None
    values = connections.connector_settings(SYSTEM, connections.stored_values(stored))
    return create_billing_target(SYSTEM, values, ConnectorOptions())


def map_companies(sandbox: Any) -> int:
    """Map every GravityZone company to its ConnectWise company as the scenario pairs them (the
    admin confirming every match; names alone are ambiguous in a world this size); billing on."""
    from psabridge.server.mappings.models import Mapping

    names = {c["id"]: c["name"] for c in sandbox.connectwise.snapshot()["companies"]}
    pairs = sandbox.connectwise.store.scenario["companies"]
    rows = [
        Mapping(
            system=SYSTEM,
            psa_client_id=str(row["psa_company_id"]),
            psa_client_name=names[row["psa_company_id"]],
            company_id=row["gravityzone_id"],
            company_name=row["gravityzone_name"],
            billing=True,
            ticketing=False,
        )
        for row in pairs
        if row["psa_company_id"]
    ]
    Mapping.objects.bulk_create(rows)
    return len(rows)


def configure(target: Any) -> str:
    """Choose the scenario's agreement type and product, every covered status off but Active;
    return the agreement type's id."""
    from psabridge.server.billing.periods import setup as period_setup

    lists = period_setup.live_lists(target, fresh=True)
    kind = next(o for o in lists.types if o.name == TYPE_NAME)
    product = next(o for o in lists.products if o.extra.get("identifier") == PRODUCT_CODE)
    values = {
        "agreement_type_id": kind.id,
        "product_id": product.id,
        "covered": [],
        "service_desk": False,
        "service_board_id": "",
        "service_priority_id": "",
    }
    errors = period_setup.save(values, lists)
    if errors:
        sys.exit(f"the billing settings were refused: {errors}")
    return str(kind.id)


# --- the measured phases ---------------------------------------------------------------------


def measure(name: str, sandbox: Any, work: Callable[[], Any]) -> Phase:
    """Run one phase with both simulators' counters reset; a ConnectorError ends the phase."""
    from psabridge.connectors.errors import ConnectorError

    sandbox.gravityzone.calls.reset()
    sandbox.connectwise.stats.reset()
    print(f"{name} ...", flush=True)
    started = time.perf_counter()
    result, error = None, ""
    try:
        result = work()
    except ConnectorError as exc:
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    gz, cw = sandbox.gravityzone.calls.snapshot(), sandbox.connectwise.calls()
    phase = Phase(
        name,
        seconds,
        Counter(gz["calls"]),
        Counter(cw["calls"]),
        gz["rate_limited"],
        cw["rate_limited"],
        result,
        error,
    )
    print(
        f"  {seconds:.1f} s, GravityZone {sum(phase.gravityzone.values()):,} calls, "
        f"ConnectWise {sum(phase.connectwise.values()):,} calls, 429s {phase.rate_limited}"
        + (f", stopped: {error}" if error else ""),
        flush=True,
    )
    return phase


def collection_bounds(sandbox: Any, phase: Phase) -> list[Bound]:
    """The GravityZone calls the collection must make per limit class, from the sandbox world.

    Per company with Billing on: getLicenseInfo and getMonthlyUsage (licensing class), one
    getEndpointsList page per 1,000 endpoints (at least one) and getManagedEndpointDetails per
    managed endpoint (default class), as bench/billing_run.py counts them.
    """
    from psabridge.connectors.gravityzone.client import MAX_PER_PAGE
    from psabridge.sandbox.gravityzone.ratelimit import LIMITS, limit_class
    from psabridge.server.mappings.models import Mapping

    billed = set(
        Mapping.objects.filter(system=SYSTEM, billing=True).values_list("company_id", flat=True)
    )
    companies = [c for c in sandbox.gravityzone.snapshot()["companies"] if c["id"] in billed]
    required = {
        "licensing": 2 * len(companies),
        "default": sum(
            max(1, math.ceil(c["endpoints"] / MAX_PER_PAGE)) + c["managed"] for c in companies
        ),
    }
    measured: Counter[str] = Counter()
    for label, count in phase.gravityzone.items():
        service, _, method = label.partition(".")
        measured[limit_class(service, method)] += count
    bounds = []
    for name in ("licensing", "default"):
        limit = LIMITS[name]
        label = f"GravityZone {name} ({limit.requests} req / {limit.period:g} s)"
        bounds.append(Bound(label, required[name], measured[name], limit.requests, limit.period))
    return bounds


def bulk_reads(sandbox: Any, type_id: str, discovery: bool) -> int:
    """The ConnectWise reads every sync makes: company statuses, agreement types, the catalog,
    the companies and the agreements of the type in pages of 1,000 (and, on the first use of the
    stored connection in a process, the codebase discovery)."""
    snapshot = sandbox.connectwise.snapshot()
    companies = sum(1 for c in snapshot["companies"] if not c.get("deletedFlag"))
    agreements = sum(
        1 for a in snapshot["agreements"] if str((a.get("type") or {}).get("id")) == type_id
    )
    pages = max(1, math.ceil(companies / CW_PAGE)) + max(1, math.ceil(agreements / CW_PAGE))
    return int(discovery) + 3 + pages


def cw_bounds(phase: Phase, required: int) -> list[Bound]:
    requests, window = CW_LIMIT
    label = f"ConnectWise ({requests} req / {window:g} s rolling)"
    return [Bound(label, required, sum(phase.connectwise.values()), requests, window)]


def change_counts(share: float, month: Any, seed: int) -> set[str]:
    """Raise the count of `share` of the companies with an addition by one (a new endpoint)."""
    from psabridge.server.billing.models import CwAddition, UsageSnapshot

    billed = CwAddition.objects.filter(month=str(month)).values_list("mapping__company_id")
    snapshots = list(UsageSnapshot.objects.filter(month=str(month), company_id__in=billed))
    chosen = random.Random(seed).sample(snapshots, round(len(snapshots) * share))
    for snapshot in chosen:
        lines = snapshot.lines or [{"product_key": "seats", "quantity": 0, "description": ""}]
        for line in lines:
            if line["product_key"] == "seats":
                line["quantity"] += 1
        snapshot.lines = lines
        snapshot.save(update_fields=["lines"])
    return {s.company_id for s in chosen}


def additions_match(sandbox: Any, month: Any) -> tuple[int, int, int]:
    """Return (additions equal to their snapshot's count, additions psabridge recorded,
    additions of the month in the PSA)."""
    from psabridge.server.billing.models import CwAddition, UsageSnapshot
    from psabridge.server.billing.periods import setup as period_setup
    from psabridge.server.billing.snapshots import seats

    counted = {s.company_id: seats(s) for s in UsageSnapshot.objects.filter(month=str(month))}
    in_psa = {str(a["id"]): a for a in sandbox.connectwise.snapshot()["additions"]}
    records = list(CwAddition.objects.filter(month=str(month)).select_related("mapping"))
    equal = sum(
        1
        for r in records
        if str(r.addition_id) in in_psa
        and float(in_psa[str(r.addition_id)]["quantity"]) == counted.get(r.mapping.company_id)
    )
    product = period_setup.load().product_id
    first, after = f"{month.first_day():%Y-%m-%d}", f"{month.next().first_day():%Y-%m-%d}"
    of_month = sum(
        1
        for a in in_psa.values()
        if str((a.get("product") or {}).get("id")) == product
        and first <= str(a.get("effectiveDate") or "") < after
    )
    return equal, len(records), of_month


@dataclass
class Outcome:
    """Everything measured."""

    mappings: int
    setup_seconds: float
    collect: Phase
    month_start: Phase
    unchanged: Phase
    changed: Phase
    changed_companies: int
    equal: int
    recorded: int
    in_psa: int

    @property
    def phases(self) -> list[Phase]:
        return [self.collect, self.month_start, self.unchanged, self.changed]


def run(args: argparse.Namespace) -> Outcome:
    from psabridge.domain.usage import Month
    from psabridge.sandbox.runner import Sandbox
    from psabridge.server.billing import collection
    from psabridge.server.billing.periods import sync as period_sync

    with Sandbox(
        companies=args.companies,
        endpoints=args.companies * 2,
        seed=args.seed,
        cw_rate_limit=CW_LIMIT,
    ) as sandbox:
        started = time.perf_counter()
        connect(sandbox.info())
        today = datetime.datetime.now(datetime.UTC).date()
        month = Month(today.year, today.month)
        with limits_lifted(sandbox):
            setup = unbudgeted_target()
            mappings = map_companies(sandbox)
            type_id = configure(setup)
            setup.close()
        setup_seconds = time.perf_counter() - started
        print(f"setup: {mappings} mappings in {setup_seconds:.0f} s", flush=True)

        def progress(name: str, done: int, total: int) -> None:
            if done % 250 == 0 or done == total:
                print(f"  collected {done:,} / {total:,}", flush=True)

        # Each phase as production runs it: the stored connections (psabridge's own budget),
        # the simulators' default limits, their windows empty after the setup.
        collect = measure(
            "collection", sandbox, lambda: collection.collect(month, progress, billing_only=True)
        )
        collect.bounds = collection_bounds(sandbox, collect)
        month_start = measure("month-start sync", sandbox, lambda: period_sync.sync(month))
        created = sum(
            1
            for p in getattr(month_start.result, "plans", [])
            if p.step is not None and p.step.action == "find"
        )
        # Each new addition: one read of its agreement's additions (never create blindly, R4.7)
        # and one POST.
        month_start.bounds = cw_bounds(
            month_start, bulk_reads(sandbox, type_id, True) + 2 * created
        )
        # The 4-hourly syncs run hours apart: let the month-start sync's calls leave both
        # windows (psabridge's budget and the simulator's) before the next one.
        print(f"waiting {CW_LIMIT[1]:.0f} s for the ConnectWise windows to empty", flush=True)
        time.sleep(CW_LIMIT[1])
        unchanged = measure("unchanged", sandbox, lambda: period_sync.sync(month))
        unchanged.bounds = cw_bounds(unchanged, bulk_reads(sandbox, type_id, False))
        changed_companies = change_counts(args.changed, month, args.seed)
        changed = measure(f"{args.changed:.0%} changed", sandbox, lambda: period_sync.sync(month))
        changed.bounds = cw_bounds(
            changed, bulk_reads(sandbox, type_id, False) + len(changed_companies)
        )
        equal, recorded, in_psa = additions_match(sandbox, month)
    return Outcome(
        mappings,
        setup_seconds,
        collect,
        month_start,
        unchanged,
        changed,
        len(changed_companies),
        equal,
        recorded,
        in_psa,
    )


# --- report ----------------------------------------------------------------------------------


def ratio_text(wall: float, bound: float) -> str:
    return f"{wall / bound:.2f}" if bound > 0 else "n/a (bound 0)"


def acceptance(outcome: Outcome) -> list[tuple[str, bool]]:
    """Return every acceptance item with whether the run met it."""
    collect, start, unchanged, changed = outcome.phases
    collected = collect.result
    cap = sum(unchanged.connectwise.values()) + outcome.changed_companies
    checks = [
        (
            f"{p.name} within {WITHIN}x its rate-limit lower bound: {p.seconds:.1f} s vs "
            f"{p.bound:.1f} s = {ratio_text(p.seconds, p.bound)}",
            p.bound > 0 and p.seconds <= WITHIN * p.bound,
        )
        for p in (collect, start)
    ]
    checks += [
        (
            f"{p.name} ran to the end: {p.error or 'yes'}"
            + (f"; problems: {len(p.result.problems)}" if p.result is not None else ""),
            not p.error and p.result is not None and not p.result.problems,
        )
        for p in (start, unchanged, changed)
    ]
    checks += [
        (
            "every company collected: "
            + (
                f"{collected.companies:,} of {outcome.mappings:,} ({collected.failed} failed)"
                if collected is not None
                else collect.error
            ),
            collected is not None
            and collected.companies == outcome.mappings
            and collected.failed == 0,
        ),
        (
            f"unchanged sync: at most {UNCHANGED_CAP} calls and no write: "
            f"{sum(unchanged.connectwise.values())} calls, {unchanged.writes} writes",
            sum(unchanged.connectwise.values()) <= UNCHANGED_CAP and unchanged.writes == 0,
        ),
        (
            f"changed sync: at most {cap} calls (unchanged + one per changed count), one PATCH "
            f"per changed count: {sum(changed.connectwise.values())} calls, "
            f"{changed.of('PATCH')} PATCHes for {outcome.changed_companies} changes",
            sum(changed.connectwise.values()) <= cap
            and changed.of("PATCH") == outcome.changed_companies,
        ),
        (
            "zero 429 answers: " + ", ".join(f"{p.name} {p.rate_limited}" for p in outcome.phases),
            all(p.rate_limited == 0 for p in outcome.phases),
        ),
        (
            f"no double addition, every addition equal to its count: {outcome.equal:,} of "
            f"{outcome.recorded:,} recorded additions equal their count; {outcome.in_psa:,} "
            "additions of the month in the PSA",
            outcome.equal == outcome.recorded == outcome.in_psa,
        ),
    ]
    return checks


def phases_table(outcome: Outcome) -> str:
    lines = [
        "| phase | wall s | GravityZone calls | ConnectWise calls (writes) | 429s "
        "| rate-limit lower bound s | wall / bound |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in outcome.phases:
        lines.append(
            f"| {p.name} | {p.seconds:.1f} | {sum(p.gravityzone.values()):,} "
            f"| {sum(p.connectwise.values()):,} ({p.of('POST') + p.of('PATCH'):,}) "
            f"| {p.rate_limited} | {p.bound:.0f} | {ratio_text(p.seconds, p.bound)} |"
        )
    return "\n".join(lines)


def bounds_table(outcome: Outcome) -> str:
    lines = [
        "| phase | limit class | calls required | calls made | lower bound s |",
        "|---|---|---:|---:|---:|",
    ]
    for p in outcome.phases:
        for b in p.bounds:
            lines.append(
                f"| {p.name} | {b.label} | {b.required:,} | {b.measured:,} | {b.seconds:.0f} |"
            )
    return "\n".join(lines)


def calls_table(outcome: Outcome) -> str:
    lines = ["| phase | call | count |", "|---|---|---:|"]
    for p in outcome.phases:
        for system, calls in (("GravityZone", p.gravityzone), ("ConnectWise", p.connectwise)):
            for label, n in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"| {p.name} | {system} `{label}` | {n:,} |")
    return "\n".join(lines)


def summary_table(outcome: Outcome) -> str:
    collected = outcome.collect.result
    rows = [
        ("mappings with Billing on (as the scenario pairs them)", f"{outcome.mappings:,}"),
        ("setup (limits lifted, not measured): seconds", f"{outcome.setup_seconds:.1f}"),
        (
            "companies collected (failed); endpoints examined",
            f"{collected.companies:,} ({collected.failed}); {collected.endpoints:,}"
            if collected is not None
            else "-",
        ),
    ]
    for p in outcome.phases[1:]:
        if p.result is not None:
            counts = ", ".join(f"{k} {v:,}" for k, v in sorted(p.result.counts().items()))
            rows.append((f"{p.name}: companies per action; writes", f"{counts}; {p.writes:,}"))
    rows.append(("counts raised by one for the changed sync", f"{outcome.changed_companies:,}"))
    lines = ["| measure | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def report(outcome: Outcome) -> str:
    verdicts = "\n".join(
        f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in acceptance(outcome)
    )
    return "\n\n".join(
        [
            phases_table(outcome),
            bounds_table(outcome),
            summary_table(outcome),
            calls_table(outcome),
            "Acceptance:\n\n" + verdicts,
        ]
    )


def description(args: argparse.Namespace) -> str:
    text = (
        "What it measures: ConnectWise billing in-process (Django set up like a management task "
        "on a fresh data directory, SQLite) against the sandbox started in the same process: "
        f"`Sandbox(companies={args.companies}, endpoints={args.companies * 2}, "
        f"seed={args.seed}, cw_rate_limit=(1000, 60.0))`, every limit at its real default "
        "(GravityZone 5 req/s licensing and 10 req/s default, queueing bursts; ConnectWise "
        "1,000 calls per rolling 60 s, answering 429), not time-scaled. Setup, not measured, "
        "with both simulators' limits lifted: both connections validated and saved; every "
        "GravityZone company mapped to its ConnectWise company as the scenario pairs them, "
        f'Billing on; agreement type "{TYPE_NAME}", product "{PRODUCT_CODE}", covered '
        "statuses Active only. Then, the limits on and their history empty, each phase as "
        "production runs it (the stored connections, with psabridge's own rate budget and "
        "audit): (1) `collection.collect(month, billing_only=True)` of the running month, "
        "(2) the month-start `periods.sync.sync(month)`, which creates every addition, (3) the "
        "same sync again, nothing changed, 60 s later (the ConnectWise windows empty, as between "
        "4-hourly syncs), (4) the sync after the count of "
        f"{args.changed:.0%} of the companies with an addition was raised by one. Calls and "
        "429s are the simulators' own counters during each phase. The lower bound of a phase "
        "is, per limit class, the least time the simulator's rolling window allows for the "
        "calls the phase must make (floor((calls - 1) / requests) x period, from an empty "
        "window), the longest class counting. The collection must make getLicenseInfo + "
        "getMonthlyUsage per company (licensing) and one getEndpointsList page + "
        "getManagedEndpointDetails per managed endpoint (default). A sync must make its bulk "
        "reads (company statuses, agreement types, catalog, companies and agreements of the "
        "type in pages of 1,000; the codebase discovery on the first sync of a process), and "
        "per new addition one read of its agreement's additions (ConnectWise has no route "
        "reading additions across agreements; the read is required before a create: an "
        "addition of the month may already be there, or an ongoing one that forbids a second) "
        "and one POST; per changed count one PATCH. Acceptance: the collection and the "
        f"month-start sync each within {WITHIN}x of their bound, no 429, no double addition."
    )
    return textwrap.fill(text, width=99, break_on_hyphens=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = machine_facts()
    print(f"Machine: {machine}", flush=True)
    with tempfile.TemporaryDirectory(prefix="psabridge-cw-bench-") as data_dir:
        setup_django(Path(data_dir))
        outcome = run(args)
        from django.db import connections as databases

        databases.close_all()
    body = report(outcome)
    print("\n" + body, flush=True)
    if not args.no_record:
        command = command_line("cw_sync.py", argv)
        record(SECTION, section(SECTION, description(args), command, machine, body))
        print(f"\nrecorded in {RESULTS}", flush=True)
    return 0 if all(ok for _, ok in acceptance(outcome)) else 1


if __name__ == "__main__":
    sys.exit(main())
