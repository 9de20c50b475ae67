"""Create and update of any entity: case-insensitive binding, coercion, checks (ref 2.4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .entities import ENTITIES
from .errors import invalid, no_reference, required
from .query import lower_keys
from .schema import Entity, Field
from .store import AtStore, Call, Record, Reply
from .values import coerce

# Stands for a value that failed coercion: reported once, never "missing", never stored.
UNREADABLE = object()
Prepare = Callable[[Call, Record, Record | None], list[str]]
Commit = Callable[[Call, Record], None]


@dataclass(frozen=True)
class Rules:
    """An entity's own rules: defaults and checks before a write, side effects after it."""

    prepare: Prepare | None = None
    commit: Commit | None = None


def bind(entity: Entity, body: Any) -> tuple[Record, list[str]]:
    """Return the writable values of a body by canonical name, and the coercion errors.

    Unknown keys and read-only fields are ignored, as PM's `"id": 0` on create needs.
    """
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    values: Record = {}
    errors: list[str] = []
    for key, raw in body.items():
        if str(key).lower() == "userdefinedfields" and entity.has_udfs:
            values["userDefinedFields"] = raw if isinstance(raw, list) else []
            continue
        found = entity.field(key)
        if found is None or found.read_only:
            continue
        try:
            values[found.name] = coerce(found.data_type, raw)
        except ValueError:
            values[found.name] = UNREADABLE
            errors.append(f"Value '{raw}' is not a valid {found.data_type} for {found.name} . ")
    return values, errors


def check(store: AtStore, entity: Entity, record: Record, written: Iterable[str]) -> list[str]:
    """Return the errors of a record: required fields, then the written fields' values."""
    errors = [
        required(f.name)
        for f in entity.fields
        if f.required and record.get(f.name) in (None, "") and f.name != entity.parent_field
    ]
    for name in written:
        found = entity.field(name)
        if found is not None and record.get(found.name) not in (None, UNREADABLE):
            errors += _value_errors(store, entity, found, record)
    return errors


def _value_errors(store: AtStore, entity: Entity, found: Field, record: Record) -> list[str]:
    value = record[found.name]
    if found.length and isinstance(value, str) and len(value) > found.length:
        return [f"The value of {found.name} exceeds its maximum length of {found.length} . "]
    if found.reference and store.get(found.reference, value) is None:
        return [no_reference(found.name)]
    if found.picklist:
        return picklist_errors(store, entity, found, record)
    return []


def picklist_errors(store: AtStore, entity: Entity, found: Field, record: Record) -> list[str]:
    """Return the errors of a picklist code: unknown, inactive, wrong parent (oq 12)."""
    value = record[found.name]
    item = next(
        (v for v in store.picklist(entity.name, found.name) if v["value"] == str(value)), None
    )
    if item is None:
        return [f"Value {value} is not a valid picklist value for {found.name} . "]
    if not item["isActive"]:
        return [f"Value {value} of picklist {found.name} is inactive . "]
    if found.parent and item["parentValue"] != str(record.get(found.parent)):
        return [f"Value {value} of {found.name} does not belong to {found.parent} . "]
    return []


def create(call: Call, rules: Rules) -> Reply:
    """Answer `POST /{Entity}` or `POST /{Parent}/{id}/{Child}` with `{"itemId": n}`."""
    entity = ENTITIES[call.entity]
    values, errors = bind(entity, call.body)
    if entity.parent_field and "parentId" in call.ids:
        values[entity.parent_field] = call.ids["parentId"]  # the URL wins (reference 3.5)
    record: Record = {f.name: None for f in entity.fields} | values
    if entity.has_udfs:
        record.setdefault("userDefinedFields", [])
    record.pop("id")
    written = set(values)
    if rules.prepare is not None:
        errors += rules.prepare(call, record, None)
    errors += check(call.store, entity, record, written | {entity.parent_field or "id"})
    if errors:
        raise invalid(*errors)
    stored = call.store.insert(entity.name, record)
    if rules.commit is not None:
        rules.commit(call, stored)
    return Reply({"itemId": stored["id"]})


def update(call: Call, rules: Rules, *, replace: bool) -> Reply:
    """Answer `PATCH|PUT /{Entity}` (or the child form) with `id` in the body (ref 2.1)."""
    entity = ENTITIES[call.entity]
    values, errors = bind(entity, call.body)
    old = _target(call, entity)
    new = dict(old)
    if replace:  # PUT nulls every writable field left out (H:Put)
        new |= {f.name: None for f in entity.fields if not f.read_only and f.name not in values}
    new |= values
    if entity.parent_field:
        new[entity.parent_field] = old[entity.parent_field]
    if rules.prepare is not None:
        errors += rules.prepare(call, new, old)
    errors += check(call.store, entity, new, values)
    if errors:
        raise invalid(*errors)
    old.update(new)
    if rules.commit is not None:
        rules.commit(call, old)
    return Reply({"itemId": old["id"]})


def _target(call: Call, entity: Entity) -> Record:
    """Return the record a write names by `id` (under the URL's parent for a child)."""
    raw = lower_keys(call.body).get("id")
    try:
        record_id = coerce("long", raw)
    except ValueError:
        record_id = None
    if record_id is None:
        raise invalid(required("id"))
    record = call.store.get(entity.name, record_id)
    parent = call.ids.get("parentId")
    if record is None or (parent is not None and record.get(entity.parent_field or "") != parent):
        raise invalid(no_reference("id"))
    return record
