"""ConnectWiseBilling and validate() over httpx.MockTransport."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from psabridge.connectors.connectwise.adapter import ConnectWiseDesk
from psabridge.connectors.connectwise.billing import ConnectWiseBilling
from psabridge.connectors.errors import CompanyBlockedError, ConfigError, TransientError
from psabridge.connectors.ports_agreements import NewAddition, ServiceTicket
from psabridge.connectors.registry import ConnectorOptions, create_billing_target, create_connector

from .cw_fake import (
    CLIENT_ID,
    COMPANY,
    PRIVATE_KEY,
    PUBLIC_KEY,
    SITE,
    FakeCw,
    assert_no_secrets,
    body,
    cw_billing,
    paged,
    raising,
    reply,
)

AGREEMENTS = [
    {
        "id": 40,
        "name": "Acme - Managed Security",
        "type": {"id": 3, "name": "Managed Security"},
        "company": {"id": 2, "identifier": "Acme", "name": "Acme"},
        "agreementStatus": "Active",
        "startDate": "2025-01-01T00:00:00Z",
        "billStartDate": "2025-02-01T00:00:00Z",
        "cancelledFlag": False,
    },
    {
        "id": 41,
        "name": "Beta",
        "type": {"id": 3, "name": "Managed Security"},
        "company": {"id": 3},
        "agreementStatus": "Cancelled",
        "endDate": "2025-06-30T00:00:00Z",
        "cancelledFlag": True,
    },
]
ADDITION = {
    "id": 90,
    "product": {"id": 7, "identifier": "GZ-ENDPOINT"},
    "quantity": 12.0,
    "effectiveDate": "2026-11-01T00:00:00Z",
    "cancelledDate": "2026-11-30T00:00:00Z",
    "description": "GravityZone 2026-11",
    "agreementStatus": "Active",
    "agreementId": 40,
}
INVALID_STATUS = {
    "code": "InvalidObject",
    "message": "addition object is invalid",
    "errors": [
        {
            "code": "InvalidStatus",
            "message": "The company's status 'Not Approved' does not allow saving.",
            "resource": "company",
            "field": "status",
        }
    ],
}


def billing(fake: FakeCw, http_options: dict[str, Any]) -> ConnectWiseBilling:
    return cw_billing(fake, http_options)


def test_agreements_one_bulk_read(http_options: dict[str, Any]) -> None:
    fake = FakeCw({"GET finance/agreements": paged(AGREEMENTS)})
    found = billing(fake, http_options).agreements("3")
    assert [(a.id, a.company_id, a.status, a.cancelled) for a in found] == [
        ("40", "2", "Active", False),
        ("41", "3", "Cancelled", True),
    ]
    first = found[0]
    assert (first.type_id, first.type_name, first.start, first.bill_start, first.end) == (
        "3",
        "Managed Security",
        date(2025, 1, 1),
        date(2025, 2, 1),
        None,
    )
    (read,) = fake.api()
    assert read.url.params["conditions"] == "type/id=3"
    assert read.url.params["pageSize"] == "1000"
    assert "agreementStatus" in read.url.params["fields"]


def test_additions_conditions(http_options: dict[str, Any]) -> None:
    fake = FakeCw({"GET finance/agreements/*/additions": lambda r: [ADDITION]})
    b = billing(fake, http_options)
    (found,) = b.additions("40", "7", date(2026, 11, 1))
    assert (found.id, found.agreement_id, found.product_id, found.quantity) == (
        "90",
        "40",
        "7",
        12.0,
    )
    assert (found.effective, found.cancelled, found.status) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        "Active",
    )
    b.additions("40", "7")
    first, second = fake.api()
    assert first.url.params["conditions"] == (
        "product/id=7 and effectiveDate>=[2026-11-01T00:00:00Z]"
    )
    assert second.url.params["conditions"] == "product/id=7"
    assert first.url.path.endswith("/finance/agreements/40/additions")


def test_create_addition_body(http_options: dict[str, Any]) -> None:
    fake = FakeCw({"POST finance/agreements/*/additions": lambda r: reply(201, ADDITION)})
    new = NewAddition("40", "7", 12, date(2026, 11, 1), date(2026, 11, 30), "GravityZone 2026-11")
    created = billing(fake, http_options).create_addition(new)
    assert created.id == "90"
    (post,) = fake.api("POST")
    assert body(post) == {
        "product": {"id": 7},
        "billCustomer": "Billable",
        "quantity": 12,
        "effectiveDate": "2026-11-01T00:00:00Z",
        "cancelledDate": "2026-11-30T00:00:00Z",
        "description": "GravityZone 2026-11",
    }


def test_disallow_saving_is_a_config_error_with_a_short_message(
    http_options: dict[str, Any],
) -> None:
    fake = FakeCw({"POST finance/agreements/*/additions": lambda r: reply(400, INVALID_STATUS)})
    new = NewAddition("40", "7", 12, date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(ConfigError) as raised:
        billing(fake, http_options).create_addition(new)
    # A company-level refusal: the ticketing engine parks that company's alerts alone.
    assert type(raised.value) is CompanyBlockedError
    assert (
        raised.value.message
        == "company: The company's status 'Not Approved' does not allow saving."
    )
    assert len(fake.api("POST")) == 1


@pytest.mark.parametrize(
    "route",
    [
        raising(httpx.ReadTimeout),
        lambda r: reply(500, {"code": "Error"}),
        lambda r: httpx.Response(201, text="ok"),
    ],
)
def test_create_addition_is_never_resent_after_an_ambiguous_failure(
    route: Any, http_options: dict[str, Any]
) -> None:
    fake = FakeCw({"POST finance/agreements/*/additions": route})
    new = NewAddition("40", "7", 12, date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(TransientError) as raised:
        billing(fake, http_options).create_addition(new)
    assert raised.value.ambiguous
    assert len(fake.api("POST")) == 1


def test_set_addition_quantity_is_retried(http_options: dict[str, Any]) -> None:
    answers = iter([reply(500, {"code": "Error"})])
    route = lambda r: next(answers, {**ADDITION, "quantity": 15.0})  # noqa: E731
    fake = FakeCw({"PATCH finance/agreements/*/additions/*": route})
    patched = billing(fake, http_options).set_addition_quantity("40", "90", 15)
    assert patched.quantity == 15.0
    calls = fake.api("PATCH")
    assert len(calls) == 2
    assert body(calls[0]) == [{"op": "replace", "path": "quantity", "value": 15}]
    assert calls[0].url.path.endswith("/finance/agreements/40/additions/90")


def test_lists(http_options: dict[str, Any]) -> None:
    fake = FakeCw(
        {
            "GET finance/agreements/types": lambda r: [
                {"id": 3, "name": "Managed Security"},
                {"id": 4, "name": "Old", "inactiveFlag": True},
            ],
            "GET procurement/catalog": lambda r: [
                {
                    "id": 7,
                    "identifier": "GZ-ENDPOINT",
                    "description": "GravityZone endpoint",
                    "productClass": "NonInventory",
                    "price": 3.5,
                },
            ],
            "GET service/boards": lambda r: [{"id": 1, "name": "Security Alerts"}],
            "GET service/priorities": lambda r: [{"id": 1, "name": "P1", "defaultFlag": True}],
        }
    )
    b = billing(fake, http_options)
    assert [(t.id, t.extra["inactive"]) for t in b.agreement_types()] == [("3", False), ("4", True)]
    (product,) = b.products()
    assert product.extra["identifier"] == "GZ-ENDPOINT"
    assert (product.extra["product_class"], product.extra["price"], product.extra["inactive"]) == (
        "NonInventory",
        3.5,
        False,
    )
    assert [(o.id, o.extra["inactive"]) for o in b.boards()] == [("1", False)]
    assert [(o.id, o.extra["default"]) for o in b.priorities()] == [("1", True)]


def test_service_ticket(http_options: dict[str, Any]) -> None:
    fake = FakeCw(
        {
            "POST service/tickets": lambda r: reply(201, {"id": 600}),
            "GET service/tickets": lambda r: [{"id": 600, "externalXRef": "psabridge:b1"}],
        }
    )
    b = billing(fake, http_options)
    ticket = ServiceTicket("psabridge:b1", "2", "1", "3", "Billing needs attention", "details")
    assert b.create_service_ticket(ticket) == "600"
    assert body(fake.api("POST")[0]) == {
        "summary": "Billing needs attention",
        "company": {"id": 2},
        "board": {"id": 1},
        "priority": {"id": 3},
        "initialDescription": "details",
        "externalXRef": "psabridge:b1",
    }
    assert b.find_service_ticket("psabridge:b1") == "600"
    assert b.find_service_ticket("psabridge:other") is None


# --- validate -----------------------------------------------------------------------------------

PROBE_PATHS = [
    "company/companies",
    "finance/agreements/types",
    "procurement/catalog",
    "service/boards",
    "service/priorities",
]


def probes(**statuses: int) -> dict[str, Any]:
    def answer(status: int) -> Any:
        return lambda r: (
            reply(status, {"code": "Forbidden", "message": "no", "errors": None})
            if status != 200
            else []
        )

    routes: dict[str, Any] = {"GET system/info": lambda r: {"version": "v2025.1", "isCloud": True}}
    for path in PROBE_PATHS:
        routes[f"GET {path}"] = answer(statuses.get(path.replace("/", "_"), 200))
    return routes


def test_validate_ok_probes_with_page_size_1(http_options: dict[str, Any]) -> None:
    fake = FakeCw(probes())
    result = billing(fake, http_options).validate()
    assert result.outcome == "ok"
    gets = [r for r in fake.api() if not r.url.path.endswith("system/info")]
    assert [r.url.path.split("apis/3.0/")[1] for r in gets] == PROBE_PATHS
    assert {r.url.params["pageSize"] for r in gets} == {"1"}


def test_validate_missing_permission_names_role_entries(http_options: dict[str, Any]) -> None:
    fake = FakeCw(probes(finance_agreements_types=403, service_priorities=403))
    result = billing(fake, http_options).validate()
    assert result.outcome == "missing_permission"
    assert result.missing_services == ("Finance > Agreements", "System > Table Setup")


def test_validate_invalid_keys(http_options: dict[str, Any]) -> None:
    result = cw_billing(FakeCw(probes()), http_options, private_key="wrong-key").validate()
    assert result.outcome == "invalid_key"
    result = cw_billing(FakeCw(probes()), http_options, client_id="other").validate()
    assert result.outcome == "invalid_key"


def test_validate_unknown_company(http_options: dict[str, Any]) -> None:
    result = cw_billing(FakeCw(probes()), http_options, company_id="nobody").validate()
    assert result.outcome == "invalid_key"
    assert "company id 'nobody'" in result.message


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout])
def test_validate_cannot_connect(
    exc: type[httpx.TransportError], http_options: dict[str, Any]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc(f"down {PRIVATE_KEY}", request=request)

    b = ConnectWiseBilling.connect(
        SITE,
        COMPANY,
        SecretStr(PUBLIC_KEY),
        SecretStr(PRIVATE_KEY),
        CLIENT_ID,
        **{**http_options, "transport": httpx.MockTransport(handler)},
    )
    result = b.validate()
    assert result.outcome == "cannot_connect"
    assert_no_secrets(result)


def test_validate_bad_url_never_raises(http_options: dict[str, Any]) -> None:
    b = ConnectWiseBilling.connect(
        "ftp://cw.test",
        COMPANY,
        SecretStr(PUBLIC_KEY),
        SecretStr(PRIVATE_KEY),
        CLIENT_ID,
        **http_options,
    )
    assert b.validate().outcome == "cannot_connect"


# --- registry -----------------------------------------------------------------------------------


def test_registry_builds_connectwise_from_secret_settings(http_options: dict[str, Any]) -> None:
    fake = FakeCw(probes())
    settings = {
        "site_url": SITE,
        "company_id": COMPANY,
        "public_key": SecretStr(PUBLIC_KEY),
        "private_key": SecretStr(PRIVATE_KEY),
        "client_id": CLIENT_ID,
    }
    options = ConnectorOptions(transport=httpx.MockTransport(fake), http=dict(http_options))
    desk = create_connector("connectwise", settings, options)
    assert isinstance(desk, ConnectWiseDesk) and desk.validate().ok
    billing_side = create_billing_target("connectwise", settings, options)
    assert isinstance(billing_side, ConnectWiseBilling) and billing_side.validate().ok
    with pytest.raises(ConfigError, match="private_key"):
        create_connector("connectwise", {**settings, "private_key": SecretStr("")}, options)
