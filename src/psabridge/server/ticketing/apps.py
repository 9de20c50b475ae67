"""Ticketing app: per-kind routing settings and the alert-to-ticket engine (R5)."""

from django.apps import AppConfig


class TicketingConfig(AppConfig):
    name = "psabridge.server.ticketing"
    label = "ticketing"
    default_auto_field = "django.db.models.BigAutoField"
