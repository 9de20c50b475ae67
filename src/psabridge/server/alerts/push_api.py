"""REST API of GravityZone's event push: its state, enable, check, a test event (R6, R7.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from psabridge.connectors.errors import ConnectorError
from psabridge.server.alerts import push
from psabridge.server.alerts.models import PushState
from psabridge.server.core import connections

router = Router(tags=["push"])


class PushStateOut(Schema):
    enabled_by_us: bool
    status: int | None
    url: str
    points_here: bool
    receiver_url: str
    checked_at: datetime | None
    check_error: str


class TestIn(Schema):
    module: str


def _connected() -> None:
    # A state the admin must change (409), not GravityZone failing (502).
    if connections.gravityzone_connection() is None:
        raise HttpError(409, "GravityZone is not connected: save its connection first")


def _state(state: PushState, request: HttpRequest) -> dict[str, Any]:
    return {
        "enabled_by_us": state.enabled_by_us,
        "status": state.status,
        "url": state.url,
        "points_here": state.points_here,
        "receiver_url": push.receiver_url(push.receiver(), request.build_absolute_uri("/")),
        "checked_at": state.checked_at,
        "check_error": state.check_error,
    }


@router.get("", response=PushStateOut, summary="What GravityZone last said about its push")
def state(request: HttpRequest) -> dict[str, Any]:
    return _state(push.push_state(), request)


@router.post("/enable", response=PushStateOut, summary="Point GravityZone's push at psabridge")
def enable(request: HttpRequest) -> dict[str, Any]:
    _connected()
    try:
        done = push.enable_push(request.build_absolute_uri("/"))
    except ConnectorError as exc:
        raise HttpError(502, f"GravityZone refused: {exc}") from None
    return _state(done, request)


@router.post("/check", response=PushStateOut, summary="Read GravityZone's push settings now")
def check(request: HttpRequest) -> dict[str, Any]:
    _connected()
    push.check_push_quietly()
    return _state(push.push_state(), request)


@router.post("/test", response=dict[str, Any], summary="Ask GravityZone to push one test event")
def test_event(request: HttpRequest, body: TestIn) -> dict[str, Any]:
    _connected()
    try:
        return push.send_test_event(body.module)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None
    except ConnectorError as exc:
        raise HttpError(502, f"GravityZone refused: {exc}") from None
