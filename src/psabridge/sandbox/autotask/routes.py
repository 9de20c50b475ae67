"""Route table below `/atservicesrest/v1.0` (case-insensitive) and the generic handlers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..common.routes import template_pattern
from . import contracts, paging, writes
from .entities import ENTITIES
from .rules import RULES
from .schema import describe
from .store import Call, Reply, public

Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    """One method + path template (e.g. "/Tickets/{id}"), its entity and handler."""

    method: str
    template: str
    entity: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", template_pattern(self.template, r"-?\d+"))

    @property
    def name(self) -> str:
        """Return the label calls are counted under, e.g. "GET /Tickets/{id}"."""
        return f"{self.method} {self.template}"


def get_one(call: Call) -> Reply:
    """GET /{Entity}/{id}: `{"item": ...}`, a missing record `{"item": null}` (oq 3)."""
    record = call.store.get(call.entity, call.ids["id"])
    return Reply({"item": None if record is None else public(record)})


def get_child(call: Call) -> Reply:
    """GET /{Parent}/{parentId}/{Child}/{id}: the child only under its own parent."""
    entity = ENTITIES[call.entity]
    record = call.store.get(call.entity, call.ids["id"])
    if record is not None and record[entity.parent_field or ""] != call.ids["parentId"]:
        record = None
    return Reply({"item": None if record is None else public(record)})


def list_children(call: Call) -> Reply:
    """GET /{Parent}/{parentId}/{Child}: every child, no `search` (reference 2.1)."""
    entity = ENTITIES[call.entity]
    parent_id = call.ids["parentId"]
    rows = [
        public(r) for r in call.store.rows(call.entity) if r[entity.parent_field or ""] == parent_id
    ]
    details = {"count": len(rows), "requestCount": 500, "prevPageUrl": None, "nextPageUrl": None}
    return Reply({"items": rows, "pageDetails": details})


def information(call: Call) -> Reply:
    """GET /{Entity}/entityInformation."""
    return Reply(ENTITIES[call.entity].info())


def fields(call: Call) -> Reply:
    """GET /{Entity}/entityInformation/fields, picklists included (reference 2.6)."""
    entity = ENTITIES[call.entity]
    picklists = {
        name: values
        for (owner, name), values in call.store.picklists.items()
        if owner == entity.name
    }
    return Reply(describe(entity, picklists))


def user_defined_fields(call: Call) -> Reply:
    """GET /{Entity}/entityInformation/userDefinedFields: none are defined."""
    return Reply({"fields": []})


def create(call: Call) -> Reply:
    """POST /{Entity} or /{Parent}/{parentId}/{Child}."""
    return writes.create(call, RULES[call.entity])


def patch(call: Call) -> Reply:
    """PATCH /{Entity} or /{Parent}/{parentId}/{Child}, `id` in the body."""
    return writes.update(call, RULES[call.entity], replace=False)


def put(call: Call) -> Reply:
    """PUT /{Entity} or /{Parent}/{parentId}/{Child}: unsent writable fields become null."""
    return writes.update(call, RULES[call.entity], replace=True)


def _metadata(path: str, entity: str) -> list[Route]:
    info = f"{path}/entityInformation"
    return [
        Route("GET", info, entity, information),
        Route("GET", f"{info}/fields", entity, fields),
        Route("GET", f"{info}/userDefinedFields", entity, user_defined_fields),
    ]


def _queries(path: str, entity: str) -> list[Route]:
    routes = []
    for method in ("GET", "POST"):
        routes += [
            Route(method, f"{path}/query", entity, paging.query_reply),
            Route(method, f"{path}/query/count", entity, paging.count_reply),
            Route(method, f"{path}/query/next", entity, paging.next_reply),
        ]
    return [*routes, Route("GET", f"{path}/{{id}}", entity, get_one)]


def _writes(path: str, entity: str) -> list[Route]:
    return [
        Route("POST", path, entity, create),
        Route("PATCH", path, entity, patch),
        Route("PUT", path, entity, put),
    ]


def _table() -> list[Route]:
    routes: list[Route] = []
    for entity in ENTITIES.values():
        path = f"/{entity.name}"
        routes += _metadata(path, entity.name)
        if entity.can_query:
            routes += _queries(path, entity.name)
        if entity.parent is None and entity.can_create:
            routes += _writes(path, entity.name)
        if entity.parent is not None and entity.can_query:
            child = f"/{entity.parent}/{{parentId}}/{entity.child_segment}"
            routes += [
                *_writes(child, entity.name),
                Route("GET", child, entity.name, list_children),
                Route("GET", f"{child}/{{id}}", entity.name, get_child),
            ]
    adjustments = "/Contracts/{parentId}/ServiceAdjustments"
    routes.append(
        Route("POST", adjustments, "ContractServiceAdjustments", contracts.post_adjustment)
    )
    routes.append(
        Route(
            "POST",
            "/ContractServiceAdjustments",
            "ContractServiceAdjustments",
            contracts.post_adjustment,
        )
    )
    return routes


ROUTES = _table()


def find_route(method: str, path: str) -> tuple[Route | None, dict[str, int], bool]:
    """Return (route, path ids, path known under another method) for an API path."""
    known = False
    for route in ROUTES:
        match = route.pattern.match(path)
        if match is None:
            continue
        if route.method == method.upper():
            return route, {k: int(v) for k, v in match.groupdict().items()}, True
        known = True
    return None, {}, known
