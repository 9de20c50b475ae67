"""A company's month as pages and the CLI show it: quantities, finality, evidence, change (R4.8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psabridge.domain.evidence import EndpointRecord, Tally
from psabridge.domain.month_count import (
    Disagreement,
    MonthChange,
    disagreement,
    month_change,
    month_window,
)
from psabridge.domain.usage import Month
from psabridge.server.billing import collection
from psabridge.server.billing.models import UsageSnapshot
from psabridge.server.billing.snapshots import quantities, records_of, seats


@dataclass
class CompanyMonth:
    """One company's month: the snapshot and what the evidence says of it."""

    snapshot: UsageSnapshot
    records: list[EndpointRecord]
    tally: Tally
    disagreement: Disagreement | None
    change: MonthChange

    def as_json(self) -> dict[str, Any]:
        """Return the line `psabridge usage show --json` prints for this company."""
        snapshot = self.snapshot
        return {
            "company_id": snapshot.company_id,
            "company_name": snapshot.company_name,
            "month": snapshot.month,
            "quantities": quantities(snapshot),
            "final": snapshot.final,
            "evidence_count": self.tally.counted,
            "evidence_unknown": self.tally.unknown,
            "evidence_partial": snapshot.evidence_note or None,
            "not_billed": snapshot.not_billed_reason or None,
            "disagreement": self.disagreement.text if self.disagreement else None,
            "change": {
                "quantities": {
                    key: {"before": before, "after": after}
                    for key, (before, after) in self.change.quantities.items()
                },
                "reason": self.change.text,
            },
        }


def company_month(snapshot: UsageSnapshot) -> CompanyMonth:
    """Return what the evidence says of one snapshot, and the change from the month before."""
    month = Month.parse(snapshot.month)
    window = month_window(month, collection.msp_zone())
    records = list(records_of(snapshot).values())
    earlier = UsageSnapshot.objects.filter(
        company_id=snapshot.company_id, month=str(month.previous())
    ).first()
    change = month_change(
        quantities(earlier) if earlier else None,
        quantities(snapshot),
        list(records_of(earlier).values()) if earlier else None,
        records,
        window,
    )
    found = disagreement(seats(snapshot), records, month.label()) if _checks(snapshot) else None
    return CompanyMonth(snapshot, records, Tally.of(records), found, change)


def _checks(snapshot: UsageSnapshot) -> bool:
    # Without a monthly subscription every counter is 0 (reference 2.7): nothing to disagree on.
    return not snapshot.not_billed_reason


def month_report(month: Month) -> list[CompanyMonth]:
    """Return every collected company of the month, by name."""
    rows = UsageSnapshot.objects.filter(month=str(month)).order_by("company_name")
    return [company_month(snapshot) for snapshot in rows]
