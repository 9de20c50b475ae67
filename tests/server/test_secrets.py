"""Secrets: encrypted at rest, redacted from logs, never in pages or the audit (R1.5)."""

from __future__ import annotations

import logging

import pytest

from psabridge.server.core.crypto import decrypt_text, encrypt_text, secret_hint
from psabridge.server.core.logs import (
    KeyValueFormatter,
    RedactSecretsFilter,
    redact,
    register_secret,
)
from psabridge.server.core.models import Connection


def format_line(message: str, *args: object) -> str:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, message, args, None)
    RedactSecretsFilter().filter(record)
    return KeyValueFormatter().format(record)


def test_registered_secrets_are_redacted_from_log_lines():
    register_secret("s3cr3t-value-123456")
    line = format_line("calling with key %s now", "s3cr3t-value-123456")
    assert "s3cr3t-value-123456" not in line and "[redacted]" in line


@pytest.mark.parametrize(
    "message",
    [
        "Authorization: Bearer abcdef123456",
        "api_key=abcdef123456",
        "password='abcdef123456'",
        '{"authorization": "Basic YWJjMTIzOg=="}',
    ],
)
def test_credential_shapes_are_redacted_even_unregistered(message):
    assert "abcdef123456" not in redact(message)
    assert "YWJjMTIzOg==" not in redact(message)


def test_decrypting_registers_the_secret_for_redaction():
    token = encrypt_text("fresh-secret-abcdef-987")
    assert "fresh-secret" not in token
    assert decrypt_text(token) == "fresh-secret-abcdef-987"
    assert "fresh-secret-abcdef-987" not in redact("leak fresh-secret-abcdef-987")


def test_hint_shows_at_most_the_last_four_characters():
    assert secret_hint("0123456789abcdef") == "••••cdef"
    assert secret_hint("short") == "••••"


@pytest.mark.django_db
def test_credentials_are_encrypted_in_the_database():
    connection = Connection(system="gravityzone", base_url="https://example.invalid/api")
    connection.set_credentials({"api_key": "plain-api-key-000111222"})
    connection.save()
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted, credential_hints FROM core_connection")
        stored, hints = cursor.fetchone()
    assert "plain-api-key" not in stored and "plain-api-key" not in str(hints)
    assert "plain-api-key" not in repr(connection) and "plain-api-key" not in str(connection)
