"""Sync usage into ConnectWise agreement additions, with preview and ledger (R4.2-R4.5)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from psabridge.connectors.errors import ConfigError, ConnectorError, TransientError
from psabridge.connectors.ports_connectwise import Addition, ServiceTicket
from psabridge.domain import agreements as rules
from psabridge.domain.usage import Month
from psabridge.server.billing import collection, cw_settings
from psabridge.server.billing.cw_additions import find_addition, write_addition
from psabridge.server.billing.cw_plan import SYSTEM, CompanyPlan, plan_month, read_psa
from psabridge.server.billing.models import (
    BillingRun,
    CwBillingSettings,
    CwServiceTicket,
    LedgerEntry,
)
from psabridge.server.mappings.models import Mapping

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (company name, done, total)
LOCK = "connectwise-billing-sync"


@dataclass
class SyncResult:
    """What one sync (or preview) of a month did or would do."""

    month: str
    preview: bool
    plans: list[CompanyPlan] = field(default_factory=list)
    run: BillingRun | None = None
    writes: int = 0
    problems: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return how many companies each action concerns (create, update, unchanged...)."""
        return dict(Counter(p.action for p in self.plans))


def sync(
    month: Month, *, preview: bool = False, target: Any = None, progress: Progress | None = None
) -> SyncResult:
    """Write (or, with `preview`, only show) the month's additions and service tickets.

    Re-running writes nothing; a stopped sync resumes without double additions: each written
    addition is recorded at once, and a company without a record is looked up in the PSA first.
    """
    settings = cw_settings.load()
    if not settings.is_configured:
        raise ConfigError("ConnectWise billing is not set up: choose an agreement type and product")
    target = target or cw_settings.billing_target()
    if preview:
        return _preview(month, settings, target)
    with _locked():
        return _sync(month, settings, target, progress)


def sync_due(now: datetime | None = None, collect: bool = True) -> list[SyncResult]:
    """The 4-hourly sync: the running month, and last month in its first 2 days (MSP zone)."""
    today = timezone.localtime(now or timezone.now(), collection.msp_zone()).date()
    results = []
    for month in rules.months_to_sync(today):
        if collect:
            collection.collect(month, billing_only=True)
        results.append(sync(month))
    return results


@contextmanager
def _locked() -> Iterator[None]:
    from huey.contrib.djhuey import HUEY
    from huey.exceptions import TaskLockedException

    try:
        with HUEY.lock_task(LOCK):
            yield
    except TaskLockedException:
        raise TransientError(
            "another ConnectWise billing sync is running; try again shortly"
        ) from None


def _preview(month: Month, settings: CwBillingSettings, target: Any) -> SyncResult:
    plans = plan_month(month, settings, read_psa(target, settings))
    for plan in plans:
        if plan.step is not None and plan.step.action == "find":
            plan.found = find_addition(target, plan, settings.product_id, month)
    return SyncResult(str(month), True, plans)


def _sync(
    month: Month, settings: CwBillingSettings, target: Any, progress: Progress | None
) -> SyncResult:
    run = BillingRun.objects.create(
        system=SYSTEM, month=str(month), push=True, started_at=timezone.now()
    )
    result = SyncResult(str(month), False, run=run)
    try:
        result.plans = plan_month(month, settings, read_psa(target, settings))
        store_issues(result.plans)
        tickets = _Tickets(target, settings, month, result)
        for done, plan in enumerate(result.plans, start=1):
            _apply(target, run, plan, settings, month, result, tickets)
            if progress:
                progress(plan.mapping.psa_client_name, done, len(result.plans))
    except ConnectorError as exc:
        result.problems.append(f"stopped: {exc} (syncing again resumes)")
        _finish(run, result)
        raise
    _finish(run, result)
    log.info("connectwise billing sync %s: %s writes", month, result.writes)
    return result


def _finish(run: BillingRun, result: SyncResult) -> None:
    unchanged = sum(1 for p in result.plans if p.action == "unchanged")
    if unchanged:
        LedgerEntry.objects.create(
            run=run,
            company_id="",
            company_name="—",
            invoice_id="",
            action="unchanged",
            description=f"{unchanged} addition(s) already up to date: no call made",
            answer="no write",
        )
    run.writes, run.problems = result.writes, result.problems
    run.finished_at = timezone.now()
    run.save(update_fields=["writes", "problems", "finished_at"])


def _apply(
    target: Any,
    run: BillingRun,
    plan: CompanyPlan,
    settings: CwBillingSettings,
    month: Month,
    result: SyncResult,
    tickets: _Tickets,
) -> None:
    if plan.step is None:
        _ledger(run, plan, "skipped", answer=plan.skipped)
    elif plan.step.action != "unchanged":
        try:
            action, before, addition, answer = write_addition(target, plan, settings, month)
        except ConfigError as exc:  # this company's write was refused: the others go on
            result.problems.append(f"{plan.mapping.psa_client_name}: {exc}")
            _ledger(run, plan, "failed", after=plan.quantity, answer=str(exc))
        else:
            if action != "adopt" or before != plan.quantity:  # an adopted, equal one: no write
                result.writes += 1
            _ledger(run, plan, action, before, plan.quantity, addition, answer)
    if plan.ticket == "open":
        try:
            tickets.open(run, plan)
        except ConfigError as exc:  # e.g. the board is gone: say so, bill the others
            result.problems.append(f"{plan.mapping.psa_client_name}: no service ticket: {exc}")
            _ledger(run, plan, "failed", answer=f"service ticket: {exc}")


