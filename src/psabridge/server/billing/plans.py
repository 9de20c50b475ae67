"""A month's billing plan per mapping: final usage vs the PSA invoice's lines (R3.3-R3.8, R4.7)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from psabridge.connectors.ports_billing import BillingTarget
from psabridge.domain.billing import DesiredLine, Plan, marker_for, plan
from psabridge.domain.mapping import item_removed
from psabridge.domain.psa_billing import BillingInvoice, current_line
from psabridge.domain.usage import Month
from psabridge.server.billing import invoice_issues
from psabridge.server.billing.models import CustomProduct, ProductMapping, PsaInvoice, UsageSnapshot
from psabridge.server.mappings.models import Mapping


@dataclass
class CompanyPlan:
    """What a push would do to one mapping's invoice, and anything that stops it."""

    mapping: Mapping
    invoice_id: str = ""
    invoice_status: str = ""
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
    system: str,
    month: Month,
    target: BillingTarget,
    remove_stale: dict[int, set[str]] | None = None,
    only: Mapping | None = None,
) -> list[CompanyPlan]:
    """Return the plan of every mapping with Billing on (or `only` one), from the PSA's lines."""
    mappings = billed_mappings(system, only)
    invoices = {i.mapping_id: i for i in PsaInvoice.objects.filter(mapping__in=mappings)}
    read = _invoices_by_client(target, [m.psa_client_id for m in mappings])
    existing = {item.id for item in target.billable_items()} if mappings else set()
    global_items = item_map(system)
    snapshots = {
        s.company_id: s
        for s in UsageSnapshot.objects.filter(
            month=str(month), company_id__in=[m.company_id for m in mappings]
        )
    }
    plans = []
    for mapping in mappings:
        invoice = invoices.get(mapping.pk)
        company_plan = CompanyPlan(
            mapping,
            invoice.invoice_id if invoice else "",
            invoice.status if invoice else "",
        )
        items = items_for(mapping, global_items)
        client_invoices = read.get(mapping.psa_client_id, [])
        stale = (remove_stale or {}).get(mapping.pk, set())
        _plan_one(company_plan, month, items, existing, client_invoices, snapshots, stale)
        invoice_issues.store(mapping, company_plan.problems, company_plan.plan.stale)
        plans.append(company_plan)
    return plans


def billed_mappings(system: str, only: Mapping | None = None) -> list[Mapping]:
    """Return the mappings with Billing on, by PSA client name."""
    rows = Mapping.objects.filter(system=system, billing=True).order_by("psa_client_name")
    return list(rows.filter(pk=only.pk) if only is not None else rows)


def _plan_one(
    company_plan: CompanyPlan,
    month: Month,
    items: dict[str, str],
    existing: set[str],
    client_invoices: list[BillingInvoice],
    snapshots: dict[str, UsageSnapshot],
    remove_stale: set[str],
) -> None:
    mapping, problems = company_plan.mapping, company_plan.problems
    if not company_plan.invoice_id:
        problems.append("no recurring invoice yet: switch Billing off and on")
        return
    if company_plan.invoice_status == "proposed":
        problems.append(invoice_issues.PROPOSED)
        return
    if _items_removed(mapping, items, existing, problems):
        return  # R3.7: billing stops for this client until the mapping is fixed
    others = invoice_issues.other_invoices_billing(
        client_invoices, company_plan.invoice_id, set(items.values())
    )
    if others:
        problems.append(others)  # R4.7: never a second invoice billing the same items
        return
    desired = _desired(mapping, snapshots.get(mapping.company_id), month, items, problems)
    lines = next((i.lines or () for i in client_invoices if i.id == company_plan.invoice_id), ())
    company_plan.plan = plan(
        desired,
        [current_line(line) for line in lines],
        remove_stale=remove_stale,
        adopt_items=company_plan.invoice_status == "adopting",
    )


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
        mapping.billing_issue = issue
    if gone:
        problems.append(issue)
    return bool(gone)


def _products_billed(mapping: Mapping) -> set[str]:
    snapshot = (
        UsageSnapshot.objects.filter(company_id=mapping.company_id).order_by("-month").first()
    )
    return {line["product_key"] for line in snapshot.lines} if snapshot else set()


def _invoices_by_client(
    target: BillingTarget, client_ids: list[str]
) -> dict[str, list[BillingInvoice]]:
    if not client_ids:
        return {}
    found: dict[str, list[BillingInvoice]] = defaultdict(list)
    for invoice in target.invoices_with_lines(client_ids):
        found[invoice.company_id].append(invoice)
    return dict(found)


def _desired(
    mapping: Mapping,
    snapshot: UsageSnapshot | None,
    month: Month,
    items: dict[str, str],
    problems: list[str],
) -> list[DesiredLine]:
    if snapshot is None:
        problems.append(f"no usage collected for {month.label()}")
        return []
    if not snapshot.final:
        problems.append(
            f"the usage of {month.label()} is not final yet: it becomes final at the first "
            "collection after the month ended (Collect usage now)"
        )
        return []
    if snapshot.not_billed_reason:
        problems.append(f"not billed: {snapshot.not_billed_reason}")
    desired = []
    for line in snapshot.lines:
        item = items.get(line["product_key"])
        if item is None:
            problems.append(f"'{line['description']}' is not mapped to a PSA item")
            continue
        marker = marker_for(mapping.company_id, line["product_key"], item)
        desired.append(DesiredLine(int(item), line["quantity"], line["description"], marker))
    return desired


def fingerprint(plans: list[CompanyPlan]) -> str:
    """Return a short digest of every write the plans make: what the admin confirmed."""
    rows = sorted(
        (p.invoice_id, kind, marker, before, after)
        for p in plans
        for kind, marker, before, after in _writes(p.plan)
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _writes(p: Plan) -> list[tuple[str, str, float | None, float | None]]:
    return [
        *(("create", c.marker, None, c.quantity) for c in p.creates),
        *(("update", u.after.marker, u.before.quantity, u.after.quantity) for u in p.updates),
        *(("remove", f"{r.line.line_id}", r.line.quantity, None) for r in p.removes),
    ]
