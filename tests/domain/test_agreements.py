"""Covered-agreement choice for every combination of checked statuses, and the date rules (R4)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from psabridge.domain import agreements as rules
from psabridge.domain.agreements import (
    STATUS_ORDER,
    AdditionStep,
    Agreement,
    addition_dates,
    addition_step,
    choose_agreement,
    covered_statuses,
    months_to_sync,
    needs_service_ticket,
    pick_priority,
    ticket_reference,
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


@pytest.mark.parametrize(
    ("today", "months"),
    [
        (date(2026, 11, 1), ("2026-10", "2026-11")),
        (date(2026, 11, 2), ("2026-10", "2026-11")),
        (date(2026, 11, 3), ("2026-11",)),
        (date(2026, 11, 30), ("2026-11",)),
        (date(2027, 1, 1), ("2026-12", "2027-01")),
    ],
)
def test_months_to_sync_keep_last_month_for_two_days(today, months):
    assert tuple(str(m) for m in months_to_sync(today)) == months


def test_ticket_reference_is_one_per_company_and_month():
    assert ticket_reference("250", Month(2026, 11)) == "psabridge:billing:250:2026-11"
    assert ticket_reference("250", Month(2026, 12)) != ticket_reference("250", Month(2026, 11))


@pytest.mark.parametrize(
    ("saved", "priorities", "expected"),
    [
        ("2", [("1", False), ("2", False), ("3", True)], ("2", False)),
        ("9", [("1", False), ("3", True)], ("3", True)),  # gone: the PSA's default
        ("", [("1", False), ("3", True)], ("3", False)),  # none chosen: default, no fallback
        ("9", [("1", False), ("3", False)], (None, True)),  # no defaultFlag (limited quirk)
        ("9", [], (None, True)),
    ],
)
def test_pick_priority_falls_back_to_the_default(saved, priorities, expected):
    assert pick_priority(saved, priorities) == expected


@pytest.mark.parametrize(
    ("quantity", "known", "matches", "expected"),
    [
        (12, None, False, AdditionStep("find", None, 12)),
        (12, 12.0, True, AdditionStep("unchanged", 12, 12)),
        (13, 12.0, True, AdditionStep("update", 12, 13)),
        (0, 12.0, True, AdditionStep("update", 12, 0)),
        (12, 12.0, False, AdditionStep("find", None, 12)),  # another agreement or product now
    ],
)
def test_addition_step_needs_no_read_when_known(quantity, known, matches, expected):
    assert addition_step(quantity, known, matches) == expected


def test_billing_issues_have_a_code_a_text_and_an_action():
    issues = [
        rules.type_missing("Managed Security"),
        rules.product_missing("GZ-ENDPOINT"),
        rules.no_agreement("Managed Security", "no agreement of the chosen type"),
        rules.bill_start_future("the agreement bills from 2027-01-01"),
        rules.disallow_saving("Not Approved"),
    ]
    codes = [i.code for i in issues]
    assert len(set(codes)) == len(codes)
    for issue in issues:
        stored = issue.as_dict()
        assert set(stored) == {"code", "text", "action"}
        assert stored["code"].startswith("cw_") and stored["text"] and stored["action"]
    assert "Managed Security" in issues[0].text
    assert "Disallow Saving" in issues[4].text
