"""The REST API under generated requests (schemathesis, from its own OpenAPI document): however
odd the input, no answer is a server error, and a refused write changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from psabridge.server.core.models import ApiToken

TOKEN = "fuzz-admin-token-5c1f"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    """The API's own OpenAPI document, loaded through the WSGI app with an admin token.

    As Django's test client does, the app must not close the test's database connection at the
    end of each request (the test runs in one transaction).
    """
    ApiToken.objects.create(
        name="fuzz", token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest(), scope="admin"
    )
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/openapi.json", get_wsgi_application(), headers=HEADERS
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def test_no_generated_request_is_a_server_error(api_schema: Any) -> None:
    """Every operation of the document, 30 generated requests each (derandomized)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            case.call_and_validate(headers=HEADERS, checks=[not_a_server_error])

        call()
