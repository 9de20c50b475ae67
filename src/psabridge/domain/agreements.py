"""ConnectWise covered-agreement choice and addition dates (SPEC R4.1, R4.2, R4.4, R4.5)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from psabridge.domain.usage import Month

# R4.1: the priority order is fixed; Active is always covered.
STATUS_ORDER = ("Active", "Expired", "Inactive", "Cancelled")


@dataclass(frozen=True)
class Agreement:
    """What the choice needs of a ConnectWise agreement (reference connectwise.md, agreements)."""

    id: int
    type_id: int
    status: str  # agreementStatus: Active, Cancelled, Expired or Inactive
    start: date | None = None
    bill_start: date | None = None


@dataclass(frozen=True)
class Choice:
    """The agreement a company's addition goes on, or None with the reason."""

    agreement: Agreement | None
    reason: str


def covered_statuses(checked: Collection[str]) -> tuple[str, ...]:
    """Return the covered statuses in the fixed priority order; Active is always one (R4.1)."""
    unknown = set(checked) - set(STATUS_ORDER)
    if unknown:
        raise ValueError(f"unknown agreement status(es): {', '.join(sorted(unknown))}")
    return tuple(s for s in STATUS_ORDER if s == "Active" or s in checked)


def choose_agreement(
    agreements: Iterable[Agreement], type_id: int, checked: Collection[str]
) -> Choice:
    """Return the first agreement of the type in the priority order among the covered statuses.

    Choice (SPEC R4.1): the seed's example contradicts its rule; the rule is followed. Within one
    status, the lowest id wins so that a re-run picks the same agreement.
    """
    of_type = sorted((a for a in agreements if a.type_id == type_id), key=lambda a: a.id)
    for status in covered_statuses(checked):
        for agreement in of_type:
            if agreement.status == status:
                return Choice(agreement, f"{status} agreement {agreement.id}")
    if of_type:
        found = ", ".join(sorted({a.status for a in of_type}))
        return Choice(None, f"agreements of the type are {found}, none of them covered")
    return Choice(None, "no agreement of the chosen type")


def needs_service_ticket(agreements: Iterable[Agreement], type_id: int) -> bool:
    """R4.2: a company without an Active agreement of the type gets a service ticket."""
    return not any(a.type_id == type_id and a.status == "Active" for a in agreements)


@dataclass(frozen=True)
class AdditionDates:
    """When a month's addition bills (R4.4), or why it must not be made yet (R4.5)."""

    effective: date | None
    cancelled: date | None
    skipped: str = ""


def addition_dates(month: Month, agreement: Agreement) -> AdditionDates:
    """Effective: the later of the month's first day and the agreement's start; cancelled: the
    month's last day, so each month bills once (R4.4). Nothing before the bill start (R4.5)."""
    first = month.first_day()
    last = month.next().first_day() - timedelta(days=1)
    if agreement.bill_start is not None and agreement.bill_start > last:
        return AdditionDates(
            None, None, f"the agreement bills from {agreement.bill_start:%Y-%m-%d}"
        )
    effective = max(d for d in (first, agreement.start, agreement.bill_start) if d is not None)
    if effective > last:
        return AdditionDates(None, None, f"the agreement starts {effective:%Y-%m-%d}")
    return AdditionDates(effective, last)
