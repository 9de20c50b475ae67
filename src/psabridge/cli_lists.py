"""`psabridge mappings` and `psabridge events`: what the Mappings and Events pages list."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from psabridge import launcher


def _fail(command: str, message: str) -> typer.Exit:
    print(f"psabridge {command}: {message}", file=sys.stderr)
    return typer.Exit(2)


def mappings(
    as_json: bool = typer.Option(False, "--json", help="One JSON object a line."),
    attention: bool = typer.Option(False, "--attention", help="Only rows that need attention."),
    confirm_suggested: bool = typer.Option(
        False, "--confirm-suggested", help="Confirm every suggestion; print each with its reason."
    ),
) -> None:
    """List the mappings with their needs-attention reasons (and confirm suggestions)."""
    launcher.django_setup()
    from psabridge.server.core import systems
    from psabridge.server.mappings import services

    system = services.psa_system()
    if system is None:
        raise _fail("mappings", "no PSA is connected yet: connect one on the Connections page")
    if confirm_suggested:
        _confirm_all(system, as_json)
        return
    rows = services.rows(system, "attention" if attention else "all")
    for row in rows:
        found = _row(systems.label(system), row)
        print(json.dumps(found, sort_keys=True) if as_json else _row_text(found))


def _confirm_all(system: str, as_json: bool) -> None:
    from psabridge.server.mappings import table

    made = table.confirm_suggested(system)
    for mapping, reason in made:
        done = {
            "confirmed": True,
            "mapping_id": mapping.pk,
            "psa_client_id": mapping.psa_client_id,
            "psa_client_name": mapping.psa_client_name,
            "company_id": mapping.company_id,
            "company_name": mapping.company_name,
            "reason": reason,
        }
        text = f"confirmed: {mapping.psa_client_name} <-> {mapping.company_name} ({reason})"
        print(json.dumps(done, sort_keys=True) if as_json else text)
    if not made and not as_json:
        print("no suggestion to confirm")


def _row(psa: str, row: Any) -> dict[str, Any]:
    if row.mapping is not None:
        m = row.mapping
        return {
            "state": "mapped",
            "psa": psa,
            "mapping_id": m.pk,
            "psa_client_id": m.psa_client_id,
            "psa_client_name": m.psa_client_name,
            "company_id": m.company_id,
            "company_name": m.company_name,
            "billing": m.billing,
            "ticketing": m.ticketing,
            "issues": row.issues,
        }
    if row.psa is not None:
        suggestion = row.suggestion
        return {
            "state": "unmapped PSA company",
            "psa": psa,
            "psa_client_id": row.psa.client_id,
            "psa_client_name": row.psa.name,
            "suggestion": (
                {
                    "company_id": suggestion.company.id,
                    "company_name": suggestion.company.name,
                    "reason": suggestion.reason,
                }
                if suggestion
                else None
            ),
        }
    return {
        "state": "unmapped GravityZone company",
        "company_id": row.company.company_id,
        "company_name": row.company.name,
    }


def _row_text(row: dict[str, Any]) -> str:
    if row["state"] == "mapped":
        flags = f"billing {'on' if row['billing'] else 'off'}, "
        flags += f"ticketing {'on' if row['ticketing'] else 'off'}"
        text = f"{row['psa_client_name']} <-> {row['company_name']} ({flags})"
        for issue in row["issues"]:
            text += f"\n  ! {issue['text']} {issue['action']}"
        return text
    if row["state"] == "unmapped PSA company":
        hint = row["suggestion"]
        said = f"; suggested: {hint['company_name']} ({hint['reason']})" if hint else ""
        return f"{row['psa_client_name']}: not mapped{said}"
    return f"{row['company_name']}: GravityZone company not mapped"


def events(
    as_json: bool = typer.Option(False, "--json", help="One JSON object a line."),
    state: str = typer.Option(
        "open", help="open, dismissed, superseded, resolved, ignored or all."
    ),
) -> None:
    """List integration events, most urgent first."""
    launcher.django_setup()
    from psabridge.server.core import events as event_service

    try:
        rows = event_service.listed(state)
    except ValueError as exc:
        raise _fail("events", f"--state {exc}") from None
    for event in rows:
        found = {
            "id": event.pk,
            "kind": event.kind,
            "title": event.title,
            "scope": event.scope,
            "message": event.message,
            "action": event.action,
            "state": event.state,
            "priority": event.priority,
            "count": event.count,
            "first_seen": event.first_seen.isoformat(),
            "last_seen": event.last_seen.isoformat(),
        }
        if as_json:
            print(json.dumps(found, sort_keys=True))
        else:
            print(
                f"{event.last_seen:%Y-%m-%d %H:%M} [{event.state}] {event.title}: {event.message}"
            )
    if not rows and not as_json:
        print(f"no {state if state != 'all' else ''} event".replace("  ", " "))
