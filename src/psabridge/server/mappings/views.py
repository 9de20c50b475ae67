"""The mappings page and its actions: refresh, confirm a suggestion, map, update, delete (R2)."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.server.core import systems
from psabridge.server.core.models import SecurityCompany
from psabridge.server.core.views import not_configured
from psabridge.server.mappings import services, table
from psabridge.server.mappings.models import MappingSettings, PsaClient


def mapping_list(request: HttpRequest) -> HttpResponse:
    """Show every mapping, unmapped PSA client and unmapped company, with filters."""
    system = services.psa_system()
    if system is None:
        return not_configured(
            request,
            "Mappings",
            "Mappings link each GravityZone company to a client or company of your PSA. "
            "No PSA is connected yet, so nothing can be mapped.",
            companies=list(SecurityCompany.objects.filter(company_type=1).order_by("name")),
            next_step_url=reverse("connections"),
            next_step_label="Open Connections",
        )
    page = request.GET.get("page", "1")
    shown = table.build(
        system,
        request.GET.get("view", "all"),
        request.GET.get("q", "")[:100],
        request.GET.get("sort", "psa"),
        int(page) if page.isdigit() else 1,
    )
    context = {
        "table": shown,
        "rows": shown.rows,
        "view": shown.view,
        "system": system,
        "psa": systems.psa(system),
        "automate": services.automate_used(system),
        "unmapped_count": shown.counts["unmapped_companies"],
        "attention_count": shown.counts["attention"],
        "free_companies": [r.company for r in services.rows(system, "unmapped") if r.company],
        "never_refreshed": not PsaClient.objects.filter(system=system).exists(),
        "auto_import": MappingSettings.current().auto_import,
    }
    return render(request, "mappings/list.html", context)


@require_POST
def mapping_refresh(request: HttpRequest) -> HttpResponse:
    """Re-read both systems and re-check every mapping (R2.3)."""
    system = services.psa_system()
    if system is not None:
        try:
            counts = services.refresh(system)
            messages.success(request, _refreshed(counts))
        except ConnectorError as exc:
            messages.error(request, f"Refresh failed: {exc}")
    return redirect("mappings")


def _refreshed(counts: dict[str, int]) -> str:
    automate = (
        f"{counts['automate_clients']} Automate clients, " if counts.get("automate_clients") else ""
    )
    imported = counts.get("auto_imported", 0)
    auto = f" {imported} new PSA companies mapped automatically (see Events)." if imported else ""
    return (
        f"Refreshed: {counts['psa_clients']} PSA clients, {automate}{counts['companies']} "
        f"GravityZone companies, {counts['mappings']} mappings checked.{auto}"
    )


@require_POST
def mapping_auto_import(request: HttpRequest) -> HttpResponse:
    """Turn the automatic import of new PSA companies on or off."""
    settings = MappingSettings.current()
    settings.auto_import = request.POST.get("auto_import") == "on"
    settings.save(update_fields=["auto_import"])
    state = "on: each new PSA company found by Refresh is mapped" if settings.auto_import else "off"
    messages.success(request, f"Automatic import is {state}.")
    return redirect("mappings")


@require_POST
def mapping_confirm(request: HttpRequest) -> HttpResponse:
    """Create a mapping from a suggestion or from the company chosen for a PSA client."""
    system = services.psa_system()
    psa_client_id = request.POST.get("psa_client_id", "")
    company_id = request.POST.get("company_id") or request.POST.get(
        f"company_for_{psa_client_id}", ""
    )
    if system is None or not psa_client_id or not company_id:
        messages.error(request, "Choose a GravityZone company for the PSA client first.")
        return redirect("mappings")
    try:
        mapping = services.confirm(system, psa_client_id, company_id)
    except (PsaClient.DoesNotExist, SecurityCompany.DoesNotExist):
        messages.error(request, "That PSA client or company no longer exists: press Refresh.")
    except IntegrityError:
        messages.error(request, "One of the two is already mapped.")
    else:
        messages.success(request, f"Mapped {mapping.psa_client_name} to {mapping.company_name}.")
    return redirect("mappings")


@require_POST
def mapping_confirm_suggested(request: HttpRequest) -> HttpResponse:
    """Confirm every suggestion (of the current search), each listed with its reason."""
    system = services.psa_system()
    if system is None:
        return redirect("mappings")
    q = request.POST.get("q", "")[:100]
    try:
        made = table.confirm_suggested(system, q)
    except IntegrityError:
        messages.error(request, "A suggestion was mapped meanwhile: press Refresh and try again.")
        return redirect("mappings")
    if not made:
        messages.info(request, "No suggestion to confirm.")
    else:
        listed = "; ".join(f"{m.psa_client_name} to {m.company_name} ({why})" for m, why in made)
        messages.success(request, f"Mapped {len(made)} suggestion(s): {listed}.")
    return redirect("mappings")


@require_POST
def mapping_import(request: HttpRequest) -> HttpResponse:
    """Create the chosen PSA clients as GravityZone companies and map them (R2.5)."""
    system = services.psa_system()
    chosen = request.POST.getlist("import_one") or request.POST.getlist("import")
    if system is None or not chosen:
        messages.error(request, "Choose at least one unmapped PSA client to create in GravityZone.")
        return redirect("mappings")
    try:
        created = services.import_clients(system, chosen)
    except ConnectorError as exc:
        messages.error(request, f"GravityZone refused to create the company: {exc}")
    else:
        names = ", ".join(m.company_name for m in created) or "nothing (already mapped)"
        messages.success(request, f"Created in GravityZone and mapped: {names}.")
    return redirect("mappings")


@require_POST
def mapping_update(request: HttpRequest) -> HttpResponse:
    """Apply checkbox changes to all rows (Update All) or the selected rows (Update Selected)."""
    system = services.psa_system()
    if system is None:
        return redirect("mappings")
    ids = [int(v) for v in request.POST.getlist("row") if v.isdigit()]
    wanted = {
        pk: {
            "billing": f"billing_{pk}" in request.POST,
            "ticketing": f"ticketing_{pk}" in request.POST,
        }
        for pk in ids
    }
    selected = {int(v) for v in request.POST.getlist("selected") if v.isdigit()}
    only = selected if request.POST.get("scope") == "selected" else None
    if only is not None and not only:
        messages.error(request, "Select at least one row for Update Selected.")
        return redirect("mappings")
    try:
        result = services.apply(system, wanted, only)
    except ConnectorError as exc:
        messages.error(
            request, f"Nothing was changed: the PSA refused the recurring invoice: {exc}"
        )
        return redirect("mappings")
    messages.success(request, f"{len(result.changed)} mapping(s) updated.")
    if result.conflicts:
        messages.warning(
            request,
            "Not changed, the detected GravityZone company is already mapped to another row: "
            + ", ".join(result.conflicts),
        )
    return redirect("mappings")


@require_POST
def mapping_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """Delete one mapping."""
    services.delete(mapping_id)
    messages.success(request, "Mapping deleted.")
    return redirect("mappings")
