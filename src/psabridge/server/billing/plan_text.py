"""An invoice push plan in words, one line per write (the CLI's preview and push)."""

from __future__ import annotations

from collections.abc import Iterator

from psabridge.server.billing.plans import CompanyPlan


def plan_lines(plans: list[CompanyPlan]) -> Iterator[str]:
    """Yield each client's writes: create, update, adopt, remove; stale lines kept."""
    for company_plan in plans:
        invoice = company_plan.invoice_id or "-"
        yield f"{company_plan.mapping.psa_client_name} (invoice {invoice}):"
        yield from (f"  ! {problem}" for problem in company_plan.problems)
        yield from _writes(company_plan)
        if company_plan.plan.is_noop and not company_plan.problems:
            yield "  nothing to change"


def _writes(company_plan: CompanyPlan) -> Iterator[str]:
    plan = company_plan.plan
    for line in plan.creates:
        yield f"  create  item {line.item_id}  {line.quantity:g}  {line.description}"
    for update in plan.updates:
        before, after = update.before, update.after
        if update.adopted:
            yield (
                f"  adopt   line {update.line_id} ({before.description or 'no text'} x "
                f"{before.quantity:g}): becomes {after.description} x {after.quantity:g}"
            )
        else:
            yield (
                f"  update  item {after.item_id}  {before.quantity:g} -> {after.quantity:g}  "
                f"{after.description}"
            )
    for remove in plan.removes:
        yield f"  remove  line {remove.line.line_id}  {remove.line.description}  ({remove.reason})"
    for stale in plan.stale:
        yield (
            f"  stale   line {stale.line_id}  {stale.description} x {stale.quantity:g} "
            "(kept; remove it explicitly)"
        )
