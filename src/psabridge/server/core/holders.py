"""Who holds a lease: this host, process and thread; and whether a holder on this host died."""

from __future__ import annotations

import os
import socket
import threading


def owner_id() -> str:
    """Return an id for this process and thread: host:pid:thread."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 100000}"


def died_here(owner: str) -> bool:
    """Return whether `owner` ran on this host in a process that no longer exists.

    A process killed outright (kill -9, a crash) never releases what it held; on its own host
    that is certain, elsewhere only the lease's expiry tells.
    """
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
