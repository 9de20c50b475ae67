"""Autotask picklists as choosable options, read once a minute per entity (reference §2.6)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from psabridge.connectors.autotask.client import AutotaskClient
from psabridge.connectors.autotask.models import FieldInfo, PicklistValue
from psabridge.connectors.ports import Option

PICKLIST_TTL = 60.0  # seconds a read of an entity's fields is trusted


class Picklists:
    """The picklists of the entities psabridge uses; tenant-defined, so always read."""

    def __init__(self, client: AutotaskClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._clock = clock
        self._fields: dict[str, tuple[float, list[FieldInfo]]] = {}

    def values(self, entity: str, field: str, *, fresh: bool = False) -> list[PicklistValue]:
        """Return every value of a picklist, active or not."""
        cached, now = self._fields.get(entity), self._clock()
        if fresh or cached is None or now - cached[0] > PICKLIST_TTL:
            cached = self._fields[entity] = (now, self.client.fields(entity))
        info = next((f for f in cached[1] if f.name.lower() == field.lower()), None)
        return list(info.picklist_values or []) if info is not None else []

    def options(self, entity: str, field: str, *, fresh: bool = False) -> list[Option]:
        """Return the active values as options (extra: default, sort, parent, inactive)."""
        return [option(v) for v in self.values(entity, field, fresh=fresh) if v.is_active]

    def default(self, entity: str, field: str) -> PicklistValue | None:
        """Return the active value marked as the default, if the tenant marks one."""
        values = self.values(entity, field)
        return next((v for v in values if v.is_default_value and v.is_active), None)

    def label(self, entity: str, field: str, value: int | None) -> str:
        """Return a value's label (the value itself when the picklist does not know it)."""
        if value is None:
            return ""
        found = next((v for v in self.values(entity, field) if v.value == value), None)
        return found.label if found is not None else str(value)


def option(value: PicklistValue) -> Option:
    """Return a picklist value as an option."""
    extra: dict[str, Any] = {
        "default": value.is_default_value,
        "sort": value.sort_order,
        "inactive": not value.is_active,
    }
    if value.parent_value is not None:
        extra["parent"] = str(value.parent_value)
    return Option(str(value.value), value.label, extra)
