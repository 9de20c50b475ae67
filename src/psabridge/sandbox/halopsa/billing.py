"""Items and recurring invoices, kept simple until the billing issue (reference 6.1-6.4)."""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .handling import Call, Reply, element_id, existing, post_array
from .params import OTHER_MAX_PAGE_SIZE, as_bool, as_float, as_int, as_str, envelope
from .store import HaloStore, Record, public

ITEM_TEXT = ("name", "description", "internalreference", "externalreference", "nominalcode")
ITEM_NUMBERS = ("baseprice", "costprice", "recurringprice", "recurringcost")
ITEM_FLAGS = (
    "isrecurringitem",
    "update_recurring_invoice_price",
    "update_recurring_invoice_cost",
    "inactive",
)
HEADER_TEXT = ("reference", "invoicenumber", "internal_note", "nextcreationdate", "startdate")
LINE_TEXT = ("item_code", "item_shortdescription", "item_longdescription")
LINE_NUMBERS = ("qty_order", "unit_price", "unit_cost")


def _item_fields(element: dict[str, Any]) -> Record:
    values: Record = {}
    for name in ITEM_TEXT:
        if name in element:
            values[name] = as_str(element[name], name)
    for name in ITEM_NUMBERS:
        if name in element:
            values[name] = as_float(element[name], name)
    for name in ITEM_FLAGS:
        if name in element:
            values[name] = bool(as_bool(element[name], name))
    for name in ("taxcode", "item_default_billing_period"):
        if name in element:
            values[name] = as_int(element[name], name)
    return values


def create_item(call: Call, element: dict[str, Any]) -> Record:
    """Create an Item; `name` is mandatory."""
    values = _item_fields(element)
    if not values.get("name"):
        raise bad_request("Name is mandatory for Items.")
    record = {
        "description": "",
        "internalreference": "",
        "externalreference": "",
        "baseprice": 0.0,
        "costprice": 0.0,
        "recurringprice": 0.0,
        "recurringcost": 0.0,
        "isrecurringitem": False,
        "taxcode": 1,
        "nominalcode": "",
        "inactive": False,
        **values,
    }
    return public(call.store.insert("items", record))


def update_item(call: Call, element: dict[str, Any]) -> Record:
    """Merge the given fields into an Item."""
    item = existing(call.store, "items", element_id(element))
    item.update(_item_fields(element))
    return public(item)


def list_items(call: Call) -> Reply:
    """GET /Item: `search` (name), `recurringonly`, `includeinactive`, paging -> `items`."""
    query = call.query
    search = (query.get_str("search") or "").lower()
    rows = [
        public(item)
        for item in call.store.rows("items")
        if search in str(item["name"]).lower()
        and (query.get_bool("includeinactive") or not item["inactive"])
        and (not query.get_bool("recurringonly") or item["isrecurringitem"])
    ]
    return Reply(envelope("items", rows, query, OTHER_MAX_PAGE_SIZE))


def get_item(call: Call) -> Reply:
    """GET /Item/{id}."""
    return Reply(public(existing(call.store, "items", call.record_id)))


def post_items(call: Call) -> Reply:
    """POST /Item."""
    return post_array(call, create_item, update_item)


def delete_item(call: Call) -> Reply:
    """DELETE /Item/{id}."""
    existing(call.store, "items", call.record_id)
    call.store.delete("items", call.record_id or 0)
    return Reply({"id": call.record_id})


def _line(store: HaloStore, data: Any, invoice_id: int, base: Record | None = None) -> Record:
    """Return an `InvoiceDetail` from POSTed data; item text and price default from `_itemid`."""
    if not isinstance(data, dict):
        raise bad_request("Each invoice line must be a JSON object.")
    line: Record = dict(
        base
        or {
            "id": store.next_id("lines"),
            "_itemid": None,
            "item_code": "",
            "item_shortdescription": "",
            "item_longdescription": "",
            "qty_order": 0.0,
            "unit_price": 0.0,
            "unit_cost": 0.0,
            "sequenceid": 0,
            "isinactive": False,
        }
    )
    line["ihid"] = invoice_id
    if "_itemid" in data:
        line["_itemid"] = as_int(data["_itemid"], "_itemid")
        item = store.get("items", line["_itemid"])
        if item is None:
            raise bad_request(f"Item {line['_itemid']} does not exist.")
        if not base:
            line.update(
                item_code=item["internalreference"],
                item_shortdescription=item["name"],
                unit_price=item["recurringprice"],
                unit_cost=item["recurringcost"],
            )
    for name in LINE_TEXT:
        if name in data:
            line[name] = as_str(data[name], name) or ""
    for name in LINE_NUMBERS:
        if name in data:
            line[name] = as_float(data[name], name) or 0.0
    for name, convert in (("sequenceid", as_int), ("isinactive", as_bool)):
        if name in data:
            line[name] = convert(data[name], name)
    line["net_amount"] = round(line["qty_order"] * line["unit_price"], 2)
    return line


