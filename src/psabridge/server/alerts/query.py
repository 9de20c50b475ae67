"""Alert filters shared by the Alerts page, the REST API and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from psabridge.domain.alert_modules import kind_named
from psabridge.domain.alerts import AlertKind, Outcome
from psabridge.server.alerts.models import Alert


class FilterError(ValueError):
    """A filter value is not valid; the message names it."""


@dataclass(frozen=True)
class AlertFilters:
    """Which alerts to list; empty values mean no filter."""

    kind: str = ""
    outcome: str = ""
    company_id: str = ""
    endpoint_id: str = ""
    state: str = ""
    search: str = ""
    since: datetime | None = None
    until: datetime | None = None
    include_tests: bool = True

    @classmethod
    def from_query(cls, query: Mapping[str, str], strict: bool = False) -> AlertFilters:
        """Build filters from request parameters; strict mode raises on bad values."""
        values = {f.name: (query.get(f.name) or "").strip() for f in fields(cls)}
        try:
            return cls._checked(values)
        except FilterError:
            if strict:
                raise
            return cls()

    @classmethod
    def _checked(cls, values: dict[str, str]) -> AlertFilters:
        if values["kind"]:
            kind = kind_named(values["kind"])
            if kind is None:
                names = ", ".join(k.value for k in AlertKind)
                raise FilterError(
                    f"unknown kind {values['kind']!r}: use one of {names} (or a GravityZone "
                    "module code such as av)"
                )
            values["kind"] = kind.value
        if values["outcome"] and values["outcome"] not in Outcome._value2member_map_:
            raise FilterError("outcome must be 'blocked' or 'current'")
        return cls(
            kind=values["kind"],
            outcome=values["outcome"],
            company_id=values["company_id"],
            endpoint_id=values["endpoint_id"],
            state=values["state"],
            search=values["search"],
            since=_when(values["since"], "since"),
            until=_when(values["until"], "until"),
            include_tests=values["include_tests"] not in ("0", "false", "no"),
        )


def _when(value: str, name: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise FilterError(
            f"{name} must be an ISO 8601 date-time with a zone, e.g. 2026-11-01T00:00:00Z"
        )
    return parsed


def filter_alerts(filters: AlertFilters) -> QuerySet[Alert]:
    """Return the alerts matching the filters, newest first."""
    rows = Alert.objects.all()
    exact = {
        "kind": filters.kind,
        "outcome": filters.outcome,
        "company_id": filters.company_id,
        "endpoint_id": filters.endpoint_id,
        "state": filters.state,
    }
    rows = rows.filter(**{name: value for name, value in exact.items() if value})
    if filters.since:
        rows = rows.filter(occurred_at__gte=filters.since)
    if filters.until:
        rows = rows.filter(occurred_at__lt=filters.until)
    if not filters.include_tests:
        rows = rows.filter(is_test=False)
    if filters.search:
        term = filters.search
        rows = rows.filter(
            Q(title__icontains=term)
            | Q(endpoint_name__icontains=term)
            | Q(company_name__icontains=term)
        )
    return rows.order_by("-occurred_at", "-id")
