"""ConnectWise PSA client pieces: conditions, Link paging and its loop guards, models, codebase."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from psabridge.connectors.connectwise import conditions, models
from psabridge.connectors.connectwise.paging import Page, next_page, read_all
from psabridge.connectors.connectwise.session import api_root, site_root
from psabridge.connectors.errors import ConfigError, NotFoundError, TransientError

from .cw_fake import CLIENT_ID, CODEBASE, SITE, FakeCw, basic, cw_client, paged, reply

# --- conditions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Acme", '"Acme"'),
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        ('x" or id>0 or name="', r'"x\" or id>0 or name=\""'),
        (12, "12"),
        (1.5, "1.5"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (date(2026, 11, 1), "[2026-11-01T00:00:00Z]"),
        (datetime(2026, 11, 1, 8, 30, 5, tzinfo=UTC), "[2026-11-01T08:30:05Z]"),
    ],
)
def test_literals_are_quoted_and_escaped(value: Any, expected: str) -> None:
    assert conditions.literal(value) == expected


def test_compare_and_all_of() -> None:
    where = conditions.all_of(
        conditions.eq("product/id", 7),
        conditions.compare("effectiveDate", ">=", date(2026, 11, 1)),
        conditions.compare("name", "like", "Ac*"),
    )
    assert where == 'product/id=7 and effectiveDate>=[2026-11-01T00:00:00Z] and name like "Ac*"'


@pytest.mark.parametrize("path", ["id or 1=1", "a/", "/a", "a b", 'x"', ""])
def test_field_paths_are_checked(path: str) -> None:
    with pytest.raises(ConfigError):
        conditions.eq(path, 1)


def test_unknown_operator_is_refused() -> None:
    with pytest.raises(ConfigError):
        conditions.compare("id", "; drop", 1)


def test_in_chunks_keep_every_value_and_each_url_short() -> None:
    values = list(range(100_000, 103_000))
    chunks = list(conditions.in_chunks("id", values))
    assert len(chunks) > 1
    assert all(len(quote(c, safe="")) <= conditions.CONDITION_BUDGET for c in chunks)
    seen = [int(v) for c in chunks for v in c.removeprefix("id in (").rstrip(")").split(", ")]
    assert seen == values


def test_in_chunks_of_strings_escape_each_value() -> None:
    (chunk,) = conditions.in_chunks("externalXRef", ['a"b', "c"])
    assert chunk == r'externalXRef in ("a\"b", "c")'


def test_in_chunks_refuse_one_value_too_long() -> None:
    with pytest.raises(ConfigError):
        list(conditions.in_chunks("name", ["x" * 3000]))


# --- Link parsing and paging --------------------------------------------------------------------

LINK = (
    '<https://cw.test/v2025_1/apis/3.0/company/companies?pageSize=2&page=1>; rel="first", '
    '<https://cw.test/v2025_1/apis/3.0/company/companies?pageSize=2&page=3>; rel="next", '
    '<https://cw.test/v2025_1/apis/3.0/company/companies?pageSize=2&page=9>; rel="last"'
)


def test_next_page_is_read_from_the_link_header() -> None:
    assert next_page(LINK) == 3
    assert next_page('<https://x/a?page=2>; rel="prev"') is None
    assert next_page(None) is None
    assert next_page("") is None


def test_next_link_without_page_raises() -> None:
    with pytest.raises(TransientError):
        next_page('<https://x/a?pageSize=2>; rel="next"')


def pages(*answers: Page) -> Any:
    calls: list[int] = []

    def fetch(number: int) -> Page:
        calls.append(number)
        return answers[len(calls) - 1]

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


def rows(*ids: int) -> list[dict[str, int]]:
    return [{"id": i} for i in ids]


def test_read_all_follows_next_until_none() -> None:
    fetch = pages(Page(rows(1, 2), 2), Page(rows(3, 4), 3), Page(rows(5), None))
    assert [r["id"] for r in read_all(fetch, "companies", page_size=2)] == [1, 2, 3, 4, 5]
    assert fetch.calls == [1, 2, 3]


def test_short_page_with_a_next_link_raises() -> None:
    fetch = pages(Page(rows(1), 2), Page(rows(3), None))
    with pytest.raises(TransientError, match="short"):
        read_all(fetch, "companies", page_size=2)


@pytest.mark.parametrize("bad_next", [1, 2, 5])
def test_repeating_or_skipping_next_link_raises(bad_next: int) -> None:
    fetch = pages(Page(rows(1, 2), 2), Page(rows(3, 4), bad_next), Page(rows(5), None))
    with pytest.raises(TransientError):
        read_all(fetch, "companies", page_size=2)


def test_page_bound_raises_instead_of_truncating() -> None:
    fetch = pages(*(Page(rows(2 * n + 1, 2 * n + 2), n + 2) for n in range(10)))
    with pytest.raises(TransientError, match="more than 3 pages"):
        read_all(fetch, "companies", page_size=2, max_pages=3)


def test_duplicate_ids_across_pages_raise() -> None:
    fetch = pages(Page(rows(1, 2), 2), Page(rows(2), None))
    with pytest.raises(TransientError, match="changed"):
        read_all(fetch, "companies", page_size=2)


def test_client_pages_with_page_size_1000(http_options: dict[str, Any]) -> None:
    records = [{"id": i, "name": f"B{i}"} for i in range(1, 2101)]
    fake = FakeCw({"GET service/boards": paged(records)})
    boards = cw_client(fake, http_options).boards()
    assert [b.id for b in boards] == list(range(1, 2101))
    calls = fake.api("GET", "service/boards")
    assert [c.url.params["page"] for c in calls] == ["1", "2", "3"]
    assert {c.url.params["pageSize"] for c in calls} == {"1000"}


# --- models' tolerance --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, "True", "true", "TRUE"])
def test_is_cloud_as_bool_or_string(value: Any) -> None:
    assert models.CompanyInfo.model_validate({"Codebase": "v1/", "IsCloud": value}).is_cloud


def test_is_cloud_false_string() -> None:
    assert not models.CompanyInfo.model_validate({"IsCloud": "False"}).is_cloud


def test_missing_default_flag_is_false() -> None:
    priority = models.Priority.model_validate({"id": 4, "name": "Priority 3"})
    assert priority.default_flag is False
    assert models.Priority.model_validate({"id": 1, "defaultFlag": None}).default_flag is False


def test_dates_become_utc_days_and_unknown_fields_are_ignored() -> None:
    agreement = models.Agreement.model_validate(
        {
            "id": 1,
            "startDate": "2026-01-01T00:00:00Z",
            "endDate": "",
            "billStartDate": None,
            "unknownThing": {"x": 1},
            "cancelledFlag": "false",
        }
    )
    assert agreement.start_date == date(2026, 1, 1)
    assert agreement.end_date is None and agreement.cancelled_flag is False


def test_ticket_closed_date_is_utc() -> None:
    ticket = models.Ticket.model_validate({"id": 5, "closedDate": "2026-02-03T04:05:06Z"})
    assert ticket.closed_date == datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)


# --- site URLs, codebase, headers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cw.test", "https://cw.test"),
        ("https://cw.test/", "https://cw.test"),
        (" https://cw.test/v4_6_release/apis/3.0 ", "https://cw.test"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_site_root(given: str, expected: str) -> None:
    assert site_root(given) == expected


def test_cloud_hosts_get_the_api_prefix() -> None:
    assert api_root("https://na.myconnectwise.net") == "https://api-na.myconnectwise.net"
    assert api_root("https://api-eu.myconnectwise.net") == "https://api-eu.myconnectwise.net"
    assert api_root("http://127.0.0.1:8123") == "http://127.0.0.1:8123"


def test_codebase_is_discovered_once_and_headers_sent(http_options: dict[str, Any]) -> None:
    fake = FakeCw({"GET service/priorities": lambda r: [{"id": 1, "name": "P1"}]})
    client = cw_client(fake, http_options)
    client.priorities()
    client.priorities()
    assert len(fake.info_calls()) == 1
    assert "authorization" not in fake.info_calls()[0].headers
    call = fake.api()[0]
    assert call.url.path == f"/{CODEBASE}apis/3.0/service/priorities"
    assert call.headers["authorization"] == basic()
    assert call.headers["clientid"] == CLIENT_ID
    assert str(call.url).startswith(SITE)


def test_404_asks_companyinfo_again_and_retries_once(http_options: dict[str, Any]) -> None:
    # The instance was upgraded: the first codebase is gone, companyinfo now names v2025_2/.
    fake = FakeCw({"GET service/boards": lambda r: [{"id": 1, "name": "B"}]})
    client = cw_client(fake, http_options)
    assert client.codebase() == CODEBASE
    fake.codebases[:] = ["v2025_2/"]
    assert [b.id for b in client.boards()] == [1]
    assert len(fake.info_calls()) == 2
    assert [c.url.path.split("/")[1] for c in fake.calls[1:]] == ["v2025_1", "login", "v2025_2"]


def test_404_with_the_same_codebase_is_not_retried(http_options: dict[str, Any]) -> None:
    fake = FakeCw({})
    client = cw_client(fake, http_options)
    with pytest.raises(NotFoundError, match="ticket 9 does not exist"):
        client.ticket(9)
    assert len(fake.api()) == 1
    assert len(fake.info_calls()) == 2


def test_unknown_company(http_options: dict[str, Any]) -> None:
    client = cw_client(FakeCw(), http_options, company_id="nope")
    with pytest.raises(NotFoundError, match="does not know the company id 'nope'"):
        client.company_info()


def test_companyinfo_that_is_not_json_is_a_config_error(http_options: dict[str, Any]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>login</html>")

    client = cw_client(FakeCw(), http_options)
    client._http._client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(ConfigError, match="site URL"):
        client.company_info()


def test_answer_that_is_not_a_list_is_a_config_error(http_options: dict[str, Any]) -> None:
    fake = FakeCw({"GET service/boards": lambda r: reply(200, {"id": 1})})
    with pytest.raises(ConfigError):
        cw_client(fake, http_options).boards()
