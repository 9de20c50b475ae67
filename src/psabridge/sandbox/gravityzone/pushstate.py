"""Push settings and push statistics (reference 3.1, 3.2, 3.4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import api_time

MASK = "********"
SECRET_SETTINGS = ("authorization", "splunkAuthorization")
ERROR_COUNTERS = (
    "configurationError",
    "connectionError",
    "serviceError",
    "statusCode2xx",
    "statusCode300",
    "statusCode400",
    "statusCode500",
    "timeout",
)


@dataclass
class PushSettings:
    """What setPushEventSettings stored, and the key that stored it (for the MD5 header)."""

    status: int
    service_type: str
    service_settings: dict[str, Any]
    event_types: dict[str, Any]
    companies: list[str] | None
    api_key: str

    def public(self) -> dict[str, Any]:
        """Return the getPushEventSettings result, with the secrets masked (reference 3.2)."""
        settings = dict(self.service_settings)
        for name in SECRET_SETTINGS:
            if settings.get(name):
                settings[name] = MASK
        return {
            "status": self.status,
            "serviceType": self.service_type,
            "serviceSettings": settings,
            "subscribeToEventTypes": dict(self.event_types),
            "subscribeToCompanies": None if self.companies is None else list(self.companies),
        }

    def wants(self, event: dict[str, Any]) -> bool:
        """Return whether an event passes the module and company subscriptions."""
        if self.event_types.get(str(event.get("module"))) is not True:
            return False
        company = event.get("companyId")
        return self.companies is None or company is None or company in self.companies

    @property
    def authorization(self) -> str | None:
        """Return the configured Authorization header value (splunk falls back to its key)."""
        value = self.service_settings.get("authorization")
        if not value and self.service_type == "splunk":
            value = self.service_settings.get("splunkAuthorization")
        return value if isinstance(value, str) and value else None


@dataclass
class PushStats:
    """The getPushEventStats counters (reference 3.4, open question 23)."""

    last_update: datetime
    events: int = 0
    test_events: int = 0
    sent_messages: int = 0
    error_messages: int = 0
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ERROR_COUNTERS, 0))

    def record_success(self, events: int, test_events: int, now: datetime) -> None:
        """Count a message answered 200 and the events it carried."""
        self.sent_messages += 1
        self.events += events
        self.test_events += test_events
        self.last_update = now

    def record_failure(self, kind: str, now: datetime) -> None:
        """Count a failed message under its error kind."""
        self.error_messages += 1
        self.errors[kind] += 1
        self.last_update = now

    def result(self) -> dict[str, Any]:
        """Return the result object in the key order of the published example."""
        return {
            "count": {
                "events": self.events,
                "testEvents": self.test_events,
                "sentMessages": self.sent_messages,
                "errorMessages": self.error_messages,
            },
            "error": dict(self.errors),
            "lastUpdateTime": api_time(self.last_update),
        }
