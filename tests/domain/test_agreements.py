"""Covered-agreement choice for every combination of checked statuses, and the date rules (R4)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from psabridge.domain.agreements import (
    STATUS_ORDER,
    Agreement,
    addition_dates,
    choose_agreement,
    covered_statuses,
    needs_service_ticket,
)
from psabridge.domain.usage import Month

TYPE = 7
OPTIONAL = ("Expired", "Inactive", "Cancelled")
CHECKED_SETS = [set(c) for n in range(4) for c in itertools.combinations(OPTIONAL, n)]
AVAILABLE_SETS = [set(c) for n in range(5) for c in itertools.combinations(STATUS_ORDER, n)]


def agreements_with(statuses: set[str]) -> list[Agreement]:
    ids = {s: 100 + i for i, s in enumerate(STATUS_ORDER)}
    return [Agreement(ids[s], TYPE, s) for s in statuses]


@pytest.mark.parametrize(
    "checked", CHECKED_SETS, ids=lambda c: "+".join(sorted(c)) or "active-only"
)
@pytest.mark.parametrize("available", AVAILABLE_SETS, ids=lambda a: "+".join(sorted(a)) or "none")
def test_every_combination_follows_the_fixed_order(checked, available):
    choice = choose_agreement(agreements_with(available), TYPE, checked)
    covered = ["Active", *[s for s in OPTIONAL if s in checked]]
    expected = next((s for s in STATUS_ORDER if s in covered and s in available), None)
    assert (choice.agreement.status if choice.agreement else None) == expected
    assert choice.reason


def test_other_types_are_never_chosen_and_lowest_id_wins():
    agreements = [
        Agreement(5, TYPE + 1, "Active"),
        Agreement(9, TYPE, "Active"),
        Agreement(8, TYPE, "Active"),
    ]
    assert choose_agreement(agreements, TYPE, set()).agreement.id == 8
    none = choose_agreement([Agreement(5, TYPE + 1, "Active")], TYPE, set())
    assert none.agreement is None and none.reason == "no agreement of the chosen type"
    uncovered = choose_agreement([Agreement(6, TYPE, "Cancelled")], TYPE, set())
    assert uncovered.agreement is None and "Cancelled" in uncovered.reason


def test_covered_statuses_reject_unknown_values():
    assert covered_statuses({"Cancelled"}) == ("Active", "Cancelled")
    with pytest.raises(ValueError, match="Suspended"):
        covered_statuses({"Suspended"})


@pytest.mark.parametrize(
    ("statuses", "ticket"),
    [({"Active"}, False), ({"Expired"}, True), (set(), True), ({"Active", "Cancelled"}, False)],
)
def test_service_ticket_when_no_active_agreement(statuses, ticket):
    assert needs_service_ticket(agreements_with(statuses), TYPE) is ticket


@pytest.mark.parametrize(
    ("start", "bill_start", "effective", "cancelled", "skipped"),
    [
        (None, None, date(2026, 10, 1), date(2026, 10, 31), ""),
        (date(2025, 1, 1), date(2025, 1, 1), date(2026, 10, 1), date(2026, 10, 31), ""),
        (date(2026, 10, 15), None, date(2026, 10, 15), date(2026, 10, 31), ""),
        (date(2026, 9, 1), date(2026, 10, 20), date(2026, 10, 20), date(2026, 10, 31), ""),
        (date(2026, 9, 1), date(2026, 11, 1), None, None, "bills from 2026-11-01"),
        (date(2026, 12, 1), None, None, None, "starts 2026-12-01"),
        (None, date(2026, 10, 31), date(2026, 10, 31), date(2026, 10, 31), ""),
    ],
)
def test_addition_dates(start, bill_start, effective, cancelled, skipped):
    dates = addition_dates(Month(2026, 10), Agreement(1, TYPE, "Active", start, bill_start))
    assert (dates.effective, dates.cancelled) == (effective, cancelled)
    assert skipped in dates.skipped if skipped else dates.skipped == ""


def test_february_of_a_leap_year_ends_on_the_29th():
    dates = addition_dates(Month(2028, 2), Agreement(1, TYPE, "Active"))
    assert dates.cancelled == date(2028, 2, 29)
