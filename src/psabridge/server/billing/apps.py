"""Billing app: monthly usage snapshots with per-endpoint evidence (R3, R4, R7.3)."""

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "psabridge.server.billing"
    label = "billing"
    default_auto_field = "django.db.models.BigAutoField"
