"""Boards (per-kind ticket types): their service types and default status, read once a minute."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import Option, TicketDesk, TicketTypeInfo
from psabridge.connectors.profile import TicketWays
from psabridge.server.core import connections

log = logging.getLogger(__name__)
BOARD_TTL = 60.0
_types: dict[tuple[str, str], tuple[float, list[Option]]] = {}
_infos: dict[tuple[str, str], tuple[float, TicketTypeInfo]] = {}


def types_of(system: str, board_ids: Iterable[str], desk: TicketDesk | None = None) -> list[Option]:
    """Return the active service types of these boards, each tagged with extra["board_id"]."""
    found: list[Option] = []
    for board_id in dict.fromkeys(b for b in board_ids if b):
        cached = _types.get((system, board_id))
        if cached is None or time.monotonic() - cached[0] >= BOARD_TTL:
            desk = desk or connections.stored_desk(system)
            tagged = [
                Option(o.id, o.name, {**o.extra, "board_id": board_id})
                for o in desk.categories(board_id)
                if not o.extra.get("inactive")
            ]
            cached = _types[(system, board_id)] = (time.monotonic(), tagged)
        found += cached[1]
    return found


def info(system: str, board_id: str, desk: TicketDesk | None = None) -> TicketTypeInfo:
    """Return a board's default status and the PSA's default priority (cached)."""
    cached = _infos.get((system, board_id))
    if cached is None or time.monotonic() - cached[0] >= BOARD_TTL:
        desk = desk or connections.stored_desk(system)
        cached = _infos[(system, board_id)] = (time.monotonic(), desk.ticket_type(board_id))
    return cached[1]


def initial_status(system: str, board_id: str) -> str | None:
    """Return the board's default status id; None when it cannot be read (the PSA applies it)."""
    try:
        return info(system, board_id).initial_status_id
    except ConnectorError as exc:
        log.warning(
            "board %s could not be read, its default status is left to the PSA: %s", board_id, exc
        )
        return None


def closed_by_board(
    ways: TicketWays, options: dict[str, list[Option]], board_ids: Iterable[str]
) -> list[dict[str, Any]]:
    """Return, per board, its name, its closed statuses and its closing status (R5.5)."""
    names = {o.id: o.name for o in options.get("ticket_types", [])}
    rows = []
    for board_id in dict.fromkeys(b for b in board_ids if b):
        statuses = [
            s for s in options.get("statuses", []) if str(s.extra.get("board_id")) == board_id
        ]
        closed = [s for s in statuses if s.extra.get("closed")]
        named = next((s.id for s in statuses if ways.is_closed_status(s.name)), "")
        rows.append(
            {
                "board_id": board_id,
                "name": names.get(board_id, board_id),
                "closed": closed,
                "closed_id": named,
            }
        )
    return rows


def forget() -> None:
    """Drop the cached boards (with the other PSA options)."""
    _types.clear()
    _infos.clear()
