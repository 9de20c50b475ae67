"""Mappings app: GravityZone companies linked to PSA clients, with their health (R2)."""

from django.apps import AppConfig


class MappingsConfig(AppConfig):
    name = "psabridge.server.mappings"
    label = "mappings"
    default_auto_field = "django.db.models.BigAutoField"
