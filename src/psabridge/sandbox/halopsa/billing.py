"""Items and recurring invoices (reference 6.1-6.4); the line semantics are in invoice_lines."""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .handling import Call, Reply, element_id, existing, post_array
from .invoice_lines import (
    add_one_line,
    append_lines,
    invoice_total,
    replace_lines,
    update_one_line,
)
from .params import OTHER_MAX_PAGE_SIZE, as_bool, as_float, as_int, as_str, envelope
from .store import HaloStore, Record, public

# Our choice (reference 2.1 gives no limit): at most 100 records in one POST of an array on
# the billing endpoints; more is a 400 and nothing is written.
MAX_POST_RECORDS = 100
ITEM_TEXT = ("name", "description", "internalreference", "externalreference", "nominalcode")
ITEM_NUMBERS = ("baseprice", "costprice", "recurringprice", "recurringcost")
ITEM_FLAGS = (
    "isrecurringitem",
    "update_recurring_invoice_price",
    "update_recurring_invoice_cost",
    "inactive",
)
HEADER_TEXT = (
    "name",
    "reference",
    "invoicenumber",
    "internal_note",
    "nextcreationdate",
    "startdate",
)


def _posted(call: Call) -> list[Any]:
    """Return the POSTed array, refusing an empty one or more than MAX_POST_RECORDS."""
    if not isinstance(call.body, list) or not call.body:
        raise bad_request("The request body must be a non-empty JSON array.")
    if len(call.body) > MAX_POST_RECORDS:
        raise bad_request(f"At most {MAX_POST_RECORDS} records can be posted in one request.")
    return call.body


# --- items (reference 6.1) ---------------------------------------------------------------------


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
    """GET /Item: `search` (name), `recurringonly`, `excluderecurring`, `includeinactive`."""
    query = call.query
    search = (query.get_str("search") or "").lower()
    recurring_only, no_recurring = (
        query.get_bool("recurringonly"),
        query.get_bool("excluderecurring"),
    )
    rows = [
        public(item)
        for item in call.store.rows("items")
        if search in str(item["name"]).lower()
        and (query.get_bool("includeinactive") or not item["inactive"])
        and (not recurring_only or item["isrecurringitem"])
        and (not no_recurring or not item["isrecurringitem"])
    ]
    return Reply(envelope("items", rows, query, OTHER_MAX_PAGE_SIZE))


def get_item(call: Call) -> Reply:
    """GET /Item/{id}: a deleted item is a 404."""
    return Reply(public(existing(call.store, "items", call.record_id)))


def post_items(call: Call) -> Reply:
    """POST /Item."""
    _posted(call)
    return post_array(call, create_item, update_item)


def delete_item(call: Call) -> Reply:
    """DELETE /Item/{id}: the item is gone; invoice lines naming it stay as they are."""
    existing(call.store, "items", call.record_id)
    call.store.delete("items", call.record_id or 0)
    return Reply({"id": call.record_id})


# --- recurring invoices (reference 6.2) --------------------------------------------------------


def _set_client(store: HaloStore, invoice: Record, value: Any) -> None:
    client = store.get("clients", as_int(value, "client_id"))
    if client is None:
        raise bad_request("A valid Client must be selected for a Recurring Invoice.")
    invoice.update(
        client_id=client["id"],
        client_name=client["name"],
        sitenumber=client["main_site_id"],
        site_name="Main",
    )


def _applied(store: HaloStore, invoice: Record, element: dict[str, Any]) -> Record:
    """Return the invoice with a POSTed element applied; the stored record is left alone.

    Header fields merge; `lines` (null = absent) replaces every line, then `add_lines`
    appends (invoice_lines). Nothing is kept of an element that fails: one invoice is atomic.
    """
    updated = dict(invoice)
    for name in HEADER_TEXT:
        if name in element:
            updated[name] = as_str(element[name], name) or ""
    if "disabled" in element:
        updated["disabled"] = bool(as_bool(element["disabled"], "disabled"))
    if element.get("client_id") not in (None, "", invoice.get("client_id")):
        _set_client(store, updated, element["client_id"])
    if element.get("lines") is not None:
        lines = replace_lines(store, invoice, element["lines"])
    else:
        lines = list(invoice["lines"])
    if element.get("add_lines") is not None:
        append_lines(store, invoice["id"], lines, element["add_lines"])
    updated["lines"] = lines
    updated["total"] = invoice_total(lines)
    return updated


