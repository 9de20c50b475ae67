"""Preview and push a finished month's usage to the PSA invoices, with a ledger (R3.3-R3.8).

The ledger is written ahead: every line change of a batch is recorded before the batch is sent
and completed with the PSA's answer after, so a push killed at any point leaves a ledger that
lists every write that may have reached the PSA; the next push settles those by reading the
invoices, then plans again from what the PSA holds (our markers make the re-run exact).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from psabridge.connectors.errors import ConfigError, ConnectorError
from psabridge.connectors.ports_billing import BillingTarget
from psabridge.domain.psa_billing import InvoiceChanges, UsageLine, line_changes
from psabridge.domain.usage import Month
from psabridge.server.billing import collection, ledger
from psabridge.server.billing.invoices import billing_target
from psabridge.server.billing.models import BillingRun, LedgerEntry, PsaInvoice
from psabridge.server.billing.plans import CompanyPlan, build_plans, fingerprint
from psabridge.server.core import leases as lease
from psabridge.server.core import systems
from psabridge.server.mappings.models import Mapping

log = logging.getLogger(__name__)


class NotPushableError(ConfigError):
    """The push asked for cannot be made now; the message says why and what to do."""


class MonthNotFinishedError(NotPushableError):
    """A month still running (or to come) is never pushed: its count is not final (R4.6)."""


class PlanChangedError(NotPushableError):
    """What a push would write is no longer what the admin reviewed and confirmed."""


def check_month(month: Month, now: datetime | None = None) -> None:
    """Raise MonthNotFinishedError unless the month has ended in the MSP's zone."""
    running = collection.current_month(now)
    if month >= running:
        raise MonthNotFinishedError(
            f"{month.label()} is {'still running' if month == running else 'to come'}: a month "
            "is pushed once it has ended (on the 2nd of the next month), with its final count"
        )


def preview(system: str, month: Month, target: BillingTarget | None = None) -> list[CompanyPlan]:
    """Return every mapping's plan for the month, writing nothing to the PSA."""
    return build_plans(system, month, target or billing_target(system))


def push(
    system: str,
    month: Month,
    target: BillingTarget | None = None,
    remove_stale: dict[int, set[str]] | None = None,
    *,
    confirmed: str | None = None,
    only: Mapping | None = None,
    now: datetime | None = None,
) -> BillingRun:
    """Apply the month's plans in as few calls as the PSA allows, the ledger written ahead.

    `confirmed`: the fingerprint of the plan the admin reviewed; the push refuses
    (PlanChangedError) when the plan is no longer that one.
    """
    check_month(month, now)
    target = target or billing_target(system)
    with lease.held(f"{system}-billing", f"push of {systems.label(system)} billing") as renew:
        settle_open_writes(system, target)
        ledger.close_interrupted_runs(system)
        plans = build_plans(system, month, target, remove_stale, only)
        if confirmed is not None and confirmed != fingerprint(plans):
            raise PlanChangedError(
                "the invoices changed since the push was reviewed: review it again"
            )
        run = BillingRun.objects.create(
            system=system, month=str(month), push=True, started_at=timezone.now()
        )
        try:
            _push(run, plans, target, renew)
        except ConnectorError as exc:
            _finish(run, f"stopped: {exc} (pushing again resumes it)")
            raise
    log.info("billing push %s %s: %s line writes", system, month, run.writes)
    return run


def _push(
    run: BillingRun, plans: list[CompanyPlan], target: BillingTarget, renew: Callable[[], None]
) -> None:
    run.problems = [f"{p.mapping.psa_client_name}: {text}" for p in plans for text in p.problems]
    run.save(update_fields=["problems"])
    ledger.no_write(run, [w for p in plans for w in _quiet_writes(p)])
    pending = [p for p in plans if p.invoice_id and not p.plan.is_noop]
    size = max(1, min(int(target.write_batch_size), settings.BILLING_WRITE_BATCH))
    for start in range(0, len(pending), size):
        _write_batch(run, pending[start : start + size], target)
        renew()
    _adopted([p for p in plans if p.invoice_status == "adopting"], run)
    _finish(run)


def _write_batch(run: BillingRun, batch: list[CompanyPlan], target: BillingTarget) -> None:
    entries = {p.invoice_id: ledger.intents(run, _writes(p)) for p in batch}
    changes = [
        InvoiceChanges(p.invoice_id, p.mapping.psa_client_id, line_changes(p.plan)) for p in batch
    ]
    try:
        answers = target.apply_invoice_changes(changes)
    except ConnectorError as exc:
        ledger.settle_failure([e for rows in entries.values() for e in rows], exc)
        raise
    for answer in answers:
        for entry in entries.get(answer.invoice_id, []):
            if answer.ok and answer.written:
                ledger.complete(entry, "ok")
            elif answer.ok:  # the invoice already held it (an earlier write that landed unseen)
                ledger.complete(entry, "already on the invoice: no write", ledger.NO_WRITE)
            else:
                ledger.complete(entry, str(answer.error), ledger.FAILED)


