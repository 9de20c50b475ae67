"""Billing app: monthly usage snapshots with per-endpoint evidence (R3, R4, R7.3)."""

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "psabridge.server.billing"
    label = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from psabridge.server.billing import receivers
        from psabridge.server.mappings import signals

        signals.mapping_changed.connect(
            receivers.start_billing, dispatch_uid="billing.start_billing"
        )