def new_invoice(store: HaloStore, element: dict[str, Any], stamp: str) -> Record:
    """Insert a recurring invoice (`InvoiceHeader`) for an existing client."""
    blank: Record = {
        "id": store.next_id("invoices"),
        "client_id": None,
        "client_name": "",
        "sitenumber": None,
        "site_name": "",
        "name": "",
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
    }
    _set_client(store, blank, element.get("client_id"))
    return store.insert("invoices", _applied(store, blank, element))


def _header(invoice: Record, with_lines: bool) -> Record:
    record = public(invoice)
    if not with_lines:
        record.pop("lines")
    return record


def create_invoice(call: Call, element: dict[str, Any]) -> Record:
    """POST /RecurringInvoice without `id`: `client_id` is mandatory, `name` is free."""
    return _header(new_invoice(call.store, element, call.stamp), True)


def update_invoice(call: Call, element: dict[str, Any]) -> Record:
    """POST /RecurringInvoice with `id`: header fields merge, `lines` replace all."""
    invoice = existing(call.store, "invoices", element_id(element))
    invoice.update(_applied(call.store, invoice, element))
    return _header(invoice, True)


def _client_ids(call: Call) -> set[int] | None:
    """Return the `client_id` and `client_ids` (comma list) filters, None when neither."""
    wanted: set[int] = set()
    single = call.query.get_int("client_id")
    if single is not None:
        wanted.add(single)
    for part in (call.query.get_str("client_ids") or "").split(","):
        number = as_int(part.strip(), "client_ids")
        if number is not None:
            wanted.add(number)
    has_filter = single is not None or bool(call.query.get_str("client_ids"))
    return wanted if has_filter else None


def list_invoices(call: Call) -> Reply:
    """GET /RecurringInvoice: `client_id`, `client_ids`, `search`, `includelines`, paging."""
    clients = _client_ids(call)
    search = (call.query.get_str("search") or "").lower()
    with_lines = call.query.get_bool("includelines")
    rows = [
        _header(invoice, with_lines)
        for invoice in call.store.rows("invoices")
        if (clients is None or invoice["client_id"] in clients)
        and (search in invoice["name"].lower() or search in invoice["reference"].lower())
    ]
    return Reply(envelope("invoices", rows, call.query, OTHER_MAX_PAGE_SIZE))


def get_invoice(call: Call) -> Reply:
    """GET /RecurringInvoice/{id}, always with its lines (`includedetails` is not needed)."""
    return Reply(_header(existing(call.store, "invoices", call.record_id), True))


def post_invoices(call: Call) -> Reply:
    """POST /RecurringInvoice: up to MAX_POST_RECORDS invoices, applied in order."""
    _posted(call)
    return post_array(call, create_invoice, update_invoice)


def delete_invoice(call: Call) -> Reply:
    """DELETE /RecurringInvoice/{id}."""
    existing(call.store, "invoices", call.record_id)
    call.store.delete("invoices", call.record_id or 0)
    return Reply({"id": call.record_id})


def post_update_lines(call: Call) -> Reply:
    """POST /RecurringInvoice/updatelines: merge each line by `id` (our reading of 6.4)."""
    results = [public(update_one_line(call.store, data)) for data in _posted(call)]
    return Reply(results if call.query.get_bool("returnall") else results[0])


def post_lines(call: Call) -> Reply:
    """POST /RecurringInvoice/Lines: with `id` merge a line, without append it to `ihid`."""
    results, created = [], []
    for data in _posted(call):
        is_new = not (isinstance(data, dict) and as_int(data.get("id"), "id"))
        created.append(is_new)
        line = add_one_line(call.store, data) if is_new else update_one_line(call.store, data)
        results.append(public(line))
    body = results if call.query.get_bool("returnall") else results[0]
    return Reply(body, 201 if created[0] else 200)


def billing_state(store: HaloStore) -> dict[str, Any]:
    """Return every item and every invoice with its lines, for `/_sandbox/state`."""
    return {
        "items": [public(item) for item in store.rows("items")],
        "invoices": [public(invoice) for invoice in store.rows("invoices")],
    }
