"""Routing values per kind move from fixed columns to the PSA profile's field names."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

# The old columns held each PSA's values under HaloPSA's names; ConnectWise used them as
# team = board, category = service type, priority_id = priority, urgency = severity.
COLUMNS = ("sla_id", "category", "urgency", "team", "impact", "priority_id")
RENAMED = {
    "connectwise": {
        "team": "board",
        "category": "type",
        "priority_id": "priority",
        "urgency": "severity",
        "impact": "impact",
    },
}


def forwards(apps: Any, schema_editor: Any) -> None:
    KindRoute = apps.get_model("ticketing", "KindRoute")
    for route in KindRoute.objects.select_related("settings"):
        names = RENAMED.get(route.settings.system, {c: c for c in COLUMNS})
        route.values = {
            new: getattr(route, old) for old, new in names.items() if getattr(route, old)
        }
        route.save(update_fields=["values"])


def backwards(apps: Any, schema_editor: Any) -> None:
    KindRoute = apps.get_model("ticketing", "KindRoute")
    for route in KindRoute.objects.select_related("settings"):
        names = RENAMED.get(route.settings.system, {c: c for c in COLUMNS})
        for old, new in names.items():
            setattr(route, old, str(route.values.get(new, "")))
        route.save()


class Migration(migrations.Migration):
    dependencies = [("ticketing", "0002_retry_spacing_and_note_intents")]

    operations = [
        migrations.AddField(
            model_name="kindroute", name="values", field=models.JSONField(default=dict)
        ),
        migrations.RunPython(forwards, backwards),
        *(migrations.RemoveField(model_name="kindroute", name=name) for name in COLUMNS),
    ]
