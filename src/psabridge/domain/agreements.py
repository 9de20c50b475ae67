"""Covered-agreement choice and addition dates of period billing (SPEC R4.1, R4.2, R4.4, R4.5)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from psabridge.domain.psa_billing import AgreementInfo
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


def months_to_sync(today: date) -> tuple[Month, ...]:
    """The months a sync writes on `today` (the MSP's local date): the running month, and last
    month too during the first 2 days, while its final count can still change (R4.4)."""
    month = Month(today.year, today.month)
    return (month.previous(), month) if today.day <= 2 else (month,)


def ticket_reference(company_id: str, month: Month) -> str:
    """The externalXRef of a company's R4.2 ticket: one per company and month."""
    return f"psabridge:billing:{company_id}:{month}"


def pick_priority(saved_id: str, priorities: Iterable[tuple[str, bool]]) -> tuple[str | None, bool]:
    """Return the priority a service ticket gets and whether it fell back to the default (R4.2).

    `priorities` are (id, is_default). A saved priority that no longer exists falls back to the
    PSA's default (None when it has none: the PSA then picks its own).
    """
    rows = list(priorities)
    if saved_id and any(pid == saved_id for pid, _ in rows):
        return saved_id, False
    default = next((pid for pid, is_default in rows if is_default), None)
    return default, bool(saved_id)


@dataclass(frozen=True)
class AdditionStep:
    """What a sync does to one company's addition of the month (R4.4)."""

    action: str  # unchanged, update, find (look up the PSA, then adopt or create), closed
    before: float | None = None
    after: float | None = None


def addition_step(
    quantity: float, known_quantity: float | None, known_matches: bool, *, closed: bool = False
) -> AdditionStep:
    """Compare the month's count with the addition psabridge last wrote.

    `known_quantity` is the quantity recorded for the company's month (None: no record);
    `known_matches` says whether that record is on the agreement and product in use now. Without
    a matching record the PSA is searched before anything is created, never a blind POST.
    `closed`: the month ended and its final count was written: nothing is written again (R4.6).
    """
    if closed and known_quantity is not None:
        return AdditionStep("closed", known_quantity, known_quantity)
    if known_quantity is None or not known_matches:
        return AdditionStep("find", None, quantity)
    if known_quantity == quantity:
        return AdditionStep("unchanged", known_quantity, quantity)
    return AdditionStep("update", known_quantity, quantity)


@dataclass(frozen=True)
class BillingIssue:
    """A needs-attention issue of a ConnectWise mapping's billing (R2.4): code, text, action."""

    code: str
    text: str
    action: str

    def as_dict(self) -> dict[str, str]:
        """Return the issue as stored on the mapping ({code, text, action})."""
        return {"code": self.code, "text": self.text, "action": self.action}


_SETTINGS_ACTION = "Choose another in the billing settings (Billing page)."


def type_missing(name: str) -> BillingIssue:
    """R2.4: the chosen agreement type no longer exists (every billed mapping)."""
    return BillingIssue(
        "cw_agreement_type_missing",
        f"The type {name!r} chosen in the billing settings no longer exists in the PSA.",
        _SETTINGS_ACTION,
    )


def product_missing(name: str) -> BillingIssue:
    """R2.4: the chosen product no longer exists or can no longer be added (every mapping)."""
    return BillingIssue(
        "cw_product_missing",
        f"The product {name!r} chosen in the billing settings no longer exists in the PSA "
        "(or is inactive).",
        _SETTINGS_ACTION,
    )


def no_agreement(type_name: str, reason: str) -> BillingIssue:
    """R2.4: the PSA company has no agreement of the type in a covered status."""
    return BillingIssue(
        "cw_no_agreement",
        f"No agreement or contract of type {type_name!r} to bill: {reason}.",
        "Give the company one of that type in the PSA, or cover more statuses in the billing "
        "settings.",
    )


def bill_start_future(reason: str) -> BillingIssue:
    """R4.5: the agreement's bill start comes after the month; the company is skipped."""
    return BillingIssue(
        "cw_bill_start_future",
        f"Not billed yet: {reason} (nothing is billed before it starts).",
        "Nothing to do: billing starts on its own in the month of the bill start date.",
    )


def disallow_saving(status_name: str) -> BillingIssue:
    """R2.4 (service desk): the company's status has Disallow Saving; nothing is written."""
    return BillingIssue(
        "cw_disallow_saving",
        f"The company's status {status_name!r} has Disallow Saving set: no addition or "
        "service ticket can be saved for it.",
        "Change the company's status in ConnectWise PSA, or clear Disallow Saving on that status.",
    )


def ongoing_addition(reason: str) -> BillingIssue:
    """R4.7: an open-ended addition already bills the product: psabridge adds no second one."""
    return BillingIssue(
        "cw_ongoing_addition",
        f"Not billed: {reason}.",
        "End that addition in ConnectWise PSA (cancelled date: the previous month's last day); "
        "psabridge then bills each month with its own addition.",
    )


def agreement_of(info: AgreementInfo) -> Agreement:
    """Return a PSA's agreement record as the agreement rules take it (unknown ids: -1)."""
    return Agreement(
        id_number(info.id),
        id_number(info.type_id),
        info.status,
        start=info.start,
        bill_start=info.bill_start,
    )


def id_number(value: str) -> int:
    """Return a PSA id as a number; -1 for one that is not (it then matches nothing)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
