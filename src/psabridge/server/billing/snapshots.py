"""Store a collection's reading in its month's snapshot: merge evidence, settle at the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from psabridge.domain.evidence import EndpointRecord, Sighting, Tally, Window, merge
from psabridge.domain.month_count import Watch, month_ended, partial_reason
from psabridge.domain.usage import BillableLine, LicenceFacts, not_billed_reason
from psabridge.server.billing.models import EndpointEvidence, UsageSnapshot


@dataclass
class Reading:
    """What one collection read of one company's month."""

    company_id: str
    name: str
    licence: LicenceFacts
    counters: dict[str, int]
    lines: list[BillableLine]
    sightings: list[Sighting]


@transaction.atomic
def store(reading: Reading, window: Window, month: str, now: datetime) -> UsageSnapshot:
    """Merge the reading into the month's snapshot; a final snapshot is never changed.

    The row is locked (PostgreSQL) or the write transaction serialises (SQLite), so two
    collectors never interleave their merges.
    """
    snapshot = (
        UsageSnapshot.objects.select_for_update()
        .filter(company_id=reading.company_id, month=month)
        .first()
    )
    if snapshot is not None and snapshot.final:
        return snapshot  # another collection made it final first: final wins
    ended = month_ended(window, now)
    watch = watch_of(snapshot)
    if not ended:
        watch = watch.looked(now)
    records = merge(records_of(snapshot) if snapshot else {}, reading.sightings, window, watch.last)
    snapshot = snapshot or UsageSnapshot(company_id=reading.company_id, month=month)
    _fill(snapshot, reading, now)
    _settle(snapshot, watch, window, ended, now)
    snapshot.endpoints_counted = Tally.of(list(records.values())).counted
    snapshot.save()
    _replace_evidence(snapshot, records)
    return snapshot


def _fill(snapshot: UsageSnapshot, reading: Reading, now: datetime) -> None:
    licence = reading.licence
    snapshot.company_name = reading.name[:200]
    snapshot.subscription_type = licence.subscription_type
    snapshot.protection_model = licence.protection_model or ""
    snapshot.counters = dict(reading.counters)
    snapshot.lines = [
        {"product_key": ln.product_key, "quantity": ln.quantity, "description": ln.description}
        for ln in reading.lines
    ]
    snapshot.not_billed_reason = (not_billed_reason(licence) or "")[:200]
    snapshot.collected_at = now


def _settle(
    snapshot: UsageSnapshot, watch: Watch, window: Window, ended: bool, now: datetime
) -> None:
    snapshot.watched_from, snapshot.watched_until = watch.first, watch.last
    snapshot.longest_gap_seconds = int(watch.longest_gap.total_seconds())
    snapshot.evidence_note = partial_reason(watch, window, ended)[:300]
    snapshot.final = ended
    snapshot.finalized_at = now if ended else None


def watch_of(snapshot: UsageSnapshot | None) -> Watch:
    """Return when psabridge collected the snapshot's month while it ran."""
    if snapshot is None:
        return Watch()
    gap = timedelta(seconds=snapshot.longest_gap_seconds)
    return Watch(snapshot.watched_from, snapshot.watched_until, gap)


def records_of(snapshot: UsageSnapshot) -> dict[str, EndpointRecord]:
    """Return the snapshot's evidence as domain records, by endpoint id."""
    return {
        row.endpoint_id: EndpointRecord(
            row.endpoint_id,
            row.endpoint_name,
            row.verdict,
            row.reason,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            latest_seen=row.latest_seen,
            licence_lost=row.licence_lost,
        )
        for row in snapshot.evidence.all()
    }


def _replace_evidence(snapshot: UsageSnapshot, records: dict[str, EndpointRecord]) -> None:
    snapshot.evidence.all().delete()
    EndpointEvidence.objects.bulk_create(
        EndpointEvidence(
            snapshot=snapshot,
            endpoint_id=record.endpoint_id,
            endpoint_name=record.name[:200],
            counted=record.counted,
            verdict=record.verdict,
            reason=record.reason[:200],
            first_seen=record.first_seen,
            last_seen=record.last_seen,
            latest_seen=record.latest_seen,
            licence_lost=record.licence_lost,
        )
        for record in records.values()
    )


def seats(snapshot: UsageSnapshot) -> int:
    """Return the month's seat quantity: GravityZone's endpoint counter, read once (R4.3)."""
    return next((int(ln["quantity"]) for ln in snapshot.lines if ln["product_key"] == "seats"), 0)


def quantities(snapshot: UsageSnapshot) -> dict[str, int]:
    """Return product key -> quantity of the snapshot's billable lines."""
    return {ln["product_key"]: int(ln["quantity"]) for ln in snapshot.lines}
