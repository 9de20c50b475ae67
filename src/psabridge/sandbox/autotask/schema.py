"""Entity and field definitions: what `entityInformation` reports and writes are checked by."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

READ_ONLY = "ro"
REQUIRED = "req"
NOT_QUERYABLE = "noquery"
PICKLIST = "pick"


@dataclass(frozen=True)
class Field:
    """One entity field (reference 2.6 `fields` entry)."""

    name: str
    data_type: str
    flags: frozenset[str] = frozenset()
    length: int | None = None
    reference: str | None = None  # the referenced entity, e.g. "Companies"
    parent: str | None = None  # picklistParentValueField, e.g. "issueType"

    @property
    def required(self) -> bool:
        """Return whether the field is required on create."""
        return REQUIRED in self.flags

    @property
    def read_only(self) -> bool:
        """Return whether writes ignore the field."""
        return READ_ONLY in self.flags

    @property
    def queryable(self) -> bool:
        """Return whether the field may appear in a filter."""
        return NOT_QUERYABLE not in self.flags

    @property
    def picklist(self) -> bool:
        """Return whether the field takes picklist codes."""
        return PICKLIST in self.flags


def f(
    name: str,
    data_type: str = "string",
    *flags: str,
    length: int | None = None,
    ref: str | None = None,
    parent: str | None = None,
) -> Field:
    """Return a Field (short form for the entity tables)."""
    return Field(name, data_type, frozenset(flags), length, ref, parent)


@dataclass(frozen=True)
class Entity:
    """A REST entity: plural URL name, fields, the operations it allows, its parent."""

    name: str
    fields: tuple[Field, ...]
    can_create: bool = True
    can_update: bool = True
    can_query: bool = True
    parent: str | None = None  # parent entity whose URL creates and updates it
    child_segment: str | None = None  # e.g. "Notes" in /Tickets/{id}/Notes
    parent_field: str | None = None  # e.g. "ticketID"
    has_udfs: bool = False
    by_lower: dict[str, Field] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        index = {f.name.lower(): f for f in self.fields}
        object.__setattr__(self, "by_lower", index)

    def field(self, name: Any) -> Field | None:
        """Return a field by name, ignoring case (open question 6), or None."""
        return self.by_lower.get(name.lower()) if isinstance(name, str) else None

    def info(self) -> dict[str, Any]:
        """Return the `entityInformation` answer (`userAccessFor*` integers: oq 17)."""
        access = {True: 1, False: 0}
        return {
            "info": {
                "name": self.name[:-1] if self.name.endswith("s") else self.name,
                "canCreate": self.can_create,
                "canDelete": False,
                "canQuery": self.can_query,
                "canUpdate": self.can_update,
                "userAccessForCreate": access[self.can_create],
                "userAccessForDelete": 0,
                "userAccessForQuery": access[self.can_query],
                "userAccessForUpdate": access[self.can_update],
                "hasUserDefinedFields": self.has_udfs,
                "supportsWebhookCallouts": self.name in ("Companies", "Tickets"),
            }
        }


def describe(entity: Entity, picklists: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Return the `entityInformation/fields` answer, picklist values included."""
    rows = []
    for item in entity.fields:
        rows.append(
            {
                "name": item.name,
                "dataType": item.data_type,
                "length": item.length or 0,
                "isRequired": item.required,
                "isReadOnly": item.read_only,
                "isQueryable": item.queryable,
                "isReference": item.reference is not None,
                "referenceEntityType": _singular(item.reference),
                "isPickList": item.picklist,
                "picklistValues": picklists.get(item.name) if item.picklist else None,
                "picklistParentValueField": item.parent or "",
                "isSupportedWebhookField": entity.name == "Tickets",
            }
        )
    return {"fields": rows}


def _singular(entity_name: str | None) -> str:
    if entity_name is None:
        return ""
    if entity_name == "Companies":
        return "Company"
    return entity_name[:-1] if entity_name.endswith("s") else entity_name
