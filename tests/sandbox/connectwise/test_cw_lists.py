"""Every read route, /count, /{id}, paging with Link headers and the clamp, fields, orderBy."""

from __future__ import annotations

import re

import pytest

from .helpers import CwApi

LISTS = [
    "/company/companies",
    "/company/companies/statuses",
    "/company/configurations",
    "/finance/agreements",
    "/finance/agreements/types",
    "/procurement/catalog",
    "/service/boards",
    "/service/boards/1/statuses",
    "/service/boards/1/types",
    "/service/priorities",
    "/service/tickets",
]
COUNTED = [
    "/company/companies",
    "/company/configurations",
    "/finance/agreements",
    "/procurement/catalog",
    "/service/tickets",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_route_answers_a_list(cw: CwApi, path: str) -> None:
    body = cw.ok(cw.get(path, pageSize=1000))
    assert isinstance(body, list)
    if path != "/service/tickets":
        assert body and all("id" in row for row in body)


@pytest.mark.parametrize("path", COUNTED)
def test_count_matches_the_list(cw: CwApi, path: str) -> None:
    rows = cw.ok(cw.get(path, pageSize=1000))
    assert cw.ok(cw.get(f"{path}/count")) == {"count": len(rows)}


@pytest.mark.parametrize(
    "path",
    [
        "/company/companies",
        "/company/companies/statuses",
        "/company/configurations",
        "/finance/agreements",
        "/finance/agreements/types",
        "/procurement/catalog",
        "/service/boards",
        "/service/priorities",
    ],
)
def test_get_one_by_id_and_404(cw: CwApi, path: str) -> None:
    first = cw.ok(cw.get(path))[0]
    assert cw.ok(cw.get(f"{path}/{first['id']}")) == first
    missing = cw.get(f"{path}/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "NotFound"


def test_statuses_of_an_unknown_board_are_404(cw: CwApi) -> None:
    assert cw.get("/service/boards/99/statuses").status_code == 404


def _pages(link: str) -> dict[str, int]:
    return {rel: int(page) for page, rel in re.findall(r'page=(\d+)>; rel="(\w+)"', link)}


def test_link_header_rels_on_first_middle_and_last_page(cw: CwApi) -> None:
    total = cw.ok(cw.get("/company/companies/count"))["count"]
    last = -(-total // 5)
    first = cw.get("/company/companies", pageSize=5)
    assert _pages(first.headers["Link"]) == {"next": 2, "last": last}
    middle = cw.get("/company/companies", pageSize=5, page=2)
    assert _pages(middle.headers["Link"]) == {"first": 1, "prev": 1, "next": 3, "last": last}
    end = cw.get("/company/companies", pageSize=5, page=last)
    assert _pages(end.headers["Link"]) == {"first": 1, "prev": last - 1}
    assert len(end.json()) == total - 5 * (last - 1)


def test_link_keeps_the_other_parameters(cw: CwApi) -> None:
    answer = cw.get("/company/companies", pageSize=2, conditions='name like "*e*"')
    assert "conditions=name+like" in answer.headers["Link"]
    assert "pageSize=2" in answer.headers["Link"]


def test_one_page_has_no_link_header(cw: CwApi) -> None:
    assert "Link" not in cw.get("/service/boards").headers


def test_page_size_defaults_to_25_and_is_clamped_to_1000(cw: CwApi) -> None:
    assert len(cw.ok(cw.get("/company/configurations"))) == 25
    rows = cw.ok(cw.get("/company/configurations", pageSize=5000))
    count = cw.ok(cw.get("/company/configurations/count"))["count"]
    assert len(rows) == min(count, 1000)


def test_page_size_clamp_with_many_rows(cw: CwApi) -> None:
    for index in range(1001):
        cw.sim.create_company(f"Bulk {index}")
    answer = cw.get("/company/companies", pageSize=5000)
    assert len(answer.json()) == 1000
    assert _pages(answer.headers["Link"])["next"] == 2
    assert "pageSize=1000" in answer.headers["Link"]


def test_bad_paging_parameters_are_400(cw: CwApi) -> None:
    assert cw.get("/company/companies", page=0).status_code == 400
    assert cw.get("/company/companies", pageSize="x").status_code == 400


def test_fields_gives_partial_rows_with_nested_paths(cw: CwApi) -> None:
    rows = cw.ok(cw.get("/company/companies", fields="id,name,status/id"))
    assert all(set(row) == {"id", "name", "status"} for row in rows)
    assert all(set(row["status"]) == {"id"} for row in rows)
    one = cw.ok(cw.get(f"/company/companies/{rows[0]['id']}", fields="identifier"))
    assert set(one) == {"identifier"}


def test_order_by_name_desc_and_default_id_order(cw: CwApi) -> None:
    ids = [r["id"] for r in cw.ok(cw.get("/company/companies", pageSize=1000))]
    assert ids == sorted(ids)
    rows = cw.ok(cw.get("/company/companies", pageSize=1000, orderBy="name desc"))
    names = [r["name"].lower() for r in rows]
    assert names == sorted(names, reverse=True)
    assert cw.get("/company/companies", orderBy="name sideways").status_code == 400


def test_deleted_companies_are_listed_only_when_asked(cw: CwApi) -> None:
    deleted = [c for c in cw.sim.store.scenario["psa_only"] if c["deleted"]]
    assert len(deleted) == 1
    ids = {r["id"] for r in cw.ok(cw.get("/company/companies", pageSize=1000))}
    assert deleted[0]["id"] not in ids
    shown = cw.ok(cw.get("/company/companies", conditions="deletedFlag = true"))
    assert [r["id"] for r in shown] == [deleted[0]["id"]]
    one = cw.ok(cw.get(f"/company/companies/{deleted[0]['id']}"))
    assert one["deletedFlag"] is True


def test_priorities_have_exactly_one_default_and_capitalised_colors(cw: CwApi) -> None:
    rows = cw.ok(cw.get("/service/priorities"))
    assert [r["name"] for r in rows if r["defaultFlag"]] == ["Priority 3 - Normal Response"]
    assert all(r["color"][0].isupper() for r in rows)


def test_board_statuses_and_types(cw: CwApi) -> None:
    for board in cw.ok(cw.get("/service/boards")):
        statuses = cw.ok(cw.get(f"/service/boards/{board['id']}/statuses"))
        assert [s["name"] for s in statuses] == ["New", "In Progress", "Closed", "Cancelled"]
        assert [s["name"] for s in statuses if s["defaultFlag"]] == ["New"]
        assert [s["name"] for s in statuses if s["closedStatus"]] == ["Closed", "Cancelled"]
        assert all(s["board"]["id"] == board["id"] for s in statuses)
        types = cw.ok(cw.get(f"/service/boards/{board['id']}/types"))
        assert "Other" in [t["name"] for t in types]
    names = [b["name"] for b in cw.ok(cw.get("/service/boards"))]
    assert names == ["Security Alerts", "Help Desk"]


def test_company_statuses_flags(cw: CwApi) -> None:
    rows = {r["name"]: r for r in cw.ok(cw.get("/company/companies/statuses"))}
    assert rows["Active"]["defaultFlag"] is True
    assert rows["Inactive"]["inactiveFlag"] is True
    assert rows["Not Approved"]["disallowSavingFlag"] is True
    assert rows["Not Approved"]["inactiveFlag"] is False
