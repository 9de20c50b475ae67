"""The alert router's one-at-a-time guard is a lease a killed worker never keeps (issue: a worker
stopped during a HaloPSA call left Huey's task lock held forever, and no ticket was created
again).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from psabridge.server.core.models import Lease
from psabridge.server.ticketing import tasks


class Scheduled:
    """Stands in for the Huey task: records the runs asked for later."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def schedule(self, delay: float) -> None:
        self.delays.append(delay)

    def __call__(self) -> None:
        """Enqueued right away (new alerts): the test runs the routers itself."""


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Scheduled:
    scheduled = Scheduled()
    monkeypatch.setattr(tasks, "route_alerts", scheduled)
    return scheduled


def dead_pid() -> int:
    """The pid of a process that has ended (as a worker killed with kill -9 leaves behind)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def held(owner: str, minutes: float, slot: str = tasks.LEASE) -> None:
    Lease.objects.update_or_create(
        name=slot,
        defaults={"owner": owner, "until": timezone.now() + timedelta(minutes=minutes)},
    )


def test_a_router_killed_holding_the_lease_does_not_stop_routing(world, later):
    host = socket.gethostname()[:40]
    held(f"{host}:{dead_pid()}:1", minutes=3)  # killed mid-run: its lease has not expired yet
    world.alert("av")
    tasks._route_once()
    assert len(world.tickets()) == 1, "routed at once: the holder's process is gone"
    assert Lease.objects.get(name=tasks.LEASE).owner == "", "released after the run"


def test_a_busy_router_leaves_the_keys_to_another_one(world, later):
    held("another-host:4242:1", minutes=3)  # a router elsewhere, stuck in a slow PSA call
    world.alert("av")
    tasks._route_once()
    assert len(world.tickets()) == 1, "a second router took the key"


def test_when_every_router_is_busy_the_run_looks_again_until_a_lease_expires(world, later):
    for number, slot in enumerate(tasks.slots()):
        held(f"another-host:{4242 + number}:1", minutes=3, slot=slot)
    world.alert("av")
    tasks._route_once()
    assert world.tickets() == [] and later.delays == [2], "busy: looked at again shortly"
    held("another-host:4242:1", minutes=-1)  # that host died: its lease expired
    tasks._route_once()
    assert len(world.tickets()) == 1


@pytest.mark.django_db(transaction=True)  # the routers run in threads: they must see the alerts
def test_a_slow_psa_call_holds_up_only_its_own_key(world, later):
    import threading
    import time

    from django.db import connection

    world.alert("av", endpoint=0)
    world.alert("av", endpoint=1)
    slow = {"path": "/api/Tickets", "method": "POST", "mode": "latency", "latency_ms": 4000}
    world.sandbox_post("faults", slow)  # the first create waits 4 s on the PSA side

    def router() -> None:
        try:
            tasks._route_once()
        finally:
            connection.close()

    first = threading.Thread(target=router)
    first.start()
    deadline = time.monotonic() + 10
    while not world.halo_state()["calls"].get("POST /api/Tickets"):
        assert time.monotonic() < deadline, "the first router never sent its create"
        time.sleep(0.05)
    second = threading.Thread(target=router)
    second.start()
    second.join(20)
    assert first.is_alive(), "the first create is still held"
    assert len(world.tickets()) == 1, "the other key's ticket did not wait for it"
    first.join(20)
    assert len(world.tickets()) == 2


def test_a_key_leased_by_a_killed_worker_is_taken_over_at_once(world, later):
    from psabridge.server.ticketing import leases
    from psabridge.server.ticketing.models import AggregationKey

    host = socket.gethostname()[:40]
    key = AggregationKey.objects.create(
        system="halopsa",
        company_id=world.mapping.company_id,
        endpoint_id=world.endpoints[0]["id"],
        kind="antimalware",
        lease_owner=f"{host}:{dead_pid()}:7",
        lease_until=timezone.now() + timedelta(minutes=3),
    )
    world.alert("av")
    tasks._route_once()
    assert len(world.tickets()) == 1, "the key did not wait 3 minutes for a dead worker"
    key.lease_owner, key.lease_until = "another-host:9:1", timezone.now() + timedelta(minutes=3)
    key.save(update_fields=["lease_owner", "lease_until"])
    assert not leases.take(key, timezone.now()), "a live holder elsewhere keeps it"
