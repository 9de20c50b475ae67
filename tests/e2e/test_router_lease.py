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


def held(owner: str, minutes: float) -> None:
    Lease.objects.update_or_create(
        name=tasks.LEASE,
        defaults={"owner": owner, "until": timezone.now() + timedelta(minutes=minutes)},
    )


def test_a_router_killed_holding_the_lease_does_not_stop_routing(world, later):
    host = socket.gethostname()[:40]
    held(f"{host}:{dead_pid()}:1", minutes=3)  # killed mid-run: its lease has not expired yet
    world.alert("av")
    tasks._route_once()
    assert len(world.tickets()) == 1, "routed at once: the holder's process is gone"
    assert Lease.objects.get(name=tasks.LEASE).owner == "", "released after the run"


def test_a_live_router_elsewhere_delays_the_run_until_its_lease_expires(world, later):
    held("another-host:4242:1", minutes=3)
    world.alert("av")
    tasks._route_once()
    assert world.tickets() == [] and later.delays == [2], "busy: looked at again shortly"
    held("another-host:4242:1", minutes=-1)  # that host died too: its lease expired
    tasks._route_once()
    assert len(world.tickets()) == 1
