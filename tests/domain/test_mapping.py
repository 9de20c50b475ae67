"""Name normalization, suggestions and mapping health checks (R2.2, R2.4)."""

from __future__ import annotations

import pytest

from psabridge.domain.mapping import (
    COMPANY_GONE,
    PSA_CLIENT_GONE,
    PSA_CLIENT_INACTIVE,
    Party,
    mapping_issues,
    normalize_name,
    suggest,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Acme Dental", "acme dental"),
        ("Acme Dental Ltd", "acme dental"),
        ("ACME DENTAL, LLC", "acme dental"),
        ("Acme Dental L.L.C.", "acme dental"),
        ("Müller Bau GmbH", "muller bau"),
        ("Smith & Sons Co.", "smith and sons"),
        ("  Evergreen   Architects,  Inc. ", "evergreen architects"),
        ("Ltd", "ltd"),  # a name that is only a legal form is kept
        ("Co-Op Foods Ltd Ltd", "co op foods"),
    ],
)
def test_normalize_name(raw, normalized):
    assert normalize_name(raw) == normalized


def test_suggestions_with_reasons():
    clients = [
        Party("1", "Acme Dental Ltd"),
        Party("2", "Evergreen Architects"),
        Party("3", "Halo Only Co"),
    ]
    companies = [
        Party("a", "ACME DENTAL, LLC"),
        Party("b", "evergreen architects"),
        Party("c", "GZ Only"),
    ]
    suggestions = suggest(clients, companies)
    assert [(s.psa.id, s.company.id) for s in suggestions] == [("1", "a"), ("2", "b")]
    assert "legal forms" in suggestions[0].reason
    assert suggestions[1].reason == "same name"


def test_ambiguous_names_are_not_suggested():
    clients = [Party("1", "Acme"), Party("2", "ACME Ltd")]
    assert suggest(clients, [Party("a", "Acme")]) == []
    assert suggest([Party("1", "Acme")], [Party("a", "Acme"), Party("b", "Acme Inc")]) == []


@pytest.mark.parametrize(
    ("psa", "company", "inactive", "expected"),
    [
        (True, True, False, []),
        (False, True, False, [PSA_CLIENT_GONE]),
        (True, False, False, [COMPANY_GONE]),
        (False, False, False, [PSA_CLIENT_GONE, COMPANY_GONE]),
        (True, True, True, [PSA_CLIENT_INACTIVE]),
    ],
)
def test_mapping_issues(psa, company, inactive, expected):
    issues = mapping_issues(psa, company, inactive)
    assert issues == expected
    assert all(issue.action for issue in issues)
