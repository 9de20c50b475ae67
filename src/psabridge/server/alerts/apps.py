"""Alerts app: the push receiver, stored events, normalized alerts and push management."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "psabridge.server.alerts"
    label = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from psabridge.server.alerts import receivers
        from psabridge.server.core import signals

        signals.connection_page_shown.connect(receivers.push_card, dispatch_uid="alerts.push_card")
