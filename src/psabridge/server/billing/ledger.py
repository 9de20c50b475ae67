"""The billing ledger as a write-ahead record: intent before each PSA write, answer after (R3.8).

Every write is recorded (state "intent", committed at once) before it is sent, and completed with
the PSA's answer ("done" or "failed") after. A push killed in between leaves the intent: the
next push of the same PSA reads the PSA and resolves it ("landed" or "not_landed"), so the
ledger lists every write that reached the PSA, whatever stopped the push.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from psabridge.connectors.errors import ConnectorError, TransientError
from psabridge.server.billing.models import BillingRun, LedgerEntry

INTENT, DONE, FAILED, LANDED, NOT_LANDED, NO_WRITE = (
    "intent",
    "done",
    "failed",
    "landed",
    "not_landed",
    "none",
)
WRITTEN = (DONE, LANDED)  # states of a write the PSA holds
STATE_TEXT = {
    INTENT: "sent, answer not known yet",
    DONE: "written",
    FAILED: "refused",
    LANDED: "written (answer lost, found in the PSA)",
    NOT_LANDED: "not written (answer lost, not found in the PSA)",
    NO_WRITE: "no write",
}


@dataclass(frozen=True)
class Write:
    """One PSA write about to be sent, as the ledger records it."""

    company_id: str
    company_name: str
    document: str  # the invoice or agreement written to
    action: str  # create, update, remove, adopt, ticket...
    marker: str = ""  # what finds it again in the PSA (our line marker, an addition id...)
    line_id: str = ""  # the PSA line written, when it has one already
    item_id: str = ""
    description: str = ""
    before: float | None = None
    after: float | None = None


def _entry(run: BillingRun, write: Write, state: str, answer: str = "") -> LedgerEntry:
    return LedgerEntry(
        run=run,
        company_id=write.company_id,
        company_name=write.company_name[:200],
        invoice_id=write.document,
        action=write.action,
        marker=write.marker[:120],
        line_id=write.line_id[:40],
        item_id=write.item_id,
        description=write.description[:200],
        before=write.before,
        after=write.after,
        answer=answer[:300],
        state=state,
    )


def intents(run: BillingRun, writes: Iterable[Write]) -> list[LedgerEntry]:
    """Record writes about to be sent; committed before the caller sends them."""
    now = timezone.now()
    entries = [_entry(run, write, INTENT) for write in writes]
    for entry in entries:
        entry.sent_at = now
    with transaction.atomic():
        return LedgerEntry.objects.bulk_create(entries)


def intent(run: BillingRun, write: Write) -> LedgerEntry:
    """Record one write about to be sent."""
    return intents(run, [write])[0]


def complete(entry: LedgerEntry, answer: str, state: str = DONE, **changes: Any) -> None:
    """Complete a write with the PSA's answer (and what the answer changed: action, before...)."""
    entry.state, entry.answer, entry.answered_at = state, answer[:300], timezone.now()
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.save()


def settle_failure(entries: Iterable[LedgerEntry], exc: ConnectorError) -> None:
    """A refused or surely unsent write is failed; an ambiguous one stays open for the next run."""
    if isinstance(exc, TransientError) and exc.ambiguous:
        return
    for entry in entries:
        complete(entry, f"not written: {exc}", FAILED)


def no_write(run: BillingRun, writes: Iterable[Write], answer: str = "no write") -> None:
    """Record what a push looked at and left as it was (unchanged, stale, skipped)."""
    LedgerEntry.objects.bulk_create(_entry(run, write, NO_WRITE, answer) for write in writes)


def open_intents(system: str) -> list[LedgerEntry]:
    """Return every write of the PSA sent by an earlier push and never answered."""
    return list(LedgerEntry.objects.filter(run__system=system, state=INTENT).select_related("run"))


def resolve(entries: Iterable[LedgerEntry], landed: Callable[[LedgerEntry], bool | None]) -> int:
    """Settle unanswered writes by what the PSA now holds; `landed` None leaves one open."""
    settled = 0
    for entry in entries:
        found = landed(entry)
        if found is None:
            continue
        state = LANDED if found else NOT_LANDED
        complete(entry, f"{STATE_TEXT[state]} at the next push", state)
        settled += 1
    return settled


def close_interrupted_runs(system: str) -> None:
    """Mark runs that never finished (their process died) as stopped; call under the lease."""
    for run in BillingRun.objects.filter(system=system, push=True, finished_at__isnull=True):
        run.problems = [*run.problems, "stopped before it finished (the process ended)"]
        run.finished_at = timezone.now()
        run.writes = run.entries.filter(state__in=WRITTEN).count()
        run.save(update_fields=["problems", "finished_at", "writes"])
