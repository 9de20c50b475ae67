"""Recurring-invoice lines (`InvoiceDetail`, reference 6.3) and the line semantics of 6.4."""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .params import as_bool, as_float, as_int, as_str
from .store import HaloStore, Record

LINE_TEXT = ("item_code", "item_shortdescription", "item_longdescription", "comment_1", "comment_2")
LINE_NUMBERS = ("qty_order", "unit_price", "unit_cost")
NEW_LINE: Record = {
    "_itemid": None,
    "item_code": "",
    "item_shortdescription": "",
    "item_longdescription": "",
    "qty_order": 0.0,
    "unit_price": 0.0,
    "unit_cost": 0.0,
    "comment_1": "",
    "comment_2": "",
    "isinactive": False,
}


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise bad_request("Each invoice line must be a JSON object.")
    return data


def _array(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise bad_request(f"{name} must be a JSON array.")
    return value


def _next_sequence(lines: list[Record]) -> int:
    return max((line["sequenceid"] or 0 for line in lines), default=0) + 1


def _apply_item(store: HaloStore, line: Record, data: dict[str, Any], base: Record | None) -> None:
    """Set `_itemid`; a new line or a changed item takes the item's text and prices.

    Our choice (R3.7): an existing line keeps its `_itemid` even when that item was deleted,
    so a client sending every line back is not refused for a line it did not change; naming a
    missing item on a new line, or changing a line to one, is a 400.
    """
    item_id = as_int(data["_itemid"], "_itemid")
    if base is not None and item_id == base["_itemid"]:
        return
    item = store.get("items", item_id)
    if item is None:
        raise bad_request(f"Item {item_id} does not exist.")
    line.update(
        _itemid=item_id,
        item_code=item["internalreference"],
        item_shortdescription=item["name"],
        unit_price=item["recurringprice"],
        unit_cost=item["recurringcost"],
    )


def build_line(
    store: HaloStore, data: Any, invoice_id: int, siblings: list[Record], base: Record | None
) -> Record:
    """Return a line from POSTed data: a new one (`base` None) or `base` with the data merged."""
    data = _object(data)
    if base is None:
        line: Record = {"id": store.next_id("lines"), **NEW_LINE}
        line["sequenceid"] = _next_sequence(siblings)
    else:
        line = dict(base)
    line["ihid"] = invoice_id
    if data.get("_itemid") not in (None, ""):
        _apply_item(store, line, data, base)
    for name in LINE_TEXT:
        if name in data:
            line[name] = as_str(data[name], name) or ""
    for name in LINE_NUMBERS:
        if name in data:
            line[name] = as_float(data[name], name) or 0.0
    if data.get("sequenceid") not in (None, ""):
        line["sequenceid"] = as_int(data["sequenceid"], "sequenceid")
    if "isinactive" in data:
        line["isinactive"] = bool(as_bool(data["isinactive"], "isinactive"))
    line["net_amount"] = round(line["qty_order"] * line["unit_price"], 2)
    return line


def replace_lines(store: HaloStore, invoice: Record, given: Any) -> list[Record]:
    """Return the invoice's new full set of lines from a POSTed `lines` array (ref 6.4).

    Our choice for the open question: `lines` REPLACES the set. A line with the `id` of one of
    this invoice's lines keeps that id and merges the given fields; a line without `id` (or
    `id` 0) is new, even if it repeats another line (the duplicate risk of 6.4); a line of
    the invoice left out is deleted, and `[]` deletes every line. An `id` that is not one of
    this invoice's lines, or the same `id` twice, is a 400 and nothing is written.
    """
    current = {line["id"]: line for line in invoice["lines"]}
    lines: list[Record] = []
    seen: set[int] = set()
    for data in _array(given, "lines"):
        line_id = as_int(_object(data).get("id"), "id") or None
        if line_id is not None and line_id not in current:
            raise bad_request(
                f"Invoice line {line_id} does not belong to recurring invoice {invoice['id']}."
            )
        if line_id in seen:
            raise bad_request(f"Invoice line {line_id} is given twice.")
        if line_id is not None:
            seen.add(line_id)
        lines.append(build_line(store, data, invoice["id"], lines, current.get(line_id or 0)))
    return lines


def append_lines(store: HaloStore, invoice_id: int, lines: list[Record], given: Any) -> None:
    """Append every element of `add_lines` as a new line (our choice: any `id` is ignored)."""
    for data in _array(given, "add_lines"):
        lines.append(build_line(store, data, invoice_id, lines, None))


def invoice_total(lines: list[Record]) -> float:
    """Return the sum of the active lines' net amounts."""
    return round(sum(line["net_amount"] for line in lines if not line["isinactive"]), 2)


def find_line(store: HaloStore, line_id: int) -> tuple[Record, int]:
    """Return (invoice, index) of a line by id, or raise 400."""
    for invoice in store.rows("invoices"):
        for index, line in enumerate(invoice["lines"]):
            if line["id"] == line_id:
                return invoice, index
    raise bad_request(f"Invoice line {line_id} does not exist.")


def update_one_line(store: HaloStore, data: Any) -> Record:
    """Merge one `InvoiceDetail` (with `id`) into its line: `/updatelines` and `/Lines` (ours)."""
    data = _object(data)
    line_id = as_int(data.get("id"), "id")
    if not line_id:
        raise bad_request("An invoice line to update must have an id.")
    invoice, index = find_line(store, line_id)
    ihid = as_int(data.get("ihid"), "ihid")
    if ihid is not None and ihid != invoice["id"]:
        raise bad_request(f"Invoice line {line_id} does not belong to recurring invoice {ihid}.")
    line = build_line(store, data, invoice["id"], invoice["lines"], invoice["lines"][index])
    invoice["lines"][index] = line
    invoice["total"] = invoice_total(invoice["lines"])
    return line


def add_one_line(store: HaloStore, data: Any) -> Record:
    """Append one `InvoiceDetail` without `id` to the invoice named by its `ihid` (`/Lines`)."""
    data = _object(data)
    invoice = store.get("invoices", as_int(data.get("ihid"), "ihid"))
    if invoice is None:
        raise bad_request("A new invoice line needs the ihid of an existing recurring invoice.")
    line = build_line(store, data, invoice["id"], invoice["lines"], None)
    invoice["lines"].append(line)
    invoice["total"] = invoice_total(invoice["lines"])
    return line
