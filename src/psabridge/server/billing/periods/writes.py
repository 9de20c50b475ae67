"""Write one company's monthly addition: update in place, adopt, or create, never blindly (R4.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from psabridge.connectors.errors import ConfigError, ConnectorError, NotFoundError
from psabridge.connectors.ports_agreements import AgreementBilling
from psabridge.domain.psa_billing import Addition, NewAddition
from psabridge.domain.usage import Month
from psabridge.server.billing import ledger
from psabridge.server.billing.models import CwAddition, CwBillingSettings, LedgerEntry
from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.billing.periods.plan import CompanyPlan

# (action, quantity before, the addition as the PSA now has it, the answer for the ledger)
Written = tuple[str, float | None, Addition, str]


@dataclass(frozen=True)
class Found:
    """The product's additions on the agreement that bill the month."""

    in_month: Addition | None  # effective within the month: the one to adopt
    ongoing: tuple[Addition, ...]  # started earlier, not cancelled before the month


def look_up(target: AgreementBilling, agreement_id: str, product_id: str, month: Month) -> Found:
    """Return the month's addition of the product already on the agreement, and any ongoing one.

    One read of the agreement's additions of the product. Of the month's own, ours (cancelled on
    the month's last day) first, then the lowest id, so every run adopts the same one.
    """
    first = month.first_day()
    last = month.next().first_day() - timedelta(days=1)
    rows = [(a, a.effective) for a in target.additions(agreement_id, product_id) if a.effective]
    in_month = sorted(
        (a for a, effective in rows if first <= effective <= last),
        key=lambda a: (a.cancelled != last, _order(a.id)),
    )
    ongoing = tuple(
        a
        for a, effective in rows
        if effective < first and (a.cancelled is None or a.cancelled >= first)
    )
    return Found(in_month[0] if in_month else None, ongoing)


def find_addition(
    target: AgreementBilling, plan: CompanyPlan, product_id: str, month: Month
) -> Addition | None:
    """Return the month's addition of the product already on the plan's agreement, if any."""
    return look_up(target, plan.agreement_id, product_id, month).in_month


def ongoing_text(found: Found, agreement_id: str) -> str:
    """Why a company is not billed: its agreement already bills the product without an end."""
    addition = found.ongoing[0]
    since = f"{addition.effective:%Y-%m-%d}" if addition.effective else "an earlier date"
    return (
        f"agreement {agreement_id} already bills the product with addition {addition.id} "
        f"(quantity {addition.quantity:g}, from {since}, no end in this month): psabridge never "
        "adds a second; end that addition at the previous month's last day"
    )


def write_addition(
    target: AgreementBilling, plan: CompanyPlan, settings: CwBillingSettings, month: Month
) -> Written:
    """Carry out the plan's step for the addition and record it at once."""
    assert plan.step is not None and plan.quantity is not None
    known = plan.known
    if plan.step.action == "update" and known is not None:
        try:
            addition = target.set_addition_quantity(
                plan.agreement_id, known.addition_id, plan.quantity
            )
        except NotFoundError:  # deleted in the PSA: forget it, look again, create if gone
            known.delete()
            plan.known = None
        else:
            _remember(plan, settings, month, addition)
            return "update", known.quantity, addition, "ok"
    return _adopt_or_create(target, plan, settings, month)


def _adopt_or_create(
    target: AgreementBilling, plan: CompanyPlan, settings: CwBillingSettings, month: Month
) -> Written:
    assert plan.quantity is not None
    looked = look_up(target, plan.agreement_id, settings.product_id, month)
    if looked.in_month is not None:
        return _adopt(target, plan, settings, month, looked.in_month, "found in the PSA")
    if looked.ongoing:  # R4.7: an addition already bills this month: never a second one
        raise OngoingAdditionError(ongoing_text(looked, plan.agreement_id))
    new = NewAddition(
        agreement_id=plan.agreement_id,
        product_id=settings.product_id,
        quantity=plan.quantity,
        effective=plan.effective or month.first_day(),
        cancelled=plan.cancelled or month.next().first_day() - timedelta(days=1),
        description=f"Bitdefender GravityZone protected endpoints, {month.label()}",
    )
    try:
        addition = target.create_addition(new)
    except ConfigError:
        raise  # refused (validation, Disallow Saving...): nothing was written
    except ConnectorError as exc:  # ambiguous: it may have been saved; look before any retry
        found = find_addition(target, plan, settings.product_id, month)
        if found is None:
            raise
        return _adopt(target, plan, settings, month, found, f"saved despite: {exc}")
    _remember(plan, settings, month, addition)
    return "create", None, addition, "ok"


def _adopt(
    target: AgreementBilling,
    plan: CompanyPlan,
    settings: CwBillingSettings,
    month: Month,
    found: Addition,
    how: str,
) -> Written:
    assert plan.quantity is not None
    addition = found
    if found.quantity != plan.quantity:
        addition = target.set_addition_quantity(plan.agreement_id, found.id, plan.quantity)
    _remember(plan, settings, month, addition)
    return "adopt", found.quantity, addition, f"addition {found.id} {how}"


def _remember(
    plan: CompanyPlan, settings: CwBillingSettings, month: Month, addition: Addition
) -> None:
    assert plan.quantity is not None
    plan.known, _ = CwAddition.objects.update_or_create(
        mapping=plan.mapping,
        month=str(month),
        defaults={
            "agreement_id": plan.agreement_id,
            "addition_id": str(addition.id),
            "product_id": settings.product_id,
            "quantity": plan.quantity,
            "effective": addition.effective or plan.effective,
            "cancelled": addition.cancelled or plan.cancelled,
        },
    )


class OngoingAdditionError(ConfigError):
    """The agreement already bills the product for the month with an open-ended addition."""


def settle_open_writes(target: AgreementBilling) -> int:
    """Settle writes an earlier sync sent and never heard back about, by reading the PSA."""
    return ledger.resolve(
        ledger.open_intents(period_setup.psa_kind()), lambda entry: _landed(target, entry)
    )


def _landed(target: AgreementBilling, entry: LedgerEntry) -> bool | None:
    if entry.action == "ticket":
        return target.find_service_ticket(entry.marker) is not None
    try:
        rows = target.additions(entry.invoice_id, entry.item_id)
    except NotFoundError:  # the agreement is gone: nothing of ours is on it
        return False
    if entry.action == "update" and entry.marker.startswith("addition "):
        wanted = entry.marker.removeprefix("addition ")
        return any(a.id == wanted and a.quantity == entry.after for a in rows)
    month = Month.parse(entry.run.month)
    first, after = month.first_day(), month.next().first_day()
    return any(
        a.quantity == entry.after and a.effective is not None and first <= a.effective < after
        for a in rows
    )


def _order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)