def _adopted(plans: list[CompanyPlan], run: BillingRun) -> None:
    """An adopted invoice whose lines were all taken over is billed like ours from now on."""
    for company_plan in plans:
        failed = run.entries.filter(invoice_id=company_plan.invoice_id, state=ledger.FAILED)
        if not company_plan.problems and not failed.exists():
            PsaInvoice.objects.filter(mapping=company_plan.mapping).update(status="adopted")


def _finish(run: BillingRun, problem: str = "") -> None:
    if problem:
        run.problems = [*run.problems, problem]
    run.writes = run.entries.filter(state__in=ledger.WRITTEN).count()
    run.finished_at = timezone.now()
    run.save(update_fields=["problems", "writes", "finished_at"])


def push_if_due(now: datetime) -> BillingRun | None:
    """R3.3: on the 2nd in the MSP's zone, collect last month (final) and push it."""
    from psabridge.domain.usage import month_to_push
    from psabridge.server.mappings.services import psa_system

    month, system = month_to_push(now, collection.msp_zone()), psa_system()
    # A PSA billed by period quantities is synced every 4 hours instead (periods.sync).
    if month is None or system is None or systems.psa(system).billing_style != "invoice_lines":
        return None
    collection.collect(month, billing_only=True, now=now)
    return push(system, month, now=now)


def remove_stale_lines(
    system: str, month: Month, mapping: Mapping, target: BillingTarget | None = None
) -> BillingRun:
    """R3.6: remove a mapping's stale lines (ours, no longer billed) when the admin asks."""
    target = target or billing_target(system)
    plans = build_plans(system, month, target, only=mapping)
    stale = {mapping.pk: {line.marker or "" for p in plans for line in p.plan.stale}}
    return push(system, month, target, remove_stale=stale, only=mapping)


def settle_open_writes(system: str, target: BillingTarget) -> int:
    """Settle line writes an earlier push sent and never heard back about, by reading the PSA."""
    entries = ledger.open_intents(system)
    invoices: dict[str, list[UsageLine]] = {}
    for invoice_id in {e.invoice_id for e in entries}:
        invoices[invoice_id] = _lines_or_none(target, invoice_id)
    return ledger.resolve(entries, lambda entry: _landed(entry, invoices[entry.invoice_id]))


def _lines_or_none(target: BillingTarget, invoice_id: str) -> list[UsageLine]:
    try:
        return list(target.usage_lines(invoice_id))
    except ConfigError:  # the invoice is gone: nothing of it is in the PSA any more
        return []


def _landed(entry: LedgerEntry, lines: list[UsageLine]) -> bool:
    if entry.action == "remove":
        return not any(line.line_id == entry.line_id for line in lines)
    return any(line.marker == entry.marker and line.quantity == entry.after for line in lines)


def _quiet_writes(company_plan: CompanyPlan) -> list[ledger.Write]:
    plan = company_plan.plan
    return [
        _write(
            company_plan,
            kind,
            marker=line.marker or "",
            line_id=str(line.line_id),
            item_id=str(line.item_id),
            description=line.description,
            before=line.quantity,
            after=line.quantity if kind == "unchanged" else None,
        )
        for kind, lines in (("unchanged", plan.unchanged), ("stale", plan.stale))
        for line in lines
    ]


def _writes(company_plan: CompanyPlan) -> list[ledger.Write]:
    plan = company_plan.plan
    creates = [
        _write(
            company_plan,
            "create",
            marker=d.marker,
            item_id=str(d.item_id),
            description=d.description,
            after=d.quantity,
        )
        for d in plan.creates
    ]
    updates = [
        _write(
            company_plan,
            "adopt" if u.adopted else "update",
            marker=u.after.marker,
            line_id=str(u.line_id),
            item_id=str(u.after.item_id),
            description=u.after.description,
            before=u.before.quantity,
            after=u.after.quantity,
        )
        for u in plan.updates
    ]
    removes = [
        _write(
            company_plan,
            "remove",
            marker=r.line.marker or "",
            line_id=str(r.line.line_id),
            item_id=str(r.line.item_id),
            description=r.line.description,
            before=r.line.quantity,
        )
        for r in plan.removes
    ]
    return [*creates, *updates, *removes]


def _write(company_plan: CompanyPlan, action: str, **values: Any) -> ledger.Write:
    mapping = company_plan.mapping
    return ledger.Write(
        mapping.company_id, mapping.psa_client_name, company_plan.invoice_id, action, **values
    )
