"""PSA clients as last read, and the mappings between them and GravityZone companies."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class PsaClient(models.Model):
    """A PSA company (a client) as last read from the PSA.

    RMM clients are cached here too, under the RMM's system kind, with the PSA
    company their ExternalId links to in extra["external_id"] (R1.4).
    """

    system = models.CharField(max_length=20)
    client_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    inactive = models.BooleanField(default=False)
    extra = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["system", "client_id"], name="one_psa_client")
        ]

    def __str__(self) -> str:
        return self.name


class Mapping(models.Model):
    """GravityZone company <-> PSA client, with the services switched on for it (R2.1)."""

    system = models.CharField(max_length=20)
    psa_client_id = models.CharField(max_length=64)
    psa_client_name = models.CharField(max_length=200)
    company_id = models.CharField(max_length=64)
    company_name = models.CharField(max_length=200)
    billing = models.BooleanField(default=False)
    ticketing = models.BooleanField(default=True)
    issues = models.JSONField(default=list)
    custom_billing = models.BooleanField(default=False)
    billing_issue = models.CharField(max_length=300, blank=True, default="")
    # Through an RMM: the RMM client between the two (R1.4) and the billing/service-desk
    # issues the last agreement sync found ([{code, text, action}], R2.4).
    automate_client_id = models.CharField(max_length=64, blank=True, default="")
    automate_client_name = models.CharField(max_length=200, blank=True, default="")
    billing_issues = models.JSONField(default=list)
    checked_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["system", "psa_client_id"], name="one_mapping_per_client"
            ),
            models.UniqueConstraint(
                fields=["system", "company_id"], name="one_mapping_per_company"
            ),
        ]
        ordering: ClassVar = ["psa_client_name"]

    def __str__(self) -> str:
        return f"{self.psa_client_name} <-> {self.company_name}"


class MappingSettings(models.Model):
    """The mappings page's settings (one row): the opt-in automatic import of new PSA companies."""

    auto_import = models.BooleanField(default=False)

    @classmethod
    def current(cls) -> MappingSettings:
        found, _ = cls.objects.get_or_create(pk=1)
        return found
