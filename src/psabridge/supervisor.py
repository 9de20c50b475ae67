"""The child processes of `psabridge run`: started together, restarted when one dies, stopped
together. A worker or web process that dies is started again with backoff, so the webhook never
goes down with a worker; one that keeps dying at once gives up with a clear message."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # seconds before each restart in a row
QUICK_EXIT = 10.0  # a child that dies sooner than this after its start failed to start
GIVE_UP_AFTER = 5  # quick exits in a row


@dataclass
class Child:
    """One child: how to start it again, and how it has been doing."""

    argv: list[str]
    kwargs: dict[str, Any]
    restart: bool
    process: subprocess.Popen[bytes]
    started_at: float
    quick_exits: int = 0
    restarts: int = 0
    restart_at: float | None = None


@dataclass
class Supervisor:
    """Child processes started together, watched, and stopped together."""

    children: dict[str, Child] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    say: Callable[[str], None] = field(
        default=lambda text: print(text, file=sys.stderr, flush=True)
    )

    def start(
        self, name: str, argv: list[str], *, restart: bool = False, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        """Start a child (its extra environment in `env_extra`); `restart`: start it again
        when it dies."""
        process = _spawn(argv, kwargs)
        self.children[name] = Child(argv, kwargs, restart, process, self.clock())
        return process

    def exited(self) -> str | None:
        """Return the name of a child that stopped by itself, if any."""
        return next((n for n, c in self.children.items() if c.process.poll() is not None), None)

    def check(self) -> str | None:
        """Restart dead restartable children when their backoff is over; return why everything
        must stop instead (a child that is not restarted died, or one keeps dying at once)."""
        for name, child in self.children.items():
            code = child.process.poll()
            if code is None:
                continue
            if not child.restart:
                return f"the {name} process stopped unexpectedly (exit {code})"
            problem = self._schedule_or_restart(name, child, code)
            if problem:
                return problem
        return None

    def _schedule_or_restart(self, name: str, child: Child, code: int) -> str | None:
        now = self.clock()
        if child.restart_at is None:
            quick = now - child.started_at < QUICK_EXIT
            child.quick_exits = child.quick_exits + 1 if quick else 0
            if child.quick_exits >= GIVE_UP_AFTER:
                return f"the {name} process keeps stopping at once (exit {code}); stopping"
            delay = BACKOFF[min(child.restarts, len(BACKOFF) - 1)] if quick else BACKOFF[0]
            child.restart_at = now + delay
            self.say(
                f"psabridge: the {name} process stopped (exit {code}); restarting it in {delay:g} s"
            )
            return None
        if now >= child.restart_at:
            child.process = _spawn(child.argv, child.kwargs)
            child.started_at, child.restart_at = now, None
            child.restarts += 1
            self.say(f"psabridge: the {name} process is running again")
        return None

    def stop(self, grace: float = 2.0) -> None:
        """Ask every child to stop (SIGTERM), then kill what is left after the grace period.

        Each stops within a second on SIGTERM; a worker still finishing a task after a Ctrl-C
        (Huey's graceful stop) is killed after the grace: every job is safe to cut short (the
        ledger and the intents are written ahead, and the next run settles them). What a child
        started itself goes too: a gunicorn master killed in its graceful wait must not leave its
        workers running, holding the port.
        """
        processes = [child.process for child in self.children.values()]
        offspring = [pid for process in processes for pid in _descendants(process.pid)]
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = self.clock() + grace
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                process.kill()
        for pid, started in offspring:
            if _start_time(pid) == started:  # still that process, not a reused pid
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)


def _print(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _spawn(argv: list[str], kwargs: dict[str, Any]) -> subprocess.Popen[bytes]:
    options = dict(kwargs)
    extra = options.pop("env_extra", {})
    return subprocess.Popen(argv, env={**os.environ, **extra}, **options)


def _descendants(root: int) -> list[tuple[int, str]]:
    """Return (pid, start time) of every process below `root` (Linux /proc; [] elsewhere)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*") if Path("/proc/self/stat").exists() else ():
        fields = _stat_fields(int(entry.name))
        if fields:
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(parents.get(root, []))
    while todo:
        pid = todo.pop()
        found.append((pid, _start_time(pid)))
        todo += parents.get(pid, [])
    return [(pid, started) for pid, started in found if started]


def _start_time(pid: int) -> str:
    fields = _stat_fields(pid)
    return fields[19] if fields else ""


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: [state, ppid, ...]."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text.rsplit(") ", 1)[1].split()
