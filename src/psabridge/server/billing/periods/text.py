"""Agreement sync results in words: the plan of a preview, the ledger of a sync (CLI, pages)."""

from __future__ import annotations

from psabridge.server.billing.ledger import STATE_TEXT
from psabridge.server.billing.models import LedgerEntry
from psabridge.server.billing.periods.plan import CompanyPlan
from psabridge.server.billing.periods.sync import SyncResult


def describe(result: SyncResult) -> list[str]:
    """Return the result as text lines: the plan of a preview, the ledger of a sync."""
    if result.preview:
        head = f"preview of {result.month}: {_counts_text(result)}; nothing written"
        lines = [f"{p.mapping.psa_client_name}: {plan_text(p)}" for p in result.plans]
    else:
        head = f"synced {result.month}: {result.writes} write(s); {_counts_text(result)}"
        entries = result.run.entries.all() if result.run else []
        lines = [_entry_text(e) for e in entries]
    return [head, *lines, *(f"! {problem}" for problem in result.problems)]


def _counts_text(result: SyncResult) -> str:
    return (
        ", ".join(f"{n} {action}" for action, n in sorted(result.counts().items())) or "no mapping"
    )


def plan_text(plan: CompanyPlan) -> str:
    """Say what the sync does for one company, e.g. "update addition 12: 40 -> 42"."""
    text = _addition_text(plan)
    if plan.ticket == "open":
        text += "; open a service ticket (no Active agreement of the type)"
    elif plan.ticket == "done":
        text += "; service ticket already opened this month"
    return text


def _addition_text(plan: CompanyPlan) -> str:
    action, q, known = plan.action, plan.quantity or 0, plan.known
    where = f"agreement {plan.agreement_id}"
    if action == "skipped":
        return f"skipped: {plan.skipped}"
    if action == "create":
        return f"create an addition of {q:g} on {where} ({plan.effective} to {plan.cancelled})"
    if action == "adopt" and plan.found is not None:
        return f"adopt addition {plan.found.id} on {where}: {plan.found.quantity:g} -> {q:g}"
    addition = known.addition_id if known else "?"
    if action == "closed":
        return f"closed: {q:g} on addition {addition} of {where} is final, never written again"
    if action == "update":
        before = plan.step.before if plan.step else None
        return f"update addition {addition} on {where}: {_num(before)} -> {q:g}"
    return f"unchanged: {q:g} on addition {addition} of {where}"


def _entry_text(entry: LedgerEntry) -> str:
    numbers = ""
    if entry.before is not None or entry.after is not None:
        numbers = f" {_num(entry.before)} -> {_num(entry.after)}"
    subject = entry.marker or entry.description
    state = "" if entry.state in ("done", "none") else f" [{STATE_TEXT[entry.state]}]"
    return f"{entry.company_name}: {entry.action}{numbers} {subject} ({entry.answer}){state}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def writes_addition(plan: CompanyPlan) -> bool:
    """Return whether a previewed plan writes its addition (an adopted equal one: no write)."""
    if plan.action == "adopt":
        return plan.found is not None and plan.found.quantity != plan.quantity
    return plan.action in ("create", "update")


def planned_writes(result: SyncResult) -> int:
    """Return how many writes a previewed sync would make (additions and service tickets)."""
    return sum(int(writes_addition(p)) + int(p.ticket == "open") for p in result.plans)
