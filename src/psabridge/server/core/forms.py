"""Forms of the core app: the GravityZone connection."""

from __future__ import annotations

from django import forms


class GravityZoneForm(forms.Form):
    """Access URL and API key; a blank key keeps the stored one (R1.5)."""

    access_url = forms.URLField(
        label="Access URL",
        max_length=300,
        assume_scheme="https",
        help_text="Control Center > My Account > Control Center API, e.g. "
        "https://cloud.gravityzone.bitdefender.com/api",
    )
    api_key = forms.CharField(
        label="API key",
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Needs the Companies, Network, Licensing and Event Push Service APIs.",
    )

    def __init__(self, *args: object, has_stored_key: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.has_stored_key = has_stored_key

    def clean_access_url(self) -> str:
        return str(self.cleaned_data["access_url"]).rstrip("/")

    def clean_api_key(self) -> str:
        key = str(self.cleaned_data.get("api_key") or "")
        if not key and not self.has_stored_key:
            raise forms.ValidationError("Enter the API key.")
        if key and (len(key) < 8 or any(ch.isspace() for ch in key)):
            raise forms.ValidationError("This does not look like a GravityZone API key.")
        return key
