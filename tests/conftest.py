"""Shared fixtures: an admin, the push receiver, pushing bodies, fresh rate budgets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from psabridge.server.alerts import push
from psabridge.server.alerts.models import PushReceiver
from psabridge.server.alerts.receiver import forget_receivers

ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_client(db: None, client: Client) -> Client:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", "", ADMIN_PASSWORD)
    assert client.login(username="admin", password=ADMIN_PASSWORD)
    return client


@pytest.fixture
def push_receiver(db: None) -> PushReceiver:
    forget_receivers()
    return push.receiver()


PushPoster = Callable[..., Any]


@pytest.fixture
def post_push(
    client: Client, push_receiver: PushReceiver, django_capture_on_commit_callbacks: Any
) -> PushPoster:
    """POST a body to the webhook as GravityZone does: no Content-Type, our Authorization."""

    def send(
        body: bytes | str | dict[str, Any] | list[Any],
        authorization: str | None = "ours",
        **headers: str,
    ) -> Any:
        raw = (
            body
            if isinstance(body, bytes)
            else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        )
        if authorization == "ours":
            authorization = push_receiver.authorization()
        if authorization is not None:
            headers["HTTP_AUTHORIZATION"] = authorization
        url = f"/webhooks/gravityzone/{push_receiver.receiver_id}"
        # The test transaction never commits: run the on-commit enqueue as a commit would.
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic("POST", url, raw, content_type="", **headers)

    return send


def add_events(*events: dict[str, Any], message_id: int = 1720773248505) -> dict[str, Any]:
    """Return an addEvents body exactly as reference 3.5 shows it."""
    return {
        "jsonrpc": "2.0",
        "method": "addEvents",
        "params": {"events": list(events)},
        "id": message_id,
    }


def reset_rate_budgets() -> None:
    """Forget the calls counted against outside rate budgets (push allows 5 a minute)."""
    from django.conf import settings

    from psabridge.connectors import rate_budget

    # Only this run's keys: the prefix carries the run's own queue name (tests/django_settings).
    rate_budget._shared_storage(settings.RATE_LIMIT_STORAGE, settings.RATE_KEY_PREFIX).reset()


@pytest.fixture(autouse=True)
def fresh_rate_budgets() -> None:
    """Each test starts with full outside rate budgets."""
    reset_rate_budgets()
