"""The conditions language: every operator, logic, grouping, literals, malformed strings."""

from __future__ import annotations

from typing import Any

import pytest

from psabridge.sandbox.connectwise.conditions import compile_conditions
from psabridge.sandbox.connectwise.errors import CwError

from .helpers import CwApi

ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Acme Dental Ltd",
        "closedFlag": False,
        "amount": 2.5,
        "note": None,
        "company": {"id": 10, "identifier": "Acme"},
        "startDate": "2026-01-01T00:00:00Z",
        "_info": {"lastUpdated": "2026-05-01T10:00:00Z"},
    },
    {
        "id": 2,
        "name": "Beta Clinic",
        "closedFlag": True,
        "amount": 10,
        "note": "x",
        "company": {"id": 20, "identifier": "Beta"},
        "startDate": "2026-06-01T00:00:00Z",
        "_info": {"lastUpdated": "2026-07-01T10:00:00Z"},
    },
    {
        "id": 3,
        "name": "O'Brien & Sons",
        "closedFlag": False,
        "amount": 0,
        "note": None,
        "company": {"id": 10, "identifier": "Acme"},
        "startDate": None,
        "_info": {},
    },
]


def ids(text: str) -> list[int]:
    predicate = compile_conditions(text)
    return [row["id"] for row in ROWS if predicate(row)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id = 2", [2]),
        ("id != 2", [1, 3]),
        ("id <> 2", [1, 3]),
        ("id < 2", [1]),
        ("id <= 2", [1, 2]),
        ("id > 2", [3]),
        ("id >= 2", [2, 3]),
        ("amount > 2.4", [1, 2]),
        ('name = "beta clinic"', [2]),
        ("name = 'Beta Clinic'", [2]),
        ('name = "O\'Brien & Sons"', [3]),
        ("name = 'O\\'Brien & Sons'", [3]),
        ('name like "Acme*"', [1]),
        ('name like "%clinic"', [2]),
        ('name like "*n*"', [1, 2, 3]),
        ('name like "Acme"', []),
        ('name not like "Acme*"', [2, 3]),
        ('name contains "dent"', [1]),
        ('name not contains "dent"', [2, 3]),
        ("id in (1, 3)", [1, 3]),
        ("id not in (1,3)", [2]),
        ('company/identifier in ("beta", "nobody")', [2]),
        ("company/id = 10", [1, 3]),
        ("closedFlag = true", [2]),
        ("closedFlag = False", [1, 3]),
        ("note = null", [1, 3]),
        ("note != NULL", [2]),
        ("startDate > [2026-03-01T00:00:00Z]", [2]),
        ("startDate < [2026-03-01]", [1]),
        ("lastUpdated > [2026-06-01T00:00:00Z]", [2]),
        ("id = 1 or id = 2 and closedFlag = false", [1]),
        ("(id = 1 or id = 2) and closedFlag = false", [1]),
        ("id = 1 OR (company/id = 10 AND id > 1)", [1, 3]),
        ("((id = 2))", [2]),
        ("id = 1 And closedFlag = FALSE", [1]),
        ('id = "2"', [2]),
    ],
)
def test_operators_logic_and_literals(text: str, expected: list[int]) -> None:
    assert ids(text) == expected


def test_field_paths_are_case_sensitive() -> None:
    assert ids("ID = 1") == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "id =",
        "id 5",
        "= 5",
        "(id = 1",
        "id = 1)",
        "id = 1 and",
        "name like 5",
        "id in 1, 2",
        "id in (1 2)",
        "id not = 1",
        "startDate > [yesterday]",
        'name = "unterminated',
        "id = 5abc",
        "id = 1 # 2",
        "id = name",
    ],
)
def test_malformed_strings_raise_the_400(text: str) -> None:
    with pytest.raises(CwError) as caught:
        compile_conditions(text)
    assert caught.value.status == 400
    assert caught.value.body["code"] == "InvalidObject"
    assert str(caught.value.body["message"]).startswith("Expected a boolean value, not a numeric.")


def test_conditions_over_http_and_the_documented_error_body(cw: CwApi) -> None:
    rows = cw.ok(cw.get("/finance/agreements", conditions="agreementStatus='Active' AND type/id=1"))
    assert rows and all(r["agreementStatus"] == "Active" for r in rows)
    answer = cw.get("/company/companies", conditions="name = ")
    body = cw.ok(answer, 400)
    assert body["code"] == "InvalidObject" and body["errors"] is None
    assert body["message"].startswith("Expected a boolean value, not a numeric.")


def test_conditions_apply_to_count_routes(cw: CwApi) -> None:
    company = cw.case("active_expired")
    count = cw.ok(cw.get("/finance/agreements/count", conditions=f"company/id={company}"))
    assert count == {"count": 2}
