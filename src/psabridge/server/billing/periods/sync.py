"""Sync usage into agreement additions (period quantities), with preview and ledger (R4.2-R4.6).

The running month's addition follows its count; a month that ended gets its final count once
(if it differs from what was written) and is then closed: no write ever touches it again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from psabridge.connectors.errors import ConfigError, ConnectorError
from psabridge.connectors.ports_agreements import AgreementBilling
from psabridge.connectors.rate_budget import patient
from psabridge.domain import agreements as rules
from psabridge.domain.month_count import month_ended, month_window
from psabridge.domain.usage import Month
from psabridge.server.billing import collection, ledger
from psabridge.server.billing.models import BillingRun, CwAddition, CwBillingSettings
from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.billing.periods.plan import CompanyPlan, plan_month, read_psa
from psabridge.server.billing.periods.tickets import ServiceTickets
from psabridge.server.billing.periods.writes import (
    OngoingAdditionError,
    find_addition,
    settle_open_writes,
    write_addition,
)
from psabridge.server.core import leases as lease
from psabridge.server.mappings.models import Mapping

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (company name, done, total)
# The sync waits for a slot of psabridge's budget for the PSA (e.g. 900 calls a minute)
# instead of stopping when a window is full: the month-start sync reads each agreement's
# additions before creating one (never blindly, R4.4) and then POSTs it, ~3,000 calls for 1,500
# companies, so it has to wait out whole windows. With the HttpClient's 30 s cap for interactive
# calls it stopped after ~900 calls ("retry in 40 s") and went on only 4 hours later.
# 90 s: one 60 s window with room for other processes' calls, under the 3-minute lease that is
# renewed after each company.
RATE_WAIT = 90.0


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
    month: Month,
    *,
    preview: bool = False,
    target: AgreementBilling | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    rate_wait: float = RATE_WAIT,
) -> SyncResult:
    """Write (or, with `preview`, only show) the month's additions and service tickets.

    `rate_wait`: how long a call may wait for the rate budget (a page passes the interactive
    30 s: it answers "stopped, syncing again resumes" rather than holding the request).

    Re-running writes nothing; a stopped sync resumes without double additions: each write is
    in the ledger before it is sent, unanswered writes are settled by reading the PSA first, and
    a company without a record is looked up in the PSA before anything is created.
    """
    settings = period_setup.load()
    if not settings.is_configured:
        raise ConfigError("agreement billing is not set up: choose an agreement type and product")
    target = target or period_setup.billing_target()
    ended = month_ended(month_window(month, collection.msp_zone()), now or timezone.now())
    if preview:
        return _preview(month, settings, target, ended)
    system = period_setup.psa_kind()
    name = f"{period_setup.psa_name()} billing sync"
    with lease.held(f"{system}-billing", name) as renew, patient(rate_wait):
        settle_open_writes(target)
        ledger.close_interrupted_runs(system)
        return _sync(month, settings, target, ended, progress, renew)


def sync_due(now: datetime | None = None, collect: bool = True) -> list[SyncResult]:
    """The 4-hourly sync: the running month, and last month in its first 2 days (MSP zone)."""
    now = now or timezone.now()
    today = timezone.localtime(now, collection.msp_zone()).date()
    results = []
    for month in rules.months_to_sync(today):
        if collect:
            collection.collect(month, billing_only=True, now=now)
        results.append(sync(month, now=now))
    return results


def _preview(
    month: Month, settings: CwBillingSettings, target: AgreementBilling, ended: bool
) -> SyncResult:
    plans = plan_month(month, settings, read_psa(target, settings), ended)
    for plan in plans:
        if plan.step is not None and plan.step.action == "find":
            plan.found = find_addition(target, plan, settings.product_id, month)
    return SyncResult(str(month), True, plans)


def _sync(
    month: Month,
    settings: CwBillingSettings,
    target: AgreementBilling,
    ended: bool,
    progress: Progress | None,
    renew: Callable[[], None],
) -> SyncResult:
    run = BillingRun.objects.create(
        system=period_setup.psa_kind(), month=str(month), push=True, started_at=timezone.now()
    )
    result = SyncResult(str(month), False, run=run)
    try:
        result.plans = plan_month(month, settings, read_psa(target, settings), ended)
        store_issues(result.plans)
        tickets = ServiceTickets(target, settings, month, result.problems.append)
        for done, plan in enumerate(result.plans, start=1):
            _apply(target, run, plan, settings, month, result)
            if plan.ticket == "open":
                _open_ticket(tickets, run, plan, result)
            if ended and plan.step is not None:
                _close(plan, month)
            renew()
            if progress:
                progress(plan.mapping.psa_client_name, done, len(result.plans))
        result.writes += tickets.opened
    except ConnectorError as exc:
        result.problems.append(f"stopped: {exc} (syncing again resumes)")
        _finish(run, result)
        raise
    _finish(run, result)
    log.info("%s billing sync %s: %s writes", period_setup.psa_kind(), month, result.writes)
    return result


def _finish(run: BillingRun, result: SyncResult) -> None:
    quiet = Counter(p.action for p in result.plans if p.action in ("unchanged", "closed"))
    texts = {
        "unchanged": "addition(s) already up to date: no call made",
        "closed": "addition(s) of a closed month, final: never written again",
    }
    ledger.no_write(
        run,
        [
            ledger.Write("", "—", "", action, description=f"{n} {texts[action]}")
            for action, n in sorted(quiet.items())
        ],
    )
    run.writes = run.entries.filter(state__in=ledger.WRITTEN).count()
    run.problems = result.problems
    run.finished_at = timezone.now()
    run.save(update_fields=["writes", "problems", "finished_at"])


def _apply(
    target: AgreementBilling,
    run: BillingRun,
    plan: CompanyPlan,
    settings: CwBillingSettings,
    month: Month,
    result: SyncResult,
) -> None:
    if plan.step is None:
        ledger.no_write(run, [_write(plan, "skipped")], plan.skipped)
        return
    if plan.step.action in ("unchanged", "closed"):
        return
    action = "update" if plan.step.action == "update" else "create"
    known = plan.known
    entry = ledger.intent(
        run,
        _write(
            plan,
            action,
            before=plan.step.before,
            marker=f"addition {known.addition_id}" if known and action == "update" else "",
            item_id=settings.product_id,
        ),
    )
    try:
        done, before, addition, answer = write_addition(target, plan, settings, month)
    except ConfigError as exc:  # this company's write was refused: the others go on
        ledger.complete(entry, str(exc), ledger.FAILED)
        result.problems.append(f"{plan.mapping.psa_client_name}: {exc}")
        if isinstance(exc, OngoingAdditionError):
            _add_issue(plan, rules.ongoing_addition(str(exc)))
        return
    except ConnectorError as exc:
        ledger.settle_failure([entry], exc)
        raise
    wrote = done != "adopt" or before != plan.quantity  # an adopted, equal one: no write
    result.writes += int(wrote)
    ledger.complete(
        entry,
        answer,
        ledger.DONE if wrote else ledger.NO_WRITE,
        action=done,
        before=before,
        marker=f"addition {addition.id}",
    )


def _add_issue(plan: CompanyPlan, issue: rules.BillingIssue) -> None:
    plan.issues.append(issue)
    plan.mapping.billing_issues = [i.as_dict() for i in plan.issues]
    plan.mapping.save(update_fields=["billing_issues"])


def _open_ticket(
    tickets: ServiceTickets, run: BillingRun, plan: CompanyPlan, result: SyncResult
) -> None:
    try:
        tickets.open(run, plan)
    except ConfigError as exc:  # e.g. the board is gone: say so, bill the others
        result.problems.append(f"{plan.mapping.psa_client_name}: no service ticket: {exc}")


def _close(plan: CompanyPlan, month: Month) -> None:
    """The month ended and its final count is written: the addition is never written again."""
    if plan.quantity is None:
        return
    CwAddition.objects.filter(
        mapping=plan.mapping, month=str(month), closed_at__isnull=True, quantity=plan.quantity
    ).update(closed_at=timezone.now())


def _write(plan: CompanyPlan, action: str, **values: Any) -> ledger.Write:
    return ledger.Write(
        plan.mapping.company_id,
        plan.mapping.psa_client_name,
        plan.agreement_id,
        action,
        description=f"{plan.month} addition" if plan.month else "",
        after=plan.quantity,
        **values,
    )


def store_issues(plans: list[CompanyPlan]) -> None:
    """Write each mapping's billing issues (R2.4); clear them where billing is off or fixed."""
    for plan in plans:
        issues = [i.as_dict() for i in plan.issues]
        if plan.mapping.billing_issues != issues:
            plan.mapping.billing_issues = issues
            plan.mapping.save(update_fields=["billing_issues"])
    billed = [p.mapping.pk for p in plans]
    stale = (
        Mapping.objects.filter(system=period_setup.psa_kind())
        .exclude(pk__in=billed)
        .exclude(billing_issues=[])
    )
    stale.update(billing_issues=[])