def _replace_lines(store: HaloStore, invoice: Record, given: Any) -> None:
    """Treat `lines` as the full set (our choice, ref 6.4): absent lines are removed."""
    if not isinstance(given, list):
        raise bad_request("lines must be a JSON array.")
    current = {line["id"]: line for line in invoice["lines"]}
    lines = []
    for data in given:
        line_id = as_int(data.get("id"), "id") if isinstance(data, dict) else None
        lines.append(_line(store, data, invoice["id"], current.get(line_id or 0)))
    invoice["lines"] = lines


def _apply_header(store: HaloStore, invoice: Record, element: dict[str, Any]) -> None:
    for name in HEADER_TEXT:
        if name in element:
            invoice[name] = as_str(element[name], name)
    if "disabled" in element:
        invoice["disabled"] = bool(as_bool(element["disabled"], "disabled"))
    if "lines" in element:
        _replace_lines(store, invoice, element["lines"])
    for data in element.get("add_lines") or []:  # add_lines appends (our choice, ref 6.4)
        invoice["lines"].append(_line(store, data, invoice["id"]))
    active = [line for line in invoice["lines"] if not line["isinactive"]]
    invoice["total"] = round(sum(line["net_amount"] for line in active), 2)


def new_invoice(store: HaloStore, element: dict[str, Any], stamp: str) -> Record:
    """Insert a recurring invoice (`InvoiceHeader`) for an existing client."""
    client = store.get("clients", as_int(element.get("client_id"), "client_id"))
    if client is None:
        raise bad_request("A valid Client must be selected for a Recurring Invoice.")
    invoice = store.insert(
        "invoices",
        {
            "client_id": client["id"],
            "client_name": client["name"],
            "sitenumber": client["main_site_id"],
            "site_name": "Main",
            "reference": "",
            "invoicenumber": "",
            "internal_note": "",
            "disabled": False,
            "is_recurring_invoice": True,
            "period": 1,
            "period_type": 2,
            "due_date_type": 0,
            "startdate": stamp,
            "nextcreationdate": None,
            "lines": [],
            "total": 0.0,
        },
    )
    _apply_header(store, invoice, element)
    return invoice


def _header(invoice: Record, with_lines: bool) -> Record:
    record = public(invoice)
    if not with_lines:
        record.pop("lines")
    return record


def create_invoice(call: Call, element: dict[str, Any]) -> Record:
    """POST /RecurringInvoice without `id`."""
    return _header(new_invoice(call.store, element, call.stamp), True)


def update_invoice(call: Call, element: dict[str, Any]) -> Record:
    """POST /RecurringInvoice with `id`: header fields merge, `lines` replace all."""
    invoice = existing(call.store, "invoices", element_id(element))
    _apply_header(call.store, invoice, element)
    return _header(invoice, True)


def list_invoices(call: Call) -> Reply:
    """GET /RecurringInvoice: `client_id`, `includelines`, paging -> `invoices`."""
    client_id = call.query.get_int("client_id")
    with_lines = call.query.get_bool("includelines")
    rows = [
        _header(invoice, with_lines)
        for invoice in call.store.rows("invoices")
        if client_id is None or invoice["client_id"] == client_id
    ]
    return Reply(envelope("invoices", rows, call.query, OTHER_MAX_PAGE_SIZE))


def get_invoice(call: Call) -> Reply:
    """GET /RecurringInvoice/{id}, always with its lines."""
    return Reply(_header(existing(call.store, "invoices", call.record_id), True))


def post_invoices(call: Call) -> Reply:
    """POST /RecurringInvoice."""
    return post_array(call, create_invoice, update_invoice)


def delete_invoice(call: Call) -> Reply:
    """DELETE /RecurringInvoice/{id}."""
    existing(call.store, "invoices", call.record_id)
    call.store.delete("invoices", call.record_id or 0)
    return Reply({"id": call.record_id})
