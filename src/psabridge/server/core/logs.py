"""Structured key=value log lines with every known secret redacted."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime

_lock = threading.Lock()
_secrets: set[str] = set()
# Authorization-like values that may slip into messages even before a secret is registered.
_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(basic|bearer)?\s*[^\s\"',]+"),
    re.compile(r"(?i)((?:api[_-]?key|secret|password|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',]+"),
]
REDACTED = "[redacted]"


def register_secret(value: str) -> None:
    """Remember a secret value so that it is redacted from every log line."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Return text with every registered secret and credential-like value replaced."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrite each record's message with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class KeyValueFormatter(logging.Formatter):
    """Format records as `ts=... level=... logger=... msg="..."`."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        message = record.getMessage().replace('"', "'")
        line = f'ts={at} level={record.levelname} logger={record.name} msg="{message}"'
        if record.exc_text:
            line += " exc=" + record.exc_text.replace("\n", " | ")
        return line
