"""Parse every body shape GravityZone's push service sends into a list of event objects."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

MAX_EVENTS_PER_BODY = 10_000


class MalformedBodyError(ValueError):
    """The body is not one of the shapes GravityZone sends; the message says why."""


@dataclass(frozen=True)
class ParsedBody:
    """Events found in one push body and the shape they came in."""

    shape: str  # "jsonrpc", "splunk", "plain", "ndjson", "array", "cef"
    events: tuple[dict[str, Any], ...]


def parse_push_body(raw: bytes) -> ParsedBody:
    """Return the events of a push body, or raise MalformedBodyError naming the problem."""
    text = _decode(raw)
    documents = _json_documents(text)
    if len(documents) == 1:
        return _single_document(documents[0])
    events = tuple(_record_event(doc, index) for index, doc in enumerate(documents))
    return ParsedBody("ndjson", _bounded(events))


def event_dedupe_key(event: dict[str, Any]) -> str:
    """Return a stable key for an event: identical event content gives the identical key."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise MalformedBodyError("the body is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedBodyError(f"the body is not UTF-8 text (byte {exc.start})") from None


def _json_documents(text: str) -> list[Any]:
    """Split NDJSON or concatenated JSON (Splunk HEC allows both) into documents."""
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = _skip_space(text, 0)
    while position < len(text):
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise MalformedBodyError(
                f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        documents.append(document)
        position = _skip_space(text, position)
    return documents


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _single_document(document: Any) -> ParsedBody:
    if isinstance(document, list):
        events = tuple(_record_event(item, index) for index, item in enumerate(document))
        return ParsedBody("array", _bounded(events))
    if not isinstance(document, dict):
        raise MalformedBodyError("the body must be a JSON object, an array or NDJSON records")
    if "method" in document or "jsonrpc" in document:
        return ParsedBody("jsonrpc", _bounded(_jsonrpc_events(document)))
    if "cef" in document and isinstance(document.get("events"), list):
        return ParsedBody("cef", _bounded(_cef_events(document["events"])))
    return ParsedBody("splunk" if "event" in document else "plain", (_record_event(document, 0),))


def _jsonrpc_events(document: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Reference 3.5: {"jsonrpc":"2.0","method":"addEvents","params":{"events":[...]}}."""
    method = document.get("method")
    if method != "addEvents":
        raise MalformedBodyError(f"unsupported JSON-RPC method {method!r}: expected 'addEvents'")
    params = document.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("events"), list):
        raise MalformedBodyError("'params.events' must be an array of event objects")
    return tuple(
        _plain_event(item, f"params.events[{i}]") for i, item in enumerate(params["events"])
    )


def _cef_events(items: list[Any]) -> tuple[dict[str, Any], ...]:
    """Reference 3.6: CEF bodies carry strings; keep each so nothing authentic is dropped."""
    events = []
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise MalformedBodyError(f"'events[{index}]' of a CEF body must be a string")
        events.append({"cef": item})
    return tuple(events)


def _record_event(record: Any, index: int) -> dict[str, Any]:
    """One record: a Splunk HEC {"event": {...}} wrapper or a plain event object."""
    if isinstance(record, dict) and "event" in record and "module" not in record:
        return _plain_event(record["event"], f"record {index + 1}: 'event'")
    return _plain_event(record, f"record {index + 1}")


def _plain_event(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise MalformedBodyError(f"{where} is not a JSON object")
    return item


def _bounded(events: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    if len(events) > MAX_EVENTS_PER_BODY:
        raise MalformedBodyError(f"too many events in one body (more than {MAX_EVENTS_PER_BODY})")
    return events
