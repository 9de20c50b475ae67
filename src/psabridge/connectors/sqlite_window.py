"""A moving-window rate-limit storage in one SQLite file, for `limits` (scheme `sqlite:///path`).

Without Redis, every psabridge process of a host counts its outside calls in the same file, so a
restarted worker still sees the calls made before it started, and the web processes and the
worker share one budget instead of splitting it by guesswork. Each acquire is one short
`BEGIN IMMEDIATE` transaction: SQLite serialises them across processes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from limits.storage import MovingWindowSupport, Storage

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS window_entry (key TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS window_entry_key_at ON window_entry (key, at)",
)


class SqliteWindowStorage(Storage, MovingWindowSupport):
    """`limits` storage keeping moving-window entries in a SQLite file shared by processes."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        self.path = uri.removeprefix("sqlite://") or ":memory:"
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        with self._db() as db:
            for statement in _SCHEMA:
                db.execute(statement)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            self._local.connection = connection
        return connection

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Take `amount` entries when the window of `expiry` seconds holds room for them."""
        if amount > limit:
            return False
        db, now = self._db(), time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM window_entry WHERE key = ? AND at < ?", (key, now - expiry))
            (count,) = db.execute(
                "SELECT COUNT(*) FROM window_entry WHERE key = ?", (key,)
            ).fetchone()
            taken = count + amount <= limit
            if taken:
                db.executemany(
                    "INSERT INTO window_entry (key, at) VALUES (?, ?)", [(key, now)] * amount
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return bool(taken)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """Return (the oldest entry in the window, how many entries it holds)."""
        now = time.time()
        oldest, count = (
            self._db()
            .execute(
                "SELECT MIN(at), COUNT(*) FROM window_entry WHERE key = ? AND at >= ?",
                (key, now - expiry),
            )
            .fetchone()
        )
        return (oldest if count else now), int(count)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Fixed-window counting is not used by psabridge: count entries of the window."""
        self.acquire_entry(key, 2**31, expiry, amount)
        return self.get(key)

    def get(self, key: str) -> int:
        (count,) = (
            self._db().execute("SELECT COUNT(*) FROM window_entry WHERE key = ?", (key,)).fetchone()
        )
        return int(count)

    def get_expiry(self, key: str) -> float:
        return time.time()

    def check(self) -> bool:
        self._db().execute("SELECT 1").fetchone()
        return True

    def reset(self) -> int | None:
        cursor = self._db().execute("DELETE FROM window_entry")
        return int(cursor.rowcount)

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM window_entry WHERE key = ?", (key,))
