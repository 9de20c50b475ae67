"""Paging: exactly 500 per page, `nextPageUrl` POSTed again with the same body (ref 2.3)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from .helpers import ALL, AtApi

UNITS = "/ContractServiceUnits/query"


def _total(at: AtApi) -> int:
    """Add a 50-year monthly contract (600 unit rows) and return the unit row count."""
    body = {
        "companyID": 0,
        "contractName": "Long",
        "contractType": 7,
        "status": 1,
        "startDate": "2000-01-01",
        "endDate": "2049-12-31",
        "timeReportingRequiresStartAndStopTimes": 0,
    }
    contract = at.create("/Contracts", body)
    at.create(f"/Contracts/{contract}/Services", {"serviceID": 1})
    count = at.ok(at.post(f"{UNITS}/count", {"filter": [ALL]}))["queryCount"]
    assert count > 1000 and count % 500, "the test needs two full pages and a partial one"
    return int(count)


def test_pages_of_500_followed_by_reposting_the_body(at: AtApi) -> None:
    total, body = _total(at), {"filter": [ALL]}
    page = at.ok(at.post(UNITS, body))
    seen = [row["id"] for row in page["items"]]
    assert len(seen) == 500 and page["pageDetails"]["count"] == 500
    pages = 1
    while page["pageDetails"]["nextPageUrl"]:
        url = page["pageDetails"]["nextPageUrl"]
        assert url.startswith(f"{at.root}/ATServicesRest/V1.0/ContractServiceUnits/query/next?")
        page = at.ok(at.request("POST", url, json=body))
        seen += [row["id"] for row in page["items"]]
        pages += 1
        assert len(page["items"]) == (500 if page["pageDetails"]["nextPageUrl"] else total % 500)
    assert pages == -(-total // 500)
    assert len(seen) == len(set(seen)) == total and seen == sorted(seen)


def test_cursor_of_a_post_query_refuses_get(at: AtApi) -> None:
    _total(at)
    url = at.ok(at.post(UNITS, {"filter": [ALL]}))["pageDetails"]["nextPageUrl"]
    paging = json.loads(parse_qs(urlparse(url).query)["paging"][0])
    assert paging["pageSize"] == 500 and isinstance(paging["lastId"], int)
    assert "does not support http method 'GET'" in at.errors(at.request("GET", url), 405)[0]


def test_cursor_of_a_get_query_carries_the_search(at: AtApi) -> None:
    _total(at)
    first = at.ok(at.get_query("ContractServiceUnits", {"filter": [ALL]}))
    url = first["pageDetails"]["nextPageUrl"]
    assert "&search=" in url
    second = at.ok(at.request("GET", url))
    assert second["items"][0]["id"] > first["items"][-1]["id"]


def test_the_reposted_filter_still_applies(at: AtApi) -> None:
    body = {"filter": [{"op": "eq", "field": "serviceID", "value": 1}], "MaxRecords": 100}
    page = at.ok(at.post(UNITS, body))
    assert page["pageDetails"]["requestCount"] == 100
    nxt = at.ok(at.request("POST", page["pageDetails"]["nextPageUrl"], json=body))
    assert len(nxt["items"]) == 100 and {r["serviceID"] for r in nxt["items"]} == {1}


def test_without_id_in_include_fields_no_next_page(at: AtApi) -> None:
    _total(at)
    body = {"filter": [ALL], "IncludeFields": ["units"]}
    page = at.ok(at.post(UNITS, body))
    assert len(page["items"]) == 500 and page["pageDetails"]["nextPageUrl"] is None
    assert set(page["items"][0]) == {"units"}


def test_bad_cursor_is_500(at: AtApi) -> None:
    url = f"{at.base_url}{UNITS}/next?paging=garbage"
    assert at.errors(at.request("POST", url, json={"filter": [ALL]})) == [
        "Invalid paging parameter."
    ]
