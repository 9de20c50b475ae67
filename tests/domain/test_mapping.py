"""Name normalization, suggestions and mapping health checks (R2.2, R2.4)."""

from __future__ import annotations

import pytest

from psabridge.domain.mapping import (
    AUTOMATE_COMPANY_CHANGED,
    AUTOMATE_COMPANY_GONE,
    AUTOMATE_PSA_CHANGED,
    COMPANY_GONE,
    CW_COMPANY_GONE,
    CW_PSA_COMPANY_GONE,
    DISALLOW_SAVING,
    PSA_CLIENT_GONE,
    PSA_CLIENT_INACTIVE,
    Association,
    AutomateLink,
    LinkedWorld,
    Party,
    PsaCompanyState,
    detect,
    detected_association,
    linked_issues,
    mapping_issues,
    normalize_name,
    suggest,
    suggest_through_automate,
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


# ConnectWise: PSA companies 1-3, Automate clients c1-c3, GravityZone companies g1-g3.
COMPANIES = [Party("g1", "Acme Dental LLC"), Party("g2", "Birch Legal"), Party("g3", "Cedar Farms")]
CLIENTS = [
    AutomateLink("c1", "Acme Dental", "1"),
    AutomateLink("c2", "Birch Legal Ltd", "2"),
    AutomateLink("c3", "Cedar Farms", None),
]


def test_detection_follows_external_id_and_normalized_names():
    detection = detect(CLIENTS, COMPANIES)
    assert detection.client_of("1") == CLIENTS[0]
    assert detection.client_of("2") == CLIENTS[1]
    assert detection.client_of("3") is None, "an unlinked client (ExternalId 0/None) links nothing"
    assert detection.company_of("c1") == COMPANIES[0]
    assert detection.company_of("c3") == COMPANIES[2], "names match even without a PSA link"
    assert detection.company_of("nope") is None


@pytest.mark.parametrize(
    ("clients", "companies", "psa_id", "client_id"),
    [
        # Two clients link to the same PSA company: no client is detected for it.
        ([AutomateLink("c1", "Acme", "1"), AutomateLink("c2", "Acme 2", "1")], COMPANIES, "1", ""),
        # Two GravityZone companies with the same normalized name: no company for the client.
        (
            [AutomateLink("c1", "Acme", "1")],
            [Party("g1", "Acme"), Party("g2", "ACME Ltd")],
            "",
            "c1",
        ),
        # Two Automate clients with the same normalized name: neither detects the company.
        (
            [AutomateLink("c1", "Acme", "1"), AutomateLink("c2", "acme inc", "2")],
            [Party("g1", "Acme")],
            "",
            "c1",
        ),
    ],
)
def test_ambiguity_detects_nothing(clients, companies, psa_id, client_id):
    detection = detect(clients, companies)
    if psa_id:
        assert detection.client_of(psa_id) is None
    if client_id:
        assert detection.company_of(client_id) is None


def test_suggestions_through_automate_need_the_whole_chain_and_a_free_company():
    detection = detect(CLIENTS, COMPANIES)
    psa = [Party("1", "Acme Dental Ltd"), Party("2", "Birch"), Party("3", "Cedar Farms")]
    suggestions = suggest_through_automate(psa, COMPANIES[:1], detection)
    assert [(s.psa.id, s.via.id, s.company.id) for s in suggestions] == [("1", "c1", "g1")]
    assert suggestions[0].reason == (
        "Automate client Acme Dental links to this company (ExternalId) "
        "and matches GravityZone company Acme Dental LLC by name"
    )
    # Cedar Farms has no ExternalId link: the plain name match, said so.
    every = suggest_through_automate(psa, COMPANIES, detection)
    assert [(s.psa.id, s.company.id) for s in every] == [("1", "g1"), ("2", "g2"), ("3", "g3")]
    assert every[2].via is None
    assert every[2].reason == "same name; no Automate client links to this company (ExternalId)"
    both = every
    assert both[1].reason.endswith("the ConnectWise PSA company's own name differs: check the link")


def world(clients=CLIENTS, companies=COMPANIES, automate=True, psa=None):
    psa = (
        psa
        if psa is not None
        else {
            "1": PsaCompanyState("1", "Acme Dental Ltd"),
            "2": PsaCompanyState("2", "Birch Legal"),
            "3": PsaCompanyState("3", "Cedar Farms"),
        }
    )
    return LinkedWorld(
        psa=psa,
        companies=frozenset(c.id for c in companies),
        automate=detect(clients, companies) if automate else None,
    )


def codes(stored, seen):
    issues = linked_issues(stored, seen)
    assert all(issue.text and issue.action for issue in issues)
    return [issue.code for issue in issues]


A_GZ_CHANGED, A_GZ_GONE, A_PSA = (
    AUTOMATE_COMPANY_CHANGED,
    AUTOMATE_COMPANY_GONE,
    AUTOMATE_PSA_CHANGED,
)
PSA_GONE, GZ_GONE, DISALLOW = CW_PSA_COMPANY_GONE.code, CW_COMPANY_GONE.code, DISALLOW_SAVING.code
RENAMED = [AutomateLink("c1", "Birch Legal", "1"), CLIENTS[2]]  # c1 now matches g2 by name


@pytest.mark.parametrize(
    ("stored", "seen", "expected"),
    [
        # healthy: the chain 1 -> c1 -> g1 holds
        (Association("1", "c1", "g1"), world(), []),
        # the stored client now matches another GravityZone company
        (
            Association("1", "c1", "g1"),
            world(clients=RENAMED, companies=COMPANIES[:2]),
            [A_GZ_CHANGED],
        ),
        # the stored client matches no GravityZone company any more
        (
            Association("1", "c1", "g1"),
            world(clients=[AutomateLink("c1", "Zed", "1")]),
            [A_GZ_GONE],
        ),
        # the stored client is gone (and no other client links to company 1)
        (Association("1", "c1", "g1"), world(clients=CLIENTS[1:]), [A_GZ_GONE]),
        # another client now links to company 1 (and c1 still matches g1)
        (
            Association("1", "c1", "g1"),
            world(
                clients=[AutomateLink("c1", "Acme Dental", "2"), AutomateLink("c9", "Other", "1")]
            ),
            [A_PSA],
        ),
        # the stored client's ExternalId now points elsewhere (unlinked: 0/None)
        (
            Association("1", "c1", "g1"),
            world(clients=[AutomateLink("c1", "Acme Dental", None)]),
            [A_PSA],
        ),
        # the stored client is gone and another client links to company 1 and matches nothing
        (
            Association("1", "c1", "g1"),
            world(clients=[AutomateLink("c9", "Nobody", "1")]),
            [A_GZ_GONE, A_PSA],
        ),
        # a direct mapping made before Automate: a client now links to the company
        (Association("1", "", "g1"), world(), [A_PSA]),
        (Association("3", "", "g3"), world(), []),
        # the PSA company is gone (the client still links to its old id)
        (Association("1", "c1", "g1"), world(psa={}), [PSA_GONE]),
        # the GravityZone company is gone: the client matches nothing any more either
        (Association("1", "c1", "g1"), world(companies=COMPANIES[1:]), [A_GZ_GONE, GZ_GONE]),
        # Disallow Saving on the company's status
        (
            Association("1", "c1", "g1"),
            world(psa={"1": PsaCompanyState("1", "Acme", disallow_saving=True)}),
            [DISALLOW],
        ),
        # everything at once
        (
            Association("1", "c1", "g1"),
            world(
                clients=[AutomateLink("c1", "Birch Legal", "2")], companies=COMPANIES[1:], psa={}
            ),
            [A_GZ_CHANGED, A_PSA, PSA_GONE, GZ_GONE],
        ),
        # direct mode (no Automate): only the two sides and the status are checked
        (Association("1", "c1", "g1"), world(automate=False, clients=[]), []),
        (
            Association("1", "", "g1"),
            world(automate=False, psa={}, companies=[]),
            [PSA_GONE, GZ_GONE],
        ),
        (
            Association("2", "", "g2"),
            world(automate=False, psa={"2": PsaCompanyState("2", "B", disallow_saving=True)}),
            [DISALLOW],
        ),
    ],
)
def test_linked_issues(stored, seen, expected):
    assert codes(stored, seen) == expected


def test_issue_texts_are_the_seeds_and_actions_name_the_parties():
    changed = linked_issues(
        Association("1", "c1", "g1"), world(clients=RENAMED, companies=COMPANIES[:2])
    )[0]
    assert changed.text == "The ConnectWise Automate and GravityZone association has changed."
    assert "Acme" not in changed.action and "Birch Legal" in changed.action
    assert "press Update" in changed.action
    gone = linked_issues(Association("1", "c1", "g1"), world(clients=CLIENTS[1:]))[0]
    assert gone.text == "The ConnectWise Automate and GravityZone association no longer exists."
    assert "c1 no longer exists" in gone.action
    assert CW_PSA_COMPANY_GONE.text == "ConnectWise PSA company no longer exists."
    assert CW_COMPANY_GONE.text == "GravityZone company no longer exists."
    assert DISALLOW_SAVING.text == (
        "The company status of the ConnectWise PSA company has the option Disallow Saving enabled."
    )


@pytest.mark.parametrize(
    ("stored", "seen", "expected"),
    [
        (Association("1", "c1", "g1"), world(), Association("1", "c1", "g1")),
        # the client's name now matches g2: Update moves the company
        (
            Association("1", "c1", "g1"),
            world(clients=RENAMED, companies=COMPANIES[:2]),
            Association("1", "c1", "g2"),
        ),
        # another client links to company 1: Update takes it and its company
        (
            Association("1", "c1", "g1"),
            world(clients=[AutomateLink("c1", "X", "2"), AutomateLink("c9", "Cedar Farms", "1")]),
            Association("1", "c9", "g3"),
        ),
        # a direct mapping adopts the detected client
        (Association("1", "", "g1"), world(), Association("1", "c1", "g1")),
        # nothing detected: the stored values stay
        (Association("1", "c1", "g1"), world(clients=[]), Association("1", "c1", "g1")),
        (Association("1", "c1", "g1"), world(automate=False), Association("1", "c1", "g1")),
    ],
)
def test_detected_association(stored, seen, expected):
    assert detected_association(stored, seen) == expected


def test_name_fallback_never_competes_with_an_automate_suggestion():
    # Client c1 links PSA company 9 (named otherwise) to g1; PSA company 1 matches g1 by name.
    detection = detect([AutomateLink("c1", "Acme Dental", "9")], COMPANIES)
    psa = [Party("1", "Acme Dental"), Party("9", "Northwind")]
    suggestions = suggest_through_automate(psa, COMPANIES, detection)
    assert [(s.psa.id, s.company.id) for s in suggestions] == [("9", "g1")]
    # A PSA company with a linked client never falls back to its own name.
    linked = detect([AutomateLink("c1", "Zed", "1")], COMPANIES)
    assert suggest_through_automate([Party("1", "Acme Dental")], COMPANIES, linked) == []
