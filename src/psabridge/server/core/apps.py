"""Core app: connections, integration events, outbound-call audit, status and heartbeats."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "psabridge.server.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"
