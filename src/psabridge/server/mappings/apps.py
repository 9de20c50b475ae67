"""Mappings app: GravityZone companies linked to PSA clients, with their health (R2)."""

from django.apps import AppConfig


class MappingsConfig(AppConfig):
    name = "psabridge.server.mappings"
    label = "mappings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from psabridge.server.core import signals
        from psabridge.server.mappings import receivers

        signals.mapping_source_saved.connect(
            receivers.refresh_after_save, dispatch_uid="mappings.refresh_after_save"
        )
