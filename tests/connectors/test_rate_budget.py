"""RateBudget: moving window, blocking through the injected sleeper, max_wait, shared storage."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond

from psabridge.connectors.errors import RateLimitedError, TransientError
from psabridge.connectors.http import RateBudget, secret_fingerprint
from psabridge.connectors.rate_budget import patient

from .conftest import FakeClock


def budget_for(clock: FakeClock, namespace: str | None = None) -> RateBudget:
    return RateBudget(
        "memory://", namespace or f"test-{uuid4()}", sleeper=clock.sleep, clock=clock.time
    )


def test_free_slots_do_not_wait(clock: FakeClock) -> None:
    budget = budget_for(clock)
    item = RateLimitItemPerSecond(3)
    assert [budget.acquire(item, "k", max_wait=0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert clock.sleeps == []


def test_full_window_blocks_through_the_sleeper(clock: FakeClock) -> None:
    budget = budget_for(clock)
    item = RateLimitItemPerSecond(2)
    budget.acquire(item, "k", max_wait=5)
    budget.acquire(item, "k", max_wait=5)
    waited = budget.acquire(item, "k", max_wait=5)
    assert waited == pytest.approx(1.0, abs=0.01) and len(clock.sleeps) == 1


def test_window_moves_rather_than_resetting(clock: FakeClock) -> None:
    budget = budget_for(clock)
    item = RateLimitItemPerSecond(2)
    budget.acquire(item, "k", max_wait=0)  # t = 0.0
    clock.advance(0.6)
    budget.acquire(item, "k", max_wait=0)  # t = 0.6
    clock.advance(0.5)
    budget.acquire(item, "k", max_wait=0)  # t = 1.1: the t=0.0 entry has left the window
    # Window now holds 0.6 and 1.1; a fixed window would have a fresh second here.
    assert budget.acquire(item, "k", max_wait=1) == pytest.approx(0.5, abs=0.01)
    assert len(clock.sleeps) == 1


def test_wait_beyond_max_wait_raises_without_sleeping(clock: FakeClock) -> None:
    budget = budget_for(clock)
    item = RateLimitItemPerMinute(5)
    for _ in range(5):
        budget.acquire(item, "k", max_wait=0)
    with pytest.raises(RateLimitedError) as raised:
        budget.acquire(item, "k", max_wait=30)
    assert raised.value.retry_after == pytest.approx(60.0, abs=0.01)
    assert raised.value.local and clock.sleeps == []


def test_a_patient_block_waits_out_a_full_window_and_only_within_it(clock: FakeClock) -> None:
    budget = budget_for(clock)
    item = RateLimitItemPerMinute(5)
    for _ in range(5):
        budget.acquire(item, "k", max_wait=0)
    with patient(90):  # a background job: waits the 60 s rather than stop
        assert budget.acquire(item, "k", max_wait=30) == pytest.approx(60.0, abs=0.01)
        with patient(0):  # the innermost block counts; the caller's own bound still holds
            for _ in range(4):
                budget.acquire(item, "k", max_wait=0)
            with pytest.raises(RateLimitedError):
                budget.acquire(item, "k", max_wait=30)
    with pytest.raises(RateLimitedError) as raised:  # after the block: the caller's 30 s again
        budget.acquire(item, "k", max_wait=30)
    assert raised.value.local and len(clock.sleeps) == 1


def test_identities_have_separate_budgets(clock: FakeClock) -> None:
    budget = budget_for(clock)
    item = RateLimitItemPerMinute(1)
    budget.acquire(item, "key-a", max_wait=0)
    budget.acquire(item, "key-b", max_wait=0)
    with pytest.raises(RateLimitedError):
        budget.acquire(item, "key-a", max_wait=0)


def test_budgets_on_the_same_storage_share_counts(clock: FakeClock) -> None:
    namespace = f"shared-{uuid4()}"
    first, second = budget_for(clock, namespace), budget_for(clock, namespace)
    other_system = budget_for(clock)
    item = RateLimitItemPerMinute(1)
    first.acquire(item, "k", max_wait=0)
    other_system.acquire(item, "k", max_wait=0)
    with pytest.raises(RateLimitedError):
        second.acquire(item, "k", max_wait=0)


def test_secret_fingerprint_is_short_and_stable() -> None:
    assert secret_fingerprint("abc") == secret_fingerprint("abc")
    assert len(secret_fingerprint("abc")) == 12
    assert "abc" not in secret_fingerprint("abc")


# --- Redis: the budget shared across processes ---------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server not installed")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


HIT_FROM_OTHER_PROCESS = """
import sys
from limits import RateLimitItemPerMinute
from psabridge.connectors.http import RateBudget
budget = RateBudget(sys.argv[1], sys.argv[2])
for _ in range(3):
    budget.acquire(RateLimitItemPerMinute(3), "key", max_wait=0)
