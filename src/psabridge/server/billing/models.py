"""Usage snapshots per company and month, and the endpoints behind them."""

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
    endpoints_counted = models.PositiveIntegerField(default=0)
    collected_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company_id", "month"], name="one_snapshot_per_month")
        ]
        ordering: ClassVar = ["company_name", "month"]


class EndpointEvidence(models.Model):
    """Whether one endpoint counted for a company's month, and why (R7.3)."""

    snapshot = models.ForeignKey(UsageSnapshot, on_delete=models.CASCADE, related_name="evidence")
    endpoint_id = models.CharField(max_length=64)
    endpoint_name = models.CharField(max_length=200)
    counted = models.BooleanField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering: ClassVar = ["-counted", "endpoint_name"]
