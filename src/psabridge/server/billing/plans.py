"""A month's billing plan per mapping: snapshot lines vs the PSA invoice's lines (R3.3-R3.8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psabridge.connectors.ports import UsageLine
from psabridge.domain.billing import CurrentLine, DesiredLine, Plan, marker_for, plan
from psabridge.domain.mapping import item_removed
from psabridge.domain.usage import Month
from psabridge.server.billing.models import CustomProduct, ProductMapping, PsaInvoice, UsageSnapshot
from psabridge.server.mappings.models import Mapping


@dataclass
class CompanyPlan:
    """What a push would do to one mapping's invoice, and anything that stops it."""

    mapping: Mapping
    invoice_id: str = ""
    plan: Plan = field(default_factory=Plan)
    problems: list[str] = field(default_factory=list)


def item_map(system: str) -> dict[str, str]:
    """Return product key -> PSA item id of the global product mapping (R3.1)."""
    rows = ProductMapping.objects.filter(system=system).values_list("product_key", "item_id")
    return dict(rows)


def items_for(mapping: Mapping, global_items: dict[str, str]) -> dict[str, str]:
    """Return the product -> item map of one mapping: its own when custom billing is on (R3.5)."""
    if not mapping.custom_billing:
        return global_items
    rows = CustomProduct.objects.filter(mapping=mapping).values_list("product_key", "item_id")
    return dict(rows)


def build_plans(
    system: str, month: Month, target: Any, remove_stale: dict[int, set[str]] | None = None
) -> list[CompanyPlan]:
    """Return the plan of every mapping with Billing on, from the PSA's current lines."""
    mappings = list(Mapping.objects.filter(system=system, billing=True).order_by("psa_client_name"))
    invoices = {i.mapping_id: i.invoice_id for i in PsaInvoice.objects.filter(mapping__in=mappings)}
    current = _current_lines(target, [m.psa_client_id for m in mappings])
    existing = {item.id for item in target.billable_items()} if mappings else set()
    global_items = item_map(system)
    plans = []
    for mapping in mappings:
        company_plan = CompanyPlan(mapping, invoices.get(mapping.pk, ""))
        items = items_for(mapping, global_items)
        if not company_plan.invoice_id:
            company_plan.problems.append("no recurring invoice yet: switch Billing off and on")
        elif _items_removed(mapping, items, existing, company_plan.problems):
            pass  # R3.7: billing stops for this client until the mapping is fixed
        else:
            desired = _desired(mapping, month, items, company_plan.problems)
            stale = (remove_stale or {}).get(mapping.pk, set())
            lines = current.get(company_plan.invoice_id, [])
            company_plan.plan = plan(desired, lines, remove_stale=stale)
        plans.append(company_plan)
    return plans


def _items_removed(
    mapping: Mapping, items: dict[str, str], existing: set[str], problems: list[str]
) -> bool:
    snapshot_keys = _products_billed(mapping)
    gone = sorted(
        {items[key] for key in snapshot_keys if key in items and items[key] not in existing}
    )
    issue = item_removed(", ".join(gone)).text if gone else ""
    if mapping.billing_issue != issue:
        Mapping.objects.filter(pk=mapping.pk).update(billing_issue=issue)
    if gone:
        problems.append(issue)
    return bool(gone)


def _products_billed(mapping: Mapping) -> set[str]:
    snapshot = (
        UsageSnapshot.objects.filter(company_id=mapping.company_id).order_by("-month").first()
    )
    return {line["product_key"] for line in snapshot.lines} if snapshot else set()


def _current_lines(target: Any, client_ids: list[str]) -> dict[str, list[CurrentLine]]:
    if not client_ids:
        return {}
    return {
        invoice.id: [_current(line) for line in invoice.lines or ()]
        for invoice in target.invoices_with_lines(client_ids)
    }


def _current(line: UsageLine) -> CurrentLine:
    # A line without an item (a text line) is item 0: never ours, never written.
    item = int(line.item_id) if line.item_id and line.item_id.isdigit() else 0
    return CurrentLine(int(line.line_id or 0), item, line.quantity, line.description, line.marker)


def _desired(
    mapping: Mapping, month: Month, items: dict[str, str], problems: list[str]
) -> list[DesiredLine]:
    snapshot = UsageSnapshot.objects.filter(company_id=mapping.company_id, month=str(month)).first()
    if snapshot is None:
        problems.append(f"no usage collected for {month.label()}")
        return []
    if snapshot.not_billed_reason:
        problems.append(f"not billed: {snapshot.not_billed_reason}")
    desired = []
    for line in snapshot.lines:
        item = items.get(line["product_key"])
        if item is None:
            problems.append(f"'{line['description']}' is not mapped to a PSA item")
            continue
        marker = marker_for(mapping.company_id, line["product_key"])
        desired.append(DesiredLine(int(item), line["quantity"], line["description"], marker))
    return desired
