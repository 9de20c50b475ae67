"""Finance and procurement routes: agreements, types, additions, catalog (ref 3.4-3.7)."""

from __future__ import annotations

from . import additions
from .agreements import render_agreement
from .errors import not_found
from .paging import count_reply, list_reply, one_reply
from .store import Call, Record, Reply, public
from .values import cw_time


def _agreements(call: Call) -> list[Record]:
    return [render_agreement(a, call.now) for a in call.store.rows("agreements")]


def list_agreements(call: Call) -> Reply:
    """GET /finance/agreements."""
    return list_reply(call, _agreements(call))


def count_agreements(call: Call) -> Reply:
    """GET /finance/agreements/count."""
    return count_reply(call, _agreements(call))


def get_agreement(call: Call) -> Reply:
    """GET /finance/agreements/{id}."""
    record = call.store.get("agreements", call.ids["id"])
    return one_reply(None if record is None else render_agreement(record, call.now), call)


def list_types(call: Call) -> Reply:
    """GET /finance/agreements/types."""
    return list_reply(call, map(public, call.store.rows("agreement_types")))


def get_type(call: Call) -> Reply:
    """GET /finance/agreements/types/{id}."""
    record = call.store.get("agreement_types", call.ids["id"])
    return one_reply(None if record is None else public(record), call)


def list_catalog(call: Call) -> Reply:
    """GET /procurement/catalog."""
    return list_reply(call, map(public, call.store.rows("catalog")))


def count_catalog(call: Call) -> Reply:
    """GET /procurement/catalog/count."""
    return count_reply(call, map(public, call.store.rows("catalog")))


def get_catalog_item(call: Call) -> Reply:
    """GET /procurement/catalog/{id}."""
    record = call.store.get("catalog", call.ids["id"])
    return one_reply(None if record is None else public(record), call)


def _agreement(call: Call) -> Record:
    agreement = call.store.get("agreements", call.ids["parentId"])
    if agreement is None:
        raise not_found("Agreement not found")
    return agreement


def _additions(call: Call) -> list[Record]:
    parent = _agreement(call)["id"]
    return [
        additions.render_addition(a, call.now)
        for a in call.store.rows("additions")
        if a["agreementId"] == parent
    ]


def _addition(call: Call) -> Record:
    agreement = _agreement(call)
    addition = call.store.get("additions", call.ids["id"])
    if addition is None or addition["agreementId"] != agreement["id"]:
        raise not_found("Addition not found")
    return addition


def list_additions(call: Call) -> Reply:
    """GET /finance/agreements/{parentId}/additions."""
    return list_reply(call, _additions(call))


def count_additions(call: Call) -> Reply:
    """GET /finance/agreements/{parentId}/additions/count."""
    return count_reply(call, _additions(call))


def get_addition(call: Call) -> Reply:
    """GET /finance/agreements/{parentId}/additions/{id}."""
    return one_reply(additions.render_addition(_addition(call), call.now), call)


def post_addition(call: Call) -> Reply:
    """POST /finance/agreements/{parentId}/additions: 201 with the new addition."""
    agreement = _agreement(call)
    record = additions.build(call.store, agreement, call.body, cw_time(call.now) or "")
    stored = call.store.insert("additions", record)
    return one_reply(additions.render_addition(stored, call.now), call, 201)


def put_addition(call: Call) -> Reply:
    """PUT .../additions/{id}: replace the record; fields left out reset to defaults."""
    agreement, addition = _agreement(call), _addition(call)
    record = additions.build(call.store, agreement, call.body, cw_time(call.now) or "")
    addition.clear()
    addition.update({"id": call.ids["id"], **record})
    return one_reply(additions.render_addition(addition, call.now), call)


def patch_addition(call: Call) -> Reply:
    """PATCH .../additions/{id}: top-level operations, then the whole record is validated."""
    agreement, addition = _agreement(call), _addition(call)
    additions.patch(call.store, agreement, addition, call.body, cw_time(call.now) or "")
    return one_reply(additions.render_addition(addition, call.now), call)


def delete_addition(call: Call) -> Reply:
    """DELETE .../additions/{id}: 204 without a body."""
    addition = _addition(call)
    call.store.delete("additions", addition["id"])
    return Reply(None, 204)
