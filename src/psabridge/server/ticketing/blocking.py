"""Companies the PSA refuses tickets for (a status that disallows saving): park their alerts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from psabridge.domain.mapping import DISALLOW_SAVING
from psabridge.server.alerts.models import Alert, AlertState
from psabridge.server.core import events as event_service
from psabridge.server.mappings.models import Mapping

ISSUE_CODE = DISALLOW_SAVING.code


def blocking_issue(mapping: Mapping) -> dict[str, str] | None:
    """Return the mapping's issue that stops tickets for its company, if any (R2.4)."""
    return next((i for i in mapping.issues if i.get("code") == ISSUE_CODE), None)


def park_blocked_companies(system: str, mappings: Iterable[Mapping]) -> int:
    """Park the queued alerts of every company known to refuse saving; return how many.

    A Refresh that clears the issue replays them (server.mappings.linked.recheck).
    """
    parked = 0
    for mapping in mappings:
        issue = blocking_issue(mapping)
        if issue is not None:
            parked += _park(system, mapping, Alert.objects.filter(state=AlertState.QUEUED), issue)
    return parked


def block_company(system: str, mapping: Mapping, alerts: list[Alert], refusal: str) -> int:
    """The PSA refused a ticket for the company: record the issue, park the key's alerts.

    Alerts of other companies go on; the company's next alerts park without a PSA call.
    """
    issue = blocking_issue(mapping)
    if issue is None:
        found = DISALLOW_SAVING
        issue = {"code": found.code, "text": f"{found.text} ({refusal})", "action": found.action}
        mapping.issues = [*mapping.issues, issue]
        mapping.save(update_fields=["issues"])
    return _park(system, mapping, Alert.objects.filter(pk__in=[a.pk for a in alerts]), issue)


def _park(system: str, mapping: Mapping, alerts: QuerySet[Alert], issue: dict[str, str]) -> int:
    parked = alerts.filter(company_id=mapping.company_id).update(
        state=AlertState.PARKED_UNMAPPED, state_reason=issue["text"][:300]
    )
    if parked:
        event_service.raise_event(
            "alerts_blocked_company",
            scope=f"{system}:{mapping.company_id}",
            message=f"Alerts of {mapping.company_name} wait: {issue['text']} "
            f"{issue.get('action', '')}".strip(),
            subject=mapping.company_name,
        )
    return int(parked)
