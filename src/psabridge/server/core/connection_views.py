"""The connection page of each outside system: credentials, Validate, Save (R1.1-R1.5)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import ValidationResult
from psabridge.connectors.profile import SystemProfile
from psabridge.server.core import connections, signals, systems
from psabridge.server.core.forms import ConnectionForm
from psabridge.server.core.models import Connection


def _spec(system: str) -> SystemProfile:
    spec = systems.profile(system)
    if spec is None:
        raise Http404("no such connection")
    return spec


def _form(spec: SystemProfile, data: Any = None) -> ConnectionForm:
    connection = connections.connection_for(spec.kind)
    stored = frozenset(connection.credential_hints) if connection else frozenset()
    initial = _initial(connection) if connection and data is None else None
    return ConnectionForm(spec, data, initial=initial, stored=stored)


def _initial(connection: Any) -> dict[str, str]:
    spec = _spec(connection.system)
    return {spec.fields[0].name: connection.base_url, **connection.options}


def _page(
    request: HttpRequest,
    spec: SystemProfile,
    form: ConnectionForm,
    result: ValidationResult | None = None,
    switch_error: str = "",
) -> HttpResponse:
    connection = connections.connection_for(spec.kind)
    replaced = replaced_psa(spec.kind)
    context = {
        "spec": spec,
        "form": form,
        "connection": connection,
        "result": result,
        "system": spec.kind,
        "title": spec.name,
        "replaces": replaced,
        "replaces_name": systems.label(replaced.system) if replaced else "",
        "switch_error": switch_error,
    }
    if connection is not None:
        shown = signals.connection_page_shown.send(Connection, request=request, system=spec.kind)
        for _receiver, extra in shown:
            context.update(extra if isinstance(extra, dict) else {})
    return render(request, "core/connection.html", context)


def replaced_psa(system: str) -> Connection | None:
    """Return the other PSA's connection that saving a PSA's connection would replace."""
    if system not in systems.psa_kinds():
        return None
    others = Connection.objects.filter(system__in=systems.psa_kinds()).exclude(system=system)
    return others.order_by("system").first()


def connection_page(request: HttpRequest, system: str) -> HttpResponse:
    """Show the connection form filled with what is stored (never a credential)."""
    spec = _spec(system)
    return _page(request, spec, _form(spec))


@require_POST
def connection_validate(request: HttpRequest, system: str) -> HttpResponse:
    """Validate the entered (or stored) credentials without saving; an htmx fragment."""
    spec = _spec(system)
    form = _form(spec, request.POST)
    if not form.is_valid():
        return render(request, "core/_form_errors.html", {"form": form})
    result = connections.validate(system, connections.merged_values(spec, form.cleaned_data))
    return render(request, "core/_validation.html", {"result": result})


@require_POST
def connection_save(request: HttpRequest, system: str) -> HttpResponse:
    """Validate, then save; credentials that do not validate are not saved."""
    spec = _spec(system)
    form = _form(spec, request.POST)
    if not form.is_valid():
        return _page(request, spec, form)
    values = connections.merged_values(spec, form.cleaned_data)
    result = connections.validate(system, values)
    if result.outcome != "ok":
        return _page(request, spec, form, result)
    replaced = replaced_psa(system)
    if replaced is not None and request.POST.get("replace_psa") != replaced.system:
        said = (
            f"Tick “Replace {systems.label(replaced.system)}” to connect {spec.name} instead: "
            "nothing was saved."
        )
        return _page(request, spec, form, result, said)
    if replaced is not None:
        connections.replace_psa(replaced.system, system)
    existing = connections.connection_for(system)
    still_sandbox = bool(
        existing and existing.is_sandbox and existing.base_url == values[spec.fields[0].name]
    )
    connections.save(system, values, result, is_sandbox=still_sandbox)
    messages.success(request, f"{spec.name} connection saved and valid.")
    _after_save(request, system)
    return redirect("connection", system=system)


def _after_save(request: HttpRequest, system: str) -> None:
    """Re-read what the new credentials reach: companies, or the PSA side of the mappings."""
    try:
        if system == systems.GRAVITYZONE:
            connections.refresh_companies()
        elif system in systems.psa_kinds() + systems.rmm_kinds():
            _refresh_mappings()
    except ConnectorError as exc:
        messages.warning(request, f"Saved, but the company list could not be read: {exc}")


def _refresh_mappings() -> None:
    """Have the mappings re-read the PSA side (mappings listens: core does not import it)."""
    signals.mapping_source_saved.send(Connection)
