"""Fernet encryption of credentials at rest, keyed by PSABRIDGE_ENCRYPTION_KEY."""

from __future__ import annotations

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from psabridge.server.core.logs import register_secret


class DecryptionError(RuntimeError):
    """Stored credentials cannot be read with the configured encryption key."""


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    # Several comma-separated keys allow rotation: the first encrypts, all decrypt.
    keys = [k.strip() for k in settings.ENCRYPTION_KEY.split(",") if k.strip()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt_text(plain: str) -> str:
    """Return the Fernet token of a text."""
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """Return the text behind a Fernet token; it is registered for log redaction."""
    try:
        plain = _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionError(
            "stored credentials cannot be decrypted: PSABRIDGE_ENCRYPTION_KEY changed"
        ) from None
    register_secret(plain)
    return plain


def encrypt_mapping(values: dict[str, str]) -> str:
    """Return one token holding a mapping of secret values."""
    return encrypt_text(json.dumps(values, sort_keys=True))


def decrypt_mapping(token: str) -> dict[str, str]:
    """Return the mapping behind a token made by encrypt_mapping; each value is registered."""
    if not token:
        return {}
    values: dict[str, str] = json.loads(decrypt_text(token))
    for value in values.values():
        register_secret(value)
    return values


def secret_hint(value: str) -> str:
    """Return what may be shown of a secret: its last 4 characters at most (R1.5)."""
    if len(value) < 12:
        return "••••"
    return "••••" + value[-4:]
