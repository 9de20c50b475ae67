"""Review a month's push for the connected PSA as its exact writes and a fingerprint, then make
them only when that fingerprint is confirmed (the CLI and the REST API; R3.8).

A PSA billed by invoice lines gets the last finished month's lines pushed; one billed by period
quantities gets its additions synced (the running month, or an ended one's final count). Either
way nothing is written unreviewed: a push names the fingerprint of the writes it confirms and is
refused when they changed meanwhile.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from psabridge.domain.usage import Month
from psabridge.server.billing import push
from psabridge.server.billing.periods import sync as period_sync
from psabridge.server.billing.periods import text as period_text
from psabridge.server.billing.plan_text import plan_lines
from psabridge.server.billing.plans import CompanyPlan, fingerprint
from psabridge.server.billing.push import NotPushableError
from psabridge.server.core import systems

__all__ = ["NotPushableError", "Review", "apply", "review"]


@dataclass
class Review:
    """What a push of the month would write, in words and as rows, and its fingerprint."""

    system: str
    month: Month
    fingerprint: str
    writes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Return the review as the REST API answers it."""
        return {
            "system": self.system,
            "month": str(self.month),
            "writes": self.writes,
            "problems": self.problems,
            "fingerprint": self.fingerprint,
        }


def review(system: str, month: Month) -> Review:
    """Return the writes a push of the month would make; write nothing."""
    if _by_periods(system):
        return _period_review(system, month)
    push.check_month(month)
    plans = push.preview(system, month)
    return Review(
        system,
        month,
        fingerprint(plans),
        [w for p in plans for w in _line_writes(p)],
        [f"{p.mapping.psa_client_name}: {text}" for p in plans for text in p.problems],
        [
            f"{month.label()}: {sum(p.plan.writes for p in plans)} write(s) to make",
            *plan_lines(plans),
        ],
    )


def apply(system: str, month: Month, confirmed: str) -> dict[str, Any]:
    """Make the reviewed writes; NotPushableError when they are no longer the ones confirmed."""
    if _by_periods(system):
        if _period_review(system, month).fingerprint != confirmed:
            raise push.PlanChangedError(
                "the writes changed since they were reviewed: review them again"
            )
        result = period_sync.sync(month)
        run_id = result.run.pk if result.run else None
        return _done(run_id, month, result.writes, result.problems, period_text.describe(result))
    run = push.push(system, month, confirmed=confirmed)
    text = [f"pushed {run.month}: {run.writes} line write(s), {run.entries.count()} ledger entries"]
    return _done(run.pk, month, run.writes, list(run.problems), text)


def _done(
    run_id: int | None, month: Month, writes: int, problems: list[str], text: list[str]
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "month": str(month),
        "writes": writes,
        "problems": problems,
        "text": text,
    }


def _line_writes(company_plan: CompanyPlan) -> list[dict[str, Any]]:
    base = {"client": company_plan.mapping.psa_client_name, "document": company_plan.invoice_id}
    plan = company_plan.plan
    rows = [
        {
            **base,
            "action": "create",
            "description": c.description,
            "before": None,
            "after": c.quantity,
        }
        for c in plan.creates
    ]
    rows += [
        {
            **base,
            "action": "adopt" if u.adopted else "update",
            "description": u.after.description,
            "before": u.before.quantity,
            "after": u.after.quantity,
        }
        for u in plan.updates
    ]
    rows += [
        {
            **base,
            "action": "remove",
            "description": r.line.description,
            "before": r.line.quantity,
            "after": None,
        }
        for r in plan.removes
    ]
    return rows


def _by_periods(system: str) -> bool:
    return systems.psa(system).billing_style == "period_quantities"


def _period_review(system: str, month: Month) -> Review:
    result = period_sync.sync(month, preview=True)
    writes = []
    for plan in result.plans:
        if plan.action in ("create", "update", "adopt") and period_text.writes_addition(plan):
            writes.append(
                {
                    "client": plan.mapping.psa_client_name,
                    "document": plan.agreement_id,
                    "action": plan.action,
                    "description": period_text.plan_text(plan),
                    "before": plan.step.before if plan.step else None,
                    "after": plan.quantity,
                }
            )
        if plan.ticket == "open":
            writes.append(
                {
                    "client": plan.mapping.psa_client_name,
                    "document": plan.agreement_id,
                    "action": "ticket",
                    "description": "open a service ticket",
                    "before": None,
                    "after": None,
                }
            )
    problems = [f"{p.mapping.psa_client_name}: {p.skipped}" for p in result.plans if p.skipped]
    digest = hashlib.sha256(repr(sorted(map(repr, writes))).encode()).hexdigest()[:16]
    return Review(
        system,
        month,
        digest,
        writes,
        problems + result.problems,
        period_text.describe(result),
    )
