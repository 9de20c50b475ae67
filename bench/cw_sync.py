"""Benchmark the 4-hourly ConnectWise billing sync for many companies: an unchanged sync and one
where 10% of the counts changed, against the sandbox ConnectWise PSA and its default rate limit."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import random
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billing_run import setup_django, window_bound
from results import RESULTS, machine_facts, record

SECTION = "## ConnectWise billing sync (bench/period_sync.py)"
SYSTEM = "connectwise"
CW_LIMIT = (1000, 60.0)  # the sandbox default: reference connectwise.md 2.5 (~1,000 a minute)
UNCHANGED_CAP = 20  # issue 5: an unchanged sync of 2,000 companies makes at most 20 calls
TYPE_NAME, PRODUCT_CODE = "Managed Security", "GZ-ENDPOINT"


@dataclass
class Phase:
    """One measured sync: wall time, the ConnectWise calls the simulator counted, the result."""

    name: str
    seconds: float
    calls: Counter[str]
    rate_limited: int
    writes: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def of(self, method: str) -> int:
        return sum(n for label, n in self.calls.items() if label.startswith(f"{method} "))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
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


def configure(target: Any) -> None:
    """Choose the scenario's agreement type and product, every covered status off but Active."""
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


def measured(name: str, sandbox: Any, month: Any) -> Phase:
    """Run one sync with the stored connection (psabridge's real budget) and count its calls."""
    from psabridge.server.billing.periods import sync as period_sync

    sandbox.connectwise.stats.reset()
    started = time.perf_counter()
    result = period_sync.sync(month)
    seconds = time.perf_counter() - started
    stats = sandbox.connectwise.calls()
    return Phase(
        name,
        seconds,
        Counter(stats["calls"]),
        stats["rate_limited"],
        result.writes,
        result.counts(),
    )


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


def additions_match(sandbox: Any, month: Any) -> tuple[int, int]:
    """Return (additions equal to their snapshot's count, additions psabridge recorded)."""
    from psabridge.server.billing.models import CwAddition, UsageSnapshot
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
    return equal, len(records)


def run(args: argparse.Namespace) -> dict[str, Any]:
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
            target = unbudgeted_target()
            mappings = map_companies(sandbox)
            configure(target)
            collection.collect(month, billing_only=True)
            first = period_sync.sync(month, target=target)
        setup_seconds = time.perf_counter() - started
        print(f"setup: {mappings} mappings, first sync {first.counts()} in {setup_seconds:.0f} s")
        unchanged = measured("unchanged", sandbox, month)
        changed_companies = change_counts(args.changed, month, args.seed)
        changed = measured("10% changed", sandbox, month)
        equal, recorded = additions_match(sandbox, month)
    return {
        "mappings": mappings,
        "first": first.counts(),
        "setup_seconds": setup_seconds,
        "unchanged": unchanged,
        "changed": changed,
        "changed_companies": len(changed_companies),
        "equal": equal,
        "recorded": recorded,
    }


def check(outcome: dict[str, Any]) -> list[str]:
    """Return every acceptance item the run missed."""
    unchanged, changed = outcome["unchanged"], outcome["changed"]
    failures = []
    if unchanged.total > UNCHANGED_CAP:
        failures.append(f"unchanged sync made {unchanged.total} calls (> {UNCHANGED_CAP})")
    if unchanged.writes:
        failures.append(f"unchanged sync wrote {unchanged.writes} times")
    cap = unchanged.total + outcome["changed_companies"]
    if changed.total > cap:
        failures.append(f"10%-changed sync made {changed.total} calls (> {cap})")
    if changed.of("PATCH") != outcome["changed_companies"]:
        failures.append(f"{changed.of('PATCH')} PATCHes for {outcome['changed_companies']} changes")
    if unchanged.rate_limited or changed.rate_limited:
        failures.append("the simulator answered 429")
    if outcome["equal"] != outcome["recorded"]:
        failures.append(f"only {outcome['equal']} of {outcome['recorded']} additions match")
    return failures


def phase_line(phase: Phase, limit: tuple[int, float]) -> str:
    bound = window_bound(phase.total, *limit)
    reads = ", ".join(f"{label} x{n}" for label, n in sorted(phase.calls.items()))
    return (
        f"- **{phase.name}**: {phase.total} ConnectWise calls ({reads}); {phase.writes} writes; "
        f"{phase.rate_limited} 429s; wall time {phase.seconds:.2f} s; rate-limit lower bound "
        f"{bound:.0f} s ({phase.total} calls under {limit[0]} per {limit[1]:.0f} s)."
    )


def report(outcome: dict[str, Any], args: argparse.Namespace, failures: list[str]) -> str:
    unchanged, changed = outcome["unchanged"], outcome["changed"]
    verdict = "all checks passed" if not failures else "FAILED: " + "; ".join(failures)
    return (
        SECTION
        + "\n\n"
        + textwrap.dedent(
            f"""\
        Command: `.venv/bin/python bench/period_sync.py --companies {args.companies}`
        ({machine_facts()}).

        Setup (not measured, limits lifted): the sandbox with {args.companies} GravityZone
        companies and the matching ConnectWise PSA companies; {outcome["mappings"]} mappings
        as the scenario pairs them, Billing on; agreement type "{TYPE_NAME}", product
        "{PRODUCT_CODE}"; the month's usage collected; the month-start sync
        ({outcome["first"]}) in {outcome["setup_seconds"]:.0f} s. Then, with the simulator's
        default limit (1,000 calls per 60 s) and psabridge's own budget:

        {phase_line(unchanged, CW_LIMIT)}
        {phase_line(changed, CW_LIMIT)}
        - {outcome["changed_companies"]} counts raised by one ({args.changed:.0%} of the companies
          with an addition); PATCHes: {changed.of("PATCH")}; calls allowed: {unchanged.total} +
          {outcome["changed_companies"]} = {unchanged.total + outcome["changed_companies"]}.
        - After the runs {outcome["equal"]} of {outcome["recorded"]} additions in the simulator
          equal their company's count.

        Result: {verdict}. The unchanged sync reads companies, agreement types, the catalog
        and the agreements of the type in pages of 1,000 and compares with the additions it
        recorded, so it makes no per-company call; a changed count costs one PATCH.
        """
        )
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="psabridge-cw-bench-") as data_dir:
        setup_django(Path(data_dir))
        outcome = run(args)
    failures = check(outcome)
    body = report(outcome, args, failures)
    print(body)
    if not args.no_record:
        record(SECTION, body)
        print(f"recorded in {RESULTS}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
