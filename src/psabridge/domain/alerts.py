"""Turn one pushed GravityZone event into an Alert, or say why it is Ignored."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from psabridge.domain.alert_modules import (
    ALERT_MODULES,
    MODULE_KINDS,
    MODULE_SPECS,
    NON_ALERT_GROUPS,
    AlertKind,
    Event,
    ModuleSpec,
    Outcome,
    scalar_text,
)

__all__ = [
    "ALERT_MODULES",
    "MODULE_KINDS",
    "Alert",
    "AlertKind",
    "Ignored",
    "Outcome",
    "normalize",
    "parse_event_time",
]

# Facts and titles are for people: long values (command lines, URLs) are cut, never dumped.
MAX_FACT_LENGTH = 500
MAX_SUBJECT_LENGTH = 120
MAX_MODULE_IN_REASON = 60

# reference 4.2: computer_ip can be "192.168.0.1, 192.168.0.2" or "100.0.100.100,100.1.10.1"
_IP_SEPARATOR = re.compile(r",\s*")
_EPOCH_TEXT = re.compile(r"[+-]?\d+(?:\.\d+)?")
# reference 4.15: the doc-derived layout "2017- 09 - 13T14: 20:37.000Z" has stray spaces
_MANGLED_SEPARATOR = re.compile(r"\s*([-:T])\s*")
# Our choice: epoch values from 1e11 on (year 5138 in seconds) are read as milliseconds.
_EPOCH_MILLIS_FROM = 100_000_000_000


@dataclass(frozen=True)
class Alert:
    """A security alert of one of the 11 kinds, ready for aggregation and ticketing."""

    kind: AlertKind
    outcome: Outcome
    module: str
    company_id: str | None
    # endpointId first: it is the id we pass to getManagedEndpointDetails (reference 6,
    # question 4) and the only id on network-sandboxing; computer_id differs from it when
    # both are sent (reference 4.2), so av/fw/... events that only carry computer_id use that.
    endpoint_id: str | None
    endpoint_name: str | None
    endpoint_ip: str | None
    endpoint_fqdn: str | None
    occurred_at: datetime
    title: str
    facts: tuple[tuple[str, str], ...] = ()
    incident_id: str | None = None
    is_test: bool = False

    @property
    def facts_dict(self) -> dict[str, str]:
        """Return the facts as a dict, in their order."""
        return dict(self.facts)


@dataclass(frozen=True)
class Ignored:
    """An event that is not an alert, with the reason in a sentence."""

    module: str | None
    reason: str
    is_test: bool = False


def normalize(event: object, received_at: datetime) -> Alert | Ignored:
    """Return the Alert an event stands for, or Ignored with the reason."""
    if not isinstance(event, Mapping):
        return Ignored(None, "event is not a JSON object")
    is_test = _is_test(event)
    module = _module_of(event)
    if isinstance(module, Ignored):
        return Ignored(None, module.reason, is_test)
    spec = MODULE_SPECS.get(module)
    if spec is None:
        return Ignored(module, _not_an_alert(module), is_test)
    return _alert(module, spec, event, _as_utc(received_at) or received_at, is_test)


def parse_event_time(value: object) -> datetime | None:
    """Return an event time as an aware UTC datetime, or None when it cannot be read."""
    # reference 4.15: accept ISO ms Z, ISO with offset, ISO without zone (UTC, reference 6
    # question 18), the space-mangled doc layout and epoch seconds as int or text.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(value)
    if isinstance(value, str):
        return _from_text(value.strip())
    return None


def _from_text(text: str) -> datetime | None:
    if _EPOCH_TEXT.fullmatch(text):
        return _from_epoch(float(text))
    for candidate in (text, _MANGLED_SEPARATOR.sub(r"\1", text)):
        try:
            return _as_utc(datetime.fromisoformat(candidate))
        except ValueError:
            continue
    return None


def _from_epoch(value: float) -> datetime | None:
    try:
        seconds = float(value)
    except OverflowError:
        return None
    # Our choice: 0 and negative values are placeholders, not times.
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    if seconds >= _EPOCH_MILLIS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _as_utc(moment: datetime) -> datetime | None:
    """Return the moment in UTC; a naive moment is taken to be UTC already."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def _is_test(event: Event) -> bool:
    # reference 3.3: every test event carries `_testEvent_: true`
    flag = event.get("_testEvent_")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def _module_of(event: Event) -> str | Ignored:
    module = event.get("module")
    if module is None or (isinstance(module, str) and not module.strip()):
        return Ignored(None, "event has no 'module' field")
    if not isinstance(module, str):
        return Ignored(None, "event 'module' field is not a string")
    return module.strip()


def _not_an_alert(module: str) -> str:
    group = NON_ALERT_GROUPS.get(module, "unknown module")
    shown = _shorten(module, MAX_MODULE_IN_REASON)
    return f"module '{shown}' is not an alert kind ({group})"


def _alert(
    module: str, spec: ModuleSpec, event: Event, received_at: datetime, is_test: bool
) -> Alert:
    outcome = spec.outcome(event)
    name = _first_text(event, "computer_name", "computerName")
    ip = _first_ip(event)
    return Alert(
        kind=spec.kind,
        outcome=outcome,
        module=module,
        company_id=scalar_text(event.get("companyId")),
        endpoint_id=_first_text(event, "endpointId", "computer_id"),
        endpoint_name=name,
        endpoint_ip=ip,
        endpoint_fqdn=_fqdn(event),
        occurred_at=_occurred_at(event, spec, received_at),
        title=_title(spec, event, outcome, name or ip),
        facts=_facts(spec, event),
        incident_id=scalar_text(event.get("incident_id")) if module == "new-incident" else None,
        is_test=is_test,
    )


def _first_text(event: Event, *names: str) -> str | None:
    for name in names:
        text = scalar_text(event.get(name))
        if text:
            return text
    return None


def _first_ip(event: Event) -> str | None:
    addresses = _first_text(event, "computer_ip", "computerIp") or ""
    return next((part.strip() for part in _IP_SEPARATOR.split(addresses) if part.strip()), None)


def _fqdn(event: Event) -> str | None:
    # reference 4.2: the ransomware test event has the literal "undefined"
    fqdn = scalar_text(event.get("computer_fqdn"))
    return None if fqdn is None or fqdn.lower() == "undefined" else fqdn


def _occurred_at(event: Event, spec: ModuleSpec, received_at: datetime) -> datetime:
    for name in spec.time_fields:
        moment = parse_event_time(event.get(name))
        if moment is not None:
            return moment
    return received_at


def _title(spec: ModuleSpec, event: Event, outcome: Outcome, endpoint: str | None) -> str:
    subject = scalar_text(spec.subject(event)) or spec.default_subject
    verb = "blocked" if outcome is Outcome.BLOCKED else "detected"
    where = _shorten(endpoint, MAX_SUBJECT_LENGTH) if endpoint else "an unknown endpoint"
    return f"{spec.kind.label}: {_shorten(subject, MAX_SUBJECT_LENGTH)} {verb} on {where}"


def _facts(spec: ModuleSpec, event: Event) -> tuple[tuple[str, str], ...]:
    facts = ((label, _fact_text(getter(event))) for label, getter in spec.facts)
    return tuple((label, text) for label, text in facts if text)


def _fact_text(value: object) -> str | None:
    """Return a scalar or a list of scalars as text; nested objects are never shown."""
    if isinstance(value, list):
        items = (scalar_text(item) for item in value)
        text = ", ".join(item for item in items if item)
    else:
        text = scalar_text(value) or ""
    return _shorten(text, MAX_FACT_LENGTH) if text else None


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
