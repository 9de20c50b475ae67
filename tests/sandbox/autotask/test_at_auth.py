"""Zone discovery, the three auth headers, case-insensitive routes and error shapes."""

from __future__ import annotations

import httpx
import pytest

from .helpers import AtApi


def test_zone_information_without_auth_points_at_the_simulator(at: AtApi) -> None:
    user = at.info["username"].upper()  # user names match case-insensitively
    zone = at.ok(at.http.get(at.info["zone_lookup_url"], params={"user": user}))
    assert zone["url"] == f"{at.root}/ATServicesRest/"
    assert set(zone) == {"zoneName", "url", "webUrl", "ci"}
    company = at.ok(at.request("GET", f"{zone['url']}V1.0/Companies/0"))["item"]
    assert company["companyName"] == "Bluewave IT"


@pytest.mark.parametrize("user", ["someone@else.example", ""])
def test_zone_information_for_an_unknown_user_is_500(at: AtApi, user: str) -> None:
    answer = at.http.get(at.info["zone_lookup_url"], params={"user": user})
    assert at.errors(answer) and "could not be determined" in answer.json()["errors"][0]


def test_version_information(at: AtApi) -> None:
    answer = at.http.get(f"{at.root}/ATServicesRest/VersionInformation")
    assert at.ok(answer) == {"apiVersions": ["1.0"]}


@pytest.mark.parametrize(
    "override",
    [
        {"Secret": "wrong"},
        {"UserName": "someone@else.example"},
        {"ApiIntegrationCode": "NOTACODE"},
        {"Secret": ""},
    ],
)
def test_bad_credentials_are_401(at: AtApi, override: dict[str, str]) -> None:
    answer = at.request("GET", "/Companies/0", headers=at.headers(**override))
    assert at.errors(answer, 401) == ["The API user name, secret or integration code is not valid."]


def test_missing_headers_are_401(at: AtApi, http: httpx.Client) -> None:
    assert http.get(f"{at.base_url}/Companies/0").status_code == 401


def test_header_names_and_user_name_ignore_case(at: AtApi) -> None:
    headers = {
        "APIIntegrationcode": at.info["integration_code"],
        "Username": at.info["username"].upper(),
        "secret": at.info["secret"],
    }
    assert at.ok(at.request("GET", "/Companies/0", headers=headers))["item"]["id"] == 0


def test_routes_ignore_case(at: AtApi) -> None:
    url = f"{at.root}/ATServicesRest/V1.0/companies/query"
    answer = at.request("POST", url, json={"filter": [{"op": "eq", "field": "ID", "value": 0}]})
    assert [row["id"] for row in at.ok(answer)["items"]] == [0]


def test_unknown_routes_404_and_wrong_methods_405(at: AtApi) -> None:
    assert at.errors(at.get("/Widgets/1"), 404)
    # Notes are created through their ticket only (reference 2.1)
    assert at.errors(at.post("/TicketNotes", {"ticketID": 1}), 404)
    assert at.errors(at.patch("/Tickets/1", {"title": "x"}), 405)  # open question 15
    assert (
        "does not support http method 'DELETE'"
        in at.errors(at.request("DELETE", "/Companies"), 405)[0]
    )


def test_missing_record_is_200_with_a_null_item(at: AtApi) -> None:
    assert at.ok(at.get("/Tickets/999999")) == {"item": None}


def test_unparseable_json_is_400(at: AtApi) -> None:
    answer = at.request("POST", "/Tickets", content=b"{not json", headers=at.headers())
    assert at.errors(answer, 400) == ["The request body is not valid JSON."]
