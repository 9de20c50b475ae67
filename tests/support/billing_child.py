"""A psabridge process of its own, for the tests that kill a push: set billing up against a
running sandbox, or print the ledger and what the PSA should hold, as JSON.

    python tests/support/billing_child.py halo-setup|cw-setup|ledger SPEC.json

The data directory (and DATABASE_URL, if any) come from the environment, as for `psabridge`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HALO_ITEMS = {"seats": "1", "edr": "2", "ats": "2", "patch_management": "3"}
HALO_FIELDS = ("base_url", "auth_url", "tenant", "client_id", "client_secret")
CW_FIELDS = ("site_url", "company_id", "public_key", "private_key", "client_id")


def _connect(spec: dict[str, Any], system: str, fields: tuple[str, ...]) -> None:
    from psabridge.server.core import connections

    gz = spec["gravityzone"]
    checked = connections.validate_gravityzone(gz["base_url"], gz["api_key"])
    connections.save_gravityzone(gz["base_url"], gz["api_key"], checked)
    values = {name: spec[system][name] for name in fields}
    connections.save(system, values, connections.validate(system, values))


def halo_setup(spec: dict[str, Any]) -> None:
    """Every suggested client mapped with Billing on (not the one with an invoice of its own),
    the products mapped, last month collected (final)."""
    from psabridge.server.billing import collection
    from psabridge.server.billing.models import ProductMapping
    from psabridge.server.mappings import services
    from psabridge.server.mappings.models import Mapping

    _connect(spec, "halopsa", HALO_FIELDS)
    for key, item in HALO_ITEMS.items():
        ProductMapping.objects.create(system="halopsa", product_key=key, item_id=item)
    services.refresh("halopsa")
    for row in services.rows("halopsa", "unmapped"):
        if row.psa and row.suggestion and row.psa.client_id != spec["skip_client"]:
            services.confirm("halopsa", row.psa.client_id, row.suggestion.company.id)
    mappings = Mapping.objects.filter(system="halopsa")
    services.update("halopsa", {m.pk: {"billing": True, "ticketing": True} for m in mappings})
    collection.collect(collection.last_finished_month())


def cw_setup(spec: dict[str, Any]) -> None:
    """Every scenario company mapped with Billing on, agreement type and product chosen, the
    running month collected."""
    from psabridge.server.billing import collection
    from psabridge.server.billing.periods import setup as period_setup
    from psabridge.server.mappings.models import Mapping

    _connect(spec, "connectwise", CW_FIELDS)
    for row in spec["companies"]:
        Mapping.objects.create(
            system="connectwise",
            psa_client_id=str(row["psa_company_id"]),
            psa_client_name=row["psa_name"],
            company_id=row["gravityzone_id"],
            company_name=row["gravityzone_name"],
            billing=True,
        )
    values = {"agreement_type_id": "1", "product_id": "1", "covered": [], "service_desk": False}
    errors = period_setup.save(period_setup.parse(values))
    assert not errors, errors
    collection.collect(collection.current_month(), billing_only=True)


def halo_seed(spec: dict[str, Any]) -> None:
    """For a large push: every suggestion mapped, Billing on (invoices made without waiting on
    the rate budget, as a setup may), last month's usage stored final from the counters the
    sandbox GravityZone gives (spec["usage"]: company id -> {counters, subscription, model})."""
    from psabridge.connectors.registry import ConnectorOptions, create_billing_target
    from psabridge.domain.usage import LicenceFacts, billable_quantities
    from psabridge.server.billing import collection, invoices
    from psabridge.server.billing.models import ProductMapping, UsageSnapshot
    from psabridge.server.core import connections
    from psabridge.server.mappings import services
    from psabridge.server.mappings.models import Mapping

    _connect(spec, "halopsa", HALO_FIELDS)
    for key, item in HALO_ITEMS.items():
        ProductMapping.objects.create(system="halopsa", product_key=key, item_id=item)
    services.refresh("halopsa")
    # Every company with a HaloPSA client, as the sandbox's scenario pairs them (spec["pairs"]).
    # One company per client (the scenario may name a client for two look-alike companies).
    taken = {spec["skip_client"]}
    for client_id, company_id in spec["pairs"]:
        if str(client_id) not in taken:
            taken.add(str(client_id))
            services.confirm("halopsa", str(client_id), company_id)
    values = connections.stored_values(connections.connection_for("halopsa"))
    target = create_billing_target(
        "halopsa", connections.connector_settings("halopsa", values), ConnectorOptions()
    )
    month, now = collection.last_finished_month(), timezone_now()
    for mapping in Mapping.objects.filter(system="halopsa"):
        usage = spec["usage"][mapping.company_id]
        licence = LicenceFacts(usage["subscription"], usage["model"])
        lines = billable_quantities(usage["counters"], licence)
        UsageSnapshot.objects.create(
            company_id=mapping.company_id,
            company_name=mapping.company_name,
            month=str(month),
            subscription_type=usage["subscription"],
            counters=usage["counters"],
            lines=[
                {
                    "product_key": ln.product_key,
                    "quantity": ln.quantity,
                    "description": ln.description,
                }
                for ln in lines
            ],
            collected_at=now,
            final=True,
            finalized_at=now,
        )
        mapping.billing = True
        mapping.save(update_fields=["billing"])
        invoices.enable_billing(mapping, target)


def timezone_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def expected() -> dict[str, dict[str, float]]:
    """Invoice id -> our marker -> quantity: what each invoice must hold after the push."""
    from psabridge.domain.billing import marker_for
    from psabridge.server.billing import collection
    from psabridge.server.billing.models import PsaInvoice, UsageSnapshot

    month = str(collection.last_finished_month())
    wanted: dict[str, dict[str, float]] = {}
    for record in PsaInvoice.objects.select_related("mapping"):
        snapshot = UsageSnapshot.objects.filter(
            company_id=record.mapping.company_id, month=month
        ).first()
        lines = snapshot.lines if snapshot and not snapshot.not_billed_reason else []
        wanted[record.invoice_id] = {
            marker_for(
                record.mapping.company_id, ln["product_key"], HALO_ITEMS[ln["product_key"]]
            ): ln["quantity"]
            for ln in lines
            if ln["product_key"] in HALO_ITEMS
        }
    return wanted


def ledger() -> dict[str, Any]:
    """Print every ledger entry, the runs, and the lines psabridge means each invoice to hold."""
    from psabridge.server.billing.models import BillingRun, LedgerEntry

    fields = ("run_id", "action", "state", "marker", "invoice_id", "after", "company_id", "answer")
    return {
        "entries": list(LedgerEntry.objects.order_by("id").values(*fields)),
        "runs": list(BillingRun.objects.order_by("id").values("id", "writes", "finished_at")),
        "expected": expected(),
    }


def main() -> None:
    command, spec_path = sys.argv[1], Path(sys.argv[2])
    spec = json.loads(spec_path.read_text())
    from psabridge import launcher

    launcher.django_setup(ready=False)  # it migrates next
    launcher.migrate()
    if command == "halo-setup":
        halo_setup(spec)
    elif command == "cw-setup":
        cw_setup(spec)
    elif command == "halo-seed":
        halo_seed(spec)
    else:
        print(json.dumps(ledger(), default=str))


if __name__ == "__main__":
    main()
