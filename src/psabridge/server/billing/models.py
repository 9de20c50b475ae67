"""Usage snapshots, the PSA billing records (invoices, agreement additions) and the ledger."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class UsageSnapshot(models.Model):
    """What GravityZone reported for one company and month at the last collection."""

    company_id = models.CharField(max_length=64)
    company_name = models.CharField(max_length=200)
    month = models.CharField(max_length=7)  # YYYY-MM
    subscription_type = models.SmallIntegerField(null=True)
    protection_model = models.CharField(max_length=40, blank=True, default="")
    counters = models.JSONField(default=dict)
    lines = models.JSONField(default=list)  # [{product_key, quantity, description}]
    not_billed_reason = models.CharField(max_length=200, blank=True, default="")
    endpoints_counted = models.PositiveIntegerField(default=0)  # evidence: seen connecting
    collected_at = models.DateTimeField()
    # R4.6: the first collection after the month ended makes it final; nothing changes it after.
    final = models.BooleanField(default=False)
    finalized_at = models.DateTimeField(null=True)
    # When psabridge collected the month while it ran, and why its evidence is partial ("": not).
    watched_from = models.DateTimeField(null=True)
    watched_until = models.DateTimeField(null=True)
    longest_gap_seconds = models.PositiveIntegerField(default=0)
    evidence_note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company_id", "month"], name="one_snapshot_per_month")
        ]
        ordering: ClassVar = ["company_name", "month"]


class UsageCollection(models.Model):
    """One collection of a month from GravityZone: its progress while it runs, then its result."""

    month = models.CharField(max_length=7)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)  # progress: a silent one has stopped
    finished_at = models.DateTimeField(null=True)
    companies = models.PositiveIntegerField(default=0)  # to read
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["-started_at"]


class EndpointEvidence(models.Model):
    """Whether one endpoint counted for a company's month, and why (R7.3)."""

    snapshot = models.ForeignKey(UsageSnapshot, on_delete=models.CASCADE, related_name="evidence")
    endpoint_id = models.CharField(max_length=64)
    endpoint_name = models.CharField(max_length=200)
    counted = models.BooleanField()
    verdict = models.CharField(max_length=12, default="not_counted")  # domain.evidence VERDICTS
    reason = models.CharField(max_length=200)
    first_seen = models.DateTimeField(null=True)  # connections inside the month psabridge saw
    last_seen = models.DateTimeField(null=True)
    latest_seen = models.DateTimeField(null=True)  # lastSeen at the latest sighting
    licence_lost = models.BooleanField(default=False)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["snapshot", "endpoint_id"], name="one_record_per_endpoint"
            )
        ]
        ordering: ClassVar = ["-counted", "endpoint_name"]


class ProductMapping(models.Model):
    """Global mapping of a GravityZone usage product to a PSA item (R3.1)."""

    system = models.CharField(max_length=20)
    product_key = models.CharField(max_length=40)
    item_id = models.CharField(max_length=40)
    item_name = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["system", "product_key"], name="one_item_per_product")
        ]


class PsaInvoice(models.Model):
    """The recurring invoice psabridge writes a mapping's usage to (R3.2)."""

    mapping = models.OneToOneField(
        "mappings.Mapping", on_delete=models.CASCADE, related_name="invoice"
    )
    invoice_id = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    # created: psabridge made it; proposed: an existing invoice found, waiting for the admin to
    # confirm adopting it (nothing is pushed until then); adopting: confirmed, the next push takes
    # over its lines of the billed items; adopted: taken over, billed like a created one (R4.7).
    status = models.CharField(max_length=10, default="created")
    created_at = models.DateTimeField(auto_now_add=True)


class BillingRun(models.Model):
    """One preview or push of a month (R3.8)."""

    system = models.CharField(max_length=20)
    month = models.CharField(max_length=7)
    push = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    writes = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)

    class Meta:
        ordering: ClassVar = ["-started_at"]


class LedgerEntry(models.Model):
    """One PSA write of a push, recorded before it is sent and completed with the PSA's answer.

    state: intent (recorded, sent or about to be, no answer yet), done (the PSA answered),
    failed (the PSA refused it), landed / not_landed (the answer was lost: a later run read the
    PSA and found it written / not written), none (no write: unchanged, stale, skipped).
    """

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="entries")
    company_id = models.CharField(max_length=64)
    company_name = models.CharField(max_length=200)
    invoice_id = models.CharField(max_length=40)
    action = models.CharField(max_length=12)  # create, update, remove, unchanged, stale
    marker = models.CharField(max_length=120, blank=True, default="")
    line_id = models.CharField(max_length=40, blank=True, default="")  # the PSA line written
    item_id = models.CharField(max_length=40, blank=True, default="")
    description = models.CharField(max_length=200, blank=True, default="")
    before = models.FloatField(null=True)
    after = models.FloatField(null=True)
    answer = models.CharField(max_length=300, blank=True, default="")
    state = models.CharField(max_length=12, default="done")
    sent_at = models.DateTimeField(null=True)
    answered_at = models.DateTimeField(null=True)

    class Meta:
        ordering: ClassVar = ["company_name", "id"]


class CustomProduct(models.Model):
    """A mapping's own item for one product, used when its custom billing is on (R3.5)."""

    mapping = models.ForeignKey(
        "mappings.Mapping", on_delete=models.CASCADE, related_name="custom_products"
    )
    product_key = models.CharField(max_length=40)
    item_id = models.CharField(max_length=40)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["mapping", "product_key"], name="one_custom_item")
        ]


class CwBillingSettings(models.Model):
    """Agreement billing settings (R4.1, R4.2): one row, pk 1."""

    agreement_type_id = models.CharField(max_length=40, blank=True, default="")
    agreement_type_name = models.CharField(max_length=200, blank=True, default="")
    product_id = models.CharField(max_length=40, blank=True, default="")
    product_name = models.CharField(max_length=200, blank=True, default="")
    covered = models.JSONField(default=list)  # agreement statuses; Active is always covered
    service_desk = models.BooleanField(default=False)
    service_board_id = models.CharField(max_length=40, blank=True, default="")
    service_board_name = models.CharField(max_length=200, blank=True, default="")
    service_priority_id = models.CharField(max_length=40, blank=True, default="")
    service_priority_name = models.CharField(max_length=200, blank=True, default="")
    saved_at = models.DateTimeField(null=True)

    @property
    def is_configured(self) -> bool:
        return bool(self.agreement_type_id and self.product_id)


class CwAddition(models.Model):
    """The agreement addition psabridge wrote for a mapping's month (R4.4): the resume record."""

    mapping = models.ForeignKey(
        "mappings.Mapping", on_delete=models.CASCADE, related_name="cw_additions"
    )
    month = models.CharField(max_length=7)  # YYYY-MM
    agreement_id = models.CharField(max_length=40)
    addition_id = models.CharField(max_length=40)
    product_id = models.CharField(max_length=40)
    quantity = models.FloatField()
    effective = models.DateField(null=True)
    cancelled = models.DateField(null=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The month ended and its final count is on the addition: it is never written again (R4.6).
    closed_at = models.DateTimeField(null=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["mapping", "month"], name="one_cw_addition_per_month")
        ]


class CwServiceTicket(models.Model):
    """The R4.2 service ticket opened for a mapping's month: at most one."""

    mapping = models.ForeignKey(
        "mappings.Mapping", on_delete=models.CASCADE, related_name="cw_tickets"
    )
    month = models.CharField(max_length=7)
    reference = models.CharField(max_length=100, unique=True)
    ticket_id = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["mapping", "month"], name="one_cw_ticket_per_month")
        ]
