"""The GravityZone connection page: credentials, Validate, Save, and the push card."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import ValidationResult
from psabridge.domain.alerts import ALERT_MODULES
from psabridge.server.core import connections
from psabridge.server.core.forms import GravityZoneForm


def _page(
    request: HttpRequest, form: GravityZoneForm, result: ValidationResult | None = None
) -> HttpResponse:
    from psabridge.server.alerts import push

    connection = connections.gravityzone_connection()
    context = {
        "form": form,
        "connection": connection,
        "result": result,
        "push": push.push_state() if connection else None,
        "receiver_url": push.receiver_url(push.receiver(), request.build_absolute_uri("/")),
        "receiver_hint": connection and push.receiver().authorization()[-4:],
        "test_modules": ALERT_MODULES,
    }
    return render(request, "core/gravityzone.html", context)


def gravityzone(request: HttpRequest) -> HttpResponse:
    """Show the connection form filled with what is stored (never the key itself)."""
    connection = connections.gravityzone_connection()
    initial = {"access_url": connection.base_url} if connection else {}
    return _page(request, GravityZoneForm(initial=initial, has_stored_key=bool(connection)))


def _credentials(form: GravityZoneForm) -> tuple[str, str]:
    connection = connections.gravityzone_connection()
    key = form.cleaned_data["api_key"] or (
        connection.credentials()["api_key"] if connection else ""
    )
    return form.cleaned_data["access_url"], key


@require_POST
def gravityzone_validate(request: HttpRequest) -> HttpResponse:
    """Validate the entered (or stored) credentials without saving them; htmx fragment."""
    form = GravityZoneForm(request.POST, has_stored_key=bool(connections.gravityzone_connection()))
    if not form.is_valid():
        return render(request, "core/_form_errors.html", {"form": form})
    result = connections.validate_gravityzone(*_credentials(form))
    return render(request, "core/_validation.html", {"result": result})


@require_POST
def gravityzone_save(request: HttpRequest) -> HttpResponse:
    """Validate, then save; credentials that do not validate are not saved."""
    form = GravityZoneForm(request.POST, has_stored_key=bool(connections.gravityzone_connection()))
    if not form.is_valid():
        return _page(request, form)
    access_url, key = _credentials(form)
    result = connections.validate_gravityzone(access_url, key)
    if result.outcome != "ok":
        return _page(request, form, result)
    connections.save_gravityzone(access_url, form.cleaned_data["api_key"], result)
    messages.success(request, "GravityZone connection saved and valid.")
    try:
        connections.refresh_companies()
    except ConnectorError as exc:
        messages.warning(request, f"Saved, but the company list could not be read: {exc}")
    return redirect("connections_gravityzone")
