"""Plan an agreement billing sync from bulk reads: one step per mapped company (R4.1-R4.5)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from psabridge.connectors.ports_agreements import AgreementBilling
from psabridge.domain import agreements as rules
from psabridge.domain.psa_billing import Addition, AgreementInfo, PsaCompany
from psabridge.domain.usage import Month
from psabridge.server.billing.models import (
    CwAddition,
    CwBillingSettings,
    CwServiceTicket,
    UsageSnapshot,
)
from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.billing.snapshots import seats
from psabridge.server.mappings.models import Mapping


@dataclass
class PsaView:
    """What one bulk read of the PSA says: a handful of calls, never one per company."""

    companies: dict[str, PsaCompany]
    type_issue: rules.BillingIssue | None
    product_issue: rules.BillingIssue | None
    agreements: dict[str, list[AgreementInfo]]


@dataclass
class CompanyPlan:
    """What the sync does for one mapping in one month."""

    mapping: Mapping
    month: str = ""
    quantity: float | None = None
    agreement_id: str = ""
    effective: date | None = None
    cancelled: date | None = None
    step: rules.AdditionStep | None = None  # None: skipped
    skipped: str = ""
    issues: list[rules.BillingIssue] = field(default_factory=list)
    ticket: str = ""  # "", "open" (to open or find by reference), "done" (already opened)
    known: CwAddition | None = None
    found: Addition | None = None  # preview: the addition a lookup found in the PSA

    @property
    def action(self) -> str:
        """create, adopt, update, unchanged, closed or skipped (preview wording)."""
        if self.step is None:
            return "skipped"
        if self.step.action == "find":
            return "adopt" if self.found is not None else "create"
        return self.step.action


def read_psa(target: AgreementBilling, settings: CwBillingSettings) -> PsaView:
    """Read companies, agreement types, products and the agreements of the type in bulk."""
    types = {t.id: t for t in target.agreement_types()}
    products = {p.id: p for p in target.products()}
    type_issue = (
        None
        if settings.agreement_type_id in types
        else rules.type_missing(settings.agreement_type_name)
    )
    product = products.get(settings.product_id)
    product_issue = (
        rules.product_missing(settings.product_name)
        if product is None or period_setup.product_problem(product)
        else None
    )
    if type_issue or product_issue:
        return PsaView({}, type_issue, product_issue, {})
    by_company: dict[str, list[AgreementInfo]] = defaultdict(list)
    for agreement in target.agreements(settings.agreement_type_id):
        by_company[agreement.company_id].append(agreement)
    companies = {c.id: c for c in target.companies()}
    return PsaView(companies, None, None, dict(by_company))


def billed_mappings() -> list[Mapping]:
    """Return the mappings of the PSA with Billing on."""
    return list(
        Mapping.objects.filter(system=period_setup.psa_kind(), billing=True).order_by(
            "psa_client_name"
        )
    )


def plan_month(
    month: Month, settings: CwBillingSettings, view: PsaView, ended: bool = False
) -> list[CompanyPlan]:
    """Return one plan per billed mapping, from local records and the bulk read only.

    `ended`: the month is over, so only its final count is written, once (R4.6).
    """
    mappings = billed_mappings()
    snapshots = {
        s.company_id: s
        for s in UsageSnapshot.objects.filter(
            month=str(month), company_id__in=[m.company_id for m in mappings]
        )
    }
    known = {a.mapping_id: a for a in CwAddition.objects.filter(month=str(month))}
    tickets = set(
        CwServiceTicket.objects.filter(month=str(month)).values_list("mapping_id", flat=True)
    )
    return [
        plan_company(m, month, settings, view, snapshots.get(m.company_id), known, tickets, ended)
        for m in mappings
    ]


def plan_company(
    mapping: Mapping,
    month: Month,
    settings: CwBillingSettings,
    view: PsaView,
    snapshot: UsageSnapshot | None,
    known: dict[int, CwAddition],
    tickets: set[int],
    ended: bool = False,
) -> CompanyPlan:
    """Decide one company's step: skipped with its reason, or the addition step and ticket."""
    plan = CompanyPlan(mapping, str(month), known=known.get(mapping.pk))
    if view.type_issue or view.product_issue:
        plan.issues = [i for i in (view.type_issue, view.product_issue) if i]
        return _skip(plan, "; ".join(i.text for i in plan.issues))
    company = view.companies.get(mapping.psa_client_id)
    if company is None:
        return _skip(plan, "the PSA company no longer exists")
    if snapshot is None:
        return _skip(plan, f"no usage collected for {month.label()} yet")
    if snapshot.not_billed_reason:
        return _skip(plan, f"not billed: {snapshot.not_billed_reason}")
    if ended and not snapshot.final:
        return _skip(plan, f"the final count of {month.label()} is read at the next collection")
    plan.quantity = float(seats(snapshot))  # GravityZone's counter: one rule for every PSA
    if company.disallow_saving:
        plan.issues.append(rules.disallow_saving(company.status_name))
        return _skip(plan, f"the company's status {company.status_name!r} disallows saving")
    found = [rules.agreement_of(a) for a in view.agreements.get(company.id, [])]
    type_id = rules.id_number(settings.agreement_type_id)
    if settings.service_desk and rules.needs_service_ticket(found, type_id):
        plan.ticket = "done" if mapping.pk in tickets else "open"
    return _plan_addition(plan, month, settings, found, type_id)


def _plan_addition(
    plan: CompanyPlan,
    month: Month,
    settings: CwBillingSettings,
    found: list[rules.Agreement],
    type_id: int,
) -> CompanyPlan:
    choice = rules.choose_agreement(found, type_id, settings.covered)
    if choice.agreement is None:
        plan.issues.append(rules.no_agreement(settings.agreement_type_name, choice.reason))
        return _skip(plan, choice.reason)
    dates = rules.addition_dates(month, choice.agreement)
    plan.agreement_id = str(choice.agreement.id)
    if dates.skipped:
        plan.issues.append(rules.bill_start_future(dates.skipped))
        return _skip(plan, dates.skipped)
    plan.effective, plan.cancelled = dates.effective, dates.cancelled
    known = plan.known
    matches = bool(
        known
        and known.agreement_id == plan.agreement_id
        and known.product_id == settings.product_id
    )
    assert plan.quantity is not None
    closed = bool(known and known.closed_at is not None)
    plan.step = rules.addition_step(
        plan.quantity, known.quantity if known else None, matches, closed=closed
    )
    return plan


def _skip(plan: CompanyPlan, reason: str) -> CompanyPlan:
    plan.skipped = reason
    return plan
