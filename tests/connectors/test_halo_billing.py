"""HaloBilling against the real HaloPSA simulator: invoices, line merges, batches, resumes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from psabridge.connectors.errors import ConfigError, NotFoundError, TransientError
from psabridge.connectors.halopsa.billing import HaloBilling
from psabridge.connectors.http import CallRecord
from psabridge.connectors.ports import BillingTarget, InvoiceChanges, LineChange
from psabridge.connectors.registry import ConnectorOptions, create_billing_target
from psabridge.sandbox.runner import Sandbox

from .halo_fake import assert_no_secrets

WORLD = {"seed": 7, "companies": 6, "endpoints": 60}
POST_INVOICES = "POST /api/RecurringInvoice"
SEEDED = "1"  # the seeded invoice: two lines psabridge does not own (items 1 and 4, x 20)


class Simulator:
    def __init__(self, info: dict[str, str]) -> None:
        self.info = info

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.info['sandbox_url']}/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def fault(self, **fault: Any) -> None:
        self.control("POST", "faults", {"path": "/api/RecurringInvoice", "method": "POST", **fault})

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "state"))

    def calls(self, name: str = POST_INVOICES) -> int:
        return int(self.state()["calls"].get(name, 0))

    def invoice(self, invoice_id: str) -> dict[str, Any]:
        return next(i for i in self.state()["invoices"] if str(i["id"]) == invoice_id)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the API directly (what another HaloPSA user would do)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.info["client_id"],
            "client_secret": self.info["client_secret"],
            "scope": "all",
        }
        token = httpx.post(f"{self.info['auth_url']}/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        response = httpx.request(
            method, f"{self.info['base_url']}/api/{path}", json=body, headers=headers
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    with Sandbox(rate_limits=False, **WORLD) as sandbox:
        yield Simulator(sandbox.info()["halopsa"])


@pytest.fixture(autouse=True)
def fresh(simulator: Simulator) -> None:
    simulator.control("POST", "reset")


@pytest.fixture
def connect(
    simulator: Simulator, records: list[CallRecord]
) -> Iterator[Callable[..., HaloBilling]]:
    built: list[HaloBilling] = []

    def build(**options: Any) -> HaloBilling:
        info = simulator.info
        billing = HaloBilling.connect(
            info["base_url"],
            info["client_id"],
            SecretStr(info["client_secret"]),
            auth_url=info["auth_url"],
            tenant=info["tenant"],
            sleeper=lambda _: None,
            audit=records.append,
            **options,
        )
        built.append(billing)
        return billing

    yield build
    for billing in built:
        billing.close()


@pytest.fixture
def billing(connect: Callable[..., HaloBilling]) -> HaloBilling:
    return connect()


def client_of(simulator: Simulator, invoice_id: str = SEEDED) -> str:
    return str(simulator.invoice(invoice_id)["client_id"])


def other_clients(billing: HaloBilling, simulator: Simulator, count: int) -> list[str]:
    seeded = client_of(simulator)
    ids = [
        c.id for c in billing.companies() if not c.extra["inactive"] and c.id not in ("1", seeded)
    ]
    return ids[:count]


def lines_of(simulator: Simulator, invoice_id: str) -> list[tuple[int, int | None, float, str]]:
    lines = simulator.invoice(invoice_id)["lines"]
    return [(x["id"], x["_itemid"], x["qty_order"], x["comment_1"]) for x in lines]


# --- reads ------------------------------------------------------------------------------------


def test_validate_companies_and_items(billing: HaloBilling, simulator: Simulator) -> None:
    target: BillingTarget = billing  # the port, checked by mypy in the registry too
    assert target.validate().ok
    assert any(c.name == "Northwind Traders" for c in target.companies())
    items = {o.id: o for o in target.billable_items()}
    assert items["1"].name == "Bitdefender GravityZone Business Security"
    assert items["1"].extra == {
        "code": "GZ-BS",
        "external_reference": "GZ-BS",
        "price": 4.5,
        "cost": 2.75,
        "recurring": True,
        "inactive": False,
    }
    simulator.api("POST", "Item", [{"id": 2, "inactive": True}])
    simulator.control("POST", "items/delete", {"id": 3})
    items = {o.id: o for o in target.billable_items()}
    assert items["2"].extra["inactive"] is True and "3" not in items


def test_usage_lines_of_foreign_invoice(billing: HaloBilling, simulator: Simulator) -> None:
    lines = billing.usage_lines(SEEDED)
    assert [(x.item_id, x.quantity, x.marker, x.item_code) for x in lines] == [
        ("1", 20.0, None, "GZ-BS"),
        ("4", 20.0, None, "MS-DEVICE"),
    ]
    assert all(x.company_id == client_of(simulator) and x.invoice_id == SEEDED for x in lines)
    with pytest.raises(NotFoundError):
        billing.usage_lines("999")


def test_invoices_with_lines_of_many_clients(billing: HaloBilling, simulator: Simulator) -> None:
    first, second = other_clients(billing, simulator, 2)
    made = [billing.find_or_create_invoice(c, "Monthly") for c in (first, second)]
    billing.apply_line_changes(made[1].id, [LineChange.create("2", 4, "psabridge:edr")])
    before = simulator.calls("GET /api/RecurringInvoice")
    found = billing.invoices_with_lines([first, second, client_of(simulator)])
    assert simulator.calls("GET /api/RecurringInvoice") == before + 1
    by_id = {i.id: i for i in found}
    assert set(by_id) == {SEEDED, made[0].id, made[1].id}
    assert by_id[made[0].id].lines == ()
    assert [(x.item_id, x.marker) for x in by_id[made[1].id].lines or ()] == [
        ("2", "psabridge:edr")
    ]
    assert len(by_id[SEEDED].lines or ()) == 2


# --- the invoice (R3.2) ------------------------------------------------------------------------


def test_find_or_create_creates_once(billing: HaloBilling, simulator: Simulator) -> None:
    (client,) = other_clients(billing, simulator, 1)
    created = billing.find_or_create_invoice(client, "Acme Dental Ltd")
    assert (created.company_id, created.name, created.lines) == (client, "Acme Dental Ltd", ())
    assert billing.find_or_create_invoice(client, "  acme dental LTD ").id == created.id
    assert simulator.calls() == 1
    assert [i.id for i in billing.recurring_invoices(client)] == [created.id]


def test_an_existing_invoice_of_that_name_is_reused(
    billing: HaloBilling, simulator: Simulator
) -> None:
    client = client_of(simulator)
    older = simulator.api("POST", "RecurringInvoice", [{"client_id": int(client), "name": "Acme"}])
    simulator.api("POST", "RecurringInvoice", [{"client_id": int(client), "name": "Acme"}])
    assert billing.find_or_create_invoice(client, "Acme").id == str(older["id"])
    assert simulator.calls() == 2  # only the two made above


def test_create_that_landed_unseen_is_found_not_doubled(
    billing: HaloBilling, simulator: Simulator
) -> None:
    (client,) = other_clients(billing, simulator, 1)
    simulator.fault(mode="commit_then_500")
    created = billing.find_or_create_invoice(client, "Globex")
    named = [i for i in simulator.state()["invoices"] if i["name"] == "Globex"]
    assert [str(i["id"]) for i in named] == [created.id]
    assert simulator.calls() == 1


def test_create_lost_before_it_landed_is_sent_again_once(
    billing: HaloBilling, simulator: Simulator
) -> None:
    (client,) = other_clients(billing, simulator, 1)
    simulator.fault(mode="reset")
    created = billing.find_or_create_invoice(client, "Initech")
    assert [i["id"] for i in simulator.state()["invoices"] if i["name"] == "Initech"] == [
        int(created.id)
    ]
    assert simulator.calls() == 2


def test_create_failing_twice_is_raised(billing: HaloBilling, simulator: Simulator) -> None:
    (client,) = other_clients(billing, simulator, 1)
    simulator.fault(mode="status", status=500, times=None)
    with pytest.raises(TransientError) as raised:
        billing.find_or_create_invoice(client, "Umbrella")
    assert raised.value.ambiguous and simulator.calls() == 2
    assert_no_secrets(raised.value, extra=(simulator.info["client_secret"],))


# --- writes (R3.3, R3.6, R3.8) -----------------------------------------------------------------


def test_our_lines_are_merged_and_foreign_lines_kept(
    billing: HaloBilling, simulator: Simulator
) -> None:
    foreign = lines_of(simulator, SEEDED)
    write = billing.apply_line_changes(
        SEEDED,
        [
            LineChange.create("1", 12, "psabridge:m1:seats"),
            LineChange.create("2", 3, "psabridge:m1:edr"),
        ],
    )
    assert write.written and write.ok
    assert lines_of(simulator, SEEDED)[:2] == foreign
    assert [(x.item_id, x.quantity, x.marker) for x in write.lines[2:]] == [
        ("1", 12.0, "psabridge:m1:seats"),
        ("2", 3.0, "psabridge:m1:edr"),
    ]
    seats = write.lines[2].line_id
    write = billing.apply_line_changes(
        SEEDED,
        [
            LineChange.update(line_id=seats, quantity=14),
            LineChange.remove(marker="psabridge:m1:edr"),
        ],
    )
    assert lines_of(simulator, SEEDED) == [
        *foreign,
        (int(seats or 0), 1, 14.0, "psabridge:m1:seats"),
    ]
    assert simulator.calls() == 2
    # The same changes again: nothing to write, no POST.
    again = billing.apply_line_changes(SEEDED, [LineChange.update(line_id=seats, quantity=14)])
    assert not again.written and again.lines == write.lines
    assert simulator.calls() == 2


def test_create_is_an_upsert_by_marker(billing: HaloBilling, simulator: Simulator) -> None:
    billing.apply_line_changes(SEEDED, [LineChange.create("1", 5, "psabridge:x")])
    write = billing.apply_line_changes(SEEDED, [LineChange.create("1", 6, "psabridge:x")])
    assert [x.quantity for x in write.lines if x.marker == "psabridge:x"] == [6.0]
    assert len(lines_of(simulator, SEEDED)) == 3


def test_a_write_that_landed_unseen_is_not_doubled(
    billing: HaloBilling, simulator: Simulator
) -> None:
    simulator.fault(mode="commit_then_500")
    write = billing.apply_line_changes(SEEDED, [LineChange.create("3", 2, "psabridge:patch")])
    assert write.written
    assert [x[1:] for x in lines_of(simulator, SEEDED)] == [
        (1, 20.0, ""),
        (4, 20.0, ""),
        (3, 2.0, "psabridge:patch"),
    ]
    assert simulator.calls() == 1  # read again, found it, no second POST


def test_a_write_lost_on_the_way_is_sent_again(billing: HaloBilling, simulator: Simulator) -> None:
    simulator.fault(mode="reset")
    billing.apply_line_changes(SEEDED, [LineChange.create("3", 2, "psabridge:patch")])
    assert len(lines_of(simulator, SEEDED)) == 3 and simulator.calls() == 2


def test_deleted_item_keeps_its_line_and_refuses_new_ones(
    billing: HaloBilling, simulator: Simulator
) -> None:
    billing.apply_line_changes(SEEDED, [LineChange.create("2", 3, "psabridge:edr")])
    simulator.control("POST", "items/delete", {"id": 2})
    write = billing.apply_line_changes(
        SEEDED, [LineChange.update(marker="psabridge:edr", quantity=4)]
    )
    assert [(x.item_id, x.quantity) for x in write.lines][-1] == ("2", 4.0)
    with pytest.raises(ConfigError, match="Item 2 does not exist"):
        billing.apply_line_changes(SEEDED, [LineChange.create("2", 1, "psabridge:edr2")])


def test_removing_every_line_of_ours(billing: HaloBilling, simulator: Simulator) -> None:
    (client,) = other_clients(billing, simulator, 1)
    invoice = billing.find_or_create_invoice(client, "Solo")
    billing.apply_line_changes(invoice.id, [LineChange.create("1", 1, "psabridge:a")])
    write = billing.apply_line_changes(invoice.id, [LineChange.remove(marker="psabridge:a")])
    assert write.written and write.lines == () and lines_of(simulator, invoice.id) == []
    assert not billing.apply_line_changes(
        invoice.id, [LineChange.remove(marker="psabridge:a")]
    ).written


def test_one_line_port_methods(billing: HaloBilling, simulator: Simulator) -> None:
    from psabridge.connectors.ports import UsageLine

    new = UsageLine(client_of(simulator), "3", 7, "", marker="psabridge:p", invoice_id=SEEDED)
    saved = billing.write_usage_line(new)
    assert (saved.quantity, saved.marker, saved.item_code) == (7.0, "psabridge:p", "GZ-PATCH")
    changed = billing.write_usage_line(
        UsageLine(saved.company_id, "3", 8, "", saved.line_id, invoice_id=SEEDED)
    )
    assert changed.line_id == saved.line_id and changed.quantity == 8.0
    billing.remove_usage_line(SEEDED, saved.line_id or "")
    assert len(lines_of(simulator, SEEDED)) == 2


# --- batches -----------------------------------------------------------------------------------


def batch_of(
    billing: HaloBilling, simulator: Simulator, count: int, quantity: int
) -> list[InvoiceChanges]:
    clients = other_clients(billing, simulator, count)
    invoices = [billing.find_or_create_invoice(c, "GravityZone") for c in clients]
    return [
        InvoiceChanges(
            i.id, i.company_id, (LineChange.create("1", quantity, f"psabridge:{i.id}:seats"),)
        )
        for i in invoices
    ]


def test_batch_write_is_one_read_and_one_post(billing: HaloBilling, simulator: Simulator) -> None:
    batch = batch_of(billing, simulator, 3, 5)
    batch.append(
        InvoiceChanges(SEEDED, client_of(simulator), (LineChange.create("2", 1, "psabridge:s"),))
    )
    reads, posts = simulator.calls("GET /api/RecurringInvoice"), simulator.calls()
    results = billing.apply_invoice_changes(batch)
    assert [r.invoice_id for r in results] == [b.invoice_id for b in batch]
    assert all(r.ok and r.written for r in results)
    assert simulator.calls() == posts + 1
    assert simulator.calls("GET /api/RecurringInvoice") == reads + 1
    assert [x[1:] for x in lines_of(simulator, SEEDED)][:2] == [(1, 20.0, ""), (4, 20.0, "")]
    again = billing.apply_invoice_changes(batch)
    assert not any(r.written for r in again) and simulator.calls() == posts + 1


def test_batch_size_splits_posts(connect: Callable[..., HaloBilling], simulator: Simulator) -> None:
    billing = connect()
    billing.write_batch_size = 2
    batch = batch_of(billing, simulator, 5, 3)
    posts = simulator.calls()
    billing.apply_invoice_changes(batch)
    assert simulator.calls() == posts + 3  # ceil(5 / 2)
    # Only changed invoices count: 3 of 5 change, spread out -> ceil(3 / 2) POSTs.
    changed = [
        InvoiceChanges(
            b.invoice_id,
            b.company_id,
            (LineChange.update(marker=f"psabridge:{b.invoice_id}:seats", quantity=9),),
        )
        if n in (0, 2, 4)
        else b
        for n, b in enumerate(batch)
    ]
    results = billing.apply_invoice_changes(changed)
    assert simulator.calls() == posts + 5
    assert [r.written for r in results] == [True, False, True, False, True]


def test_batch_failure_after_k_writes_resumes_exactly(
    connect: Callable[..., HaloBilling], simulator: Simulator
) -> None:
    billing = connect()
    billing.write_batch_size = 2
    batch = batch_of(billing, simulator, 5, 4)
    simulator.fault(mode="latency", latency_ms=0, times=1)  # the first write passes
    simulator.fault(mode="status", status=500, times=None)  # then every write fails
    with pytest.raises(TransientError):
        billing.apply_invoice_changes(batch)
    written = [b.invoice_id for b in batch if lines_of(simulator, b.invoice_id)]
    assert written == [b.invoice_id for b in batch[:2]]
    simulator.control("DELETE", "faults")
    results = billing.apply_invoice_changes(batch)
    assert [r.written for r in results] == [False, False, True, True, True]
    for item in batch:
        assert [x[1:] for x in lines_of(simulator, item.invoice_id)] == [
            (1, 4.0, f"psabridge:{item.invoice_id}:seats")
        ]


def test_batch_reports_a_bad_invoice_and_writes_the_others(
    billing: HaloBilling, simulator: Simulator
) -> None:
    batch = batch_of(billing, simulator, 3, 2)
    bad = InvoiceChanges(
        batch[1].invoice_id, batch[1].company_id, (LineChange.create("99", 1, "psabridge:bad"),)
    )
    gone = InvoiceChanges(
        "4242", batch[0].company_id, (LineChange.create("1", 1, "psabridge:gone"),)
    )
    results = billing.apply_invoice_changes([batch[0], bad, batch[2], gone])
    assert [(r.ok, r.written) for r in results] == [
        (True, True),
        (False, False),
        (True, True),
        (False, False),
    ]
    assert isinstance(results[1].error, ConfigError) and "Item 99" in str(results[1].error)
    assert isinstance(results[3].error, NotFoundError)
    assert lines_of(simulator, batch[1].invoice_id) == []
    assert all(len(lines_of(simulator, b.invoice_id)) == 1 for b in (batch[0], batch[2]))
    with pytest.raises(ConfigError, match="twice"):
        billing.apply_invoice_changes([batch[0], batch[0]])


def test_registry_builds_the_billing_target(simulator: Simulator) -> None:
    info = simulator.info
    settings = {
        "base_url": info["base_url"],
        "client_id": info["client_id"],
        "client_secret": SecretStr(info["client_secret"]),
    }
    target = create_billing_target("halopsa", settings, ConnectorOptions())
    assert isinstance(target, HaloBilling) and target.write_batch_size == 100
    assert target.validate().ok
    with pytest.raises(ConfigError):
        create_billing_target("connectwise", settings)