"""


def test_redis_budget_is_shared_across_processes(redis_url: str) -> None:
    namespace = f"xproc-{uuid4()}"
    subprocess.run([sys.executable, "-c", HIT_FROM_OTHER_PROCESS, redis_url, namespace], check=True)
    budget = RateBudget(redis_url, namespace)
    with pytest.raises(RateLimitedError) as raised:
        budget.acquire(RateLimitItemPerMinute(3), "key", max_wait=0)
    assert 0 < (raised.value.retry_after or 0) <= 60


def test_without_redis_a_sqlite_budget_is_shared_across_processes_and_restarts(
    tmp_path,
) -> None:
    # A worker restarted without Redis used to start a fresh in-memory budget (42 real 429s).
    uri = f"sqlite://{tmp_path / 'ratelimit.sqlite3'}"
    namespace = f"xproc-{uuid4()}"
    subprocess.run([sys.executable, "-c", HIT_FROM_OTHER_PROCESS, uri, namespace], check=True)
    budget = RateBudget(uri, namespace)  # a new process: what the one before it used still counts
    with pytest.raises(RateLimitedError) as raised:
        budget.acquire(RateLimitItemPerMinute(3), "key", max_wait=0)
    assert 0 < (raised.value.retry_after or 0) <= 60


def test_a_sqlite_budget_moves_its_window(tmp_path, clock: FakeClock) -> None:
    budget = RateBudget(
        f"sqlite://{tmp_path / 'window.sqlite3'}", "w", sleeper=clock.sleep, clock=clock.time
    )
    item = RateLimitItemPerSecond(2)
    assert [budget.acquire(item, "k", max_wait=0) for _ in range(2)] == [0.0, 0.0]
    assert budget.wait_time(item, "k") > 0
    time.sleep(1.05)  # the storage stamps entries with the wall clock, as `limits` does
    assert budget.acquire(item, "k", max_wait=0) == 0.0


def test_unreachable_redis_is_transient() -> None:
    budget = RateBudget(f"redis://127.0.0.1:{_free_port()}", "down")
    with pytest.raises(TransientError):
        budget.acquire(RateLimitItemPerSecond(1), "key", max_wait=0)


def test_a_share_of_the_limit_per_process(clock: FakeClock) -> None:
    budget = RateBudget(
        "memory://",
        namespace=f"share-{uuid4().hex}",
        sleeper=clock.sleep,
        clock=clock.time,
        share=0.4,
    )
    item = RateLimitItemPerMinute(10)
    for _ in range(4):
        assert budget.acquire(item, "k", max_wait=0) == 0.0
    with pytest.raises(RateLimitedError):
        budget.acquire(item, "k", max_wait=0)
    assert budget.wait_time(item, "k") > 0


def test_a_share_never_leaves_fewer_than_two_calls_a_window(clock: FakeClock) -> None:
    budget = RateBudget(
        "memory://",
        namespace=f"floor-{uuid4().hex}",
        sleeper=clock.sleep,
        clock=clock.time,
        share=0.1,
    )
    item = RateLimitItemPerMinute(5)
    assert [budget.acquire(item, "k", max_wait=0) for _ in range(2)] == [0.0, 0.0]
    with pytest.raises(RateLimitedError):
        budget.acquire(item, "k", max_wait=0)


def test_a_tenant_limit_replaces_the_connector_limit(clock: FakeClock) -> None:
    from limits import parse

    from psabridge.connectors.rate_budget import parse_limit

    budget = RateBudget(
        "memory://",
        f"test-{uuid4()}",
        sleeper=clock.sleep,
        clock=clock.time,
        limit=parse("3/minute"),
    )
    item = RateLimitItemPerMinute(1)  # the connector's own, lower limit
    assert [budget.acquire(item, "k", max_wait=0) for _ in range(3)] == [0.0, 0.0, 0.0]
    with pytest.raises(RateLimitedError):
        budget.acquire(item, "k", max_wait=0)
    assert parse_limit("X", "500/5 minutes").amount == 500
    with pytest.raises(ValueError, match='X: "lots" is not a rate limit'):
        parse_limit("X", "lots")
