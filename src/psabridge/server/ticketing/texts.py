"""The words psabridge writes into PSA tickets and notes."""

from __future__ import annotations

from collections.abc import Sequence

from psabridge.server.alerts.models import Alert

SUMMARY_PREFIX = "[GravityZone] "


def ticket_summary(alert: Alert, test: bool = False) -> str:
    """Return a ticket title: what happened, where."""
    prefix = "[TEST] " if test else ""
    return (prefix + SUMMARY_PREFIX + alert.title)[:250]


def alert_lines(alert: Alert) -> list[str]:
    """Return the facts of one alert, one per line."""
    outcome = "blocked" if alert.outcome == "blocked" else "CURRENT THREAT (still present)"
    lines = [
        f"Alert: {alert.get_kind_label()} — {outcome}",
        f"When: {alert.occurred_at:%Y-%m-%d %H:%M:%S} UTC",
        f"Company: {alert.company_name or alert.company_id or 'unknown'}",
        f"Endpoint: {alert.endpoint_name or alert.endpoint_id or 'unknown'}"
        + (f" ({alert.endpoint_ip})" if alert.endpoint_ip else ""),
    ]
    if alert.incident_id:
        lines.append(f"EDR incident: {alert.incident_id}")
    lines += [f"{name}: {value}" for name, value in alert.facts]
    return lines


def ticket_details(alert: Alert) -> str:
    """Return the body of a new ticket."""
    return "\n".join([*alert_lines(alert), "", "Opened by psabridge from a GravityZone alert."])


def note_text(alerts: Sequence[Alert], reference: str = "") -> str:
    """Return one note for one or many alerts of the same endpoint and kind (R5.10), ending
    with our reference, by which a note whose answer was lost is found again."""
    text = _note_body(alerts)
    return f"{text}\n\n(psabridge note {reference})" if reference else text


def _note_body(alerts: Sequence[Alert]) -> str:
    if len(alerts) == 1:
        return "Another alert for this endpoint:\n" + "\n".join(alert_lines(alerts[0]))
    header = f"{len(alerts)} more alerts for this endpoint and kind:"
    rows = [f"- {a.occurred_at:%Y-%m-%d %H:%M:%S} UTC {a.outcome}: {a.title}" for a in alerts[:200]]
    if len(alerts) > 200:
        rows.append(f"... and {len(alerts) - 200} more (see psabridge Alerts)")
    return "\n".join([header, *rows])
