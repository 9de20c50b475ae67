"""A psabridge process of a chaos site: set ticketing up against a running sandbox, or report
what the site's database holds, as JSON on stdout.

    python tests/support/site_child.py setup|report SPEC.json

The data directory, DATABASE_URL and REDIS_URL come from the environment, as for `psabridge`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HALO_FIELDS = ("base_url", "auth_url", "tenant", "client_id", "client_secret")


def setup(spec: dict[str, Any]) -> dict[str, Any]:
    """Connect the sandbox, map every suggestion, route every alert kind to tickets."""
    from psabridge.server.alerts import push
    from psabridge.server.core import connections
    from psabridge.server.mappings import services
    from tests.e2e.conftest import configure

    gz = spec["gravityzone"]
    connections.save_gravityzone(
        gz["base_url"],
        gz["api_key"],
        connections.validate_gravityzone(gz["base_url"], gz["api_key"]),
    )
    halo = {name: spec["halopsa"][name] for name in HALO_FIELDS}
    connections.save("halopsa", halo, connections.validate("halopsa", halo))
    services.refresh("halopsa")
    mapped = []
    for row in services.rows("halopsa", "unmapped"):
        if row.psa and row.suggestion:
            services.confirm("halopsa", row.psa.client_id, row.suggestion.company.id)
            mapped.append(row.suggestion.company.id)
    problems = configure()
    assert not problems, problems
    receiver = push.receiver()
    return {
        "mapped": mapped,
        "receiver": {
            "path": f"/webhooks/gravityzone/{receiver.receiver_id}",
            "authorization": receiver.authorization(),
        },
    }


def report() -> dict[str, Any]:
    """What the site holds: events and alerts by state, aggregation keys, ticket threads."""
    from django.db.models import Count

    from psabridge.server.alerts.models import Alert, InboundEvent
    from psabridge.server.ticketing.models import AggregationKey, TicketThread

    def by_state(model: Any) -> dict[str, int]:
        rows = model.objects.values("state").annotate(n=Count("id"))
        return {row["state"]: row["n"] for row in rows}

    return {
        "events": by_state(InboundEvent),
        "alerts": by_state(Alert),
        "keys": {
            str(k.pk): [k.company_id, k.endpoint_id, k.kind] for k in AggregationKey.objects.all()
        },
        "threads": list(
            TicketThread.objects.values("key_id", "reference", "psa_ticket_id", "state")
        ),
        "waiting": _waiting(),
    }


def _waiting() -> list[dict[str, Any]]:
    """Why alerts still wait: their key's retry time, lease and last thread (for diagnosis)."""
    from psabridge.server.alerts.models import Alert, AlertState
    from psabridge.server.core.models import Lease
    from psabridge.server.ticketing.models import AggregationKey, TicketThread

    found = []
    queued = Alert.objects.filter(state=AlertState.QUEUED)
    for company, endpoint, kind in queued.values_list(
        "company_id", "endpoint_id", "kind"
    ).distinct()[:20]:
        key = AggregationKey.objects.filter(
            company_id=company, endpoint_id=endpoint, kind=kind
        ).first()
        thread = TicketThread.objects.filter(key=key).order_by("-id").first() if key else None
        found.append(
            {
                "key": [company, endpoint, kind],
                "retry_at": key and key.retry_at,
                "lease": key and [key.lease_owner, key.lease_until],
                "next_note_at": key and key.next_note_at,
                "thread": thread and [thread.state, thread.attempted_at, thread.note_reference],
            }
        )
    found.append({"leases": list(Lease.objects.values_list("name", "owner", "until"))})
    return found


def main() -> None:
    sys.path.insert(0, str(ROOT))
    command, spec_path = sys.argv[1], Path(sys.argv[2])
    spec = json.loads(spec_path.read_text())
    from psabridge import launcher

    launcher.django_setup(ready=False)  # it migrates next
    launcher.migrate()
    print(json.dumps(setup(spec) if command == "setup" else report(), default=str))


if __name__ == "__main__":
    main()
