"""Nothing lost, nothing doubled under real faults, on PostgreSQL + Redis: two web nodes and two
workers take a storm of alerts while the sandbox HaloPSA answers 429, loses the answers of
a create and a note, commits one create after psabridge gave up waiting, and a worker is killed
with kill -9 mid-storm (tests/support/chaos.py; the large run is bench/chaos.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from psabridge.sandbox.runner import Sandbox
from tests.support.chaos import ChaosPlan, run_chaos
from tests.support.stack import _drop_databases, _fresh_postgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        or not os.environ.get("REDIS_URL"),
        reason="the chaos scenario runs on the PostgreSQL + Redis stage",
    ),
]
TICKETS, NOTES = "/api/Tickets", "/api/Actions"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_limits=True, companies=10, endpoints=120, seed=5) as running:
        yield running


def test_a_storm_under_faults_and_a_killed_worker_loses_and_doubles_nothing(sandbox, tmp_path):
    database_url, cleanups = _fresh_postgres(os.environ["DATABASE_URL"])
    plan = ChaosPlan(
        alerts=200,
        endpoints=16,
        seconds=16,
        faults=[
            # A 5xx on a create is ambiguous and waits 90 s before a second create: bench/chaos.py
            # has those; here the fault window is 429s, lost answers and a late commit.
            (
                4,
                {
                    "path": "*",
                    "method": "*",
                    "mode": "status",
                    "status": 429,
                    "retry_after": 3,
                    "times": 3,
                },
            ),
            (6, {"path": TICKETS, "method": "POST", "mode": "commit_then_reset", "times": 1}),
            (8, {"path": NOTES, "method": "POST", "mode": "commit_then_reset", "times": 1}),
            # Held past psabridge's read timeout (5 s here), then committed: a late create.
            (
                10,
                {"path": TICKETS, "method": "POST", "mode": "timeout", "latency_ms": 6_000},
            ),
        ],
        drain_limit=240,
    )
    try:
        report = run_chaos(sandbox, plan, database_url, os.environ["REDIS_URL"], data_dir=tmp_path)
    finally:
        _drop_databases(cleanups)
    print(report.as_dict())
    assert report.kills == 1 and report.drain_seconds is not None, report.as_dict()
    assert report.lost == 0, report.as_dict()
    assert report.duplicate_tickets == 0 and report.duplicate_notes == 0, report.as_dict()
    assert report.alerts_in_psa == report.pushed == report.ticketed + report.noted
