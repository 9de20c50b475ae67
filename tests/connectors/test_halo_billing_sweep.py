"""The failure sweep for HaloBilling over httpx.MockTransport: every new call, every failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.halopsa.billing import HaloBilling
from psabridge.connectors.halopsa.client import HaloClient
from psabridge.connectors.http import CallRecord
from psabridge.connectors.ports import InvoiceChanges, LineChange

from .halo_fake import (
    CLIENT_SECRET,
    FakeHalo,
    Route,
    assert_no_secrets,
    body,
    halo_client,
    paged,
    raising,
    reply,
)

LINE = {"id": 7, "ihid": -94, "_itemid": 1, "qty_order": 20, "comment_1": None, "sequenceid": 1}
INVOICE = {"id": -94, "client_id": 12, "name": "Acme", "lines": [LINE]}  # negative ids: ref 6.2
ITEMS = [{"id": 1, "name": "Seats", "internalreference": "GZ-BS", "recurringprice": "4.5"}]


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        echo = f"failed for {request.headers['authorization']} {CLIENT_SECRET}"
        return reply(code, {"message": echo}, headers)

    return route


def non_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=f"<html>Login {CLIENT_SECRET}</html>")


def short_page(key: str, records: list[dict[str, Any]]) -> Route:
    def route(request: httpx.Request) -> Any:
        size = int(request.url.params["page_size"])
        return {"page_no": 1, "page_size": size, "record_count": size + 5, key: records}

    return route


def saved_lines(request: httpx.Request) -> Any:
    """Answer a POST /RecurringInvoice as the simulator does: the invoices with ids on lines."""
    answer = []
    for invoice in body(request):
        lines = [
            {**x, "id": x.get("id") or 100 + n} for n, x in enumerate(invoice.get("lines", []))
        ]
        answer.append({**INVOICE, **invoice, "lines": lines})
    return answer if request.url.params.get("returnall") == "true" else answer[0]


def ok_routes() -> dict[str, Route]:
    return {
        "GET Item": paged(ITEMS, "items"),
        "GET RecurringInvoice": paged([INVOICE], "invoices"),
        "GET RecurringInvoice/*": lambda r: INVOICE,
        "POST RecurringInvoice": saved_lines,
    }


def billing_on(fake: FakeHalo, http_options: dict[str, Any]) -> HaloBilling:
    client: HaloClient = halo_client(fake, http_options)
    return HaloBilling(client)


# --- reads -------------------------------------------------------------------------------------

READS: dict[str, tuple[str, Callable[[HaloBilling], Any]]] = {
    "billable_items": ("GET Item", lambda b: b.billable_items()),
    "recurring_invoices": ("GET RecurringInvoice", lambda b: b.recurring_invoices("12")),
    "invoices_with_lines": ("GET RecurringInvoice", lambda b: b.invoices_with_lines(["12", "13"])),
    "usage_lines": ("GET RecurringInvoice/*", lambda b: b.usage_lines("-94")),
}


@dataclass(frozen=True)
class Case:
    name: str
    route: Route
    error: type[ConnectorError]
    attempts: int  # requests that reached the failing endpoint


NO_ANSWER = 4  # HttpClient's max_attempts
READ_CASES = [
    Case("timeout", raising(httpx.ReadTimeout), TransientError, NO_ANSWER),
    Case("connection error", raising(httpx.ConnectError), TransientError, NO_ANSWER),
    Case("401", status(401), AuthError, 2),  # one fresh token, one retry
    Case("403", status(403), PermissionDeniedError, 1),
    Case("404", status(404), NotFoundError, 1),
    Case("429", status(429), RateLimitedError, NO_ANSWER),
    Case("500", status(500), TransientError, NO_ANSWER),
    Case("non-JSON", non_json, ConfigError, 1),
]


@pytest.mark.parametrize("case", READ_CASES, ids=[c.name for c in READ_CASES])
@pytest.mark.parametrize("call", list(READS), ids=list(READS))
def test_read_failure_sweep(
    case: Case, call: str, http_options: dict[str, Any], records: list[CallRecord]
) -> None:
    key, invoke = READS[call]
    fake = FakeHalo({**ok_routes(), key: case.route})
    with pytest.raises(case.error) as raised:
        invoke(billing_on(fake, http_options))
    assert type(raised.value) is case.error
    method, _, path = key.partition(" ")
    hits = [
        r
        for r in fake.api(method)
        if r.url.path.lower().startswith(f"/api/{path.rstrip('/*')}".lower())
    ]
    assert len(hits) == case.attempts
    assert_no_secrets(raised.value, raised.value.message, *records)


@pytest.mark.parametrize(
    ("call", "key", "records_"),
    [
        ("billable_items", "GET Item", ("items", ITEMS)),
        ("recurring_invoices", "GET RecurringInvoice", ("invoices", [INVOICE])),
        ("invoices_with_lines", "GET RecurringInvoice", ("invoices", [INVOICE])),
    ],
)
def test_short_page_is_never_a_truncated_list(
    call: str, key: str, records_: tuple[str, list[dict[str, Any]]], http_options: dict[str, Any]
) -> None:
    fake = FakeHalo({**ok_routes(), key: short_page(*records_)})
    with pytest.raises(TransientError, match="Incomplete"):
        READS[call][1](billing_on(fake, http_options))


def test_reads_parse_lenient_values_and_negative_ids(http_options: dict[str, Any]) -> None:
    billing = billing_on(FakeHalo(ok_routes()), http_options)
    (item,) = billing.billable_items()
    assert (item.id, item.extra["price"], item.extra["code"]) == ("1", 4.5, "GZ-BS")
    (line,) = billing.usage_lines("-94")
    assert (line.invoice_id, line.line_id, line.company_id, line.quantity, line.marker) == (
        "-94",
        "7",
        "12",
        20.0,
        None,
    )
    (invoice,) = billing.recurring_invoices("12")
    assert (invoice.id, invoice.name, invoice.lines) == ("-94", "Acme", None)


def test_includelines_ignored_reads_each_invoice(http_options: dict[str, Any]) -> None:
    header = {k: v for k, v in INVOICE.items() if k != "lines"}
    fake = FakeHalo({**ok_routes(), "GET RecurringInvoice": paged([header], "invoices")})
    (invoice,) = billing_on(fake, http_options).invoices_with_lines(["12"])
    assert invoice.lines is not None and len(invoice.lines) == 1
    assert len(fake.api("GET", "RecurringInvoice/-94")) == 1


# --- writes ------------------------------------------------------------------------------------

CREATE = [LineChange.create("1", 3, "psabridge:new")]
UPDATE = [LineChange.update(line_id="7", quantity=21)]
BATCH = [InvoiceChanges("-94", "12", tuple(CREATE))]
WRITES: dict[str, Callable[[HaloBilling], Any]] = {
    "find_or_create_invoice": lambda b: b.find_or_create_invoice("12", "Other name"),
    "apply_line_changes create": lambda b: b.apply_line_changes("-94", CREATE),
    "apply_invoice_changes create": lambda b: b.apply_invoice_changes(BATCH),
    "apply_line_changes update": lambda b: b.apply_line_changes("-94", UPDATE),
}
GROUP = {  # which column of a WriteCase applies to a call
    "find_or_create_invoice": "create",
    "apply_line_changes create": "create",
    "apply_invoice_changes create": "batch",
    "apply_line_changes update": "update",
}
REPORTED = None  # the batch reports the error on the invoice instead of raising it


@dataclass(frozen=True)
class WriteCase:
    """Per group: (error raised, or REPORTED on the InvoiceWrite; POSTs sent; ambiguous)."""

    name: str
    route: Route
    create: tuple[type[ConnectorError], int, bool]  # looked up again, then sent once more
    batch: tuple[type[ConnectorError] | None, int, bool]  # batch POST, then the invoice alone
    update: tuple[type[ConnectorError], int, bool]  # idempotent: HttpClient retries it


T, C, NOTF, AUTH = TransientError, ConfigError, NotFoundError, AuthError
DENIED, LIMITED = PermissionDeniedError, RateLimitedError
A, N = True, False  # ambiguous or not
WRITE_CASES = [
    WriteCase("timeout", raising(httpx.ReadTimeout), (T, 2, A), (T, 3, A), (T, 4, A)),
    WriteCase("connection reset", raising(httpx.ReadError), (T, 2, A), (T, 3, A), (T, 4, A)),
    WriteCase("connection error", raising(httpx.ConnectError), (T, 4, N), (T, 4, N), (T, 4, N)),
    WriteCase("401", status(401), (AUTH, 2, N), (AUTH, 2, N), (AUTH, 2, N)),
    WriteCase("403", status(403), (DENIED, 1, N), (DENIED, 1, N), (DENIED, 1, N)),
    WriteCase("404", status(404), (NOTF, 1, N), (REPORTED, 2, N), (NOTF, 1, N)),
    WriteCase("400", status(400), (C, 1, N), (REPORTED, 2, N), (C, 1, N)),
    WriteCase(
        "429", status(429, {"Retry-After": "1"}), (LIMITED, 4, N), (LIMITED, 4, N), (LIMITED, 4, N)
    ),
    WriteCase("500", status(500), (T, 2, A), (T, 3, A), (T, 4, A)),
    WriteCase("non-JSON", non_json, (T, 2, A), (T, 3, A), (C, 1, N)),
]


@pytest.mark.parametrize("case", WRITE_CASES, ids=[c.name for c in WRITE_CASES])
@pytest.mark.parametrize("call", list(WRITES), ids=list(WRITES))
def test_write_failure_sweep(
    case: WriteCase, call: str, http_options: dict[str, Any], records: list[CallRecord]
) -> None:
    fake = FakeHalo({**ok_routes(), "POST RecurringInvoice": case.route})
    error, posts, ambiguous = getattr(case, GROUP[call])
    billing = billing_on(fake, http_options)
    raised: Any
    if error is REPORTED:
        (result,) = WRITES[call](billing)
        assert not result.ok and not result.written and isinstance(result.error, ConfigError)
        raised = result.error
    else:
        with pytest.raises(error) as info:
            WRITES[call](billing)
        raised = info.value
        assert type(raised) is error
    assert len(fake.api("POST", "RecurringInvoice")) == posts
    assert getattr(raised, "ambiguous", False) is ambiguous
    assert_no_secrets(raised, raised.message, *records)


def test_write_sends_every_line_back(http_options: dict[str, Any]) -> None:
    foreign = {**LINE, "id": 8, "comment_1": "", "_updateprorata": True, "net_amount": 90}
    invoice = {**INVOICE, "lines": [LINE, foreign]}
    fake = FakeHalo({**ok_routes(), "GET RecurringInvoice/*": lambda r: invoice})
    write = billing_on(fake, http_options).apply_line_changes("-94", UPDATE + CREATE)
    (post,) = fake.api("POST", "RecurringInvoice")
    assert post.url.params["returnall"] == "true"
    (sent,) = body(post)
    assert sent["id"] == -94
    assert sent["lines"] == [
        {**LINE, "qty_order": 21},
        foreign,  # every field as read, unknown ones included
        {"_itemid": 1, "qty_order": 3, "comment_1": "psabridge:new"},
    ]
    assert [x.marker for x in write.lines] == [None, None, "psabridge:new"]


def test_answer_that_dropped_a_line_is_a_config_error(http_options: dict[str, Any]) -> None:
    def drops_all(request: httpx.Request) -> Any:
        return [{**INVOICE, "lines": []}]

    fake = FakeHalo({**ok_routes(), "POST RecurringInvoice": drops_all})
    with pytest.raises(ConfigError, match="did not keep the lines"):
        billing_on(fake, http_options).apply_line_changes("-94", CREATE)


def test_answer_without_lines_is_read_back(http_options: dict[str, Any]) -> None:
    invoice = {
        **INVOICE,
        "lines": [LINE, {"_itemid": 1, "id": 9, "qty_order": 3, "comment_1": "psabridge:new"}],
    }
    reads = iter([INVOICE, invoice])
    fake = FakeHalo(
        {
            **ok_routes(),
            "GET RecurringInvoice/*": lambda r: next(reads),
            "POST RecurringInvoice": lambda r: {"id": -94},
        }
    )
    write = billing_on(fake, http_options).apply_line_changes("-94", CREATE)
    assert [x.line_id for x in write.lines] == ["7", "9"]


@pytest.mark.parametrize(
    "change",
    [
        LineChange("create", "1", 3, None),  # no marker
        LineChange("create", None, 3, "m"),  # no item
        LineChange.update(quantity=3),  # no line id nor marker
        LineChange.remove(),
        LineChange.update(line_id="seven", quantity=1),
        LineChange.create("1.5", 1, "m"),
    ],
)
def test_bad_changes_are_refused_before_any_call(
    change: LineChange, http_options: dict[str, Any]
) -> None:
    fake = FakeHalo(ok_routes())
    with pytest.raises(ConfigError):
        billing_on(fake, http_options).apply_line_changes("-94", [change])
    assert fake.api() == []


def test_update_of_a_vanished_line(http_options: dict[str, Any]) -> None:
    fake = FakeHalo(ok_routes())
    billing = billing_on(fake, http_options)
    with pytest.raises(ConfigError, match="no longer on the invoice"):
        billing.apply_line_changes("-94", [LineChange.update(line_id="99", quantity=1)])
    assert fake.api("POST") == []
    # With an item, a quantity and a marker the vanished line is written again.
    again = LineChange.update(line_id="99", marker="m", item_id="1", quantity=2)
    write = billing.apply_line_changes("-94", [again])
    assert write.written and [(x.marker, x.quantity) for x in write.lines][-1] == ("m", 2.0)


def test_batch_answer_without_returnall_is_read_back_in_bulk(http_options: dict[str, Any]) -> None:
    second = {**INVOICE, "id": -95, "client_id": 13, "lines": []}
    stored = {-94: INVOICE, -95: second}

    def save_first_only(request: httpx.Request) -> Any:
        for invoice in body(request):
            lines = [{**x, "id": x.get("id") or 100 + n} for n, x in enumerate(invoice["lines"])]
            stored[invoice["id"]] = {**stored[invoice["id"]], "lines": lines}
        return {"id": body(request)[0]["id"]}  # one object, no lines: returnall ignored

    fake = FakeHalo(
        {
            "GET RecurringInvoice": lambda r: paged(list(stored.values()), "invoices")(r),
            "POST RecurringInvoice": save_first_only,
        }
    )
    batch = [
        InvoiceChanges("-94", "12", tuple(CREATE)),
        InvoiceChanges("-95", "13", (LineChange.create("1", 2, "psabridge:b"),)),
    ]
    results = billing_on(fake, http_options).apply_invoice_changes(batch)
    assert [len(r.lines) for r in results] == [2, 1] and all(r.written for r in results)
    assert len(fake.api("POST")) == 1 and len(fake.api("GET", "RecurringInvoice")) == 2
