"""The JSON query language: every operator, nesting, IncludeFields, MaxRecords, errors."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import ALL, AtApi


def _services(at: AtApi, *conditions: Any) -> list[int]:
    return at.ids("Services", *conditions)


# Services: 1 Endpoint Security 4.5, 2 EDR 2.0, 3 Managed Services 12.0, 4 Legacy (inactive) 3.0
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"op": "eq", "field": "id", "value": 2}, [2]),
        ({"op": "noteq", "field": "id", "value": 2}, [1, 3, 4]),
        ({"op": "gt", "field": "unitPrice", "value": 3}, [1, 3]),
        ({"op": "gte", "field": "unitPrice", "value": 3}, [1, 3, 4]),
        ({"op": "lt", "field": "unitPrice", "value": 3}, [2]),
        ({"op": "lte", "field": "unitPrice", "value": 3}, [2, 4]),
        ({"op": "beginsWith", "field": "name", "value": "bitdefender"}, [1, 2]),
        ({"op": "endsWith", "field": "name", "value": "EDR"}, [2]),
        ({"op": "contains", "field": "name", "value": "SEAT"}, [4]),
        ({"op": "in", "field": "id", "value": [1, 3, 7]}, [1, 3]),
        ({"op": "notIn", "field": "id", "value": [1, 3]}, [2, 4]),
        ({"op": "eq", "field": "isActive", "value": False}, [4]),
        ({"op": "eq", "field": "isActive", "value": "false"}, [4]),  # string coercion (oq 6)
        ({"op": "eq", "field": "ID", "value": "3"}, [3]),  # field names ignore case
    ],
)
def test_operators(at: AtApi, condition: dict[str, Any], expected: list[int]) -> None:
    assert _services(at, condition) == expected


def test_exist_and_not_exist(at: AtApi) -> None:
    ticket = at.create("/Tickets", at.ticket(externalID="gz-1"))
    other = at.create("/Tickets", at.ticket())
    assert at.ids("Tickets", {"op": "exist", "field": "externalID"}) == [ticket]
    assert at.ids("Tickets", {"op": "notExist", "field": "externalID"}) == [other]


def test_datetime_comparison(at: AtApi) -> None:
    contract = at.item("Contracts", at.case("future_contract")["contract_ids"][0])
    found = at.ids(
        "Contracts", {"op": "gte", "field": "startDate", "value": contract["startDate"][:10]}
    )
    assert contract["id"] in found
    assert at.case("two_contracts")["contract_ids"][0] not in found


def test_nested_and_or_groups(at: AtApi) -> None:
    # active AND (name contains EDR OR (price gte 10 AND id eq 3)) -> 2, 3
    condition = {
        "op": "or",
        "items": [
            {"op": "contains", "field": "name", "value": "EDR"},
            {
                "op": "and",
                "items": [
                    {"op": "gte", "field": "unitPrice", "value": 10},
                    {"op": "eq", "field": "id", "value": 3},
                ],
            },
            {"op": "eq", "field": "id", "value": 4},
        ],
    }
    assert _services(at, {"op": "eq", "field": "isActive", "value": True}, condition) == [2, 3]
    assert _services(at, condition) == [2, 3, 4]


def test_missing_filter_is_500_and_empty_filter_answers_nothing(at: AtApi) -> None:
    assert "filter is required" in at.errors(at.post("/Services/query", {}))[0]
    assert at.query("Services") == []


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"filter": [{"op": "eq", "field": "nope", "value": 1}]}, "unknown field"),
        ({"filter": [{"op": "like", "field": "id", "value": 1}]}, "unknown operator"),
        ({"filter": [{"op": "eq", "field": "id", "value": None}]}, "single value"),
        ({"filter": [{"op": "eq", "field": "id", "value": "abc"}]}, "not a valid"),
        ({"filter": [{"op": "in", "field": "id", "value": 1}]}, "list value"),
        ({"filter": [{"op": "contains", "field": "id", "value": "1"}]}, "text field"),
        ({"filter": [{"op": "or", "items": 3}]}, "list of items"),
        ({"filter": [ALL], "MaxRecords": 0}, "MaxRecords"),
        ({"filter": [ALL], "MaxRecords": 501}, "MaxRecords"),
        ({"filter": [ALL], "IncludeFields": ["nope"]}, "IncludeFields"),
    ],
)
def test_malformed_queries_are_500(at: AtApi, body: dict[str, Any], text: str) -> None:
    assert text in at.errors(at.post("/Services/query", body))[0]


def test_non_queryable_field_is_500(at: AtApi) -> None:
    body = {"filter": [{"op": "eq", "field": "creatorType", "value": 1}]}
    assert "not queryable" in at.errors(at.post("/Tickets/query", body))[0]


def test_more_than_500_or_conditions_is_500(at: AtApi) -> None:
    items = [{"op": "eq", "field": "id", "value": n} for n in range(501)]
    answer = at.post("/Services/query", {"filter": [{"op": "or", "items": items}]})
    assert at.errors(answer) == [
        "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
    ]
    assert at.ok(at.post("/Services/query", {"filter": [{"op": "or", "items": items[:500]}]}))


def test_one_udf_per_query(at: AtApi) -> None:
    udf = {"op": "eq", "field": "Ranking", "udf": True, "value": "Gold"}
    assert at.query("Companies", udf) == []
    assert (
        "only one user-defined field"
        in at.errors(at.post("/Companies/query", {"filter": [udf, udf]}))[0]
    )


def test_include_fields_and_max_records(at: AtApi) -> None:
    body = {"filter": [ALL], "IncludeFields": ["ID", "name"], "MaxRecords": 2}
    answer = at.ok(at.post("/Services/query", body))
    assert answer["items"] == [
        {"id": 1, "name": "Bitdefender GravityZone Endpoint Security"},
        {"id": 2, "name": "Bitdefender GravityZone EDR"},
    ]
    assert answer["pageDetails"]["requestCount"] == 2


def test_get_query_with_search_and_count(at: AtApi) -> None:
    body = {"filter": [{"op": "eq", "field": "isActive", "value": True}]}
    assert [row["id"] for row in at.ok(at.get_query("Services", body))["items"]] == [1, 2, 3]
    assert at.ok(at.post("/Services/query/count", body)) == {"queryCount": 3}
    assert at.ok(at.get("/Services/query/count", search='{"filter": []}')) == {"queryCount": 0}
    assert "search parameter is required" in at.errors(at.get("/Services/query"))[0]
