"""Write one company's monthly addition: update in place, adopt, or create, never blindly (R4.4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from psabridge.connectors.errors import ConfigError, ConnectorError, NotFoundError
from psabridge.connectors.ports_connectwise import Addition, NewAddition
from psabridge.domain.usage import Month
from psabridge.server.billing.cw_plan import CompanyPlan
from psabridge.server.billing.models import CwAddition, CwBillingSettings

# (action, quantity before, the addition as the PSA now has it, the answer for the ledger)
Written = tuple[str, float | None, Addition, str]


def find_addition(target: Any, plan: CompanyPlan, product_id: str, month: Month) -> Addition | None:
    """Return the month's addition of the product already on the agreement, if any.

    One read for this agreement: additions effective within the month; ours (cancelled on the
    month's last day) first, then the lowest id, so every run adopts the same one.
    """
    first = month.first_day()
    last = month.next().first_day() - timedelta(days=1)
    found = [
        a
        for a in target.additions(plan.agreement_id, product_id, effective_from=first)
        if a.effective is not None and first <= a.effective <= last
    ]
    found.sort(key=lambda a: (a.cancelled != last, _order(a.id)))
    return found[0] if found else None


def write_addition(
    target: Any, plan: CompanyPlan, settings: CwBillingSettings, month: Month
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
    target: Any, plan: CompanyPlan, settings: CwBillingSettings, month: Month
) -> Written:
    assert plan.quantity is not None
    found = find_addition(target, plan, settings.product_id, month)
    if found is not None:
        return _adopt(target, plan, settings, month, found, "found in the PSA")
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
    target: Any,
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


def _order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)
