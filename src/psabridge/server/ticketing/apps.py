"""Ticketing app: per-kind routing settings and the alert-to-ticket engine (R5)."""

from django.apps import AppConfig


class TicketingConfig(AppConfig):
    name = "psabridge.server.ticketing"
    label = "ticketing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from psabridge.server.alerts import signals as alert_signals
        from psabridge.server.core import signals as core_signals
        from psabridge.server.mappings import signals as mapping_signals
        from psabridge.server.ticketing import receivers

        alert_signals.queue_wanted.connect(
            receivers.queue_when_on, dispatch_uid="ticketing.queue_when_on"
        )
        alert_signals.alerts_queued.connect(
            receivers.route_queued_alerts, dispatch_uid="ticketing.route_queued_alerts"
        )
        mapping_signals.mapping_changed.connect(
            receivers.replay_for_mapping, dispatch_uid="ticketing.replay_for_mapping"
        )
        core_signals.mapping_source_saved.connect(
            receivers.replay_after_reconnect, dispatch_uid="ticketing.replay_after_reconnect"
        )