class _Tickets:
    """R4.2: at most one service ticket per company and month; priorities read once a run."""

    def __init__(
        self, target: Any, settings: CwBillingSettings, month: Month, result: SyncResult
    ) -> None:
        self.target, self.settings, self.month, self.result = target, settings, month, result
        self._priority: tuple[str | None, bool] | None = None

    def priority(self) -> str | None:
        if self._priority is None:
            rows = [(p.id, bool(p.extra.get("default"))) for p in self.target.priorities()]
            self._priority = rules.pick_priority(self.settings.service_priority_id, rows)
            if self._priority[1]:
                self.result.problems.append(
                    f"the service-ticket priority {self.settings.service_priority_name!r} no "
                    "longer exists: the PSA's default priority was used"
                )
        return self._priority[0]

    def open(self, run: BillingRun, plan: CompanyPlan) -> None:
        company_id = plan.mapping.psa_client_id
        reference = rules.ticket_reference(company_id, self.month)
        ticket_id = self.target.find_service_ticket(reference)
        answer = f"ticket {ticket_id} already open"
        if ticket_id is None:
            ticket_id = self._create(reference, company_id)
            answer = f"ticket {ticket_id} opened"
            self.result.writes += 1
        CwServiceTicket.objects.get_or_create(
            mapping=plan.mapping,
            month=str(self.month),
            defaults={"reference": reference, "ticket_id": str(ticket_id)},
        )
        _ledger(run, plan, "ticket", marker=reference, answer=answer)

    def _create(self, reference: str, company_id: str) -> str:
        ticket = ServiceTicket(
            reference=reference,
            company_id=company_id,
            board_id=self.settings.service_board_id,
            priority_id=self.priority(),
            summary=f"No active {self.settings.agreement_type_name} agreement for billing"[:100],
            details=(
                f"psabridge bills Bitdefender GravityZone usage of {self.month.label()} on an "
                f"agreement of type {self.settings.agreement_type_name!r}, but this company has "
                "no Active agreement of that type. Add one so that its usage is billed."
            ),
        )
        try:
            return str(self.target.create_service_ticket(ticket))
        except TransientError:  # ambiguous: it may exist; look before anything else
            found = self.target.find_service_ticket(reference)
            if found is None:
                raise
            return str(found)


def store_issues(plans: list[CompanyPlan]) -> None:
    """Write each mapping's billing issues (R2.4); clear them where billing is off or fixed."""
    for plan in plans:
        issues = [i.as_dict() for i in plan.issues]
        if plan.mapping.billing_issues != issues:
            plan.mapping.billing_issues = issues
            plan.mapping.save(update_fields=["billing_issues"])
    billed = [p.mapping.pk for p in plans]
    stale = Mapping.objects.filter(system=SYSTEM).exclude(pk__in=billed).exclude(billing_issues=[])
    stale.update(billing_issues=[])


def _ledger(
    run: BillingRun,
    plan: CompanyPlan,
    action: str,
    before: float | None = None,
    after: float | None = None,
    addition: Addition | None = None,
    answer: str = "",
    marker: str = "",
) -> None:
    month = run.month
    LedgerEntry.objects.create(
        run=run,
        company_id=plan.mapping.company_id,
        company_name=plan.mapping.psa_client_name[:200],
        invoice_id=plan.agreement_id,
        action=action,
        marker=marker or (f"addition {addition.id}" if addition else ""),
        item_id=addition.product_id if addition else "",
        description=f"{month} addition" if addition else "",
        before=before,
        after=after,
        answer=answer[:300],
    )


def describe(result: SyncResult) -> list[str]:
    """Return the result as text lines: the plan of a preview, the ledger of a sync."""
    if result.preview:
        head = f"preview of {result.month}: {_counts_text(result)}; nothing written"
        lines = [f"{p.mapping.psa_client_name}: {plan_text(p)}" for p in result.plans]
    else:
        head = f"synced {result.month}: {result.writes} write(s); {_counts_text(result)}"
        entries = result.run.entries.all() if result.run else []
        lines = [_entry_text(e) for e in entries]
    return [head, *lines, *(f"! {problem}" for problem in result.problems)]


def _counts_text(result: SyncResult) -> str:
    return (
        ", ".join(f"{n} {action}" for action, n in sorted(result.counts().items())) or "no mapping"
    )


def plan_text(plan: CompanyPlan) -> str:
    """Say what the sync does for one company, e.g. "update addition 12: 40 -> 42"."""
    text = _addition_text(plan)
    if plan.ticket == "open":
        text += "; open a service ticket (no Active agreement of the type)"
    elif plan.ticket == "done":
        text += "; service ticket already opened this month"
    return text


def _addition_text(plan: CompanyPlan) -> str:
    action, q, known = plan.action, plan.quantity or 0, plan.known
    where = f"agreement {plan.agreement_id}"
    if action == "skipped":
        return f"skipped: {plan.skipped}"
    if action == "create":
        return f"create an addition of {q:g} on {where} ({plan.effective} to {plan.cancelled})"
    if action == "adopt":
        return f"adopt addition {plan.found.id} on {where}: {plan.found.quantity:g} -> {q:g}"
    addition = known.addition_id if known else "?"
    if action == "update":
        before = plan.step.before if plan.step else None
        return f"update addition {addition} on {where}: {_num(before)} -> {q:g}"
    return f"unchanged: {q:g} on addition {addition} of {where}"


def _entry_text(entry: LedgerEntry) -> str:
    numbers = ""
    if entry.before is not None or entry.after is not None:
        numbers = f" {_num(entry.before)} -> {_num(entry.after)}"
    subject = entry.marker or entry.description
    return f"{entry.company_name}: {entry.action}{numbers} {subject} ({entry.answer})"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
