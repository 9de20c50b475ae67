"""The mappings page at scale: views with counts, search, sort, pages, confirm all suggestions."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from psabridge.server.core.models import Connection, SecurityCompany
from psabridge.server.mappings import table
from psabridge.server.mappings.models import Mapping, PsaClient

ISSUE = [
    {
        "code": "company_gone",
        "text": "The GravityZone company no longer exists.",
        "action": "Map it again.",
    }
]


@pytest.fixture
def big(db: None) -> None:
    """120 PSA clients: 60 mapped (5 need attention), 40 suggested by name, 20 with no match;
    30 GravityZone companies no PSA client matches."""
    now = timezone.now()
    Connection.objects.create(system="halopsa", base_url="https://halo.example.test")
    clients, companies, mappings = [], [], []
    for n in range(120):
        clients.append(
            PsaClient(system="halopsa", client_id=str(n), name=f"Client {n:03d}", refreshed_at=now)
        )
        if n < 100:
            companies.append(
                SecurityCompany(company_id=f"gz{n}", name=f"Client {n:03d}", refreshed_at=now)
            )
        if n < 60:
            mappings.append(
                Mapping(
                    system="halopsa",
                    psa_client_id=str(n),
                    psa_client_name=f"Client {n:03d}",
                    company_id=f"gz{n}",
                    company_name=f"Client {n:03d}",
                    issues=ISSUE if n < 5 else [],
                )
            )
    companies += [
        SecurityCompany(company_id=f"only{n}", name=f"Orphan {n:02d}", refreshed_at=now)
        for n in range(30)
    ]
    PsaClient.objects.bulk_create(clients)
    SecurityCompany.objects.bulk_create(companies)
    Mapping.objects.bulk_create(mappings)


def test_counts_of_every_view_match_their_rows(big):
    shown = table.build("halopsa")
    assert shown.counts == {
        "all": 120,
        "attention": 5,
        "suggested": 40,
        "unmapped": 60 + 30,
        "unmapped_psa": 60,
        "unmapped_companies": 70,  # 40 of them suggested for an unmapped PSA client
    }
    assert (shown.shown, shown.pages, len(shown.rows)) == (120, 3, table.PAGE_SIZE)
    for view in ("attention", "suggested", "unmapped"):
        assert table.build("halopsa", view).shown == shown.counts[view]
    # every unmapped party is listed once: GravityZone-only companies only under Unmapped, and
    # a suggested company only on its PSA client's row
    assert not [r for r in shown.rows if r.company and not r.mapping and not r.psa]
    unmapped = (
        table.build("halopsa", "unmapped", page=2).rows + table.build("halopsa", "unmapped").rows
    )
    alone = {r.company.company_id for r in unmapped if r.company and not r.psa}
    assert alone == {f"only{n}" for n in range(30)}


def test_search_sort_and_pages(big):
    found = table.build("halopsa", q="client 07")
    assert [r.mapping.psa_client_name if r.mapping else r.psa.name for r in found.rows] == [
        f"Client {n:03d}" for n in range(70, 80)
    ]
    last = table.build("halopsa", page=99)
    assert (last.page, last.first, last.last) == (3, 101, 120)
    first = table.build("halopsa", sort="attention").rows
    assert all(r.issues for r in first[:5]) and not first[5].issues
    by_company = table.build("halopsa", "unmapped", sort="company").rows
    assert by_company[0].company is not None or by_company[0].suggestion is not None


def test_the_page_shows_counts_search_and_pages(big, admin_client):
    page = admin_client.get("/mappings/").content.decode()
    assert "All (120)" in page and "Needs attention (5)" in page and "Suggested (40)" in page
    assert "Unmapped (90)" in page and "Rows 1–50 of 120" in page and 'id="next-page"' in page  # noqa: RUF001
    assert 'id="unmapped-count">70<' in page
    found = admin_client.get("/mappings/?q=Orphan%2001&view=unmapped").content.decode()
    assert "Rows 1–1 of 1" in found and "Orphan 01" in found  # noqa: RUF001
    nothing = admin_client.get("/mappings/?q=zzz").content.decode()
    assert "No row matches “zzz”." in nothing
    assert re.search(r"Page 2 of 3", admin_client.get("/mappings/?page=2").content.decode())


def test_confirm_all_suggestions_of_a_search_then_all(big, admin_client):
    answer = admin_client.post("/mappings/confirm-suggested", {"q": "client 06"}, follow=True)
    assert "Mapped 10 suggestion(s): Client 060 to Client 060 (same name)" in (
        answer.content.decode()
    )
    assert Mapping.objects.count() == 70
    admin_client.post("/mappings/confirm-suggested", {})
    assert Mapping.objects.count() == 100
    again = admin_client.post("/mappings/confirm-suggested", {}, follow=True).content.decode()
    assert "No suggestion to confirm." in again
