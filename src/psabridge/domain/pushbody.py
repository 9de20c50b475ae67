"""Parse every body shape GravityZone's push service sends into a list of event objects."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

MAX_EVENTS_PER_BODY = 10_000
# GravityZone events are objects a few levels deep; anything far deeper is not one of them (and
# would exhaust the parser's or the database's recursion).
MAX_DEPTH = 32


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
    for document in documents:
        check_values(document)
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


def _not_a_number(name: str) -> Any:
    raise MalformedBodyError(f"the body holds {name}, which is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedBodyError(f"the number {text[:20]} is out of range")
    return value


def _json_documents(text: str) -> list[Any]:
    """Split NDJSON or concatenated JSON (Splunk HEC allows both) into documents."""
    decoder = json.JSONDecoder(parse_constant=_not_a_number, parse_float=_finite)
    documents: list[Any] = []
    position = _skip_space(text, 0)
    while position < len(text):
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise MalformedBodyError(
                f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise MalformedBodyError(f"the body is nested more than {MAX_DEPTH} levels") from None
        except MalformedBodyError:
            raise
        except ValueError:  # Python refuses integers of more than 4,300 digits
            raise MalformedBodyError("the body holds a number with too many digits") from None
        documents.append(document)
        position = _skip_space(text, position)
    return documents


def check_values(document: Any) -> None:
    """Refuse what no GravityZone event holds and a database cannot store: nesting deeper than
    MAX_DEPTH, a lone surrogate (not Unicode), a NUL character (PostgreSQL refuses it)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise MalformedBodyError(f"the body is nested more than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise MalformedBodyError("the body holds a NUL character (\\u0000), which is not accepted")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedBodyError(
            "the body holds a lone surrogate: it is not valid Unicode"
        ) from None


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
