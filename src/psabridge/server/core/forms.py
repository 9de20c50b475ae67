"""The connection form, built from a system's profile (its connection fields)."""

from __future__ import annotations

from typing import Any

from django import forms

from psabridge.connectors.profile import ConnectionField, SystemProfile


def _field(spec: ConnectionField, required: bool) -> forms.Field:
    if spec.kind == "url":
        field: forms.Field = forms.URLField(max_length=300, assume_scheme="https")
    else:
        widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
        field = forms.CharField(
            max_length=300, strip=True, widget=widget if spec.kind == "password" else None
        )
    field.label, field.help_text, field.required = spec.label, spec.help, required
    return field


class ConnectionForm(forms.Form):
    """Address, options and credentials; a blank credential keeps the stored one (R1.5)."""

    def __init__(
        self, spec: SystemProfile, *args: Any, stored: frozenset[str] = frozenset(), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        for field_spec in spec.fields:
            keeps_stored = field_spec.credential and field_spec.name in stored
            self.fields[field_spec.name] = _field(
                field_spec, field_spec.required and not keeps_stored
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field_spec in self.spec.fields:
            value = str(cleaned.get(field_spec.name) or "").strip()
            if field_spec.kind == "url":
                value = value.rstrip("/")
            if field_spec.credential and any(ch.isspace() for ch in value):
                self.add_error(field_spec.name, "This cannot contain spaces.")
            cleaned[field_spec.name] = value
        return cleaned
