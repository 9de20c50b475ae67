"""`psabridge run`'s supervisor: a dead worker or web process is started again with backoff; one
that keeps dying at once gives up; a child that is not restarted stops everything."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from psabridge.supervisor import BACKOFF, GIVE_UP_AFTER, Supervisor

EXIT_AT_ONCE = [sys.executable, "-c", "import sys; sys.exit(3)"]
RUN_A_WHILE = [sys.executable, "-c", "import time; time.sleep(30)"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settled(supervisor: Supervisor, name: str) -> None:
    supervisor.children[name].process.wait(timeout=10)


def test_a_dead_child_is_restarted_after_its_backoff_and_the_rest_keep_running():
    clock, said = Clock(), []
    supervisor = Supervisor(clock=clock, say=said.append)
    supervisor.start("worker", EXIT_AT_ONCE, restart=True)
    web = supervisor.start("web", RUN_A_WHILE, restart=True)
    try:
        settled(supervisor, "worker")
        assert supervisor.check() is None
        assert said == [
            f"psabridge: the worker process stopped (exit 3); restarting it in {BACKOFF[0]:g} s"
        ]
        first = supervisor.children["worker"].process
        assert supervisor.check() is None and supervisor.children["worker"].process is first
        clock.now += BACKOFF[0]
        assert supervisor.check() is None
        assert supervisor.children["worker"].process is not first, "started again"
        assert said[-1] == "psabridge: the worker process is running again"
        assert web.poll() is None, "the web process never stopped"
    finally:
        supervisor.stop(grace=1)


def test_a_child_that_keeps_dying_at_once_gives_up():
    clock = Clock()
    supervisor = Supervisor(clock=clock, say=lambda text: None)
    supervisor.start("web", EXIT_AT_ONCE, restart=True)
    problem = None
    for _ in range(GIVE_UP_AFTER * 2):
        settled(supervisor, "web")
        problem = supervisor.check()
        if problem:
            break
        clock.now += 60
        supervisor.check()
    assert problem == "the web process keeps stopping at once (exit 3); stopping"
    supervisor.stop(grace=1)


def test_a_child_that_is_not_restarted_stops_everything():
    supervisor = Supervisor(say=lambda text: None)
    supervisor.start("sandbox", EXIT_AT_ONCE)
    settled(supervisor, "sandbox")
    assert supervisor.check() == "the sandbox process stopped unexpectedly (exit 3)"


def test_stop_ends_every_child_quickly():
    supervisor = Supervisor(say=lambda text: None)
    process = supervisor.start("worker", RUN_A_WHILE, restart=True)
    started = time.monotonic()
    supervisor.stop(grace=5)
    assert process.poll() is not None and time.monotonic() - started < 5


# A gunicorn-like child: on SIGTERM it waits (its graceful timeout) longer than the supervisor's
# grace, while its own child (a worker) keeps running; it writes that worker's pid first.
SLOW_PARENT = [
    sys.executable,
    "-c",
    "import signal, subprocess, sys, time\n"
    "worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print(worker.pid, flush=True)\n"
    "signal.signal(signal.SIGTERM, lambda *_: time.sleep(5))\n"
    "time.sleep(60)\n",
]


def test_stop_leaves_no_grandchild_behind():
    supervisor = Supervisor(say=lambda text: None)
    process = supervisor.start("web", SLOW_PARENT, restart=True, stdout=subprocess.PIPE)
    assert process.stdout is not None
    worker = int(process.stdout.readline())
    supervisor.stop(grace=0.5)
    deadline = time.monotonic() + 3
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker), "the child's own child outlived the stop"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by its parent or init) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"
