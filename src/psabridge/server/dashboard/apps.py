"""Dashboard app: the pages that look across every app: dashboard, events, status, health."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "psabridge.server.dashboard"
    label = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"
