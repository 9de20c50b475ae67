"""Alerts app: the push receiver, stored events, normalized alerts and push management."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "psabridge.server.alerts"
    label = "alerts"
    default_auto_field = "django.db.models.BigAutoField"
