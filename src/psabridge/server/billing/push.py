"""Preview and push a month's usage to the PSA invoices, with a ledger (R3.3, R3.4, R3.8)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import InvoiceChanges, LineChange
from psabridge.domain.billing import Plan
from psabridge.domain.usage import Month
from psabridge.server.billing.models import BillingRun, LedgerEntry, PsaInvoice
from psabridge.server.billing.plans import CompanyPlan, build_plans
from psabridge.server.core import connections
from psabridge.server.mappings.models import Mapping

log = logging.getLogger(__name__)


def billing_target(system: str) -> Any:
    """Return the billing side of the stored PSA connection (one per process and connection)."""
    return connections.stored_connector(system, role="billing")


def enable_billing(mapping: Mapping, target: Any = None) -> PsaInvoice:
    """Billing on: the recurring invoice named after the PSA client, created once (R3.2)."""
    existing = PsaInvoice.objects.filter(mapping=mapping).first()
    if existing is not None:
        return existing
    target = target or billing_target(mapping.system)
    invoice = target.find_or_create_invoice(mapping.psa_client_id, mapping.psa_client_name)
    return PsaInvoice.objects.create(mapping=mapping, invoice_id=invoice.id, name=invoice.name)


def preview(system: str, month: Month, target: Any = None) -> list[CompanyPlan]:
    """Return every mapping's plan for the month, writing nothing."""
    return build_plans(system, month, target or billing_target(system))


def push(
    system: str, month: Month, target: Any = None, remove_stale: dict[int, set[str]] | None = None
) -> BillingRun:
    """Apply the month's plans in as few calls as the PSA allows and record the ledger."""
    target = target or billing_target(system)
    run = BillingRun.objects.create(
        system=system, month=str(month), push=True, started_at=timezone.now()
    )
    try:
        return _push(run, system, month, target, remove_stale)
    except ConnectorError as exc:
        # A stopped push is recorded as such; pushing again resumes it without double lines.
        run.problems = [*run.problems, f"stopped: {exc}"]
        run.finished_at = timezone.now()
        run.save(update_fields=["problems", "finished_at"])
        raise


def _push(
    run: BillingRun,
    system: str,
    month: Month,
    target: Any,
    remove_stale: dict[int, set[str]] | None,
) -> BillingRun:
    plans = build_plans(system, month, target, remove_stale)
    run.problems = [f"{p.mapping.psa_client_name}: {text}" for p in plans for text in p.problems]
    batch = [
        InvoiceChanges(p.invoice_id, p.mapping.psa_client_id, _changes(p.plan))
        for p in plans
        if p.invoice_id and not p.plan.is_noop
    ]
    answers = {w.invoice_id: w for w in target.apply_invoice_changes(batch)} if batch else {}
    with transaction.atomic():
        for company_plan in plans:
            _ledger(run, company_plan, answers.get(company_plan.invoice_id))
        run.writes = sum(p.plan.writes for p in plans if _written(answers.get(p.invoice_id)))
        run.finished_at = timezone.now()
        run.save()
    log.info("billing push %s %s: %s line writes", system, month, run.writes)
    return run


def push_if_due(now: datetime) -> BillingRun | None:
    """R3.3: on the 2nd in the MSP's zone, collect last month once more and push it."""
    from psabridge.domain.usage import month_to_push
    from psabridge.server.billing import collection
    from psabridge.server.mappings.services import psa_system

    month, system = month_to_push(now, collection.msp_zone()), psa_system()
    if month is None or system is None or system == "connectwise":  # ConnectWise: cw_sync
        return None
    collection.collect(month, billing_only=True)
    return push(system, month)


def remove_stale_lines(
    system: str, month: Month, mapping: Mapping, target: Any = None
) -> BillingRun:
    """R3.6: remove a mapping's stale lines (ours, no longer billed) when the admin asks."""
    target = target or billing_target(system)
    stale = {
        mapping.pk: {
            line.marker or ""
            for p in build_plans(system, month, target)
            if p.mapping.pk == mapping.pk
            for line in p.plan.stale
        }
    }
    return push(system, month, target, remove_stale=stale)


def _written(answer: Any) -> bool:
    return answer is not None and answer.ok and answer.written


def _changes(plan: Plan) -> tuple[LineChange, ...]:
    creates = [
        LineChange.create(str(d.item_id), d.quantity, d.marker, description=d.description)
        for d in plan.creates
    ]
    updates = [
        LineChange.update(
            line_id=str(u.line_id),
            marker=u.after.marker,
            item_id=str(u.after.item_id),
            quantity=u.after.quantity,
            description=u.after.description,
        )
        for u in plan.updates
    ]
    removes = [
        LineChange.remove(line_id=str(r.line.line_id), marker=r.line.marker) for r in plan.removes
    ]
    return (*creates, *updates, *removes)


def _ledger(run: BillingRun, company_plan: CompanyPlan, answer: Any) -> None:
    mapping, plan = company_plan.mapping, company_plan.plan
    text = "ok" if answer is None or answer.ok else str(answer.error)[:300]
    base = {
        "run": run,
        "company_id": mapping.company_id,
        "company_name": mapping.psa_client_name,
        "invoice_id": company_plan.invoice_id,
    }
    rows = [
        LedgerEntry(
            **base,
            action="create",
            marker=d.marker,
            item_id=str(d.item_id),
            description=d.description[:200],
            after=d.quantity,
            answer=text,
        )
        for d in plan.creates
    ]
    rows += [
        LedgerEntry(
            **base,
            action="update",
            marker=u.after.marker,
            item_id=str(u.after.item_id),
            description=u.after.description[:200],
            before=u.before.quantity,
            after=u.after.quantity,
            answer=text,
        )
        for u in plan.updates
    ]
    rows += [
        LedgerEntry(
            **base,
            action="remove",
            marker=r.line.marker or "",
            item_id=str(r.line.item_id),
            description=r.line.description[:200],
            before=r.line.quantity,
            answer=text,
        )
        for r in plan.removes
    ]
    rows += [
        LedgerEntry(
            **base,
            action=kind,
            marker=line.marker or "",
            item_id=str(line.item_id),
            description=line.description[:200],
            before=line.quantity,
            after=line.quantity if kind == "unchanged" else None,
            answer="no write",
        )
        for kind, lines in (("unchanged", plan.unchanged), ("stale", plan.stale))
        for line in lines
    ]
    LedgerEntry.objects.bulk_create(rows)
